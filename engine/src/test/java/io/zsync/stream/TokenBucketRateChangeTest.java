package io.zsync.stream;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rates that an application-wide coordinator changes while the owner runs: {@link TokenBucket#setRate},
 * {@link RateLimit#setRates} and buckets that start empty. Times are explicit nanoseconds.
 */
class TokenBucketRateChangeTest {
    private static final long MS = 1_000_000L;
    private static final long SECOND = 1_000 * MS;

    @Test
    void shouldStartEmptyWhenAskedAndFillAtTheRate() {
        TokenBucket empty = new TokenBucket(1_000, 10, 0, 0, false);
        assertEquals(0, empty.availableTokens(0));
        assertFalse(empty.tryAcquire(1, 0), "no burst at the start");
        assertEquals(MS, empty.nanosUntilAvailable(1, 0));
        assertEquals(5, drain(empty, 5 * MS), "5 ms at 1000/s");
        assertEquals(10, new TokenBucket(1_000, 10, 0, 0).availableTokens(0), "the 4-argument one starts full");
        assertEquals(10, new TokenBucket(1_000, 10, 0, 0, true).availableTokens(0));
    }

    @Test
    void shouldGrantExactlyTheNewRateAfterACutAndAfterARaise() {
        TokenBucket bucket = new TokenBucket(1_000, 10, 0, 0);
        assertEquals(10, drain(bucket, 0));
        assertEquals(500, pollEveryMillisecond(bucket, 0, 500 * MS), "500 ms at 1000/s");

        bucket.setRate(10, 1, 500 * MS);
        assertEquals(10, bucket.rate());
        assertEquals(1, bucket.burst());
        assertEquals(10, pollEveryMillisecond(bucket, 500 * MS, 1_500 * MS), "1 s at 10/s");

        bucket.setRate(1_000, 10, 1_500 * MS);
        assertEquals(1_000, pollEveryMillisecond(bucket, 1_500 * MS, 2_500 * MS), "1 s at 1000/s again");
    }

    @Test
    void shouldCountTheTimeBeforeTheChangeAtTheOldRate() {
        TokenBucket bucket = new TokenBucket(1_000, 1_000, 0, 0);
        assertEquals(1_000, drain(bucket, 0));
        // 100 ms pass unseen, then the rate drops: those 100 ms accrued at 1000/s, not at 10/s.
        bucket.setRate(10, 1_000, 100 * MS);
        assertEquals(100, bucket.availableTokens(100 * MS));
        assertEquals(101, bucket.availableTokens(200 * MS), "then 10/s");
    }

    @Test
    void aCutAfterALongCatchUpWaitKeepsAtMostTheNewRatesWindow() {
        TokenBucket bucket = new TokenBucket(1_000, 10, SECOND, 0);
        assertEquals(10, drain(bucket, 0), "the burst, then a request waits");
        // 800 ms of waiting is worth 800 tokens of catch-up at the old rate; after a cut to 100/s at most the
        // new rate's 1 s window of them may leave at once.
        bucket.setRate(100, 5, 800 * MS);
        assertEquals(100, bucket.availableTokens(800 * MS));
        assertEquals(100, drain(bucket, 800 * MS));
        assertEquals(10, drain(bucket, 900 * MS), "the wait goes on at the new rate: 100 ms at 100/s");
    }

    @Test
    void aCutOfAnIdleBucketLeavesAtMostTheNewBurst() {
        TokenBucket bucket = new TokenBucket(1_000, 500, SECOND, 0);
        bucket.setRate(100, 5, 800 * MS);
        assertEquals(5, bucket.availableTokens(800 * MS), "full at 500, nothing waits: the new burst");
    }

    @Test
    void aRaiseKeepsTheCatchUpOfWaitingRequests() {
        TokenBucket bucket = new TokenBucket(1_000, 10, SECOND, 0);
        drain(bucket, 0);
        bucket.setRate(2_000, 20, 500 * MS);
        assertEquals(500, bucket.availableTokens(500 * MS), "500 accrued while waiting, kept");
        assertEquals(500 + 200, drain(bucket, 600 * MS), "the wait restarted from 500 at 2000/s");
    }

    @Test
    void smallChangesEveryQuarterSecondDoNotCostARarelyDispatchingOwnerItsRate() {
        // An owner that dispatches once a second (a quiet Streams task with poll.ms=1000) under a coordinator
        // that moves its allowance between 990 and 1010/s every 250 ms: about 1,000 a second all the same.
        TokenBucket bucket = new TokenBucket(1_000, 100, 2 * SECOND, 0, false);
        assertEquals(0, drain(bucket, 0), "empty: the backlog's first request waits");
        long released = 0;
        for (int second = 1; second <= 10; second++) {
            for (int quarter = 1; quarter <= 3; quarter++) {
                bucket.setRate(quarter % 2 == 0 ? 990 : 1_010, 100, (second - 1) * SECOND + quarter * 250 * MS);
            }
            released += drain(bucket, second * SECOND);
        }
        assertTrue(released >= 9_900 && released <= 10_100, "released " + released + " in 10 s");
    }

    @Test
    void settingTheSameRateAgainKeepsTheCatchUp() {
        // A coordinator may repeat an allowance every round; that must not cost the owner its catch-up.
        TokenBucket bucket = new TokenBucket(1_000, 10, SECOND, 0);
        drain(bucket, 0);
        bucket.setRate(1_000, 10, 300 * MS);
        assertEquals(500, drain(bucket, 500 * MS));
    }

    @Test
    void aDebtStaysADebtAcrossAChange() {
        TokenBucket bytes = new TokenBucket(1_000, 100, 0, 0);
        assertTrue(bytes.tryAcquire(500, 0), "more than the burst, from a full bucket");
        bytes.setRate(2_000, 50, 0);
        assertEquals(-400, bytes.availableTokens(0));
        // 401 tokens short at 2000/s: 200.5 ms.
        assertEquals(200_500_000L, bytes.nanosUntilAvailable(1, 0));
    }

    @Test
    void rateZeroGrantsNothingForTenSecondsAndThenResumesAtTheRaisedRate() {
        TokenBucket bucket = new TokenBucket(1_000, 10, SECOND, 0);
        assertEquals(10, bucket.availableTokens(0));
        bucket.setRate(0, 10, 0);
        assertEquals(0, bucket.rate());
        assertEquals(0, bucket.availableTokens(0), "what it held is not spent while the rate is 0");
        for (long t = 0; t <= 10 * SECOND; t += 10 * MS) {
            assertFalse(bucket.tryAcquire(1, t), "at " + t / MS + " ms");
            assertFalse(bucket.tryAcquire(0, t), "not even an empty request, at " + t / MS + " ms");
            assertFalse(bucket.canAcquire(1, t));
            assertEquals(Long.MAX_VALUE, bucket.nanosUntilAvailable(1, t));
        }
        assertEquals(0, bucket.availableTokens(10 * SECOND));

        // The 10 s at rate 0 earn nothing, not even as catch-up: from the raise on, exactly the new rate.
        bucket.setRate(1_000, 10, 10 * SECOND);
        assertEquals(0, drain(bucket, 10 * SECOND));
        assertEquals(1_000, pollEveryMillisecond(bucket, 10 * SECOND, 11 * SECOND));
    }

    @Test
    void rateZeroTakesNoDivisionByZeroOnAnyPathAndKeepsTheRequestedWindow() {
        TokenBucket bucket = new TokenBucket(1_000_000_000L, 1, Long.MAX_VALUE, 0, false);
        assertEquals(SECOND, bucket.catchUpNanos(), "10^9 tokens of catch-up at most, at the largest rate");
        bucket.setRate(0, 1_000_000_000L, 0);
        bucket.markWaiting(SECOND);
        bucket.markWaitingOnAnother(2 * SECOND);
        bucket.consume(5);
        assertEquals(-5, bucket.availableTokens(Long.MAX_VALUE / 2));
        assertEquals(Long.MAX_VALUE, bucket.nanosUntilAvailable(1, Long.MAX_VALUE / 2));
        assertTrue(bucket.toString().contains("rate=0/s"), bucket.toString());
        bucket.setRate(1_000_000_000L, 1, Long.MAX_VALUE / 2);
        assertEquals(1, bucket.availableTokens(Long.MAX_VALUE / 2 + 6), "a token a nanosecond: the debt, then one");
        bucket.setRate(1_000, 10, Long.MAX_VALUE / 2 + 6);
        assertEquals(1_000_000_000_000_000L, bucket.catchUpNanos(),
                "the window asked for at construction, fitted to the new rate, not the one fitted to the old");
    }

    @Test
    void setRateRefusesBadValuesNamingThemAndChangesNothing() {
        TokenBucket bucket = new TokenBucket(1_000, 10, 0, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bucket.setRate(-1, 10, 0));
        assertTrue(e.getMessage().contains("rate") && e.getMessage().contains("was -1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> bucket.setRate(1_000_000_001L, 10, 0));
        assertTrue(e.getMessage().contains("was 1000000001"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> bucket.setRate(10, 0, 0));
        assertTrue(e.getMessage().contains("burst") && e.getMessage().contains("was 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> bucket.setRate(10, 1_000_000_001L, 0));
        assertTrue(e.getMessage().contains("burst") && e.getMessage().contains("1000000001"), e.getMessage());
        assertEquals(1_000, bucket.rate());
        assertEquals(10, bucket.burst());
        assertEquals(10, bucket.availableTokens(0));
    }

    @Test
    void setRatesChangesBothBucketsWithATenthOfASecondOfBytesAsTheirBurst() {
        TokenBucket records = new TokenBucket(1_000, 10, 0, 0);
        TokenBucket bytes = new TokenBucket(100_000, 10_000, 0, 0);
        RateLimit limit = new RateLimit(records, bytes);
        limit.setRates(100, 5, 2_000, 0);
        assertEquals(100, records.rate());
        assertEquals(5, records.burst());
        assertEquals(2_000, bytes.rate());
        assertEquals(200, bytes.burst());
        assertEquals("100 records/s (burst 5), 2000 bytes/s (burst 200)", limit.toString());
        // 10-byte records: 100 records/s binds (bytes would allow 200/s). The records burst of 5 first.
        assertEquals(5, drainLimit(limit, 10, 0));
        long released = 0;
        for (long t = MS; t <= SECOND; t += MS) {
            released += drainLimit(limit, 10, t);
        }
        assertEquals(100, released);
    }

    @Test
    void setRatesIgnoresAValueForAMissingBucketAndChangesNothingWhenOneIsRefused() {
        TokenBucket records = new TokenBucket(1_000, 10, 0, 0);
        new RateLimit(records, null).setRates(50, 5, -1, 0);
        assertEquals(50, records.rate(), "no bytes bucket: the bytes value is not looked at");

        TokenBucket bytes = new TokenBucket(1_000, 100, 0, 0);
        RateLimit both = new RateLimit(records, bytes);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> both.setRates(70, 7, -1, 0));
        assertTrue(e.getMessage().startsWith("bytes") && e.getMessage().contains("was -1"), e.getMessage());
        assertEquals(50, records.rate(), "the records bucket did not change alone");
        assertEquals(1_000, bytes.rate());

        new RateLimit(null, bytes).setRates(-5, 0, 10, 0);
        assertEquals(10, bytes.rate());
        assertEquals(1, bytes.burst(), "max(1, 10 / 10)");
        bytes.setRate(1_000, 100, 0);
        new RateLimit(null, bytes).setRates(0, 1, 5, 0);
        assertEquals(1, bytes.burst(), "at least 1 for rates below 10");
    }

    @Test
    void aRateLimitWithARecordsRateOfZeroPassesNothingAndWaitsForever() {
        RateLimit limit = new RateLimit(new TokenBucket(1_000, 10, SECOND, 0), new TokenBucket(1_000, 100, SECOND, 0));
        limit.setRates(0, 10, 1_000, 0);
        for (long t = 0; t <= 10 * SECOND; t += 100 * MS) {
            assertFalse(limit.tryAcquire(1, t));
            assertEquals(Long.MAX_VALUE, limit.nanosUntilAvailable(1, t));
        }
    }

    /** Takes tokens one at a time at {@code now} until refused; returns how many. */
    private static long drain(TokenBucket bucket, long now) {
        return TokenBucketTest.drain(bucket, now);
    }

    /** Drains at every millisecond after {@code from} up to and including {@code to}; returns the grants. */
    private static long pollEveryMillisecond(TokenBucket bucket, long from, long to) {
        long granted = 0;
        for (long t = from + MS; t <= to; t += MS) {
            granted += drain(bucket, t);
        }
        return granted;
    }

    private static long drainLimit(RateLimit limit, long length, long now) {
        long n = 0;
        while (limit.tryAcquire(length, now)) {
            n++;
        }
        return n;
    }
}

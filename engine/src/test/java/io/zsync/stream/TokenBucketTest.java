package io.zsync.stream;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenBucketTest {
    private static final long MS = 1_000_000L;
    private static final long SECOND = 1_000 * MS;

    @Test
    void shouldStartFullAndGrantTheBurstBackToBack() {
        TokenBucket bucket = new TokenBucket(100, 5, 0);
        for (int i = 0; i < 5; i++) {
            assertTrue(bucket.tryAcquire(1, 0), "token " + i);
        }
        assertFalse(bucket.tryAcquire(1, 0));
        assertEquals(10 * MS, bucket.nanosUntilAvailable(1, 0));
    }

    @Test
    void shouldRefillExactlyWithoutDrift() {
        // 3 per second does not divide a second into whole nanoseconds; integer units keep it exact. The
        // bucket is emptied first and polled often, so it never overflows its burst.
        TokenBucket bucket = new TokenBucket(3, 10, 0);
        while (bucket.tryAcquire(1, 0)) {
            // empty it
        }
        long granted = 0;
        long now = 0;
        for (int step = 0; step < 3_600_000; step++) {
            now += MS;
            while (bucket.tryAcquire(1, now)) {
                granted++;
            }
        }
        assertEquals(3 * 3600, granted, "an hour at 3/s");
    }

    @Test
    void shouldDeliverTheConfiguredRateOverTenSecondsWithinOnePercent() {
        long rate = 100_000;
        TokenBucket bucket = new TokenBucket(rate, rate / 10, 0);
        long now = 0;
        while (bucket.tryAcquire(1, now)) {
            // drain the initial burst, then measure the steady rate
        }
        long granted = 0;
        for (long t = 1; t <= 10_000; t++) {
            now = t * MS + (t % 7) * 1_000;
            while (bucket.tryAcquire(1, now)) {
                granted++;
            }
        }
        double measured = granted / (now / 1e9);
        assertEquals(rate, measured, rate * 0.01, "measured " + measured + "/s");
    }

    @Test
    void shouldCapAtTheBurstAfterAQuietPeriod() {
        TokenBucket bucket = new TokenBucket(1_000, 10, 0);
        assertEquals(10, bucket.availableTokens(Long.MAX_VALUE / 2));
    }

    @Test
    void shouldGrantAnOversizedRequestFromAFullBucketAndThenWaitOffTheDebt() {
        TokenBucket bytes = new TokenBucket(1_000, 100, 0);
        assertTrue(bytes.tryAcquire(500, 0), "more than the burst, from a full bucket");
        assertEquals(-400, bytes.availableTokens(0));
        assertFalse(bytes.tryAcquire(1, 0));
        assertEquals(500 * MS, bytes.nanosUntilAvailable(100, 0), "debt of 400 plus a full 100 at 1000/s");
        assertTrue(bytes.tryAcquire(1, 401 * MS));
    }

    @Test
    void shouldRefuseBadSettingsNamingTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TokenBucket(0, 1, 0));
        assertTrue(e.getMessage().contains("was 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TokenBucket(10, -1, 0));
        assertTrue(e.getMessage().contains("burst") && e.getMessage().contains("-1"), e.getMessage());
    }

    @Test
    void shouldGrantBothBucketsTogetherOrNeither() {
        RateLimit limit = new RateLimit(new TokenBucket(1_000, 10, 0), new TokenBucket(1_000, 100, 0));
        assertTrue(limit.tryAcquire(60, 0));
        assertFalse(limit.tryAcquire(60, 0), "bytes bucket has only 40 left");
        // the refused request must not have taken a record token
        for (int i = 0; i < 9; i++) {
            assertTrue(limit.tryAcquire(0, 0), "record token " + i);
        }
        assertFalse(limit.tryAcquire(0, 0));
    }

    // Issue 19 row c: an owner that can only call every 100 ms or every second (a Kafka Streams task whose
    // input is quiet runs once per poll.ms) must still get the rate, whatever the burst.

    @Test
    void shouldReleaseABacklogAtTheRateWhenCalledOnlyEveryHundredMillisecondsWithASmallBurst() {
        assertEquals(3.0, secondsToRelease(3_000, new TokenBucket(1_000, 10, SECOND, 0), 100 * MS), 3.0 * 0.02);
    }

    @Test
    void shouldReleaseABacklogAtTheRateWhenCalledOnlyEverySecond() {
        assertEquals(3.0, secondsToRelease(3_000, new TokenBucket(1_000, 10, SECOND, 0), 1_000 * MS), 3.0 * 0.02);
        assertEquals(3.0, secondsToRelease(3_000, new TokenBucket(1_000, 100, SECOND, 0), 1_000 * MS), 3.0 * 0.02,
                "the default burst, a tenth of the rate");
    }

    @Test
    void aClassicBucketLetsOutOnlyTheBurstPerCallSoItNeedsTheCatchUp() {
        // What the Streams task did before: 10 per 100 ms call, 30 s for 3,000 at 1,000/s.
        assertEquals(29.9, secondsToRelease(3_000, new TokenBucket(1_000, 10, 0), 100 * MS), 0.01);
    }

    @Test
    void shouldKeepTheRateOverTenSecondsWithinTwoPercentWhenCallsComeLate() {
        // Calls every 100 ms plus 0 to 9 ms, as a stream thread coming back late from its poll.
        TokenBucket bucket = new TokenBucket(1_000, 10, SECOND, 0);
        long granted = drain(bucket, 0);
        long now = 0;
        for (int call = 1; now < 10 * SECOND; call++) {
            now += 100 * MS + (call * 7 % 10) * MS;
            granted += drain(bucket, now);
        }
        double measured = (granted - 10) / (now / 1e9);
        assertEquals(1_000, measured, 1_000 * 0.02, "measured " + measured + "/s");
    }

    @Test
    void shouldCreditAtMostTheCatchUpWindowAfterAStall() {
        TokenBucket bucket = new TokenBucket(1_000, 10, SECOND, 0);
        assertEquals(10, drain(bucket, 0), "the burst, then a request waits");
        assertEquals(1_000, drain(bucket, 10 * SECOND), "a 10 s stall releases one second's worth, not ten");
        TokenBucket large = new TokenBucket(1_000, 2_000, SECOND, 0);
        assertEquals(2_000, drain(large, 0));
        assertEquals(2_000, drain(large, 10 * SECOND), "at most max(burst, rate x window)");
    }

    @Test
    void shouldCapAtTheBurstAgainOnceNothingWaits() {
        TokenBucket bucket = new TokenBucket(1_000, 10, SECOND, 0);
        drain(bucket, 0);
        assertFalse(bucket.tryAcquire(1, 0));
        // 500 tokens accrued while a request waited; the owner takes only 20, then nothing waits.
        for (int i = 0; i < 20; i++) {
            assertTrue(bucket.tryAcquire(1, 500 * MS));
        }
        assertEquals(480, bucket.availableTokens(500 * MS), "the catch-up is there at once");
        assertEquals(10, bucket.availableTokens(501 * MS), "but it is not kept through idle time");
        assertEquals(10, bucket.availableTokens(60 * SECOND), "and idle time only fills the burst");
    }

    @Test
    void shouldNotCatchUpWithoutAWaitingRequest() {
        TokenBucket bucket = new TokenBucket(1_000, 10, SECOND, 0);
        for (int i = 0; i < 10; i++) {
            assertTrue(bucket.tryAcquire(1, 0));
        }
        // The owner emptied the bucket but asked for nothing more: nothing waited.
        assertEquals(10, drain(bucket, 500 * MS));
    }

    @Test
    void aQueryThatFindsTooFewTokensStartsTheWaitToo() {
        TokenBucket bucket = new TokenBucket(1_000, 10, SECOND, 0);
        for (int i = 0; i < 10; i++) {
            assertTrue(bucket.tryAcquire(1, 0));
        }
        assertEquals(MS, bucket.nanosUntilAvailable(1, 0));
        assertEquals(100, drain(bucket, 100 * MS));
    }

    @Test
    void shouldNotLetAContinuousOwnerGoBeyondTheBurst() {
        // Called every millisecond with a request always waiting: the catch-up adds nothing a continuous
        // owner does not already get, and the bucket never holds more than a millisecond's worth.
        TokenBucket bucket = new TokenBucket(1_000, 10, SECOND, 0);
        long granted = drain(bucket, 0);
        for (long t = 1; t <= 1_000; t++) {
            assertTrue(bucket.availableTokens(t * MS) <= 1, "at " + t + " ms");
            granted += drain(bucket, t * MS);
        }
        assertEquals(1_010, granted);
    }

    @Test
    void shouldReleaseRecordsAndBytesAtTheirRatesTogetherWhenCalledOnlyEverySecond() {
        // 1,000 records/s and a bytes rate of 100-byte records: the two limits bind equally, or in turn.
        for (long bytesRate : new long[] {100_000, 110_000, 90_000}) {
            RateLimit limit = new RateLimit(new TokenBucket(1_000, 10, SECOND, 0),
                    new TokenBucket(bytesRate, bytesRate / 10, SECOND, 0));
            long released = 0;
            for (long now = 0; now <= 10 * SECOND; now += SECOND) {
                while (limit.tryAcquire(100, now)) {
                    released++;
                }
            }
            long perSecond = Math.min(1_000, bytesRate / 100);
            assertEquals(10 + 10 * perSecond, released, 10 * perSecond * 0.02, "bytes " + bytesRate + "/s");
        }
    }

    @Test
    void aBucketThatDoesNotBindStaysNearItsBurstWhileTheOtherHoldsMessagesBack() {
        // Called every millisecond; 100-byte messages at 50,000 bytes/s: the bytes limit holds them back
        // (500/s) and the records bucket (1,000/s) never refuses. It must not save up a second's worth for
        // later: a continuous owner's burst stays the burst.
        TokenBucket records = new TokenBucket(1_000, 10, SECOND, 0);
        RateLimit limit = new RateLimit(records, new TokenBucket(50_000, 5_000, SECOND, 0));
        long released = 0;
        for (long t = 0; t <= 2 * SECOND; t += MS) {
            while (limit.tryAcquire(100, t)) {
                released++;
            }
            assertTrue(records.availableTokens(t) <= 11, "records bucket at " + t / MS + " ms: "
                    + records.availableTokens(t));
        }
        assertEquals(50 + 2 * 500, released, "the bytes rate, after its burst of 50");
    }

    @Test
    void shouldRefuseANegativeCatchUpWindow() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TokenBucket(10, 1, -1, 0));
        assertTrue(e.getMessage().contains("catch-up") && e.getMessage().contains("-1"), e.getMessage());
    }

    @Test
    void shouldBoundTheCatchUpOfTheLargestRatesWithoutOverflow() {
        TokenBucket bucket = new TokenBucket(1_000_000_000L, 1, Long.MAX_VALUE, 0);
        assertTrue(bucket.tryAcquire(1, 0));
        assertFalse(bucket.tryAcquire(1, 0));
        assertEquals(1_000_000_000L, bucket.availableTokens(Long.MAX_VALUE / 2), "at most 10^9 tokens of catch-up");
    }

    /** Takes single tokens at {@code now} until refused; returns how many (also used by TokenBucketRateChangeTest). */
    static long drain(TokenBucket bucket, long now) {
        long n = 0;
        while (bucket.tryAcquire(1, now)) {
            n++;
        }
        return n;
    }

    /** Calls every {@code interval} from 0 until {@code count} were granted; returns the time of the last grant. */
    private static double secondsToRelease(long count, TokenBucket bucket, long interval) {
        long granted = 0;
        long now = 0;
        while (true) {
            while (granted < count && bucket.tryAcquire(1, now)) {
                granted++;
            }
            if (granted == count) {
                return now / 1e9;
            }
            now += interval;
        }
    }
}

package io.zsync.stream;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenBucketTest {
    private static final long MS = 1_000_000L;

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
}

package io.zsync.kafka.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class LagBudgetTest {
    private static final long INTERVAL = 250_000_000L;
    private static final TopicPartition P0 = new TopicPartition("out", 0);
    private static final TopicPartition P1 = new TopicPartition("out", 1);

    private static Map<TopicPartition, Long> offsets(long p0, long p1) {
        Map<TopicPartition, Long> m = new HashMap<>();
        m.put(P0, p0);
        m.put(P1, p1);
        return m;
    }

    @Test
    void theRoomLeftUnderTheBoundIsReleasedOverOneInterval() {
        LagBudget b = new LagBudget(1_000, 0, INTERVAL);
        assertEquals(0, b.budget(0, 0), "nothing before the first reading");
        b.reading(0, offsets(500, 500), offsets(300, 400));
        assertEquals(300, b.lag());
        // 700 records of room, over 250 ms: 2,800 records/s.
        assertEquals(2_800, b.budget(10_000_000L, 0));
        b.reading(INTERVAL, offsets(1_200, 900), offsets(400, 500));
        assertEquals(1_200, b.lag());
        assertEquals(0, b.budget(INTERVAL, 0), "over the bound: hold");
    }

    @Test
    void roomGrantedButNotYetUsedIsTakenOffTheNextRoom() {
        LagBudget b = new LagBudget(1_000, 0, INTERVAL);
        b.reading(0, offsets(0, 0), offsets(0, 0));
        assertEquals(4_000, b.budget(0, 0), "1,000 records of room");
        // Only 400 of them reached the output, and the group consumed them all: 600 may still be in the tasks'
        // buckets, so only 400 more are granted.
        b.reading(INTERVAL, offsets(200, 200), offsets(200, 200));
        assertEquals(0, b.lag());
        assertEquals(1_600, b.budget(INTERVAL, 0));
        // All of that used: the whole bound again.
        b.reading(2 * INTERVAL, offsets(400, 400), offsets(400, 400));
        assertEquals(4_000, b.budget(2 * INTERVAL, 0));
    }

    @Test
    void aConfiguredRateCapsTheBudgetAndOnlyTheCappedPartCountsAsGranted() {
        LagBudget b = new LagBudget(1_000, 0, INTERVAL);
        b.reading(0, offsets(0, 0), offsets(0, 0));
        assertEquals(400, b.budget(0, 400), "the configured 400/s, below the room's 4,000/s");
        // 100 records granted (400/s over 250 ms), all used: the next room is not cut for the 900 never granted.
        b.reading(INTERVAL, offsets(50, 50), offsets(50, 50));
        assertEquals(4_000, b.budget(INTERVAL, 0));
    }

    @Test
    void aReadingNotRenewedWithinOneAndAHalfIntervalsReleasesNothing() {
        LagBudget b = new LagBudget(1_000, 0, INTERVAL);
        b.reading(0, offsets(10, 10), offsets(10, 10));
        assertEquals(4_000, b.budget(INTERVAL + INTERVAL / 2, 0));
        assertEquals(0, b.budget(INTERVAL + INTERVAL / 2 + 1, 0), "its room is spent: the lag must be read again");
    }

    @Test
    void aGroupWithoutCommittedOffsetsCountsItsLagFromTheEndOffsetsFirstSeen() {
        LagBudget b = new LagBudget(100, 0, INTERVAL);
        b.reading(0, offsets(5_000, 7_000), Map.of());
        assertEquals(0, b.lag(), "a group not started yet: nothing waits for it so far");
        assertEquals(2, b.uncommitted());
        b.reading(INTERVAL, offsets(5_060, 7_040), Map.of());
        assertEquals(100, b.lag(), "what was released since counts");
        assertEquals(0, b.budget(INTERVAL, 0), "at most the bound is released until it commits");
        b.reading(2 * INTERVAL, offsets(5_060, 7_040), offsets(5_060, 7_000));
        assertEquals(40, b.lag(), "its commits count again");
        assertEquals(0, b.uncommitted());
    }

    @Test
    void aGroupDeletedMidRunHoldsAtTheBoundFromThatMoment() {
        LagBudget b = new LagBudget(100, 0, INTERVAL);
        b.reading(0, offsets(1_000, 1_000), offsets(990, 1_000));
        assertEquals(10, b.lag());
        b.reading(INTERVAL, offsets(1_050, 1_000), Map.of());
        assertEquals(0, b.lag(), "deleted: the lag counts from the end offsets read now");
        b.reading(2 * INTERVAL, offsets(1_100, 1_050), Map.of());
        assertEquals(100, b.lag());
        assertEquals(0, b.budget(2 * INTERVAL, 0));
    }

    @Test
    void aGroupResetToTheBeginningHoldsUntilItCatchesUp() {
        LagBudget b = new LagBudget(1_000, 0, INTERVAL);
        b.reading(0, offsets(50_000, 50_000), offsets(49_900, 50_000));
        b.reading(INTERVAL, offsets(50_000, 50_000), offsets(0, 0));
        assertEquals(100_000, b.lag());
        assertEquals(0, b.budget(INTERVAL, 0));
    }

    @Test
    void aCommittedOffsetPastTheEndIsNoLag() {
        LagBudget b = new LagBudget(1_000, 0, INTERVAL);
        b.reading(0, offsets(10, 10), offsets(500, 10));
        assertEquals(0, b.lag());
    }

    @Test
    void anAgeBoundLimitsTheLagToWhatTheGroupConsumesInThatTime() {
        LagBudget b = new LagBudget(10_000, 1_000, INTERVAL);
        long c = 0;
        long end = 5_000;
        // The group consumes 200 records/s (50 per interval) for 2 s.
        for (int i = 0; i <= 8; i++) {
            b.reading(i * INTERVAL, offsets(end, 0), offsets(c, 0));
            c += 50;
        }
        assertEquals(200, b.consumptionRate());
        long lag = b.lag();
        // Its bound is 200 records/s x 1 s = 200; its lag is far above: hold.
        assertEquals(5_000 - 400, lag);
        assertEquals(0, b.budget(8 * INTERVAL, 0));
        // Caught up (lag 0): the whole bound, whatever it consumed.
        b.reading(9 * INTERVAL, offsets(end, 0), offsets(end, 0));
        assertEquals(40_000, b.budget(9 * INTERVAL, 0));
    }

    @Test
    void anEmptyGroupThatConsumesNothingHoldsOnceItsLagReachesTheBound() {
        LagBudget b = new LagBudget(300, 0, INTERVAL);
        b.reading(0, offsets(100, 100), offsets(100, 100));
        assertEquals(1_200, b.budget(0, 0), "room for 300");
        b.reading(INTERVAL, offsets(250, 250), offsets(100, 100));
        assertEquals(0, b.budget(INTERVAL, 0), "300 waiting: hold until the group consumes");
    }
}

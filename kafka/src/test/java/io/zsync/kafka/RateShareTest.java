package io.zsync.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How zsync.rate.scope=application divides a rate among the tasks of a sub-topology. */
class RateShareTest {

    @Test
    void tasksReadPartitionNumberPOfEveryTopicThatHasIt() {
        // Streams makes 3 tasks for a:3 and b:2; task 2 reads only a-2.
        Map<String, Integer> counts = Map.of("a", 3, "b", 2);
        assertEquals(new RateShare(2, 5, 0), RateShare.of(List.of("a", "b"), counts, 0));
        assertEquals(new RateShare(2, 5, 2), RateShare.of(List.of("a", "b"), counts, 1));
        assertEquals(new RateShare(1, 5, 4), RateShare.of(List.of("a", "b"), counts, 2));
    }

    @Test
    void theTasksRatesAddUpToExactlyTheConfiguredRate() {
        Map<String, Integer> counts = Map.of("a", 3, "b", 2);
        for (long rate : new long[] {5, 7, 100, 999_999_937L, 1_000_000_000L}) {
            long sum = 0;
            for (int p = 0; p < 3; p++) {
                long share = RateShare.of(List.of("a", "b"), counts, p).apportion(rate);
                // Each share is within one of its exact fraction.
                double exact = rate * (p == 2 ? 1 : 2) / 5.0;
                assertEquals(exact, share, 1.0, "task " + p + " of rate " + rate);
                sum += share;
            }
            assertEquals(rate, sum, "rate " + rate);
        }
    }

    @Test
    void noLimitStaysNoLimitAndATinyShareIsStillOnePerSecond() {
        RateShare share = RateShare.of(List.of("a"), Map.of("a", 8), 3);
        assertEquals(0, share.apportion(0));
        assertEquals(1, share.apportion(2), "2/s over 8 partitions: a task gets 1, not 0 (which means no limit)");
    }

    @Test
    void aTaskBeyondEveryTopicOrAnUnknownTopicIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> RateShare.of(List.of("a"), Map.of("a", 2), 2));
        assertThrows(IllegalArgumentException.class, () -> RateShare.of(List.of("a", "b"), Map.of("a", 2), 0));
    }
}

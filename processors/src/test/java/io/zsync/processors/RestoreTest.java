package io.zsync.processors;

import static io.zsync.processors.RealtimeDriver.header;
import static io.zsync.processors.RealtimeDriver.string;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zsync.kafka.ZsyncHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * Issue 19 row e: a task that starts with records in its buffer store. A first driver buffers records under
 * a rate limit and stops; a second one starts with what its store held (as the changelog restores it).
 * Restored records re-enter the engine before the task's first new record and then compete with new input
 * by priority (and, with {@code zsync.ordering=deadline}, deadline): at an equal level, or an equal deadline,
 * a restored record goes first.
 */
class RestoreTest {
    private static final String P = ZsyncHeaders.PRIORITY;
    private static final String D = ZsyncHeaders.DEADLINE;
    /** One record a second, so everything sent after the first record of a run waits in the store. */
    private static final Map<String, String> HELD = Map.of("zsync.rate.limit", "1", "zsync.rate.burst", "1");
    private static final Instant AFTER_RESTART = RealtimeDriver.START.plus(Duration.ofMinutes(5));

    @Test
    void restoredRecordsCompeteWithNewInputByPriorityAndGoFirstAtAnEqualLevel() {
        Map<Long, byte[]> store = firstRun(HELD, t -> {
            t.send("r-critical", P, "CRITICAL");
            t.send("r-low", P, "LOW");
            t.send("r-normal", P, "NORMAL");
        });
        assertEquals(3, store.size());
        try (RealtimeDriver t = RealtimeDriver.restarted(HELD, AFTER_RESTART, store)) {
            // The first new record's call restores the three, offers n-critical and lets one record out.
            t.send("n-critical", P, "CRITICAL");
            t.send("n-normal", P, "NORMAL");
            t.send("n-low", P, "LOW");
            t.advance(Duration.ofSeconds(10));
            assertEquals(List.of("r-critical", "n-critical", "r-normal", "n-normal", "r-low", "n-low"), t.outKeys());
            assertTrue(t.dlq.isEmpty());
            assertEquals(Map.of(), t.storeEntries(), "every restored entry settled");
            assertEquals(3.0, metric(t.driver.metrics(), "restored-records"));
        }
    }

    @Test
    void underDeadlineOrderingARestoredRecordGoesFirstAtAnEqualDeadlineAndAnEarlierNewOneOvertakes() {
        Map<String, String> settings = Map.of("zsync.rate.limit", "1", "zsync.rate.burst", "1",
                "zsync.ordering", "deadline");
        long base = AFTER_RESTART.toEpochMilli() * 1_000;
        Map<Long, byte[]> store = firstRun(settings, t -> {
            t.send("r-late", D, Long.toString(base + 7_200_000_000L));
            t.send("r-tie", D, Long.toString(base + 3_600_000_000L));
        });
        try (RealtimeDriver t = RealtimeDriver.restarted(settings, AFTER_RESTART, store)) {
            // The first new record's call restores r-late and r-tie, offers n-tie and lets one record out.
            t.send("n-tie", D, Long.toString(base + 3_600_000_000L));
            t.send("n-early", D, Long.toString(base + 1_800_000_000L));
            t.advance(Duration.ofSeconds(10));
            assertEquals(List.of("r-tie", "n-early", "n-tie", "r-late"), t.outKeys());
        }
    }

    @Test
    void aRestoredRecordWhoseDeadlinePassedWhileTheAppWasDownIsDeadLetteredExpired() {
        long sentAt = RealtimeDriver.START.toEpochMilli() * 1_000;
        Map<Long, byte[]> store = firstRun(HELD, t -> {
            t.send("short", D, Long.toString(sentAt + 30_000_000L));
            t.send("long", D, Long.toString(sentAt + 3_600_000_000L));
            t.send("none");
        });
        assertEquals(3, store.size());
        try (RealtimeDriver t = RealtimeDriver.restarted(HELD, AFTER_RESTART, store)) {
            t.advance(Duration.ofSeconds(5));
            assertEquals(List.of("long", "none"), t.outKeys());
            List<TestRecord<byte[], byte[]>> dead = t.dlq.readRecordsToList();
            assertEquals(1, dead.size());
            assertEquals("short", string(dead.get(0).key()));
            assertEquals("EXPIRED", header(dead.get(0), ZsyncHeaders.DLQ_REASON));
            assertEquals("in", header(dead.get(0), ZsyncHeaders.SOURCE_TOPIC));
            assertEquals("1", header(dead.get(0), ZsyncHeaders.SOURCE_OFFSET), "the offset it was read at, before");
            assertEquals(1.0, metric(t.driver.metrics(), "expired-total"));
            assertEquals(Map.of(), t.storeEntries());
        }
    }

    @Test
    void aCorruptRestoredEntryIsDeadLetteredMalformedWithItsBytesAndTheOthersAreDelivered() {
        Map<Long, byte[]> store = firstRun(HELD, t -> {
            t.send("b");
            t.send("c");
            t.send("d");
        });
        List<Long> sequences = new ArrayList<>(store.keySet());
        byte[] corrupt = Arrays.copyOf(store.get(sequences.get(1)), 30);
        store.put(sequences.get(1), corrupt);
        try (RealtimeDriver t = RealtimeDriver.restarted(HELD, AFTER_RESTART, store)) {
            t.send("n");
            t.advance(Duration.ofSeconds(5));
            assertEquals(List.of("b", "d", "n"), t.outKeys());
            List<TestRecord<byte[], byte[]>> dead = t.dlq.readRecordsToList();
            assertEquals(1, dead.size());
            assertEquals("MALFORMED", header(dead.get(0), ZsyncHeaders.DLQ_REASON));
            assertArrayEquals(corrupt, dead.get(0).value(), "the stored bytes, so nothing is lost");
            assertEquals("in", header(dead.get(0), ZsyncHeaders.SOURCE_TOPIC));
            assertEquals("2", header(dead.get(0), ZsyncHeaders.SOURCE_OFFSET));
            assertEquals(Map.of(), t.storeEntries());
            assertEquals(3.0, metric(t.driver.metrics(), "restored-records"));
        }
    }

    /**
     * Sends "a" (let through by the burst), then what {@code input} sends, which the rate limit holds; stops
     * the task and returns its store as the changelog would restore it.
     */
    private static Map<Long, byte[]> firstRun(Map<String, String> settings, Consumer<RealtimeDriver> input) {
        try (RealtimeDriver t = new RealtimeDriver(settings)) {
            t.send("a");
            input.accept(t);
            assertEquals(List.of("a"), t.outKeys());
            assertEquals(0.0, metric(t.driver.metrics(), "restored-records"));
            return new TreeMap<>(t.storeEntries());
        }
    }

    private static double metric(Map<MetricName, ? extends Metric> metrics, String name) {
        List<Object> found = new ArrayList<>();
        metrics.forEach((n, m) -> {
            if (n.group().equals("zsync") && n.name().equals(name)) {
                found.add(m.metricValue());
            }
        });
        assertEquals(1, found.size(), name + ": " + found);
        return ((Number) found.get(0)).doubleValue();
    }
}

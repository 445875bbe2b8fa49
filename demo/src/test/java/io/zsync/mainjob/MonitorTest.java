package io.zsync.mainjob;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zsync.kafka.ZsyncHeaders;
import io.zsync.stream.Priority;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * What the monitor makes of the records it reads, without a broker: latency kept per phase of the
 * workload by when each record was produced, and probe records counted apart from the workload's.
 * Before {@link Monitor#begin} the phases count from 0 ms, so timestamps here are ms into the workload.
 */
class MonitorTest {
    private static Monitor monitor() {
        return new Monitor("unused:9092", "deliveries", List.of("prioritized.dlq", "deliveries.dlq"), () -> 0, null,
                MainJob.PHASES);
    }

    private static ConsumerRecord<byte[], byte[]> record(String topic, byte[] key, long producedMs,
                                                         Map<String, String> headers) {
        RecordHeaders h = new RecordHeaders();
        headers.forEach((k, v) -> h.add(k, v.getBytes(StandardCharsets.UTF_8)));
        return new ConsumerRecord<>(topic, 0, 0, producedMs, TimestampType.CREATE_TIME, key.length, 0, key,
                new byte[0], h, Optional.empty());
    }

    private static byte[] seq(long n) {
        return ByteBuffer.allocate(Long.BYTES).putLong(n).array();
    }

    @Test
    void shouldKeepLatencyPerPhaseByWhenTheRecordWasProduced() {
        Monitor m = monitor();
        Map<String, String> critical = Map.of(ZsyncHeaders.PRIORITY, "CRITICAL");
        m.take(record("deliveries", seq(0), 1_000, critical), 3_500);  // produced in the warm-up, 2,500 ms
        m.take(record("deliveries", seq(1), 2_999, critical), 3_099);  // the warm-up's last ms, 100 ms
        m.take(record("deliveries", seq(2), 3_000, critical), 3_040);  // the steady part's first ms, 40 ms
        m.take(record("deliveries", seq(3), 9_000, Map.of(ZsyncHeaders.PRIORITY, "LOW")), 9_060);

        assertEquals(2, m.delivered(MainJob.WARM_UP));
        assertEquals(2, m.delivered(MainJob.STEADY));
        assertEquals(2, m.delivered(MainJob.WARM_UP, Priority.CRITICAL));
        assertEquals(1, m.delivered(MainJob.STEADY, Priority.CRITICAL));
        assertEquals(1, m.delivered(MainJob.STEADY, Priority.LOW));
        assertEquals(40, m.latency(MainJob.STEADY, Priority.CRITICAL).getMaxValue(), 1);
        assertTrue(m.latency(MainJob.WARM_UP, Priority.CRITICAL).getMaxValue() >= 2_500);
        assertEquals(4, m.outTotal());
        assertEquals(4, m.accounted());
    }

    @Test
    void shouldCountProbeRecordsApartFromTheWorkload() {
        Monitor m = monitor();
        byte[] delivered = (Probe.KEY_PREFIX + "orders-0").getBytes(StandardCharsets.US_ASCII);
        byte[] dead = (Probe.KEY_PREFIX + "audit-1").getBytes(StandardCharsets.US_ASCII);
        m.take(record("deliveries", delivered, 0, Map.of(ZsyncHeaders.PRIORITY, "CRITICAL")), 10);
        m.take(record("deliveries", delivered, 0, Map.of(ZsyncHeaders.PRIORITY, "CRITICAL")), 20);
        m.take(record("deliveries.dlq", dead, 0, Map.of(ZsyncHeaders.DLQ_REASON, "EXPIRED")), 30);

        assertEquals(java.util.Set.of(Probe.KEY_PREFIX + "orders-0"), m.probesDelivered());
        assertEquals(Map.of(Probe.KEY_PREFIX + "audit-1", "deliveries.dlq EXPIRED"), m.probesDeadLettered());
        assertEquals(1, m.probeRepeats());
        assertEquals(0, m.accounted(), "probe records are not the workload's");
        assertEquals(0, m.outTotal());
        assertEquals(0, m.delivered(MainJob.WARM_UP));
        assertTrue(m.deadByTopicAndReason().isEmpty());
        assertEquals(List.of(0L), m.missing(1, new java.util.BitSet(), 10), "no sequence number was seen");
    }

    @Test
    void theReportShowsTheSteadyPartAsItsHeadlineAndTheWarmUpOnItsOwnLine() {
        Monitor m = monitor();
        for (int i = 0; i < 100; i++) {
            m.take(record("deliveries", seq(i), 500, Map.of(ZsyncHeaders.PRIORITY, "HIGH")), 2_500);
            m.take(record("deliveries", seq(100 + i), 10_000, Map.of(ZsyncHeaders.PRIORITY, "HIGH")), 10_050);
        }
        String table = MainJob.latencyTable(m, MainJob.STEADY);
        assertTrue(table.contains("latency, produce to delivery (ms), steady: records produced after the first 3 s of"
                + " the workload\n"), table);
        assertTrue(table.matches("(?s).*\\n  HIGH\\s+100\\s+50\\s+50\\s+50\\s+50\\n.*"), table);
        assertTrue(table.matches("(?s).*\\n  CRITICAL\\s+0\\s+-\\s+-\\s+-\\s+-\\n.*"), table);
        String line = MainJob.latencyLine(m, MainJob.WARM_UP);
        assertTrue(line.matches("  warm-up, records produced in the first 3 s: p99 ms CRITICAL -, HIGH 2,0\\d\\d,"
                + " NORMAL -, LOW - \\(100 delivered\\)\\n"), line);
    }

    @Test
    void phasesMustFollowOneAnotherToTheEnd() {
        Monitor.Phase first = new Monitor.Phase("first", 0, 1_000);
        IllegalArgumentException gap = assertThrows(IllegalArgumentException.class, () -> new Monitor("unused:9092",
                "out", List.of(), () -> 0, null, List.of(first, new Monitor.Phase("late", 2_000, Long.MAX_VALUE))));
        assertTrue(gap.getMessage().contains("phase late starts at 2000 ms") && gap.getMessage().contains("1000 ms"),
                gap.getMessage());
        IllegalArgumentException open = assertThrows(IllegalArgumentException.class, () -> new Monitor("unused:9092",
                "out", List.of(), () -> 0, null, List.of(first)));
        assertTrue(open.getMessage().contains("ends at 1000 ms"), open.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Monitor.Phase("empty", 5, 5));
        assertEquals("produced from 60 s to 90 s", new Monitor.Phase("slow consumer", 60_000, 90_000).records());
    }
}

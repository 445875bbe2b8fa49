package io.zsync.processors;

import static io.zsync.processors.RealtimeDriver.header;
import static io.zsync.processors.RealtimeDriver.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zsync.kafka.ZsyncConfig;
import io.zsync.kafka.ZsyncHeaders;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * Issue 19, row d2: the producer holds a forwarded record for up to its {@code linger.ms} before the broker
 * appends it, so the processor releases a record only while its deadline is at least that (plus a send
 * allowance) ahead. On a manual clock under {@code TopologyTestDriver}, with a rate of 10/s so that the second
 * token, and so the release, comes 100 ms after the first.
 */
class DeadlineMarginTest {

    private static final String D = ZsyncHeaders.DEADLINE;
    private static final Map<String, String> TEN_PER_SECOND = Map.of("zsync.rate.limit", "10", "zsync.rate.burst", "1");

    /** Sends a blocker (takes the token), then records whose deadlines are 50 and 150 ms after the next release. */
    private static List<String> releasedAt100ms(RealtimeDriver t, List<TestRecord<byte[], byte[]>> dead) {
        long now = t.nowMicros();
        t.send("blocker");
        t.send("deadline-50ms-after-release", D, Long.toString(now + 150_000));
        t.send("deadline-150ms-after-release", D, Long.toString(now + 250_000));
        t.advance(Duration.ofMillis(100));
        dead.addAll(t.dlq.readRecordsToList());
        return t.outKeys();
    }

    @Test
    void withLingerOf100msARecordReleased50msBeforeItsDeadlineIsExpiredAnd150msBeforeIsDelivered() {
        try (RealtimeDriver t = new RealtimeDriver(TEN_PER_SECOND, Map.of("in", 1), Map.of("producer.linger.ms", "100"))) {
            long deadlineMs = t.nowMicros() / 1_000 + 150;
            List<TestRecord<byte[], byte[]>> dead = new ArrayList<>();
            assertEquals(List.of("blocker", "deadline-150ms-after-release"), releasedAt100ms(t, dead));
            assertEquals(1, dead.size());
            TestRecord<byte[], byte[]> d = dead.get(0);
            assertEquals("deadline-50ms-after-release", string(d.key()));
            assertEquals("EXPIRED", header(d, ZsyncHeaders.DLQ_REASON));
            // Not forwarded at its turn (+100 ms, 50 ms before its deadline), nor held until then: dead-lettered as
            // soon as its deadline is less than linger.ms + 20 ms away, by the next punctuation (every 5 ms).
            long deadAtMs = Long.parseLong(header(d, ZsyncHeaders.DLQ_TIMESTAMP));
            assertTrue(deadAtMs > deadlineMs - 120 && deadAtMs <= deadlineMs - 115, deadAtMs + " vs deadline " + deadlineMs);
        }
    }

    @Test
    void kafkaStreamsDefaultLingerOf100msAppliesWhenNoneIsSet() {
        try (RealtimeDriver t = new RealtimeDriver(TEN_PER_SECOND)) {
            List<TestRecord<byte[], byte[]>> dead = new ArrayList<>();
            assertEquals(List.of("blocker", "deadline-150ms-after-release"), releasedAt100ms(t, dead));
            assertEquals(List.of("deadline-50ms-after-release"), keys(dead));
        }
    }

    @Test
    void aShortLingerLetsTheSameRecordOutAndTheProducerPrefixWinsOverThePlainKey() {
        try (RealtimeDriver t = new RealtimeDriver(TEN_PER_SECOND, Map.of("in", 1),
                Map.of("linger.ms", "100", "producer.linger.ms", "5"))) {
            long now = t.nowMicros();
            t.send("blocker");
            t.send("deadline-50ms-after-release", D, Long.toString(now + 150_000));
            t.send("deadline-20ms-after-release", D, Long.toString(now + 220_000));
            t.advance(Duration.ofMillis(200));
            assertEquals(List.of("blocker", "deadline-50ms-after-release"), t.outKeys(),
                    "the margin is 5 + 20 ms: 50 ms is enough");
            assertEquals(List.of("deadline-20ms-after-release"), keys(t.dlq.readRecordsToList()),
                    "its turn comes at +200 ms, 20 ms before its deadline: less than 5 + 20 ms");
        }
        try (RealtimeDriver t = new RealtimeDriver(TEN_PER_SECOND, Map.of("in", 1), Map.of("linger.ms", "5"))) {
            List<TestRecord<byte[], byte[]>> dead = new ArrayList<>();
            assertEquals(List.of("blocker", "deadline-50ms-after-release"), releasedAt100ms(t, dead),
                    "the plain key is the producer's too");
            assertTrue(dead.isEmpty());
        }
    }

    @Test
    void anExplicitMarginReplacesTheLingerDerivedOne() {
        Map<String, String> zsync = Map.of("zsync.rate.limit", "10", "zsync.rate.burst", "1",
                "zsync.deadline.margin.ms", "0");
        try (RealtimeDriver t = new RealtimeDriver(zsync, Map.of("in", 1), Map.of("producer.linger.ms", "100"))) {
            List<TestRecord<byte[], byte[]>> dead = new ArrayList<>();
            assertEquals(List.of("blocker", "deadline-50ms-after-release"), releasedAt100ms(t, dead));
            assertTrue(dead.isEmpty(), "margin 0: deliverable up to its deadline");
        }
    }

    @Test
    void withoutARateLimitARecordInsideTheMarginIsExpiredAtOnce() {
        try (RealtimeDriver t = new RealtimeDriver(Map.of())) {
            long now = t.nowMicros();
            t.send("50ms-left", D, Long.toString(now + 50_000));
            t.send("200ms-left", D, Long.toString(now + 200_000));
            assertEquals(List.of("200ms-left"), t.outKeys());
            TestRecord<byte[], byte[]> dead = t.dlq.readRecord();
            assertEquals("50ms-left", string(dead.key()));
            assertEquals("EXPIRED", header(dead, ZsyncHeaders.DLQ_REASON));
        }
    }

    @Test
    void theMarginIsLingerPlusTheSendAllowanceFoundAsKafkaStreamsFindsLinger() {
        ZsyncConfig derived = new ZsyncConfig(Map.of());
        assertEquals(120, ZsyncStreams.deadlineMarginMs(derived, Map.of()), "Kafka Streams' default linger.ms 100");
        assertEquals(25, ZsyncStreams.deadlineMarginMs(derived, Map.of("linger.ms", "5")));
        assertEquals(20, ZsyncStreams.deadlineMarginMs(derived, Map.of("linger.ms", 50, "producer.linger.ms", 0)));
        assertEquals(7, ZsyncStreams.deadlineMarginMs(new ZsyncConfig(Map.of("zsync.deadline.margin.ms", "7")),
                Map.of("producer.linger.ms", "100")));
    }

    @Test
    void aLingerThatIsNotANumberIsRefusedNamingItsKey() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ZsyncStreams.validate(Map.of("producer.linger.ms", "soon")));
        assertTrue(e.getMessage().contains("producer.linger.ms") && e.getMessage().contains("soon"), e.getMessage());
        ConfigException bad = assertThrows(ConfigException.class,
                () -> ZsyncStreams.processor("zsync", Map.of("zsync.deadline.margin.ms", "-5")));
        assertTrue(bad.getMessage().contains("zsync.deadline.margin.ms") && bad.getMessage().contains("-1"),
                bad.getMessage());
    }

    private static List<String> keys(List<TestRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> string(r.key())).toList();
    }
}

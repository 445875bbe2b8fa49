package io.zsync.processors;

import static io.zsync.processors.RealtimeDriver.header;
import static io.zsync.processors.RealtimeDriver.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zsync.kafka.ZsyncHeaders;
import io.zsync.schemas.DeadLetter;
import io.zsync.schemas.ZsyncSerdes;
import io.zsync.stream.BufferFullException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/** Every rule of the realtime processor under {@code TopologyTestDriver}, on a manual clock. */
class RealtimeProcessorTest {

    private static final String P = ZsyncHeaders.PRIORITY;
    private static final String D = ZsyncHeaders.DEADLINE;

    @Test
    void withoutALimitEveryRecordIsForwardedAtOnceWithKeyValueHeadersAndTimestamp() {
        try (RealtimeDriver t = new RealtimeDriver(Map.of())) {
            t.send("a", P, "high", "trace", "x1");
            TestRecord<byte[], byte[]> r = t.out.readRecord();
            assertEquals("a", string(r.key()));
            assertEquals("value-a", string(r.value()));
            assertEquals("x1", header(r, "trace"));
            assertEquals("high", header(r, P));
            assertEquals(RealtimeDriver.START, r.getRecordTime());
            assertTrue(t.dlq.isEmpty());
        }
    }

    @Test
    void underTheRateLimitAHigherLevelAlwaysGoesFirstAndFifoWithinALevel() {
        try (RealtimeDriver t = new RealtimeDriver(Map.of("zsync.rate.limit", "10", "zsync.rate.burst", "1"))) {
            t.send("low-1", P, "LOW");          // takes the one token at once
            t.send("low-2", P, "LOW");
            t.send("normal-1");                 // no header: zsync.priority.default NORMAL
            t.send("critical-1", P, "critical");
            t.send("high-1", P, "High");
            t.send("critical-2", P, "CRITICAL");
            t.send("normal-2", P, "NORMAL");
            assertEquals(List.of("low-1"), t.outKeys());
            t.advance(Duration.ofMillis(100));
            assertEquals(List.of("critical-1"), t.outKeys());
            t.advance(Duration.ofMillis(500));
            assertEquals(List.of("critical-2", "high-1", "normal-1", "normal-2", "low-2"), t.outKeys());
            assertTrue(t.dlq.isEmpty());
        }
    }

    @Test
    void deadlineOrderingPutsTheEarliestDeadlineFirstWithinALevel() {
        try (RealtimeDriver t = new RealtimeDriver(Map.of("zsync.rate.limit", "10", "zsync.rate.burst", "1",
                "zsync.ordering", "deadline"))) {
            long now = t.nowMicros();
            t.send("first");
            t.send("late", D, Long.toString(now + 60_000_000));
            t.send("none");
            t.send("soon", D, Long.toString(now + 30_000_000));
            t.advance(Duration.ofMillis(400));
            assertEquals(List.of("first", "soon", "late", "none"), t.outKeys());
        }
    }

    @Test
    void aRecordPastItsDeadlineIsNeverForwardedButDeadLetteredExpired() {
        // No deadline margin: this is about the deadline itself (DeadlineMarginTest covers the margin).
        try (RealtimeDriver t = new RealtimeDriver(Map.of("zsync.rate.limit", "10", "zsync.rate.burst", "1",
                "zsync.deadline.margin.ms", "0"))) {
            long now = t.nowMicros();
            t.send("already-late", D, Long.toString(now - 1));
            t.send("blocker");
            t.send("expires-waiting", D, Long.toString(now + 50_000));   // the next token comes at +100 ms
            t.send("in-time", D, Long.toString(now + 10_000_000));
            t.advance(Duration.ofMillis(200));
            assertEquals(List.of("blocker", "in-time"), t.outKeys());
            List<TestRecord<byte[], byte[]>> dead = t.dlq.readRecordsToList();
            assertEquals(List.of("already-late", "expires-waiting"), keys(dead));
            for (TestRecord<byte[], byte[]> d : dead) {
                assertEquals("EXPIRED", header(d, ZsyncHeaders.DLQ_REASON));
                assertEquals("in", header(d, ZsyncHeaders.SOURCE_TOPIC));
                assertEquals("0", header(d, ZsyncHeaders.SOURCE_PARTITION));
                assertEquals("value-" + string(d.key()), string(d.value()), "the original value is kept");
                assertTrue(header(d, D) != null, "the original headers are kept");
            }
            assertEquals("0", header(dead.get(0), ZsyncHeaders.SOURCE_OFFSET));
            assertEquals("2", header(dead.get(1), ZsyncHeaders.SOURCE_OFFSET));
            // Dead-lettered once its deadline has passed, by the next punctuation at the latest.
            long deadAtMs = Long.parseLong(header(dead.get(1), ZsyncHeaders.DLQ_TIMESTAMP));
            long deadlineMs = (now + 50_000) / 1_000;
            assertTrue(deadAtMs > deadlineMs && deadAtMs <= deadlineMs + 5, deadAtMs + " vs deadline " + deadlineMs);
        }
    }

    @Test
    void ttlGivesRecordsWithoutADeadlineHeaderTheirTimestampPlusTtl() {
        try (RealtimeDriver t = new RealtimeDriver(Map.of("zsync.rate.limit", "10", "zsync.rate.burst", "1",
                "zsync.deadline.ttl.ms", "250"))) {
            // The deadline margin is Kafka Streams' linger.ms of 100 plus 20 ms: a record is released only
            // while its deadline is at least 120 ms ahead.
            t.send("a");
            t.send("b");   // forwarded at +100 ms, 150 ms before its deadline
            t.send("c");   // its turn would come at +200 ms, 50 ms before its deadline: expired
            t.advance(Duration.ofMillis(300));
            assertEquals(List.of("a", "b"), t.outKeys());
            assertEquals(List.of("c"), keys(t.dlq.readRecordsToList()));
        }
    }

    @Test
    void dropNewestDeadLettersTheIncomingRecordWhenTheBufferIsFull() {
        try (RealtimeDriver t = new RealtimeDriver(Map.of("zsync.rate.limit", "1", "zsync.rate.burst", "1",
                "zsync.buffer.max.records", "2", "zsync.backpressure", "drop_newest"))) {
            t.send("out");
            t.send("b1", P, "LOW");
            t.send("b2", P, "LOW");
            t.send("refused", P, "CRITICAL");
            List<TestRecord<byte[], byte[]>> dead = t.dlq.readRecordsToList();
            assertEquals(List.of("refused"), keys(dead));
            assertEquals("DROPPED_NEWEST", header(dead.get(0), ZsyncHeaders.DLQ_REASON));
            t.advance(Duration.ofSeconds(3));
            assertEquals(List.of("out", "b1", "b2"), t.outKeys());
        }
    }

    @Test
    void dropOldestEvictsTheOldestOfTheLowestLevelNotAboveTheIncomingOne() {
        try (RealtimeDriver t = new RealtimeDriver(Map.of("zsync.rate.limit", "1", "zsync.rate.burst", "1",
                "zsync.buffer.max.records", "3", "zsync.backpressure", "DROP_OLDEST"))) {
            t.send("out");
            t.send("high", P, "HIGH");
            t.send("low-old", P, "LOW");
            t.send("low-new", P, "LOW");
            t.send("normal", P, "NORMAL");      // evicts low-old
            t.send("low-late", P, "LOW");       // everything buffered outranks or ties... evicts low-new
            t.send("critical", P, "CRITICAL");  // evicts low-late
            List<TestRecord<byte[], byte[]>> dead = t.dlq.readRecordsToList();
            assertEquals(List.of("low-old", "low-new", "low-late"), keys(dead));
            dead.forEach(d -> assertEquals("DROPPED_OLDEST", header(d, ZsyncHeaders.DLQ_REASON)));
            t.advance(Duration.ofSeconds(4));
            assertEquals(List.of("out", "critical", "high", "normal"), t.outKeys());
        }
    }

    @Test
    void errorOnFullFailsTheTaskNamingTheLimit() {
        try (RealtimeDriver t = new RealtimeDriver(Map.of("zsync.rate.limit", "1", "zsync.rate.burst", "1",
                "zsync.buffer.max.records", "1", "zsync.backpressure", "error_on_full"))) {
            t.send("out");
            t.send("buffered");
            StreamsException e = assertThrows(StreamsException.class, () -> t.send("refused"));
            StreamsException cause = findCause(e);
            assertTrue(cause.getMessage().contains("zsync.buffer.max.records=1"), cause.getMessage());
            assertInstanceOf(BufferFullException.class, cause.getCause());
            assertTrue(t.dlq.isEmpty(), "nothing is dead-lettered: the record is retried after a restart");
        }
    }

    @Test
    void blockWaitsForTheRateLimitToMakeRoomThenTakesTheRecord() {
        try (RealtimeDriver t = new RealtimeDriver(Map.of("zsync.rate.limit", "10", "zsync.rate.burst", "1",
                "zsync.buffer.max.records", "2", "zsync.block.max.ms", "1000"))) {
            t.send("a");
            t.send("b");
            t.send("c");
            long before = t.nowMicros();
            t.send("d");   // full: waits ~100 ms (the clock advances while it waits), b goes out, d goes in
            assertEquals(100_000, t.nowMicros() - before);
            assertEquals(List.of("a", "b"), t.outKeys());
            t.advance(Duration.ofMillis(300));
            assertEquals(List.of("c", "d"), t.outKeys());
            assertTrue(t.dlq.isEmpty());
        }
    }

    @Test
    void blockFailsTheTaskAfterBlockMaxMs() {
        try (RealtimeDriver t = new RealtimeDriver(Map.of("zsync.rate.limit", "1", "zsync.rate.burst", "1",
                "zsync.buffer.max.records", "1", "zsync.block.max.ms", "200"))) {
            t.send("a");
            t.send("b");
            StreamsException e = assertThrows(StreamsException.class, () -> t.send("c"));
            assertTrue(findCause(e).getMessage().contains("zsync.block.max.ms=200"), e.getMessage());
        }
    }

    @Test
    void theRateLimitHoldsUnderAdvancedWallClockTime() {
        try (RealtimeDriver t = new RealtimeDriver(Map.of("zsync.rate.limit", "100", "zsync.rate.burst", "10",
                "zsync.buffer.max.records", "1000"))) {
            for (int i = 0; i < 500; i++) {
                t.send("k" + i);
            }
            assertEquals(10, t.outKeys().size(), "the burst goes at once");
            t.advance(Duration.ofSeconds(2));
            assertEquals(200, t.outKeys().size(), "100 a second after the burst");
            t.advance(Duration.ofSeconds(3));
            assertEquals(290, t.outKeys().size());
            assertTrue(t.dlq.isEmpty());
        }
    }

    @Test
    void applicationScopeFallsBackToTheTasksShareByInputPartitionsStartingEmpty() {
        // The driver runs task 0_0 with no control topic, so it keeps its fallback share: "in" has 4
        // partitions, this task reads 1 of 4 and takes a quarter. Its bucket starts empty (issue 20 row d: a
        // task's restart adds no burst to the application).
        try (RealtimeDriver t = new RealtimeDriver(Map.of("zsync.rate.limit", "100", "zsync.rate.burst", "10",
                "zsync.rate.scope", "application", "zsync.buffer.max.records", "1000"), Map.of("in", 4))) {
            for (int i = 0; i < 200; i++) {
                t.send("k" + i);
            }
            assertEquals(0, t.outKeys().size(), "nothing at once: the bucket starts empty");
            t.advance(Duration.ofSeconds(2));
            assertEquals(50, t.outKeys().size(), "25 a second: a quarter of 100");
            assertTrue(t.dlq.isEmpty());
        }
    }

    @Test
    void aTaskPacedByADownstreamGroupHoldsItsRecordsUntilTheGroupsLagGivesRoom() {
        // No control topic and no lag reading here (the driver's joiner keeps the fallback): a task paced by the
        // group's lag cannot know its room, so it releases nothing, and loses nothing: every record waits.
        try (RealtimeDriver t = new RealtimeDriver(Map.of("zsync.lag.group", "readers",
                "zsync.buffer.max.records", "1000"), Map.of("in", 4))) {
            for (int i = 0; i < 200; i++) {
                t.send("k" + i);
            }
            t.advance(Duration.ofSeconds(5));
            assertEquals(0, t.outKeys().size(), "held: no room is known");
            assertTrue(t.dlq.isEmpty(), "and nothing dropped");
        }
    }

    @Test
    void theApplicationsOwnGroupIsRefusedAsTheDownstreamGroup() {
        // A driver that fails in init is never closed: its own application.id and state directory, so the store it
        // leaves locked is no other test's.
        Map<String, Object> streams = Map.of("application.id", "own-group", "state.dir",
                System.getProperty("java.io.tmpdir") + "/zsync-own-group-" + System.nanoTime());
        Exception e = assertThrows(Exception.class, () -> new RealtimeDriver(Map.of("zsync.lag.group", "own-group"),
                Map.of("in", 4), streams).close());
        Throwable cause = e;
        while (cause.getCause() != null && !(cause instanceof ConfigException)) {
            cause = cause.getCause();
        }
        assertTrue(cause.getMessage().contains("zsync.lag.group") && cause.getMessage().contains("application.id"),
                String.valueOf(cause));
    }

    @Test
    void aDownstreamGroupWithoutTheOutputTopicIsRefusedWhenTheProcessorIsAdded() {
        Map<String, String> zsync = Map.of("zsync.lag.group", "readers");
        ConfigException e = assertThrows(ConfigException.class, () -> new Topology().addSource("src", "in")
                .addProcessor("z", new RealtimeProcessor("z", zsync, "o", "d").withInputTopics(List.of("in")), "src"));
        assertTrue(e.getMessage().contains("zsync.lag.group") && e.getMessage().contains("output topic"),
                e.getMessage());
        e = assertThrows(ConfigException.class, () -> new Topology().addSource("src", "in")
                .addProcessor("z", new RealtimeProcessor("z", zsync, "o", "d").withOutputTopic("out"), "src"));
        assertTrue(e.getMessage().contains("zsync.lag.group") && e.getMessage().contains("input"), e.getMessage());
        new Topology().addSource("src", "in").addProcessor("z", new RealtimeProcessor("z", zsync, "o", "d")
                .withInputTopics(List.of("in")).withOutputTopic("out"), "src");
    }

    @Test
    void applicationScopeWithoutInputTopicsIsRefusedWhenTheProcessorIsAdded() {
        Map<String, String> zsync = Map.of("zsync.rate.limit", "100", "zsync.rate.scope", "application");
        ConfigException e = assertThrows(ConfigException.class, () -> new Topology().addSource("src", "in")
                .addProcessor("z", new RealtimeProcessor("z", zsync, "o", "d"), "src"));
        assertTrue(e.getMessage().contains("zsync.rate.scope"), e.getMessage());
        StreamsBuilder builder = new StreamsBuilder();
        KStream<byte[], byte[]> input = builder.stream("in");
        assertThrows(ConfigException.class, () -> ZsyncStreams.realtime(input, zsync));
        // With the topics named, it is accepted.
        ZsyncStreams.realtime(input, "named", zsync, List.of("in"));
        new Topology().addSource("src", "in")
                .addProcessor("z", new RealtimeProcessor("z", zsync, "o", "d").withInputTopics(List.of("in")), "src");
    }

    @Test
    void theByteRateLimitsRecordBytesPerSecond() {
        try (RealtimeDriver t = new RealtimeDriver(Map.of("zsync.rate.bytes", "1000"))) {
            long size = io.zsync.kafka.RecordSize.of(RealtimeDriver.bytes("k0"), RealtimeDriver.bytes("value-k0"),
                    new org.apache.kafka.common.header.internals.RecordHeaders());
            for (int i = 0; i < 9; i++) {
                t.send("k" + i);
            }
            int first = t.outKeys().size();
            t.advance(Duration.ofSeconds(1));
            int afterOneSecond = first + t.outKeys().size();
            assertTrue(afterOneSecond <= 1 + (1000 + 1000) / size, "at most the bucket plus a second's worth: "
                    + afterOneSecond + " of " + size + " bytes each");
            t.advance(Duration.ofSeconds(5));
            assertEquals(9, afterOneSecond + t.outKeys().size());
        }
    }

    @Test
    void badHeadersAreDeadLetteredInvalidHeaderAndTheTaskGoesOn() {
        try (RealtimeDriver t = new RealtimeDriver(Map.of())) {
            t.send("bad-priority", P, "URGENT");
            t.send("bad-deadline", D, "tomorrow");
            t.send("fine");
            assertEquals(List.of("fine"), t.outKeys());
            List<TestRecord<byte[], byte[]>> dead = t.dlq.readRecordsToList();
            assertEquals(List.of("bad-priority", "bad-deadline"), keys(dead));
            dead.forEach(d -> assertEquals("INVALID_HEADER", header(d, ZsyncHeaders.DLQ_REASON)));
        }
    }

    @Test
    void aRecordLargerThanTheByteLimitIsDeadLetteredTooLarge() {
        try (RealtimeDriver t = new RealtimeDriver(Map.of("zsync.buffer.max.bytes", "200"))) {
            t.in.pipeInput(RealtimeDriver.bytes("big"), new byte[500]);
            t.send("small");
            assertEquals(List.of("small"), t.outKeys());
            TestRecord<byte[], byte[]> d = t.dlq.readRecord();
            assertEquals("TOO_LARGE", header(d, ZsyncHeaders.DLQ_REASON));
            assertEquals(500, d.value().length);
        }
    }

    @Test
    void perTopicPriorityAppliesToRecordsWithoutAHeader() {
        try (RealtimeDriver t = new RealtimeDriver(Map.of("zsync.rate.limit", "10", "zsync.rate.burst", "1",
                "zsync.priority.topics", "in:LOW", "zsync.priority.default", "HIGH"))) {
            t.send("first");
            t.send("topic-level");
            t.send("header-level", P, "NORMAL");
            t.advance(Duration.ofMillis(300));
            assertEquals(List.of("first", "header-level", "topic-level"), t.outKeys());
        }
    }

    @Test
    void avroDeadLettersCarryTheReasonAndTheOriginalRecord() {
        try (RealtimeDriver t = new RealtimeDriver(Map.of("zsync.dlq.format", "avro"))) {
            t.send("bad", P, "nope", "trace", "t-1");
            TestRecord<byte[], byte[]> d = t.dlq.readRecord();
            assertEquals("INVALID_HEADER", header(d, ZsyncHeaders.DLQ_REASON));
            DeadLetter letter = ZsyncSerdes.deadLetter().deserializer().deserialize("out.dlq", d.value());
            assertEquals("INVALID_HEADER", letter.getReason().name());
            assertEquals("in", letter.getSourceTopic());
            assertEquals("value-bad", string(bytes(letter.getValue())));
            assertEquals("bad", string(bytes(letter.getKey())));
            assertTrue(letter.getHeaders().stream().anyMatch(h -> h.getKey().equals("trace")));
        }
    }

    @Test
    void tombstonesAndNullKeysPassThrough() {
        try (RealtimeDriver t = new RealtimeDriver(Map.of())) {
            t.in.pipeInput((byte[]) null, (byte[]) null);
            TestRecord<byte[], byte[]> r = t.out.readRecord();
            assertNull(r.key());
            assertNull(r.value());
        }
    }

    @Test
    void metricsAreReportedInGroupZsync() {
        try (RealtimeDriver t = new RealtimeDriver(Map.of("zsync.rate.limit", "10", "zsync.rate.burst", "1"))) {
            t.send("a");
            t.send("b", D, "1");
            t.send("c");
            t.advance(Duration.ofSeconds(2));
            Map<MetricName, ? extends Metric> metrics = t.driver.metrics();
            assertEquals(3.0, value(metrics, "records-in-total", null));
            assertEquals(2.0, value(metrics, "records-out-total", null));
            assertEquals(1.0, value(metrics, "expired-total", null));
            assertEquals(1.0, value(metrics, "dropped-total", "EXPIRED"));
            assertEquals(0.0, value(metrics, "dropped-total", "DROPPED_NEWEST"));
            assertEquals(0.0, value(metrics, "buffer-records", null));
            assertTrue(metrics.keySet().stream().anyMatch(n -> n.name().equals("latency-p99-ms")
                    && "CRITICAL".equals(n.tags().get("priority"))));
        }
    }

    @Test
    void invalidSettingsFailAtStartNamingTheKeyAndTheAllowedValues() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ZsyncStreams.processor("p", Map.of("zsync.backpressure", "wait")));
        assertTrue(e.getMessage().contains("zsync.backpressure"), e.getMessage());
        assertTrue(e.getMessage().contains("block, drop_oldest, drop_newest, error_on_full"), e.getMessage());

        ConfigException poll = assertThrows(ConfigException.class, () -> ZsyncStreams.validate(
                Map.of("zsync.block.max.ms", "400000")));
        assertTrue(poll.getMessage().contains("zsync.block.max.ms") && poll.getMessage().contains("300000"),
                poll.getMessage());
        ZsyncStreams.validate(Map.of("zsync.block.max.ms", "400000", "max.poll.interval.ms", "500000"));
    }

    private static double value(Map<MetricName, ? extends Metric> metrics, String name, String reason) {
        List<Object> found = new ArrayList<>();
        metrics.forEach((n, m) -> {
            if (n.group().equals("zsync") && n.name().equals(name)
                    && (reason == null || reason.equals(n.tags().get("reason")))) {
                found.add(m.metricValue());
            }
        });
        assertEquals(1, found.size(), name + " " + reason + ": " + found);
        return ((Number) found.get(0)).doubleValue();
    }

    @Test
    void onlyRecordsThatOutliveTheirProcessCallAreWrittenToTheChangeloggedStore() {
        try (RealtimeDriver t = new RealtimeDriver(Map.of("zsync.rate.limit", "10", "zsync.rate.burst", "1"))) {
            KeyValueStore<Long, byte[]> store = t.driver.getKeyValueStore("zsync-buffer");
            t.send("first", P, "LOW");          // takes the one token: forwarded inside its own process call
            assertEquals(0, count(store));
            t.send("second", P, "LOW");         // both wait for tokens, so both must survive a crash
            t.send("third", P, "HIGH");
            assertEquals(2, count(store));
            t.advance(Duration.ofMillis(250));
            assertEquals(List.of("first", "third", "second"), t.outKeys());
            assertEquals(0, count(store), "forwarded records are deleted from the store");
        }
    }

    @Test
    void withoutALimitAnExpiredRecordIsStillDeadLetteredAndNothingTouchesTheStore() {
        // No deadline margin, so "fresh", due now, is still in time (DeadlineMarginTest covers the margin).
        try (RealtimeDriver t = new RealtimeDriver(Map.of("zsync.deadline.margin.ms", "0"))) {
            KeyValueStore<Long, byte[]> store = t.driver.getKeyValueStore("zsync-buffer");
            t.send("stale", P, "HIGH", D, Long.toString(t.nowMicros() - 1));
            t.send("fresh", P, "LOW", D, Long.toString(t.nowMicros()));
            t.send("plain");
            assertEquals(List.of("fresh", "plain"), t.outKeys());
            TestRecord<byte[], byte[]> dead = t.dlq.readRecord();
            assertEquals("stale", string(dead.key()));
            assertEquals("EXPIRED", header(dead, ZsyncHeaders.DLQ_REASON));
            assertEquals(0, count(store));
        }
    }

    private static int count(KeyValueStore<Long, byte[]> store) {
        int n = 0;
        try (var it = store.all()) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }

    private static StreamsException findCause(Throwable e) {
        StreamsException last = null;
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof StreamsException && c.getMessage() != null && c.getMessage().startsWith("zsync")) {
                last = (StreamsException) c;
            }
        }
        if (last == null) {
            throw new AssertionError("no zsync error in the chain", e);
        }
        return last;
    }

    private static byte[] bytes(java.nio.ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    private static List<String> keys(List<TestRecord<byte[], byte[]>> records) {
        List<String> keys = new ArrayList<>();
        records.forEach(r -> keys.add(string(r.key())));
        return keys;
    }
}

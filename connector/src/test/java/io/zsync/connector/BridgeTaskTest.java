package io.zsync.connector;

import static io.zsync.connector.BridgeTaskHarness.TARGET;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zsync.connector.bridge.BridgeConfig;
import io.zsync.connector.bridge.BridgeRecord;
import io.zsync.kafka.ZsyncHeaders;
import io.zsync.kafka.flow.Allowance;
import io.zsync.kafka.flow.FlowJoiner;
import io.zsync.kafka.flow.LagSpec;
import io.zsync.kafka.flow.TaskFlow;
import io.zsync.stream.Priority;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/** The bridge task against Kafka Connect's commit rules, without a broker (rows of issue 18). */
class BridgeTaskTest {
    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String header(SourceRecord r, String key) {
        Header h = r.headers().lastWithName(key);
        return h == null ? null : new String((byte[]) h.value(), StandardCharsets.UTF_8);
    }

    private static long sourceOffset(SourceRecord r) {
        return ((BridgeRecord) r).origin().offset();
    }

    /** Row a: Connect drops offset 3 (errors.tolerance=all after a refused send, or a Filter). */
    @Test
    void aRecordConnectDidNotWriteBecomesANotWrittenDeadLetter() throws Exception {
        try (BridgeTaskHarness h = new BridgeTaskHarness(1).start(Map.of())) {
            for (long o = 0; o < 10; o++) {
                h.add(0, o, bytes("k" + o), bytes("v" + o), null);
            }
            List<SourceRecord> out = h.pollFor(10);
            assertEquals(10, out.size());
            for (SourceRecord r : out) {
                if (sourceOffset(r) == 3) {
                    h.notWritten(r);
                } else {
                    h.written(r, true);
                }
            }
            List<SourceRecord> next = h.pollFor(1);
            assertEquals(1, next.size());
            SourceRecord dead = next.get(0);
            assertEquals(TARGET + ".dlq", dead.topic());
            assertEquals("NOT_WRITTEN", header(dead, ZsyncHeaders.DLQ_REASON));
            assertEquals("3", header(dead, ZsyncHeaders.SOURCE_OFFSET));
            assertArrayEquals(bytes("v3"), (byte[]) dead.value());
            h.written(dead, true);
            // Dead letters written, nothing left: a restart reads on from 10.
            assertEquals(Map.of("offset", 10L, "topicId", h.topicId), dead.sourceOffset());
        }
    }

    @Test
    void aDeadLetterConnectDidNotWriteIsNotSentAgainForEver() throws Exception {
        try (BridgeTaskHarness h = new BridgeTaskHarness(1).start(Map.of())) {
            h.add(0, 0, null, bytes("v"), null);
            SourceRecord r = h.pollFor(1).get(0);
            h.notWritten(r);
            SourceRecord dead = h.pollFor(1).get(0);
            h.notWritten(dead);
            assertEquals(List.of(), h.poll(), "logged as lost, not looped");
        }
    }

    /**
     * Row b: whatever prefix of a reordered batch Connect commits (exactly-once commits the dispatched
     * prefix; a transform may drop the batch's last record), a restart delivers exactly the rest.
     */
    @Test
    void aRestartFromAnyRecordsOffsetDeliversExactlyTheRecordsNotWrittenBeforeIt() throws Exception {
        String[] levels = {"LOW", "CRITICAL", "NORMAL", "HIGH", "LOW", "CRITICAL", "LOW", "HIGH"};
        Map<String, String> slow = Map.of("zsync.rate.limit", "4", "zsync.rate.burst", "4");
        List<SourceRecord> firstBatch;
        try (BridgeTaskHarness h = new BridgeTaskHarness(1).start(slow)) {
            for (int o = 0; o < levels.length; o++) {
                h.add(0, o, bytes("k" + o), bytes("v" + o), levels[o]);
            }
            firstBatch = h.pollFor(4);
        }
        assertEquals(4, firstBatch.size(), "four tokens: the four highest levels leave first");
        for (int k = 0; k <= firstBatch.size(); k++) {
            BridgeTaskHarness h = new BridgeTaskHarness(1);
            if (k > 0) {
                h.commit(firstBatch.get(k - 1));
            }
            List<Long> expected = new ArrayList<>();
            List<Long> written = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                written.add(sourceOffset(firstBatch.get(i)));
            }
            for (long o = 0; o < levels.length; o++) {
                if (!written.contains(o)) {
                    expected.add(o);
                }
            }
            h.start(Map.of());
            for (int o = 0; o < levels.length; o++) {
                h.add(0, o, bytes("k" + o), bytes("v" + o), levels[o]);
            }
            List<Long> again = new ArrayList<>();
            for (SourceRecord r : h.pollFor(expected.size())) {
                again.add(sourceOffset(r));
            }
            again.sort(Long::compare);
            assertEquals(expected, again, "restart after " + k + " of the batch were committed");
            h.close();
        }
    }

    /** Row d: a 1.5 MB record, then ten small ones; the target has Kafka's default limits. */
    @Test
    void aRecordLargerThanTheTargetAcceptsIsATruncatedTooLargeDeadLetterAndTheOthersFlow() throws Exception {
        try (BridgeTaskHarness h = new BridgeTaskHarness(1).start(Map.of())) {
            h.add(0, 0, bytes("big"), new byte[1_500_000], null);
            for (long o = 1; o <= 10; o++) {
                h.add(0, o, bytes("k" + o), bytes("v" + o), null);
            }
            List<SourceRecord> out = h.pollFor(11);
            assertEquals(11, out.size());
            SourceRecord dead = out.stream().filter(r -> r.topic().endsWith(".dlq")).findFirst().orElseThrow();
            assertEquals("TOO_LARGE", header(dead, ZsyncHeaders.DLQ_REASON));
            assertEquals("1500000", header(dead, ZsyncHeaders.DLQ_TRUNCATED));
            assertTrue(((byte[]) dead.value()).length < 1_048_576, "the dead letter fits");
            assertEquals(10, out.stream().filter(r -> r.topic().equals(TARGET)).count());
        }
    }

    /**
     * Row b's bound: a LOW record held while a CRITICAL flood on its partition passes it would make the
     * offset grow with every record read; instead the partition pauses once the span reaches the bound, the
     * flood drains, the LOW record leaves, and reading resumes.
     */
    @Test
    void aRecordHeldWhileAFloodPassesPausesItsPartitionSoTheOffsetStaysBounded() throws Exception {
        Map<String, String> settings = new HashMap<>();
        // 400 records/s against 500 read a poll (a second apart): the flood backs up and the LOW record waits.
        settings.put("zsync.rate.limit", "400");
        settings.put("zsync.rate.burst", "400");
        settings.put("zsync.buffer.max.records", "100000");
        try (BridgeTaskHarness h = new BridgeTaskHarness(1).start(settings)) {
            h.consumer.setMaxPollRecords(500);
            h.add(0, 0, null, bytes("low"), "LOW");
            for (long o = 1; o <= 140_000; o++) {
                h.add(0, o, null, bytes("c"), "CRITICAL");
            }
            boolean paused = false;
            boolean lowLeft = false;
            int longest = 0;
            for (int i = 0; i < 2_000 && !lowLeft; i++) {
                for (SourceRecord r : h.poll()) {
                    lowLeft |= sourceOffset(r) == 0;
                    longest = Math.max(longest, r.sourceOffset().toString().length());
                }
                paused |= !h.consumer.paused().isEmpty();
                h.clock.advance(Duration.ofSeconds(1));
            }
            assertTrue(paused, "the partition paused");
            assertTrue(lowLeft, "the LOW record left once the flood drained");
            assertTrue(longest < 40_000, "longest offset: " + longest + " characters");
            h.poll();
            assertTrue(h.consumer.paused().isEmpty(), "reading resumed");
        }
    }

    /** Row e: the stored offset is above what the partition now holds; the seek resets to the beginning. */
    @Test
    void aLogResetBelowTheStoredOffsetSkipsNothing() throws Exception {
        BridgeTaskHarness h = new BridgeTaskHarness(1);
        h.store(BridgeTaskHarness.key(0), Map.of("offset", 100L, "next", 120L, "pending", "100,105"));
        h.start(Map.of());
        for (long o = 0; o < 40; o++) {
            h.add(0, o, null, bytes("v" + o), null);
        }
        // What the consumer's reset policy does when the seek to 100 is out of range.
        h.consumer.schedulePollTask(() -> h.consumer.seek(h.partitions.get(0), 0));
        assertEquals(40, h.pollFor(40).size());
        h.close();
    }

    /**
     * Offsets written by earlier versions under the key {@code {"topic", "partition"}} (Connect keeps keys
     * by their serialized form, field order included) are still read; one under Connect's own order wins.
     */
    @Test
    void anOffsetUnderTheOldKeyOrderIsReadAndTheNewKeyWins() throws Exception {
        BridgeTaskHarness old = new BridgeTaskHarness(1);
        old.store(BridgeTaskHarness.legacyKey(0), Map.of("offset", 5L));
        old.start(Map.of());
        for (long o = 0; o < 8; o++) {
            old.add(0, o, null, bytes("v" + o), null);
        }
        List<SourceRecord> out = old.pollFor(3);
        assertEquals(List.of(5L, 6L, 7L), out.stream().map(BridgeTaskTest::sourceOffset).toList());
        old.written(out.get(2), true);
        old.close();
        // Written under the new key from now on: a restart resumes from it, not from the old key's 5.
        old.start(Map.of());
        for (long o = 0; o < 10; o++) {
            old.add(0, o, null, bytes("v" + o), null);
        }
        assertEquals(List.of(8L, 9L), old.pollFor(2).stream().map(BridgeTaskTest::sourceOffset).toList());
        old.close();
    }

    /**
     * Row e, the kind: the topic was deleted and recreated (or the source is another cluster) and already
     * holds more records than the stored offset, so the seek is in range and no read goes below it. The
     * stored offset names the old topic ID: it is not used, and nothing of the new log is skipped.
     */
    @Test
    void anOffsetOfAnotherTopicIdIsNotUsed() throws Exception {
        BridgeTaskHarness h = new BridgeTaskHarness(1);
        h.store(BridgeTaskHarness.key(0), Map.of("offset", 10L, "next", 20L, "pending", "10", "topicId", "old-id"));
        h.topicId = "new-id";
        h.start(Map.of());
        for (long o = 0; o < 30; o++) {
            h.add(0, o, null, bytes("v" + o), null);
        }
        assertEquals(30, h.pollFor(30).size());
        h.close();
        // The same offset with the current ID resumes at 10 and skips 11..19.
        BridgeTaskHarness same = new BridgeTaskHarness(1);
        same.store(BridgeTaskHarness.key(0), Map.of("offset", 10L, "next", 20L, "pending", "10", "topicId",
                same.topicId));
        same.start(Map.of());
        for (long o = 0; o < 30; o++) {
            same.add(0, o, null, bytes("v" + o), null);
        }
        List<Long> read = same.pollFor(11).stream().map(BridgeTaskTest::sourceOffset).toList();
        assertEquals(11, read.size());
        assertEquals(10L, read.get(0));
        assertEquals(20L, read.get(1));
        same.close();
    }

    /** Row f at start: an offset written before the connector checked them fails the task with the fix. */
    @Test
    void aMalformedStoredOffsetFailsTheStartNamingTheFieldAndTheFix() {
        BridgeTaskHarness h = new BridgeTaskHarness(1);
        h.store(BridgeTaskHarness.key(0), Map.of("offset", 42L, "next", 50L));
        ConnectException e = assertThrows(ConnectException.class, () -> h.start(Map.of()));
        assertTrue(e.getMessage().contains("'pending'") && e.getMessage().contains("PATCH"), e.getMessage());
    }

    /** Row g: records that wait for room wait in priority order, not in read order. */
    @Test
    void recordsWaitingForRoomLeaveInPriorityOrder() throws Exception {
        Map<String, String> settings = new HashMap<>();
        settings.put("zsync.backpressure", "block");
        settings.put("zsync.buffer.max.records", "2");
        settings.put("zsync.rate.limit", "1");
        settings.put("zsync.rate.burst", "1");
        try (BridgeTaskHarness h = new BridgeTaskHarness(1).start(settings)) {
            String[] levels = {"LOW", "LOW", "LOW", "LOW", "CRITICAL"};
            for (int o = 0; o < levels.length; o++) {
                h.add(0, o, null, bytes("L" + o), levels[o]);
            }
            List<Long> order = new ArrayList<>();
            for (int i = 0; i < 20 && order.size() < levels.length; i++) {
                for (SourceRecord r : h.poll()) {
                    order.add(sourceOffset(r));
                }
                h.clock.advance(Duration.ofSeconds(1));
            }
            assertEquals(List.of(0L, 4L, 1L, 2L, 3L), order);
        }
    }

    /**
     * Issue 19, row d2 in the bridge: the worker's producer holds a returned record for up to its linger.ms
     * (Kafka's 5 ms unless producer.override.linger.ms says otherwise), so a record is released only while its
     * deadline is at least linger.ms + 20 ms ahead. Rate 10/s: the second token, and so the release, is at +100 ms.
     */
    @Test
    void aRecordIsReleasedOnlyWhileItsDeadlineIsTheProducersLingerPlusTheSendAllowanceAhead() throws Exception {
        Map<String, String> settings = new HashMap<>(Map.of("zsync.rate.limit", "10", "zsync.rate.burst", "1"));
        // Default: 5 + 20 ms. 20 ms ahead at release is too close, 40 ms is enough.
        assertEquals(Map.of("20ms-ahead", "EXPIRED", "40ms-ahead", TARGET), releasedAt100ms(settings));
        // The connector's producer lingers 100 ms: 40 ms ahead is too close now.
        settings.put("producer.override.linger.ms", "100");
        assertEquals(Map.of("20ms-ahead", "EXPIRED", "40ms-ahead", "EXPIRED"), releasedAt100ms(settings));
        // An explicit margin replaces the derived one: with none, the first takes the token at +100 ms (the
        // second waits for the next).
        settings.put("zsync.deadline.margin.ms", "0");
        assertEquals(Map.of("20ms-ahead", TARGET), releasedAt100ms(settings));
    }

    /** Where each of two records with deadlines 120 and 140 ms ahead ends, behind one that takes the first token. */
    private static Map<String, String> releasedAt100ms(Map<String, String> settings) throws Exception {
        Map<String, String> outcome = new HashMap<>();
        try (BridgeTaskHarness h = new BridgeTaskHarness(1).start(settings)) {
            long now = h.clock.epochMicros();
            h.add(0, 0, null, bytes("blocker"), null);
            h.addWithDeadline(0, 1, bytes("20ms-ahead"), now + 120_000);
            h.addWithDeadline(0, 2, bytes("40ms-ahead"), now + 140_000);
            List<SourceRecord> out = new ArrayList<>(h.poll());
            for (int i = 0; i < 20; i++) {
                h.clock.advance(Duration.ofMillis(5));
                out.addAll(h.poll());
            }
            for (SourceRecord r : out) {
                String value = new String((byte[]) r.value(), StandardCharsets.UTF_8);
                if (!value.equals("blocker")) {
                    outcome.put(value, r.topic().equals(TARGET) ? TARGET : header(r, ZsyncHeaders.DLQ_REASON));
                }
            }
        }
        return outcome;
    }

    /** Row h: a partition added to the source topic is taken in place, from its stored offset. */
    @Test
    void anAddedPartitionIsTakenWithoutRestartingTheTask() throws Exception {
        try (BridgeTaskHarness h = new BridgeTaskHarness(1).start(Map.of("source.partitions.refresh.ms", "100"))) {
            h.add(0, 0, null, bytes("p0"), null);
            assertEquals(1, h.pollFor(1).size());
            h.store(BridgeTaskHarness.key(1), Map.of("offset", 5L));
            h.addPartition();
            org.apache.kafka.common.TopicPartition added = h.partitions.get(1);
            long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (!h.consumer.assignment().contains(added) && System.nanoTime() < until) {
                h.poll();
                Thread.sleep(5);
            }
            assertTrue(h.consumer.assignment().contains(added), "the watcher found the new partition");
            for (long o = 3; o < 8; o++) {
                h.add(1, o, null, bytes("p1-" + o), null);
            }
            h.add(0, 1, null, bytes("p0"), null);
            List<Long> fromAdded = new ArrayList<>();
            for (SourceRecord r : h.pollFor(4)) {
                if (((BridgeRecord) r).origin().partition() == 1) {
                    fromAdded.add(sourceOffset(r));
                }
            }
            assertEquals(List.of(5L, 6L, 7L), fromAdded, "read from its stored offset");
        }
    }

    /** A record counts as delivered when Connect reports it written, not when the task returns it. */
    @Test
    void aReturnedRecordIsNotYetDelivered() throws Exception {
        try (BridgeTaskHarness h = new BridgeTaskHarness(1).start(Map.of())) {
            h.add(0, 0, null, bytes("v"), null);
            SourceRecord r = h.pollFor(1).get(0);
            assertNull(header(r, ZsyncHeaders.DLQ_REASON));
            assertEquals(0.0, recordsOut(), "returned, not written");
            h.written(r, false);
            h.clock.advance(Duration.ofMillis(200)); // counts reach the sensors every 100 ms
            h.poll();
            assertEquals(1.0, recordsOut());
        }
    }

    private static double recordsOut() throws Exception {
        javax.management.MBeanServer server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        javax.management.ObjectName name = new javax.management.ObjectName(
                "kafka.connect:type=zsync,connector=harness,task=0");
        return ((Number) server.getAttribute(name, "records-out-total")).doubleValue();
    }

    /** Issue 20: the connector's budget is 1,000/s; a task under zsync.rate.scope=application. */
    @Test
    void withADownstreamGroupTheTaskJoinsPacedByItsLagOnTheTargetCluster() throws Exception {
        AtomicReference<LagSpec> joined = new AtomicReference<>();
        FlowJoiner recording = (topic, clients, config, scope, task, fallback, lag) -> {
            joined.set(lag);
            return FlowJoiner.fixed(Allowance.WAITING).join(topic, clients, config, scope, task, fallback, lag);
        };
        Map<String, String> settings = new HashMap<>();
        settings.put("zsync.lag.group", " slow-readers ");
        settings.put("zsync.lag.max.records", "250");
        settings.put("target.bootstrap.servers", "target:9092");
        settings.put("target.security.protocol", "SSL");
        settings.put("target.ssl.truststore.password", "secret");
        try (BridgeTaskHarness h = new BridgeTaskHarness(1).flow(recording).start(settings)) {
            for (long o = 0; o < 100; o++) {
                h.add(0, o, null, bytes("v" + o), null);
            }
            assertEquals(0, releasedOver(h, 1_000), "nothing leaves before the group's lag gives room");
            LagSpec lag = joined.get();
            assertEquals("slow-readers", lag.group());
            assertEquals(250, lag.maxRecords());
            assertEquals(List.of(TARGET), lag.topics(), "the lag counted is on the target topic");
            assertEquals("target:9092", lag.adminConfigs().get("bootstrap.servers"));
            assertEquals("SSL", lag.adminConfigs().get("security.protocol"));
            assertEquals("secret", lag.adminConfigs().get("ssl.truststore.password"));
        }
    }

    @Test
    void aDownstreamGroupWithoutTheTargetClusterIsRefusedNamingTheKey() {
        Map<String, String> settings = new HashMap<>();
        settings.put("source.bootstrap.servers", "unused:9092");
        settings.put("source.topics", "in");
        settings.put("target.topic", "out");
        settings.put("zsync.lag.group", "slow-readers");
        ConfigException e = assertThrows(ConfigException.class, () -> new BridgeConfig(settings));
        assertTrue(e.getMessage().contains("target.bootstrap.servers"), e.getMessage());
    }

    private static Map<String, String> applicationScope() {
        Map<String, String> settings = new HashMap<>();
        settings.put("zsync.rate.scope", "application");
        settings.put("zsync.rate.limit", "1000");
        settings.put("zsync.rate.burst", "100");
        settings.put("zsync.buffer.max.records", "100000");
        return settings;
    }

    /** Polls every 100 ms of the task's clock for {@code millis}, and counts what the task returned. */
    private static int releasedOver(BridgeTaskHarness h, long millis) throws Exception {
        int released = 0;
        for (long t = 0; t < millis; t += 100) {
            h.clock.advance(Duration.ofMillis(100));
            released += h.poll().size();
        }
        return released;
    }

    /**
     * Issue 20: under zsync.rate.scope=application the task releases at the allowance its coordinator sets
     * (200/s here), not at the connector's 1,000/s it would take alone, and reports what it holds as demand.
     */
    @Test
    void underApplicationScopeTheTaskReleasesAtItsCoordinatedAllowance() throws Exception {
        AtomicReference<TaskFlow> joined = new AtomicReference<>();
        FlowJoiner fixed = FlowJoiner.fixed(new Allowance(200, 0, Allowance.Mode.COORDINATED));
        FlowJoiner recording = (topic, clients, config, scope, task, fallback, lag) -> {
            assertEquals("harness-zsync-flow", topic, "the connector's control topic");
            assertEquals("unused:9092", clients.get("bootstrap.servers"), "on the source cluster");
            assertEquals(new Allowance(1000, 0, Allowance.Mode.FALLBACK), fallback, "one partition of one: all of it");
            assertNull(lag, "no downstream group");
            TaskFlow flow = fixed.join(topic, clients, config, scope, task, fallback, null);
            joined.set(flow);
            return flow;
        };
        try (BridgeTaskHarness h = new BridgeTaskHarness(1).flow(recording).start(applicationScope())) {
            for (long o = 0; o < 2_000; o++) {
                h.add(0, o, null, bytes("v" + o), null);
            }
            assertEquals(0, h.poll().size(), "the bucket starts empty");
            assertEquals(200, releasedOver(h, 1_000), "200/s for 1 s");
            assertEquals(400, releasedOver(h, 2_000), "200/s for 2 s");
            TaskFlow flow = joined.get();
            assertEquals("harness", flow.demand().scope());
            assertTrue(flow.demand().demandRecords(Priority.NORMAL.ordinal()) >= 2_000 - 600,
                    "at least what waits: " + flow.demand());
            assertEquals(0, flow.demand().demandRecords(Priority.CRITICAL.ordinal()));
        }
    }

    /** Issue 20: a task not yet allotted anything by its coordinator releases nothing, however long it waits. */
    @Test
    void aTaskWaitingForItsFirstAllocationReleasesNothing() throws Exception {
        try (BridgeTaskHarness h = new BridgeTaskHarness(1).flow(FlowJoiner.fixed(Allowance.WAITING))
                .start(applicationScope())) {
            for (long o = 0; o < 100; o++) {
                h.add(0, o, null, bytes("v" + o), null);
            }
            assertEquals(0, releasedOver(h, 2_000));
        }
    }

    /**
     * Issue 20, row d: under zsync.rate.scope=application the task's bucket starts empty on every start, so a
     * restart or rebalance adds no burst above the connector's rate; under task scope it starts with the burst.
     */
    @Test
    void underApplicationScopeEveryStartBeginsWithAnEmptyBucket() throws Exception {
        Map<String, String> taskScope = new HashMap<>(applicationScope());
        taskScope.put("zsync.rate.scope", "task");
        assertEquals(100, releasedAtStart(new BridgeTaskHarness(1), taskScope), "task scope: the burst at once");
        for (FlowJoiner joiner : List.of(FlowJoiner.fallbackOnly(),
                FlowJoiner.fixed(new Allowance(1000, 0, Allowance.Mode.COORDINATED)))) {
            BridgeTaskHarness h = new BridgeTaskHarness(1).flow(joiner);
            assertEquals(0, releasedAtStart(h, applicationScope()), "first start");
            // Restarted (a rebalance, a rolling bounce) on what was committed: empty again.
            assertEquals(0, releasedAtStart(h, applicationScope()), "restart");
            h.start(applicationScope());
            for (long o = 0; o < 1_000; o++) {
                h.add(0, o, null, bytes("v" + o), null);
            }
            assertEquals(0, h.poll().size());
            assertEquals(100, releasedOver(h, 100), "then the rate: 1,000/s for 100 ms");
            h.close();
        }
    }

    /** Starts the task, gives it 1,000 records, and counts what its first poll returns, before any time passes. */
    private static int releasedAtStart(BridgeTaskHarness h, Map<String, String> settings) throws Exception {
        h.start(settings);
        try {
            for (long o = 0; o < 1_000; o++) {
                h.add(0, o, null, bytes("v" + o), null);
            }
            List<SourceRecord> out = h.poll();
            for (SourceRecord r : out) {
                h.written(r, true);
            }
            return out.size();
        } finally {
            h.stop();
        }
    }
}

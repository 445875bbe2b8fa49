package io.zsync.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zsync.kafka.ZsyncHeaders;
import io.zsync.processors.app.CheckedProducer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.management.MBeanServer;
import javax.management.MBeanServerDelegate;
import javax.management.MBeanServerNotification;
import javax.management.Notification;
import javax.management.NotificationListener;
import javax.management.ObjectName;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.connect.runtime.ConnectorConfig;
import org.apache.kafka.connect.runtime.SourceConnectorConfig;
import org.apache.kafka.connect.runtime.rest.entities.ConfigInfo;
import org.apache.kafka.connect.runtime.rest.entities.ConfigInfos;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bridge connector on a real Connect worker (distributed, exactly-once source support enabled) and
 * broker: it moves a mixed flood with nothing lost or repeated, in priority order within each batch, picks
 * up new partitions, and its validation names the bad key.
 */
class RealtimeBridgeConnectIT {
    private static final String[] LEVELS = {"LOW", "NORMAL", "HIGH", "CRITICAL"};
    private static EmbeddedConnectCluster connect;

    @BeforeAll
    static void start() {
        Map<String, String> worker = new HashMap<>();
        worker.put("plugin.discovery", "service_load");
        worker.put("offset.flush.interval.ms", "500");
        worker.put("exactly.once.source.support", "enabled");
        // Exactly-once source support needs transactions: one broker holds the transaction log.
        Properties broker = new Properties();
        broker.put("transaction.state.log.replication.factor", "1");
        broker.put("transaction.state.log.min.isr", "1");
        connect = new EmbeddedConnectCluster.Builder().name("zsync-bridge").numWorkers(1).numBrokers(1)
                .workerProps(worker).brokerProps(broker).build();
        connect.start();
    }

    @AfterAll
    static void stop() {
        connect.stop();
    }

    /** A bridge config as it is validated: with its name. */
    private static Map<String, String> named(String source, String target) {
        Map<String, String> c = bridge(source, target);
        c.put(ConnectorConfig.NAME_CONFIG, target + "-bridge");
        return c;
    }

    static Map<String, String> bridge(String source, String target) {
        return bridgeOn(connect.kafka().bootstrapServers(), source, target);
    }

    /** A bridge config reading {@code source} on the cluster at {@code bootstrap}, with the bytes converters. */
    static Map<String, String> bridgeOn(String bootstrap, String source, String target) {
        Map<String, String> c = new HashMap<>();
        c.put(ConnectorConfig.CONNECTOR_CLASS_CONFIG, RealtimeBridgeSourceConnector.class.getName());
        c.put(ConnectorConfig.KEY_CONVERTER_CLASS_CONFIG, "org.apache.kafka.connect.converters.ByteArrayConverter");
        c.put(ConnectorConfig.VALUE_CONVERTER_CLASS_CONFIG, "org.apache.kafka.connect.converters.ByteArrayConverter");
        c.put(ConnectorConfig.HEADER_CONVERTER_CLASS_CONFIG, "io.zsync.connector.converters.ZsyncHeaderConverter");
        c.put("source.bootstrap.servers", bootstrap);
        c.put("source.topics", source);
        c.put("target.topic", target);
        return c;
    }

    @Test
    void aHundredThousandMixedRecordsAllArriveOnceInPriorityOrderWithinEachBatch() throws Exception {
        int n = 100_000;
        connect.kafka().createTopic("mixed", 2);
        connect.kafka().createTopic("bridged", 1);
        connect.kafka().createTopic("bridged.dlq", 1);
        TestInput.awaitReady(connect.kafka().bootstrapServers(), "mixed", "bridged", "bridged.dlq");
        Random random = new Random(7);
        int[] levels = new int[n];
        long past = (System.currentTimeMillis() - 60_000) * 1_000;
        try (CheckedProducer producer = CheckedProducer.create(connect.kafka().bootstrapServers(), Map.of())) {
            for (int i = 0; i < n; i++) {
                RecordHeaders h = new RecordHeaders();
                levels[i] = random.nextInt(4);
                if (i % 1000 == 7) {
                    h.add(ZsyncHeaders.PRIORITY, bytes("URGENT"));
                    levels[i] = -1;
                } else {
                    h.add(ZsyncHeaders.PRIORITY, bytes(LEVELS[levels[i]]));
                }
                if (i % 1000 == 500) {
                    h.add(ZsyncHeaders.DEADLINE, bytes(Long.toString(past)));
                    levels[i] = -2;
                }
                producer.send(new ProducerRecord<>("mixed", i % 2, bytes("k" + i), bytes(Integer.toString(i)), h));
            }
        }

        Map<String, String> c = bridge("mixed", "bridged");
        c.put(ConnectorConfig.TASKS_MAX_CONFIG, "2");
        c.put(SourceConnectorConfig.EXACTLY_ONCE_SUPPORT_CONFIG, "required");
        connect.configureConnector("flood", c);
        connect.assertions().assertConnectorAndExactlyNumTasksAreRunning("flood", 2, "the bridge runs");

        List<ConsumerRecord<byte[], byte[]>> target = new ArrayList<>();
        List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
        consume(n, target, dead, "bridged", "bridged.dlq");
        // The tasks' zsync metrics in the worker's JMX domain agree with what arrived.
        Map<String, Double> expected = new LinkedHashMap<>();
        expected.put("records-in-total", (double) n);
        expected.put("records-out-total", n - 200.0);
        expected.put("dropped-total/INVALID_HEADER", 100.0);
        expected.put("dropped-total/EXPIRED", 100.0);
        expected.put("expired-total", 100.0);
        Map<String, Double> actual = Map.of();
        for (long until = System.nanoTime() + 30_000_000_000L; System.nanoTime() < until; Thread.sleep(200)) {
            actual = new LinkedHashMap<>();
            for (String key : expected.keySet()) {
                actual.put(key, jmxSum("flood", key));
            }
            if (actual.equals(expected)) {
                break;
            }
        }
        assertEquals(expected, actual, "kafka.connect:type=zsync,connector=flood,task=0|1");
        connect.deleteConnector("flood");

        boolean[] seen = new boolean[n];
        for (ConsumerRecord<byte[], byte[]> r : dead) {
            int i = Integer.parseInt(text(r.value()));
            assertTrue(!seen[i], "record " + i + " once");
            seen[i] = true;
            String reason = header(r, ZsyncHeaders.DLQ_REASON);
            assertEquals(levels[i] == -1 ? "INVALID_HEADER" : "EXPIRED", reason, "record " + i);
            assertEquals("mixed", header(r, ZsyncHeaders.SOURCE_TOPIC));
            assertEquals(Integer.toString(i % 2), header(r, ZsyncHeaders.SOURCE_PARTITION));
            assertEquals("k" + i, text(r.key()));
        }
        assertEquals(200, dead.size(), "100 invalid headers and 100 expired deadlines");

        // Per source partition: within a level, arrival order; a level change upwards starts a new batch.
        int[][] lastOfLevel = {{-1, -1, -1, -1}, {-1, -1, -1, -1}};
        int[] previousLevel = {4, 4};
        int[] runs = {0, 0};
        for (ConsumerRecord<byte[], byte[]> r : target) {
            int i = Integer.parseInt(text(r.value()));
            assertTrue(!seen[i], "record " + i + " once");
            seen[i] = true;
            int p = i % 2;
            int level = levels[i];
            assertTrue(level >= 0, "record " + i + " is valid");
            assertEquals(LEVELS[level], header(r, ZsyncHeaders.PRIORITY), "headers kept");
            assertEquals("k" + i, text(r.key()));
            assertTrue(i > lastOfLevel[p][level], "FIFO within " + LEVELS[level] + " of partition " + p);
            lastOfLevel[p][level] = i;
            if (level > previousLevel[p]) {
                runs[p]++;
            }
            previousLevel[p] = level;
        }
        for (int i = 0; i < n; i++) {
            assertTrue(seen[i], "record " + i + " arrived");
        }
        // Unordered, a level rises from one record to the next 3 times in 8: ~18,700 per partition. One rise
        // per poll batch at most means a few hundred.
        System.out.printf("bridge: %d records to the target, %d dead letters; level rises per partition %d and %d%n",
                target.size(), dead.size(), runs[0], runs[1]);
        assertTrue(runs[0] < 2_000 && runs[1] < 2_000, "priority order within batches: " + runs[0] + ", " + runs[1]);
    }

    @Test
    void partitionsAddedToASourceTopicArePickedUp() throws Exception {
        connect.kafka().createTopic("growing", 1);
        connect.kafka().createTopic("grown", 1);
        TestInput.awaitReady(connect.kafka().bootstrapServers(), "growing", "grown");
        Map<String, String> c = bridge("growing", "grown");
        c.put(ConnectorConfig.TASKS_MAX_CONFIG, "2");
        c.put("source.partitions.refresh.ms", "500");
        connect.configureConnector("growing", c);
        connect.assertions().assertConnectorAndExactlyNumTasksAreRunning("growing", 1, "one partition, one task");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", connect.kafka().bootstrapServers()))) {
            admin.createPartitions(Map.of("growing", NewPartitions.increaseTo(2))).all().get();
        }
        TestInput.awaitReady(connect.kafka().bootstrapServers(), "growing");
        connect.assertions().assertConnectorAndExactlyNumTasksAreRunning("growing", 2, "a task per partition");
        try (CheckedProducer producer = CheckedProducer.create(connect.kafka().bootstrapServers(), Map.of())) {
            producer.send(new ProducerRecord<>("growing", 0, null, bytes("a")));
            producer.send(new ProducerRecord<>("growing", 1, null, bytes("b")));
        }
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        consume(2, out, new ArrayList<>(), "grown", "grown.dlq");
        connect.deleteConnector("growing");
        assertEquals(List.of("a", "b"), out.stream().map(r -> text(r.value())).sorted().toList());
    }

    /**
     * Issue 18 row h: partitions added to a source topic while records wait in the tasks' buffers (a slow
     * rate limit) are taken by the tasks in place. No task restarts (no task registers its metrics again,
     * and the tasks' records-in counts cover every record once), the waiting records are not read again,
     * and the new partitions' records arrive, each once.
     */
    @Test
    void partitionsAddedWhileRecordsWaitAreTakenWithoutRestartingATask() throws Exception {
        String bootstrap = connect.kafka().bootstrapServers();
        connect.kafka().createTopic("sticky", 2);
        connect.kafka().createTopic("stuck", 1);
        TestInput.awaitReady(bootstrap, "sticky", "stuck");
        Map<String, String> c = bridge("sticky", "stuck");
        c.put(ConnectorConfig.TASKS_MAX_CONFIG, "2");
        c.put("source.partitions.refresh.ms", "500");
        c.put("zsync.rate.limit", "10");
        try (TaskStarts starts = new TaskStarts("sticky")) {
            connect.configureConnector("sticky", c);
            connect.assertions().assertConnectorAndExactlyNumTasksAreRunning("sticky", 2, "two partitions, two tasks");
            int registered = starts.registrations();
            assertEquals(Set.of("0", "1"), starts.tasks(), "the two tasks' metrics, seen in JMX");
            bridgeWhileAddingPartitions(bootstrap);
            assertEquals(registered, starts.registrations(), "no task started again: its metrics would be registered");
        }
        assertEquals(300.0, jmxSum("sticky", "records-in-total"), "every record read once, by tasks that ran throughout");
        connect.assertions().assertConnectorAndExactlyNumTasksAreRunning("sticky", 2, "still two tasks");
        connect.deleteConnector("sticky");
    }

    private static void bridgeWhileAddingPartitions(String bootstrap) throws Exception {
        try (CheckedProducer producer = CheckedProducer.create(bootstrap, Map.of())) {
            for (int i = 0; i < 100; i++) {
                producer.send(new ProducerRecord<>("sticky", 0, null, bytes("0-" + i)));
                producer.send(new ProducerRecord<>("sticky", 1, null, bytes("1-" + i)));
            }
        }
        // At 10 records/s a task, the 200 records are read at once and wait in the buffers for 10 s.
        awaitJmx("sticky", "records-in-total", 200);
        awaitJmx("sticky", "buffer-records", 100);
        assertTrue(jmxSum("sticky", "records-out-total") < 100, "records wait in the buffers");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createPartitions(Map.of("sticky", NewPartitions.increaseTo(4))).all().get();
        }
        TestInput.awaitReady(bootstrap, "sticky");
        try (CheckedProducer producer = CheckedProducer.create(bootstrap, Map.of())) {
            for (int i = 0; i < 50; i++) {
                producer.send(new ProducerRecord<>("sticky", 2, null, bytes("2-" + i)));
                producer.send(new ProducerRecord<>("sticky", 3, null, bytes("3-" + i)));
            }
        }
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
        consume(300, out, dead, "stuck", "stuck.dlq");
        assertEquals(List.of(), dead);
        assertEquals(300, out.stream().map(r -> text(r.value())).distinct().count(), "each record once");
        for (int p = 0; p < 4; p++) {
            String prefix = p + "-";
            assertEquals(p < 2 ? 100 : 50, out.stream().filter(r -> text(r.value()).startsWith(prefix)).count(),
                    "records of partition " + p);
        }
    }

    /**
     * Waits up to 30 s for a zsync metric summed over the connector's tasks to reach {@code value} (gauges
     * are sampled about once a second).
     */
    private static void awaitJmx(String connector, String metric, double value) throws Exception {
        double actual = 0;
        for (long until = System.nanoTime() + 30_000_000_000L; System.nanoTime() < until; Thread.sleep(100)) {
            actual = jmxSum(connector, metric);
            if (actual >= value) {
                return;
            }
        }
        assertEquals(value, actual, metric + " of " + connector);
    }

    /**
     * Counts the registrations of a connector's zsync task MBeans in JMX: each task start registers its
     * metrics (Kafka's JmxReporter registers an MBean again for each metric added to it; a stopped task's are
     * unregistered), and a running task adds none, so a growing count means a task started again.
     */
    private static final class TaskStarts implements NotificationListener, AutoCloseable {
        private final String connector;
        private final Set<String> tasks = ConcurrentHashMap.newKeySet();
        private final AtomicInteger registrations = new AtomicInteger();

        TaskStarts(String connector) throws Exception {
            this.connector = connector;
            ManagementFactory.getPlatformMBeanServer().addNotificationListener(MBeanServerDelegate.DELEGATE_NAME, this,
                    null, null);
        }

        @Override
        public void handleNotification(Notification n, Object handback) {
            if (n instanceof MBeanServerNotification m && MBeanServerNotification.REGISTRATION_NOTIFICATION.equals(m.getType())) {
                ObjectName name = m.getMBeanName();
                // One MBean of each task's is tagged with the task alone (no reason, no priority).
                if ("kafka.connect".equals(name.getDomain()) && "zsync".equals(name.getKeyProperty("type"))
                        && connector.equals(name.getKeyProperty("connector")) && name.getKeyProperty("reason") == null
                        && name.getKeyProperty("priority") == null) {
                    tasks.add(name.getKeyProperty("task"));
                    registrations.incrementAndGet();
                }
            }
        }

        int registrations() {
            return registrations.get();
        }

        Set<String> tasks() {
            return Set.copyOf(tasks);
        }

        @Override
        public void close() throws Exception {
            ManagementFactory.getPlatformMBeanServer().removeNotificationListener(MBeanServerDelegate.DELEGATE_NAME, this);
        }
    }

    /**
     * Issue 17, rows c and d in the bridge: an envelope whose deadline is Long.MIN_VALUE µs, one that claims
     * a 10^9-byte payload in 20 bytes, and a record with a 70,000-byte header key; the task neither dies
     * nor loops, the two envelopes are MALFORMED dead letters and the rest arrives.
     */
    @Test
    void hostileRecordsAreDeadLetteredAndTheTaskGoesOn() throws Exception {
        connect.kafka().createTopic("hostile", 1);
        connect.kafka().createTopic("calm", 1);
        connect.kafka().createTopic("calm.dlq", 1);
        TestInput.awaitReady(connect.kafka().bootstrapServers(), "hostile", "calm", "calm.dlq");
        Map<String, String> c = bridge("hostile", "calm");
        c.put("zsync.envelope", "avro");
        c.put("zsync.rate.limit", "100");
        connect.configureConnector("hostile", c);
        connect.assertions().assertConnectorAndExactlyNumTasksAreRunning("hostile", 1, "bridge running");
        byte[] minDeadline = io.zsync.schemas.ZsyncSerdes.streamMessage().serialize("hostile",
                io.zsync.schemas.StreamMessage.newBuilder().setId(1)
                        .setDeadline(java.time.Instant.EPOCH.plus(Long.MIN_VALUE, java.time.temporal.ChronoUnit.MICROS))
                        .setPayload(java.nio.ByteBuffer.wrap(bytes("p"))).build());
        byte[] liar = java.util.Arrays.copyOf(minDeadline, 20);
        byte[] rest = {0x02, 0x06, 0x00, (byte) 0x80, (byte) 0xA8, (byte) 0xD6, (byte) 0xB9, 0x07, 0, 0};
        System.arraycopy(rest, 0, liar, 10, rest.length);
        byte[] honest = io.zsync.schemas.ZsyncSerdes.streamMessage().serialize("hostile",
                io.zsync.schemas.StreamMessage.newBuilder().setId(2).setPayload(java.nio.ByteBuffer.wrap(bytes("p")))
                        .build());
        try (CheckedProducer producer = CheckedProducer.create(connect.kafka().bootstrapServers(), Map.of())) {
            producer.send(new ProducerRecord<>("hostile", 0, bytes("min"), minDeadline));
            producer.send(new ProducerRecord<>("hostile", 0, bytes("liar"), liar));
            ProducerRecord<byte[], byte[]> longKey = new ProducerRecord<>("hostile", 0, bytes("long"), honest);
            longKey.headers().add("h".repeat(70_000), bytes("x"));
            producer.send(longKey);
            producer.send(new ProducerRecord<>("hostile", 0, bytes("last"), honest));
        }
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
        consume(4, out, dead, "calm", "calm.dlq");
        connect.assertions().assertConnectorAndExactlyNumTasksAreRunning("hostile", 1, "the task did not die");
        connect.deleteConnector("hostile");
        assertEquals(List.of("long", "last"), out.stream().map(r -> text(r.key())).toList());
        assertEquals(List.of("min", "liar"), dead.stream().map(r -> text(r.key())).toList());
        dead.forEach(d -> assertEquals("MALFORMED", header(d, "zsync.dlq.reason")));
        assertEquals("x", header(out.get(0), "h".repeat(70_000)));
    }

    /**
     * Issue 18, row b, exactly-once worker: a transform drops the source's last record (key "drop") on its
     * way to the target, so Connect commits its offset with the transaction and reports it not written; it
     * arrives in the dead-letter topic as NOT_WRITTEN. The connector is then stopped and resumed (its task
     * restarts from the stored offsets) and five more records are written: each record arrives once, the
     * dropped one is dead-lettered once, nothing is read again after the restart.
     */
    @Test
    void aRecordDroppedByATransformIsDeadLetteredOnceAndNothingRepeatsAfterARestart() throws Exception {
        connect.kafka().createTopic("eos-drop-in", 1);
        connect.kafka().createTopic("eos-drop-out", 1);
        connect.kafka().createTopic("eos-drop-out.dlq", 1);
        TestInput.awaitReady(connect.kafka().bootstrapServers(), "eos-drop-in", "eos-drop-out", "eos-drop-out.dlq");
        try (CheckedProducer producer = CheckedProducer.create(connect.kafka().bootstrapServers(), Map.of())) {
            for (int i = 0; i < 9; i++) {
                producer.send(new ProducerRecord<>("eos-drop-in", 0, bytes("k" + i), bytes("v" + i)));
            }
            producer.send(new ProducerRecord<>("eos-drop-in", 0, bytes("drop"), bytes("v-drop")));
        }
        Map<String, String> c = bridge("eos-drop-in", "eos-drop-out");
        c.put(SourceConnectorConfig.EXACTLY_ONCE_SUPPORT_CONFIG, "required");
        BridgeFaultsIT.dropKey(c, "eos-drop-out");
        connect.configureConnector("eos-drop", c);
        connect.assertions().assertConnectorAndExactlyNumTasksAreRunning("eos-drop", 1, "bridge running");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
        consume(10, out, dead, "eos-drop-out", "eos-drop-out.dlq");
        assertEquals(List.of("k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8"),
                out.stream().map(r -> text(r.key())).toList());
        assertEquals(List.of("drop"), dead.stream().map(r -> text(r.key())).toList());
        assertEquals("NOT_WRITTEN", header(dead.get(0), ZsyncHeaders.DLQ_REASON));
        assertEquals("9", header(dead.get(0), ZsyncHeaders.SOURCE_OFFSET));
        // The stored offset passes the dropped record and its dead letter; GET finds it (it showed null while
        // the task wrote its keys in another field order than Connect's JsonConverter reads them back).
        assertEquals("10", String.valueOf(connect.connectorOffsets("eos-drop").offsets().get(0).offset().get("offset")),
                "stored offset: " + connect.connectorOffsets("eos-drop").offsets());

        connect.stopConnector("eos-drop");
        connect.assertions().assertConnectorIsStopped("eos-drop", "stopped");
        connect.resumeConnector("eos-drop");
        connect.assertions().assertConnectorAndExactlyNumTasksAreRunning("eos-drop", 1, "running again");
        try (CheckedProducer producer = CheckedProducer.create(connect.kafka().bootstrapServers(), Map.of())) {
            for (int i = 9; i < 14; i++) {
                producer.send(new ProducerRecord<>("eos-drop-in", 0, bytes("k" + i), bytes("v" + i)));
            }
        }
        // The same consumer group: only what was written after the first read, which must be the five new
        // records and nothing read again.
        List<ConsumerRecord<byte[], byte[]>> after = new ArrayList<>();
        List<ConsumerRecord<byte[], byte[]>> deadAfter = new ArrayList<>();
        consume(5, after, deadAfter, "eos-drop-out", "eos-drop-out.dlq");
        connect.deleteConnector("eos-drop");
        assertEquals(List.of("k9", "k10", "k11", "k12", "k13"), after.stream().map(r -> text(r.key())).toList());
        assertEquals(List.of(), deadAfter.stream().map(r -> text(r.key())).toList());
    }

    @Test
    void validationNamesEachBadKeyAndItsAllowedValues() {
        Map<String, String> c = named("in", "out");
        c.put("zsync.backpressure", "spill");
        c.put("zsync.priority.default", "URGENT");
        ConfigInfos infos = connect.validateConnectorConfig(RealtimeBridgeSourceConnector.class.getSimpleName(), c);
        assertEquals(2, infos.errorCount(), all(infos));
        assertTrue(errors(infos, "zsync.backpressure").contains("block, drop_oldest, drop_newest, error_on_full"),
                errors(infos, "zsync.backpressure"));
        assertTrue(errors(infos, "zsync.priority.default").contains("LOW, NORMAL, HIGH, CRITICAL"));

        Map<String, String> loop = named("in", "in");
        ConfigInfos looped = connect.validateConnectorConfig(RealtimeBridgeSourceConnector.class.getSimpleName(), loop);
        assertEquals(1, looped.errorCount(), all(looped));
        assertTrue(errors(looped, "target.topic").contains("must not be one of the input topics"),
                errors(looped, "target.topic"));

        // Issue 17, row e: a dead-letter topic among the sources would dead-letter its dead letters for ever.
        Map<String, String> dlqLoop = named("orders,audit", "deliveries");
        dlqLoop.put("zsync.dlq.topic", "orders");
        ConfigInfos dlqLooped = connect.validateConnectorConfig(RealtimeBridgeSourceConnector.class.getSimpleName(),
                dlqLoop);
        assertEquals(1, dlqLooped.errorCount(), all(dlqLooped));
        assertTrue(errors(dlqLooped, "zsync.dlq.topic").contains("must not be one of the input topics"),
                all(dlqLooped));

        // Row f: every topic name by Kafka's rule, the derived <target>.dlq too.
        for (String bad : new String[] {"my deliveries", "out1,out2", "d".repeat(246)}) {
            Map<String, String> named = named("in", "out");
            named.put("target.topic", bad);
            ConfigInfos badName = connect.validateConnectorConfig(RealtimeBridgeSourceConnector.class.getSimpleName(),
                    named);
            assertEquals(1, badName.errorCount(), all(badName));
            assertTrue(errors(badName, "target.topic").contains("topic name"), all(badName));
        }

        Map<String, String> missing = named("in", "out");
        missing.remove("source.topics");
        ConfigInfos none = connect.validateConnectorConfig(RealtimeBridgeSourceConnector.class.getSimpleName(), missing);
        assertEquals(1, none.errorCount(), all(none));
        assertTrue(!errors(none, "source.topics").isEmpty());
    }

    private static String all(ConfigInfos infos) {
        StringBuilder out = new StringBuilder();
        for (ConfigInfo info : infos.configs()) {
            if (!info.configValue().errors().isEmpty()) {
                out.append(info.configValue().name()).append(": ").append(info.configValue().errors()).append('\n');
            }
        }
        return out.toString();
    }

    private static String errors(ConfigInfos infos, String key) {
        for (ConfigInfo info : infos.configs()) {
            if (info.configValue().name().equals(key)) {
                return String.join("; ", info.configValue().errors());
            }
        }
        return "";
    }

    /** Reads committed records of both topics until {@code n} arrived in all; 120 s at most. */
    /** Sums an attribute over the connector's tasks: {@code metric} or {@code metric/REASON}. */
    private static double jmxSum(String connector, String metric) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        String[] parts = metric.split("/");
        double sum = 0;
        for (ObjectName name : server.queryNames(
                new ObjectName("kafka.connect:type=zsync,connector=" + connector + ",*"), null)) {
            String reason = name.getKeyProperty("reason");
            if (name.getKeyProperty("priority") != null
                    || !Objects.equals(reason, parts.length > 1 ? parts[1] : null)) {
                continue;
            }
            sum += ((Number) server.getAttribute(name, parts[0])).doubleValue();
        }
        return sum;
    }

    static void consume(int n, List<ConsumerRecord<byte[], byte[]>> target, List<ConsumerRecord<byte[], byte[]>> dead,
                        String targetTopic, String dlqTopic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, connect.kafka().bootstrapServers());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "check-" + targetTopic);
        long end = System.currentTimeMillis() + 120_000;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(targetTopic, dlqTopic));
            while (target.size() + dead.size() < n && System.currentTimeMillis() < end) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    (r.topic().equals(targetTopic) ? target : dead).add(r);
                }
            }
            // Anything beyond n would be a duplicate: read a little longer to catch it.
            long extra = System.currentTimeMillis() + 1_000;
            while (System.currentTimeMillis() < extra) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    (r.topic().equals(targetTopic) ? target : dead).add(r);
                }
            }
        }
        assertEquals(n, target.size() + dead.size(), "records in " + targetTopic + " and " + dlqTopic);
    }

    static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        assertNotNull(h, name);
        return text(h.value());
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }
}

package io.zsync.connector;

import static io.zsync.connector.RealtimeBridgeConnectIT.bytes;
import static io.zsync.connector.RealtimeBridgeConnectIT.header;
import static io.zsync.connector.RealtimeBridgeConnectIT.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zsync.kafka.ZsyncHeaders;
import io.zsync.processors.app.CheckedProducer;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import javax.management.ObjectName;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.runtime.ConnectorConfig;
import org.apache.kafka.connect.runtime.rest.entities.ConfigInfo;
import org.apache.kafka.connect.runtime.rest.entities.ConfigInfos;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.runtime.rest.entities.CreateConnectorRequest;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 18, "a record counts as delivered only when Kafka has it", on a real at-least-once Connect worker
 * (distributed, without exactly-once source support) and broker: records Kafka refuses or a transform drops
 * are dead-lettered {@code NOT_WRITTEN} (row a), aborted source transactions are not copied (row c), a
 * record over the target's size limit is a {@code TOO_LARGE} dead letter cut to fit (row d), a stored
 * offset above the log's end skips nothing (row e), and a broker outage mid-run loses nothing and needs no
 * task restart. One cluster for the class; the outage runs last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BridgeFaultsIT {
    private static EmbeddedConnectCluster connect;

    @BeforeAll
    static void start() {
        Map<String, String> worker = new HashMap<>();
        worker.put("plugin.discovery", "service_load");
        worker.put("offset.flush.interval.ms", "500");
        // The source transactions of row c need the transaction log on the one broker.
        java.util.Properties broker = new java.util.Properties();
        broker.put("transaction.state.log.replication.factor", "1");
        broker.put("transaction.state.log.min.isr", "1");
        connect = new EmbeddedConnectCluster.Builder().name("zsync-bridge-faults").numWorkers(1).numBrokers(1)
                .workerProps(worker).brokerProps(broker).build();
        connect.start();
    }

    @AfterAll
    static void stop() {
        connect.stop();
    }

    /**
     * Row a: the target topic takes at most 1,000 bytes (max.message.bytes=1000) and offset 3 is 2,000 bytes.
     * {@code errors.tolerance=all}, with which Connect would skip the refused send and commit offsets past
     * it, is refused by validate() naming the key, and so is Connect's Filter transform. With
     * {@code target.max.message.bytes} set to the topic's limit, offset 3 is dead-lettered TOO_LARGE before
     * Connect sends it (whole: the dead-letter topic takes it), the other nine arrive, and the task keeps
     * running.
     *
     * <p>Without that setting and with errors.tolerance=all, the record would have to travel alone in its
     * producer batch: batched with others (Kafka's default batch.size is 16384), the producer answers the
     * broker's MESSAGE_TOO_LARGE by splitting the batch by batch.size, which gives the same batch back, and
     * retries for ever (Connect sets retries and delivery.timeout.ms to their maximum). Measured here: 56,000
     * "splitting and retrying" warnings in 60 s, nothing after offset 2 delivered.
     */
    @Test
    @Order(1)
    void aRecordTheTargetWouldRefuseIsTooLargeAndTheSettingsThatDropRecordsAreRefused() throws Exception {
        Map<String, String> tolerant = bridge("refused-in", "refused-out");
        tolerant.put(ConnectorConfig.NAME_CONFIG, "refused");
        tolerant.put(ConnectorConfig.ERRORS_TOLERANCE_CONFIG, "all");
        ConfigInfos refused = connect.validateConnectorConfig(RealtimeBridgeSourceConnector.class.getSimpleName(),
                tolerant);
        assertEquals(1, refused.errorCount());
        assertTrue(errorsOf(refused, ConnectorConfig.ERRORS_TOLERANCE_CONFIG).contains("errors.tolerance=none"),
                errorsOf(refused, ConnectorConfig.ERRORS_TOLERANCE_CONFIG));
        Map<String, String> filtered = bridge("refused-in", "refused-out");
        filtered.put(ConnectorConfig.NAME_CONFIG, "refused");
        filtered.put("transforms", "drop");
        filtered.put("transforms.drop.type", "org.apache.kafka.connect.transforms.Filter");
        ConfigInfos filterRefused = connect.validateConnectorConfig(
                RealtimeBridgeSourceConnector.class.getSimpleName(), filtered);
        assertTrue(errorsOf(filterRefused, "transforms.drop.type").contains("Filter"),
                errorsOf(filterRefused, "transforms.drop.type"));

        topics(Map.of("refused-in", Map.of(), "refused-out", Map.of("max.message.bytes", "1000"),
                "refused-out.dlq", Map.of()));
        try (CheckedProducer producer = CheckedProducer.create(bootstrap(), Map.of())) {
            for (int i = 0; i < 10; i++) {
                byte[] value = new byte[i == 3 ? 2_000 : 500];
                value[0] = (byte) ('0' + i);
                producer.send(new ProducerRecord<>("refused-in", 0, bytes("k" + i), value));
            }
        }
        double starts = taskStarts();
        Map<String, String> c = bridge("refused-in", "refused-out");
        c.put("target.max.message.bytes", "1024");
        connect.configureConnector("refused", c);
        connect.assertions().assertConnectorAndExactlyNumTasksAreRunning("refused", 1, "bridge running");

        Arrived a = consume("refused-out", 10);
        assertEquals(List.of("k0", "k1", "k2", "k4", "k5", "k6", "k7", "k8", "k9"), keys(a.target()));
        assertEquals(List.of("k3"), keys(a.dead()));
        ConsumerRecord<byte[], byte[]> d = a.dead().get(0);
        assertEquals("TOO_LARGE", header(d, ZsyncHeaders.DLQ_REASON));
        assertEquals("refused-in", header(d, ZsyncHeaders.SOURCE_TOPIC));
        assertEquals("3", header(d, ZsyncHeaders.SOURCE_OFFSET));
        connect.assertions().assertConnectorAndExactlyNumTasksAreRunning("refused", 1, "the task did not fail");
        assertEquals(starts, taskStarts(), "no task restart");
        connect.deleteConnector("refused");
    }

    private static String errorsOf(ConfigInfos infos, String key) {
        StringBuilder out = new StringBuilder();
        for (ConfigInfo info : infos.configs()) {
            if (info.configValue().name().equals(key)) {
                out.append(info.configValue().errors());
            }
        }
        return out.toString();
    }

    /**
     * Row a, transform variant: a transform drops the record keyed "drop" on its way to the target; the
     * task dead-letters it NOT_WRITTEN (the transform lets the dead-letter topic through), the rest arrives.
     */
    @Test
    @Order(2)
    void aRecordATransformDropsIsDeadLetteredNotWritten() throws Exception {
        topics(Map.of("dropping-in", Map.of(), "dropping-out", Map.of(), "dropping-out.dlq", Map.of()));
        List<String> keys = List.of("k0", "k1", "drop", "k3", "k4");
        try (CheckedProducer producer = CheckedProducer.create(bootstrap(), Map.of())) {
            for (String k : keys) {
                producer.send(new ProducerRecord<>("dropping-in", 0, bytes(k), bytes("v-" + k)));
            }
        }
        Map<String, String> c = bridge("dropping-in", "dropping-out");
        dropKey(c, "dropping-out");
        connect.configureConnector("dropping", c);
        connect.assertions().assertConnectorAndExactlyNumTasksAreRunning("dropping", 1, "bridge running");

        Arrived a = consume("dropping-out", 5);
        assertEquals(List.of("k0", "k1", "k3", "k4"), keys(a.target()));
        assertEquals(List.of("drop"), keys(a.dead()));
        ConsumerRecord<byte[], byte[]> d = a.dead().get(0);
        assertEquals("NOT_WRITTEN", header(d, ZsyncHeaders.DLQ_REASON));
        assertEquals("2", header(d, ZsyncHeaders.SOURCE_OFFSET));
        assertEquals("v-drop", text(d.value()));
        connect.assertions().assertConnectorAndExactlyNumTasksAreRunning("dropping", 1, "the task did not fail");
        connect.deleteConnector("dropping");
    }

    /**
     * Row c: a transactional producer writes five records to the source and aborts, then five and commits;
     * the bridge (read_committed by default) copies only the five committed ones.
     */
    @Test
    @Order(3)
    void onlyCommittedSourceTransactionsAreCopied() throws Exception {
        topics(Map.of("tx-in", Map.of(), "tx-out", Map.of(), "tx-out.dlq", Map.of()));
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "zsync-row-c");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>("tx-in", 0, bytes("aborted" + i), bytes("a")));
            }
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>("tx-in", 0, bytes("committed" + i), bytes("c")));
            }
            producer.commitTransaction();
        }
        connect.configureConnector("tx", bridge("tx-in", "tx-out"));
        connect.assertions().assertConnectorAndExactlyNumTasksAreRunning("tx", 1, "bridge running");
        Arrived a = consume("tx-out", 5);
        assertEquals(List.of("committed0", "committed1", "committed2", "committed3", "committed4"),
                keys(a.target()));
        assertEquals(List.of(), keys(a.dead()));
        connect.deleteConnector("tx");
    }

    /**
     * Row d: a 1.5 MB record (the source topic allows 4 MB) ahead of ten small ones, target with Kafka's
     * defaults: the big one is a TOO_LARGE dead letter under 1 MB that says how long the value was, the
     * ten arrive, and the task neither fails nor restarts.
     */
    @Test
    @Order(4)
    void aRecordOverTheTargetLimitIsDeadLetteredTooLargeAndCutToFit() throws Exception {
        topics(Map.of("big-in", Map.of("max.message.bytes", "4000000"), "big-out", Map.of(), "big-out.dlq", Map.of()));
        int bigLength = 1_500_000;
        try (CheckedProducer producer = CheckedProducer.create(bootstrap(),
                Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2_000_000))) {
            producer.send(new ProducerRecord<>("big-in", 0, bytes("big"), new byte[bigLength]));
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>("big-in", 0, bytes("k" + i), bytes("v" + i)));
            }
        }
        double starts = taskStarts();
        connect.configureConnector("big", bridge("big-in", "big-out"));
        connect.assertions().assertConnectorAndExactlyNumTasksAreRunning("big", 1, "bridge running");
        Arrived a = consume("big-out", 11);
        assertEquals(List.of("k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9"), keys(a.target()));
        assertEquals(List.of("big"), keys(a.dead()));
        ConsumerRecord<byte[], byte[]> d = a.dead().get(0);
        assertEquals("TOO_LARGE", header(d, ZsyncHeaders.DLQ_REASON));
        assertEquals(Integer.toString(bigLength), header(d, ZsyncHeaders.DLQ_TRUNCATED));
        long size = d.key().length + (d.value() == null ? 0 : d.value().length);
        for (Header h : d.headers()) {
            size += h.key().length() + (h.value() == null ? 0 : h.value().length);
        }
        System.out.printf("row d: dead letter of %d bytes (key, value and headers)%n", size);
        assertTrue(size < 1_048_576, "the dead letter is under 1 MB: " + size + " bytes of key, value and headers");
        connect.assertions().assertConnectorAndExactlyNumTasksAreRunning("big", 1, "the task did not fail");
        assertEquals(starts, taskStarts(), "no task restart");
        connect.deleteConnector("big");
    }

    /**
     * Row e: records 0..39 in the source; with the connector stopped its stored offset is set to one above
     * the log's end ({@code {"offset":100,"next":120,"pending":"100,105"}}, KIP-875 PATCH); resumed, the
     * consumer's seek is out of range, it resets to the start, and all forty arrive: nothing recorded about
     * the old log skips a record of this one.
     */
    @Test
    @Order(5)
    void aStoredOffsetAboveTheLogEndSkipsNothing() throws Exception {
        topics(Map.of("rewound-in", Map.of(), "rewound-out", Map.of(), "rewound-out.dlq", Map.of()));
        try (CheckedProducer producer = CheckedProducer.create(bootstrap(), Map.of())) {
            for (int i = 0; i < 40; i++) {
                producer.send(new ProducerRecord<>("rewound-in", 0, bytes("k" + i), bytes("v" + i)));
            }
        }
        connect.configureConnector(new CreateConnectorRequest("rewound", bridge("rewound-in", "rewound-out"),
                CreateConnectorRequest.InitialState.STOPPED));
        connect.assertions().assertConnectorIsStopped("rewound", "created stopped");
        // Connect rewrites the key through its JsonConverter (a HashMap: "partition" first) whatever order is
        // sent; until the bridge wrote its keys in that order too, the task never read an offset written here.
        Map<String, Object> partition = new LinkedHashMap<>();
        partition.put("topic", "rewound-in");
        partition.put("partition", 0);
        Map<String, Object> offset = new LinkedHashMap<>();
        offset.put("offset", 100);
        offset.put("next", 120);
        offset.put("pending", "100,105");
        String response = connect.alterSourceConnectorOffset("rewound", partition, offset);
        System.out.println("row e: PATCH /connectors/rewound/offsets: " + response);
        assertEquals("{next=120, offset=100, pending=100,105}",
                String.valueOf(new TreeMap<>(connect.connectorOffsets("rewound").offsets().get(0).offset())),
                "GET /connectors/rewound/offsets shows what was written");
        List<String> log = new CopyOnWriteArrayList<>();
        Logger zsync = Logger.getLogger("io.zsync");
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                log.add(new SimpleFormatter().formatMessage(record));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        zsync.addHandler(capture);
        try {
            connect.resumeConnector("rewound");
            connect.assertions().assertConnectorAndExactlyNumTasksAreRunning("rewound", 1, "bridge running");
            Arrived a = consume("rewound-out", 40);
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                expected.add("k" + i);
            }
            assertEquals(expected, keys(a.target()));
        } finally {
            zsync.removeHandler(capture);
        }
        // Not passed vacuously: the task did read the written offset, and found the log below it.
        assertTrue(log.stream().anyMatch(m -> m.contains("resumes at rewound-in-0@100")), "resumed at 100: " + log);
        assertTrue(log.stream().anyMatch(m -> m.contains("rewound-in-0 was read from offset 0, below the offset 100")),
                "the log reset warned: " + log);
        connect.deleteConnector("rewound");
    }

    /**
     * Broker outage: an at-least-once bridge moves a rate-limited stream (200 records/s); after a quarter
     * arrived the broker stops for 20 s and starts again. Every record arrives (repeats allowed, none lost),
     * the task is RUNNING whenever asked and the worker never started it again, within 90 s of the restart.
     */
    @Test
    @Order(100)
    void aTwentySecondBrokerOutageMidRunLosesNothingAndNeedsNoTaskRestart() throws Exception {
        int n = 2_000;
        topics(Map.of("steady-in", Map.of(), "steady-out", Map.of(), "steady-out.dlq", Map.of()));
        try (CheckedProducer producer = CheckedProducer.create(bootstrap(), Map.of())) {
            for (int i = 0; i < n; i++) {
                producer.send(new ProducerRecord<>("steady-in", 0, bytes("k" + i), bytes("v" + i)));
            }
        }
        Map<String, String> c = bridge("steady-in", "steady-out");
        c.put("zsync.rate.limit", "200");
        connect.configureConnector("steady", c);
        connect.assertions().assertConnectorAndExactlyNumTasksAreRunning("steady", 1, "bridge running");
        double starts = taskStarts();

        // Asks the worker for the task's state every 250 ms for the whole test (its REST API answers from
        // memory while the broker is down).
        ConcurrentLinkedQueue<String> notRunning = new ConcurrentLinkedQueue<>();
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = new Thread(() -> {
            while (watching.get()) {
                try {
                    ConnectorStateInfo s = connect.connectorStatus("steady");
                    if (s.tasks().size() != 1 || !"RUNNING".equals(s.tasks().get(0).state())) {
                        notRunning.add(s.tasks().toString());
                    }
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    notRunning.add("status request failed: " + e);
                }
            }
        }, "status-watcher");
        watcher.start();

        Map<String, Integer> counts = new HashMap<>();
        long restartedAt;
        long doneAt = -1;
        try (KafkaConsumer<byte[], byte[]> consumer = reader("steady-out")) {
            while (counts.size() < n / 4) {
                read(consumer, counts);
            }
            int beforeOutage = counts.size();
            long t0 = System.nanoTime();
            connect.kafka().stopOnlyBrokers();
            Thread.sleep(Math.max(0, 20_000 - (System.nanoTime() - t0) / 1_000_000));
            connect.kafka().restartOnlyBrokers();
            restartedAt = System.nanoTime();
            System.out.printf("broker outage: %d of %d records arrived before; broker down %d ms%n", beforeOutage, n,
                    (restartedAt - t0) / 1_000_000);
            long end = System.currentTimeMillis() + 90_000;
            while (System.currentTimeMillis() < end && counts.size() < n) {
                read(consumer, counts);
            }
            doneAt = System.nanoTime();
            long extra = System.currentTimeMillis() + 1_000;
            while (System.currentTimeMillis() < extra) {
                read(consumer, counts);
            }
        } finally {
            watching.set(false);
            watcher.join();
        }
        int repeats = counts.values().stream().mapToInt(x -> x - 1).sum();
        System.out.printf("broker outage: all %d keys %s %d ms after the broker restart; %d repeats (allowed)%n",
                counts.size(), counts.size() == n ? "arrived" : "NOT arrived", (doneAt - restartedAt) / 1_000_000,
                repeats);
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < n && missing.size() < 20; i++) {
            if (!counts.containsKey("k" + i)) {
                missing.add("k" + i);
            }
        }
        assertEquals(List.of(), missing, "nothing lost (first 20 missing shown)");
        assertEquals(List.of(), List.copyOf(notRunning), "the task was RUNNING at every look");
        assertEquals(starts, taskStarts(), "the worker never started the task again");
        connect.assertions().assertConnectorAndExactlyNumTasksAreRunning("steady", 1, "still running");
        connect.deleteConnector("steady");
    }

    // --- helpers

    static Map<String, String> bridge(String source, String target) {
        Map<String, String> c = RealtimeBridgeConnectIT.bridgeOn(connect.kafka().bootstrapServers(), source, target);
        c.put(ConnectorConfig.TASKS_MAX_CONFIG, "1");
        return c;
    }

    /** Adds the test-only {@link DropKey} transform: records for {@code topic} keyed "drop" are dropped. */
    static void dropKey(Map<String, String> c, String topic) {
        c.put("transforms", "drop");
        c.put("transforms.drop.type", DropKey.class.getName());
        c.put("transforms.drop." + DropKey.TOPIC_CONFIG, topic);
    }

    private static String bootstrap() {
        return connect.kafka().bootstrapServers();
    }

    /** Creates single-partition topics with the given configs and waits until they serve. */
    private static void topics(Map<String, Map<String, String>> topics) throws Exception {
        for (Map.Entry<String, Map<String, String>> t : topics.entrySet()) {
            connect.kafka().createTopic(t.getKey(), 1, 1, t.getValue());
        }
        TestInput.awaitReady(bootstrap(), topics.keySet().toArray(String[]::new));
    }

    record Arrived(List<ConsumerRecord<byte[], byte[]>> target, List<ConsumerRecord<byte[], byte[]>> dead) {
    }

    /** A read_committed reader of partition 0 of {@code target} and {@code target.dlq}, from the start. */
    private static KafkaConsumer<byte[], byte[]> reader(String target) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        List<TopicPartition> parts = List.of(new TopicPartition(target, 0), new TopicPartition(target + ".dlq", 0));
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        return consumer;
    }

    private static void read(KafkaConsumer<byte[], byte[]> consumer, Map<String, Integer> counts) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            counts.merge(text(r.key()), 1, Integer::sum);
        }
    }

    /**
     * Reads {@code target} and its dead-letter topic until {@code n} records arrived in both (60 s at most),
     * then one second more to see any beyond {@code n}.
     */
    static Arrived consume(String target, int n) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = reader(target)) {
            long end = System.currentTimeMillis() + 60_000;
            long extraUntil = Long.MAX_VALUE;
            while (System.currentTimeMillis() < Math.min(end, extraUntil)) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    (r.topic().equals(target) ? out : dead).add(r);
                }
                if (out.size() + dead.size() >= n && extraUntil == Long.MAX_VALUE) {
                    extraUntil = System.currentTimeMillis() + 1_000;
                }
            }
        }
        return new Arrived(out, dead);
    }

    /** How often the worker started a task (any connector's): Connect's worker metric. */
    static double taskStarts() throws Exception {
        return ((Number) ManagementFactory.getPlatformMBeanServer().getAttribute(
                new ObjectName("kafka.connect:type=connect-worker-metrics"), "task-startup-attempts-total"))
                .doubleValue();
    }

    static List<String> keys(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> text(r.key())).toList();
    }

}

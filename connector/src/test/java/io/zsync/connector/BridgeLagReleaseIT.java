package io.zsync.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zsync.connector.bridge.BridgeConfig;
import io.zsync.kafka.ZsyncHeaders;
import io.zsync.processors.app.CheckedProducer;
import io.zsync.processors.app.EmbeddedKafka;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 21 for the bridge: release paced by the lag of the consumer group that reads the target topic
 * ({@code zsync.lag.group}, read on the cluster {@code target.bootstrap.servers} names), as
 * {@code LagReleaseIT} tests it for the Streams app. One Connect worker process (the plugin from its archive)
 * runs a bridge of two tasks over a two-partition source topic; the broker runs in this JVM and serves the
 * class. A "slow" group reads the target at 500 records/s, committing after every batch, as a downstream
 * service that cannot keep up would. Each record's value is the time it was produced, so its wait is the
 * time the slow group handled it minus that.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BridgeLagReleaseIT {
    private static final int PARTITIONS = 2;
    private static final long BOUND = 200;
    private static EmbeddedKafka kafka;
    private static WorkerProcess worker;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.start();
        Path work = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "lag-it-");
        Path plugins = work.resolve("plugins");
        WorkerProcess.unzip(WorkerProcess.archive(), plugins);
        worker = WorkerProcess.start(work.resolve("worker"), kafka.bootstrapServers(), "lag", plugins, false);
    }

    @AfterAll
    static void stop() throws Exception {
        if (worker != null) {
            worker.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    /**
     * A LOW backlog of 10,000 records (20 s of the group's work) is in the source topic when CRITICAL records
     * come behind it, on both tasks' partitions; they reach the slow group within about the bound's worth of
     * its time (0.4 s), not behind the backlog, and the group's lag on the target stays near the bound.
     */
    @Test
    @Order(1)
    void criticalOvertakesALowBacklogForASlowGroup() throws Exception {
        String name = "lag-overtake";
        createTopics(name);
        try (SlowGroup group = new SlowGroup(name, 500); LagProbe probe = new LagProbe(name)) {
            worker.putConnector(name, bridge(name));
            worker.awaitRunning(name, PARTITIONS);
            produce(name, "low", 10_000, "LOW", 0);
            Thread.sleep(2_000);
            // CRITICAL at 25 records/s for 4 s, behind the whole LOW backlog in the source topic.
            int critical = 100;
            produce(name, "crit", critical, "CRITICAL", 25);
            assertTrue(group.await(s -> s.key.startsWith("crit"), critical, Duration.ofSeconds(30)),
                    "the slow group gets every CRITICAL record: " + group.count(s -> s.key.startsWith("crit"))
                            + "\n" + worker.logTail());
            List<Long> waits = group.seen().stream().filter(s -> s.key.startsWith("crit"))
                    .map(s -> s.consumedMs - s.producedMs).sorted().toList();
            long p50 = waits.get(waits.size() / 2);
            long p99 = waits.get(waits.size() * 99 / 100);
            long lowConsumed = group.count(s -> s.key.startsWith("low"));
            System.out.printf("bridge lag release: CRITICAL waits in order of production %s%n", group.seen().stream()
                    .filter(s -> s.key.startsWith("crit")).sorted(Comparator.comparingLong(Seen::producedMs))
                    .map(s -> Long.toString(s.consumedMs - s.producedMs)).toList());
            System.out.printf("bridge lag release: CRITICAL waited p50 %d ms, p99 %d ms, max %d ms behind a"
                    + " 10,000-record LOW backlog for a group reading 500/s (bound %d records, %d tasks); the group"
                    + " had handled %d LOW records by then; its lag on the target peaked at %d records%n", p50, p99,
                    waits.get(waits.size() - 1), BOUND, PARTITIONS, lowConsumed, probe.max());
            assertTrue(p99 < 2_000, "CRITICAL waits behind about the bound (" + BOUND + " records, 0.4 s of the"
                    + " group's work), not the backlog (20 s): p99 " + p99 + " ms, p50 " + p50 + " ms");
            assertTrue(lowConsumed < 6_000, "CRITICAL records overtook most of the LOW backlog: " + lowConsumed
                    + " LOW records were handled before the last CRITICAL one");
            assertTrue(probe.max() <= 3 * BOUND, "the group's lag stays near the bound (" + BOUND + "), not the"
                    + " backlog: peaked at " + probe.max());
        } finally {
            worker.deleteConnector(name);
        }
    }

    /**
     * The group is deleted mid-run (its member gone, then its offsets): the bridge releases at most about the
     * bound more and holds the rest in its tasks' buffers; when the group comes back (from the earliest
     * offset, as a new group does) every source record is in the target once, none dead-lettered.
     */
    @Test
    @Order(2)
    void nothingIsLostWhenTheGroupIsDeletedMidRun() throws Exception {
        String name = "lag-deleted";
        createTopics(name);
        int n = 6_000;
        try {
            try (SlowGroup group = new SlowGroup(name, 500)) {
                worker.putConnector(name, bridge(name));
                worker.awaitRunning(name, PARTITIONS);
                produce(name, "k", n, "LOW", 0);
                assertTrue(group.await(s -> true, 1_000, Duration.ofSeconds(30)), "the group reads: "
                        + group.count(s -> true) + "\n" + worker.logTail());
            }
            long released;
            long atDelete;
            try (Admin admin = admin()) {
                awaitEmpty(admin, "slow-" + name);
                admin.deleteConsumerGroups(List.of("slow-" + name)).all().get(30, TimeUnit.SECONDS);
                atDelete = endOffset(admin, name + "-out");
                Thread.sleep(3_000);
                released = endOffset(admin, name + "-out") - atDelete;
            }
            System.out.printf("bridge lag release: %d records in the target when the group was deleted, %d released"
                    + " in the 3 s after (bound %d)%n", atDelete, released, BOUND);
            assertTrue(released <= 2 * BOUND, "without the group the bridge holds at about the bound: released "
                    + released + " records in 3 s");
            assertTrue(atDelete + released < n, "records were still held when the group came back");
            try (SlowGroup group = new SlowGroup(name, 0)) {
                assertTrue(group.await(s -> s.key.startsWith("k"), n, Duration.ofSeconds(60)),
                        "every record reaches the group that came back: " + group.count(s -> s.key.startsWith("k"))
                                + "\n" + worker.logTail());
                System.out.printf("bridge lag release: the group that came back read %d records, %d distinct%n",
                        group.seen().size(), group.count(s -> true));
            }
            try (Admin admin = admin()) {
                assertEquals(n, endOffset(admin, name + "-out"), "each record once in the target");
                assertEquals(0, endOffset(admin, name + "-out.dlq"), "nothing dead-lettered");
            }
        } finally {
            worker.deleteConnector(name);
        }
    }

    private static Map<String, String> bridge(String name) {
        Map<String, String> c = new HashMap<>();
        c.put("connector.class", RealtimeBridgeSourceConnector.class.getName());
        c.put("tasks.max", Integer.toString(PARTITIONS));
        c.put("source.bootstrap.servers", kafka.bootstrapServers());
        c.put("source.topics", name + "-in");
        c.put("target.topic", name + "-out");
        c.put(BridgeConfig.TARGET_BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        c.put("header.converter", "io.zsync.connector.converters.ZsyncHeaderConverter");
        c.put("zsync.lag.group", "slow-" + name);
        c.put("zsync.lag.max.records", Long.toString(BOUND));
        c.put("zsync.flow.interval.ms", "100");
        // The whole backlog fits: CRITICAL records behind it in a source partition are read only after it.
        c.put("zsync.buffer.max.records", "200000");
        return c;
    }

    /** The source topic, the target (two partitions: the group's lag is summed over them) and its dead letters. */
    private static void createTopics(String name) throws Exception {
        TestInput.createTopics(kafka.bootstrapServers(), new NewTopic(name + "-in", PARTITIONS, (short) 1),
                new NewTopic(name + "-out", 2, (short) 1), new NewTopic(name + "-out.dlq", 1, (short) 1));
    }

    /**
     * Produces {@code n} records of {@code level} over the source partitions, all at once ({@code perSecond}
     * 0) or at that rate; each value is the time it was produced.
     */
    private static void produce(String name, String prefix, int n, String level, int perSecond)
            throws InterruptedException {
        try (CheckedProducer producer = CheckedProducer.create(kafka.bootstrapServers(),
                perSecond > 0 ? Map.of(ProducerConfig.LINGER_MS_CONFIG, 0) : Map.of())) {
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                if (perSecond > 0) {
                    long wait = start + i * 1_000_000_000L / perSecond - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
                RecordHeaders headers = new RecordHeaders();
                headers.add(ZsyncHeaders.PRIORITY, bytes(level));
                byte[] value = ByteBuffer.allocate(Long.BYTES).putLong(System.currentTimeMillis()).array();
                producer.send(new ProducerRecord<>(name + "-in", i % PARTITIONS, bytes(prefix + i), value, headers));
            }
        }
    }

    private static Admin admin() {
        return Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
    }

    private static ConsumerGroupDescription describe(Admin admin, String group) throws Exception {
        try {
            return admin.describeConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return null;
            }
            throw e;
        }
    }

    private static void awaitEmpty(Admin admin, String group) throws Exception {
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            ConsumerGroupDescription g = describe(admin, group);
            if (g != null && g.groupState() == GroupState.EMPTY) {
                return;
            }
            assertTrue(System.nanoTime() < until, "the slow group's member left: " + g);
            Thread.sleep(100);
        }
    }

    /** Σ of the topic's end offsets: how many records it holds (nothing is deleted in these tests). */
    private static long endOffset(Admin admin, String topic) throws Exception {
        int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                .partitions().size();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int i = 0; i < partitions; i++) {
            latest.put(new TopicPartition(topic, i), OffsetSpec.latest());
        }
        long sum = 0;
        for (var info : admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).values()) {
            sum += info.offset();
        }
        return sum;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private record Seen(String key, long producedMs, long consumedMs) {
    }

    /**
     * The downstream group {@code slow-<name>} on {@code <name>-out}: reads at {@code perSecond} records/s (0:
     * as fast as it can), committing after every batch of 25, on its own thread until closed (which leaves
     * the group).
     */
    private static final class SlowGroup implements AutoCloseable {
        private final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean reading = new AtomicBoolean(true);
        private final Thread thread;
        private volatile RuntimeException failure;

        SlowGroup(String name, int perSecond) {
            thread = new Thread(() -> {
                Map<String, Object> c = new HashMap<>();
                c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
                c.put(ConsumerConfig.GROUP_ID_CONFIG, "slow-" + name);
                c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
                c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
                c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 25);
                try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
                        new ByteArrayDeserializer())) {
                    consumer.subscribe(List.of(name + "-out"));
                    long start = System.nanoTime();
                    long handled = 0;
                    while (reading.get()) {
                        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
                        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                            if (perSecond > 0) {
                                long wait = start + handled * 1_000_000_000L / perSecond - System.nanoTime();
                                if (wait > 0) {
                                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                                } else if (wait < -1_000_000_000L) {
                                    // Idle for a while: no credit for the time nothing came.
                                    start = System.nanoTime() - handled * 1_000_000_000L / perSecond;
                                }
                            }
                            handled++;
                            seen.add(new Seen(new String(r.key(), StandardCharsets.UTF_8),
                                    ByteBuffer.wrap(r.value()).getLong(), System.currentTimeMillis()));
                            commit.put(new TopicPartition(r.topic(), r.partition()),
                                    new OffsetAndMetadata(r.offset() + 1));
                        }
                        if (!commit.isEmpty()) {
                            consumer.commitSync(commit);
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    failure = e;
                }
            }, "slow-group-" + name);
            thread.start();
        }

        List<Seen> seen() {
            return List.copyOf(seen);
        }

        /** How many distinct keys among what it handled match. */
        long count(Predicate<Seen> which) {
            return seen.stream().filter(which).map(Seen::key).distinct().count();
        }

        boolean await(Predicate<Seen> which, long n, Duration timeout) throws InterruptedException {
            long until = System.nanoTime() + timeout.toNanos();
            while (count(which) < n) {
                if (failure != null) {
                    throw failure;
                }
                if (System.nanoTime() > until) {
                    return false;
                }
                Thread.sleep(50);
            }
            return true;
        }

        @Override
        public void close() throws InterruptedException {
            reading.set(false);
            thread.join(30_000);
        }
    }

    /** Samples the slow group's lag on the target every 100 ms, on its own thread, until closed. */
    private static final class LagProbe implements AutoCloseable {
        private final AtomicLong max = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        LagProbe(String name) {
            thread = new Thread(() -> {
                try (Admin admin = admin()) {
                    while (running.get()) {
                        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("slow-" + name)
                                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
                        long end = endOffset(admin, name + "-out");
                        long done = committed.values().stream().filter(o -> o != null)
                                .mapToLong(OffsetAndMetadata::offset).sum();
                        // Before the group's first commit on a partition its lag is not defined: not sampled.
                        if (committed.size() == 2) {
                            max.accumulateAndGet(end - done, Math::max);
                        }
                        Thread.sleep(100);
                    }
                } catch (Exception e) {
                    if (running.get()) {
                        throw new IllegalStateException(e);
                    }
                }
            }, "lag-probe-" + name);
            thread.start();
        }

        long max() {
            return max.get();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(10_000);
        }
    }
}

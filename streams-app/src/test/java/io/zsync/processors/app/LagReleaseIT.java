package io.zsync.processors.app;

import static io.zsync.processors.app.Records.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21: release paced by the lag of the consumer group that reads the output ({@code zsync.lag.group}).
 * The Streams app runs in its own JVM; a "slow" consumer group reads the output at 500 records/s, committing
 * after every batch, as a downstream service that cannot keep up would. Each record carries the time it was
 * produced, so a record's wait is the time the slow group handled it minus that.
 */
class LagReleaseIT {
    private static final String PRIORITY = "zsync.priority";
    private static final Path LOGS = Path.of("target", "lag-release-it");
    private static final long BOUND = 200;
    @RegisterExtension
    static final BrokerExtension kafka = new BrokerExtension();

    @TempDir
    Path dir;

    private final List<Process> apps = new ArrayList<>();
    private final List<Path> logs = new ArrayList<>();

    @AfterEach
    void stopApps() throws InterruptedException {
        for (Process p : apps) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /**
     * A LOW backlog of 10,000 records (20 s of the group's work) is in the app's buffer when CRITICAL records
     * start to arrive; they reach the slow group within about the bound's worth of its time, and the group's
     * lag on the output stays near the bound instead of growing with the backlog.
     */
    @Test
    void criticalOvertakesALowBacklogForASlowGroup() throws Exception {
        String app = "lag-overtake";
        topics(app);
        start(app);
        try (SlowGroup group = new SlowGroup(app, 500); LagProbe probe = new LagProbe(app)) {
            produce(app, "low", 10_000, "LOW", 0);
            // Once the app has read the backlog into its buffer (its commits show it), the output's pace is the
            // group's alone: from here on a CRITICAL record's wait is what lag release makes it.
            awaitInputRead(app, 10_000);
            // CRITICAL at 25 records/s for 4 s, behind the whole LOW backlog in the input.
            int critical = 100;
            produce(app, "crit", critical, "CRITICAL", 25);
            assertTrue(group.await(s -> s.key.startsWith("crit"), critical, Duration.ofSeconds(30)),
                    "the slow group gets every CRITICAL record: " + group.count(s -> s.key.startsWith("crit"))
                            + logTail());
            List<Long> waits = group.seen().stream().filter(s -> s.key.startsWith("crit"))
                    .map(s -> s.consumedMs - s.producedMs).sorted().toList();
            long p50 = waits.get(waits.size() / 2);
            long p99 = waits.get(waits.size() * 99 / 100);
            long lowConsumed = group.count(s -> s.key.startsWith("low"));
            System.out.printf("lag release: CRITICAL waits in order of production %s%n", group.seen().stream()
                    .filter(x -> x.key.startsWith("crit")).sorted(java.util.Comparator.comparingLong(Seen::producedMs))
                    .map(x -> Long.toString(x.consumedMs - x.producedMs)).toList());
            System.out.printf("lag release: CRITICAL waited p50 %d ms, p99 %d ms behind a 10,000-record LOW backlog"
                    + " for a group reading 500/s (bound %d records); the group had handled %d LOW records by then;"
                    + " its lag on the output peaked at %d records%n", p50, p99, BOUND, lowConsumed, probe.max());
            assertTrue(p99 < 2_000, "CRITICAL waits behind about the bound (" + BOUND + " records, 0.4 s of the"
                    + " group's work), not the backlog (20 s): p99 " + p99 + " ms, p50 " + p50 + " ms");
            assertTrue(lowConsumed < 6_000, "CRITICAL records overtook most of the LOW backlog: " + lowConsumed
                    + " LOW records were handled before the last CRITICAL one");
            assertTrue(probe.max() <= 3 * BOUND, "the group's lag stays near the bound (" + BOUND + "), not the"
                    + " backlog: peaked at " + probe.max());
        }
    }

    /**
     * The group is deleted mid-run (its members gone, then its offsets): the app releases at most about the
     * bound more and holds the rest in its buffer; when the group comes back (from the earliest offset, as a
     * new group does) every record reaches the output, none lost and none dead-lettered.
     */
    @Test
    void nothingIsLostWhenTheGroupIsDeletedMidRun() throws Exception {
        String app = "lag-deleted";
        topics(app);
        start(app);
        int n = 6_000;
        Set<String> delivered;
        try (SlowGroup group = new SlowGroup(app, 500)) {
            produce(app, "k", n, "LOW", 0);
            assertTrue(group.await(s -> true, 1_000, Duration.ofSeconds(30)), "the group reads" + logTail());
        }
        try (Admin admin = admin()) {
            awaitEmpty(admin, "slow-" + app);
            admin.deleteConsumerGroups(List.of("slow-" + app)).all().get(30, TimeUnit.SECONDS);
            long atDelete = endOffset(admin, app + "-out");
            Thread.sleep(3_000);
            long released = endOffset(admin, app + "-out") - atDelete;
            System.out.printf("lag release: %d records released in the 3 s after the group was deleted (bound %d)%n",
                    released, BOUND);
            assertTrue(released <= 3 * BOUND, "without the group the app holds at about the bound: released "
                    + released + " records in 3 s");
        }
        try (SlowGroup group = new SlowGroup(app, 0)) {
            assertTrue(group.await(s -> s.key.startsWith("k"), n, Duration.ofSeconds(60)),
                    "every record reaches the group that came back: " + group.count(s -> s.key.startsWith("k"))
                            + logTail());
            delivered = new HashSet<>();
            group.seen().forEach(s -> delivered.add(s.key));
        }
        for (int i = 0; i < n; i++) {
            assertTrue(delivered.contains("k" + i), "record k" + i + " delivered");
        }
        try (Admin admin = admin()) {
            assertEquals(0, endOffset(admin, app + "-out.dlq"), "nothing dead-lettered");
            assertEquals(n, endOffset(admin, app + "-out"), "each record once");
        }
    }

    private void start(String app) throws Exception {
        Properties p = new Properties();
        p.put("application.id", app);
        p.put("bootstrap.servers", kafka.bootstrapServers());
        p.put("zsync.input.topics", app + "-in");
        p.put("zsync.output.topic", app + "-out");
        p.put("zsync.lag.group", "slow-" + app);
        p.put("zsync.lag.max.records", Long.toString(BOUND));
        p.put("zsync.flow.interval.ms", "100");
        p.put("zsync.buffer.max.records", "200000");
        p.put("state.dir", dir.resolve("state-" + app).toString());
        p.put("commit.interval.ms", "100");
        Path config = dir.resolve(app + ".properties");
        try (var w = Files.newBufferedWriter(config)) {
            p.store(w, "lag release test");
        }
        Files.createDirectories(LOGS);
        Path log = LOGS.resolve(app + ".log");
        logs.add(log);
        apps.add(AppProcess.launch(config, log));
        try (Admin admin = admin()) {
            long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (true) {
                ConsumerGroupDescription g = describe(admin, app);
                if (g != null && g.groupState() == GroupState.STABLE) {
                    return;
                }
                assertTrue(System.nanoTime() < until, "the app joins its group: " + g + logTail());
                Thread.sleep(200);
            }
        }
    }

    /** Waits until the app's committed input offsets reach {@code n} records (it commits every 100 ms). */
    private void awaitInputRead(String app, long n) throws Exception {
        try (Admin admin = admin()) {
            long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (true) {
                long read = admin.listConsumerGroupOffsets(app).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                        .values().stream().filter(o -> o != null).mapToLong(OffsetAndMetadata::offset).sum();
                if (read >= n) {
                    return;
                }
                assertTrue(System.nanoTime() < until, "the app reads its input: " + read + logTail());
                Thread.sleep(100);
            }
        }
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

    private static long endOffset(Admin admin, String topic) throws Exception {
        long sum = 0;
        int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                .partitions().size();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int i = 0; i < partitions; i++) {
            latest.put(new TopicPartition(topic, i), OffsetSpec.latest());
        }
        for (var info : admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).values()) {
            sum += info.offset();
        }
        return sum;
    }

    private String logTail() {
        StringBuilder sb = new StringBuilder();
        for (Path log : logs) {
            sb.append("\n--- ").append(log.getFileName()).append('\n').append(AppProcess.tail(log, 25));
        }
        return sb.toString();
    }

    private static Admin admin() {
        return Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
    }

    private static void topics(String app) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(app + "-in", 4, (short) 1), new NewTopic(app + "-out", 2, (short) 1),
                    new NewTopic(app + "-out.dlq", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            Topics.awaitReady(admin, List.of(app + "-in", app + "-out", app + "-out.dlq"), Duration.ofSeconds(30));
        }
    }

    /** Produces {@code n} records of {@code priority}, all at once ({@code perSecond} 0) or at that rate. */
    private static void produce(String app, String prefix, int n, String priority, int perSecond)
            throws InterruptedException {
        try (CheckedProducer producer = Records.producer(kafka.bootstrapServers())) {
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                if (perSecond > 0) {
                    long wait = start + i * 1_000_000_000L / perSecond - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
                byte[] value = ByteBuffer.allocate(Long.BYTES).putLong(System.currentTimeMillis()).array();
                ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(app + "-in", i % 4,
                        Records.bytes(prefix + i), value);
                r.headers().add(PRIORITY, Records.bytes(priority));
                producer.send(r);
                if (perSecond > 0) {
                    producer.flush();
                }
            }
        }
    }

    private record Seen(String key, long producedMs, long consumedMs) {
    }

    /**
     * The downstream group {@code slow-<app>}: reads the output at {@code perSecond} records/s (0: as fast as it
     * can), committing after every batch of 25, on its own thread until closed (which leaves the group).
     */
    private static final class SlowGroup implements AutoCloseable {
        private final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean reading = new AtomicBoolean(true);
        private final Thread thread;

        SlowGroup(String app, int perSecond) {
            thread = new Thread(() -> {
                Map<String, Object> c = new HashMap<>();
                c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
                c.put(ConsumerConfig.GROUP_ID_CONFIG, "slow-" + app);
                c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
                c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
                c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 25);
                try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
                        new ByteArrayDeserializer())) {
                    consumer.subscribe(List.of(app + "-out"));
                    long start = System.nanoTime();
                    long handled = 0;
                    while (reading.get()) {
                        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(50));
                        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
                        for (ConsumerRecord<byte[], byte[]> r : records) {
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
                            seen.add(new Seen(string(r.key()), ByteBuffer.wrap(r.value()).getLong(),
                                    System.currentTimeMillis()));
                            commit.put(new TopicPartition(r.topic(), r.partition()),
                                    new OffsetAndMetadata(r.offset() + 1));
                        }
                        if (!commit.isEmpty()) {
                            consumer.commitSync(commit);
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "slow-group-" + UUID.randomUUID());
            thread.start();
        }

        List<Seen> seen() {
            return List.copyOf(seen);
        }

        long count(java.util.function.Predicate<Seen> which) {
            return seen.stream().filter(which).map(Seen::key).distinct().count();
        }

        boolean await(java.util.function.Predicate<Seen> which, long n, Duration timeout) throws InterruptedException {
            long until = System.nanoTime() + timeout.toNanos();
            while (count(which) < n) {
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

    /** Samples the slow group's lag on the output every 100 ms, on its own thread, until closed. */
    private static final class LagProbe implements AutoCloseable {
        private final AtomicLong max = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        LagProbe(String app) {
            thread = new Thread(() -> {
                try (Admin admin = admin()) {
                    while (running.get()) {
                        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("slow-" + app)
                                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
                        long end = endOffset(admin, app + "-out");
                        long done = committed.values().stream().filter(o -> o != null)
                                .mapToLong(OffsetAndMetadata::offset).sum();
                        max.accumulateAndGet(end - done, Math::max);
                        Thread.sleep(100);
                    }
                } catch (Exception e) {
                    if (running.get()) {
                        throw new IllegalStateException(e);
                    }
                }
            }, "lag-probe");
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

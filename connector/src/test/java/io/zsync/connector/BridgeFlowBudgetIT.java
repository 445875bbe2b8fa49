package io.zsync.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.zsync.connector.bridge.BridgeConfig;
import io.zsync.kafka.ZsyncHeaders;
import io.zsync.processors.app.CheckedProducer;
import io.zsync.processors.app.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
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
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 20, rows a, b and c: one flow budget for the whole bridge ({@code zsync.rate.scope=application}),
 * shared by demand through the control topic. A bridge of four tasks over a four-partition source topic
 * runs in two Connect worker processes of one group (the plugin from its archive, as users install it), so
 * the tasks' coordinators meet only on the control topic; the broker runs in this JVM and serves the class.
 * Every rate is measured from the broker's append times: the target topics are
 * {@code message.timestamp.type=LogAppendTime}.
 *
 * <p>Without coordination each task would take its share by partitions (a quarter of the budget): row a
 * would deliver 750/s, and row c's CRITICAL records would leave at 250/s while arriving at 600/s.
 *
 * <p>Row b (partitions added to the source topic while the bridge runs) is tested here rather than on Kafka
 * Streams: a stateful topology whose input topic grows fails with Kafka's "Existing internal topic ... has
 * invalid partitions".
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BridgeFlowBudgetIT {
    private static final int PARTITIONS = 4;
    private static EmbeddedKafka kafka;
    private static final List<WorkerProcess> workers = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.start();
        Path work = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "flow-it-");
        Path plugins = work.resolve("plugins");
        WorkerProcess.unzip(WorkerProcess.archive(), plugins);
        List<CompletableFuture<WorkerProcess>> starting = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            Path dir = work.resolve("worker-" + w);
            starting.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return WorkerProcess.start(dir, kafka.bootstrapServers(), "flow", plugins, false);
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            }));
        }
        RuntimeException failure = null;
        for (CompletableFuture<WorkerProcess> f : starting) {
            try {
                workers.add(f.join());
            } catch (CompletionException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (WorkerProcess w : workers) {
            w.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    /**
     * Row a: the budget is 3,000 records/s and every record waits on one of the four partitions. The task
     * that holds them gets the whole budget: the application delivers 3,000/s within 2 %, measured over the
     * run without its first and last two seconds, and every record arrives once.
     */
    @Test
    @Order(1)
    void aBacklogOnOnePartitionOfFourGetsTheWholeApplicationRate() throws Exception {
        int n = 36_000;
        long budget = 3_000;
        createTopics("a-in", "a-out");
        try (CheckedProducer producer = CheckedProducer.create(kafka.bootstrapServers(), Map.of())) {
            for (int i = 0; i < n; i++) {
                producer.send(new ProducerRecord<>("a-in", 0, bytes("k" + i), bytes("v" + i)));
            }
        }
        Map<String, String> c = bridge("a-in", "a-out", budget);
        try (Reader out = Reader.start("a-out")) {
            worker().putConnector("flow-a", c);
            worker().awaitRunning("flow-a", PARTITIONS);
            System.out.println("row a: tasks on workers " + taskWorkers("flow-a"));
            // Long enough for the share by partitions (a quarter of the budget) to finish too, so its figure shows.
            out.await(all -> all.size() >= n, Duration.ofSeconds(n * PARTITIONS / budget + 20));
            List<ConsumerRecord<byte[], byte[]>> target = out.target();
            // Two seconds off each end: a task that stalled while it started (Connect's own start-up on a
            // loaded machine) makes the time up afterwards (the rate limit's catch-up), which must not be
            // counted without the stall it makes up for.
            double rate = rate(target, 2_000);
            long first = target.stream().mapToLong(ConsumerRecord::timestamp).min().orElseThrow();
            Map<Long, Integer> perSecond = new TreeMap<>();
            target.forEach(r -> perSecond.merge((r.timestamp() - first) / 1_000, 1, Integer::sum));
            System.out.printf("row a: budget %d/s, all %d records on partition 0 of %d: delivered %.1f records/s"
                    + " (append times, first and last 2 s left out), %d in the target, %d dead letters; per second"
                    + " %s%n", budget, n, PARTITIONS, rate, target.size(), out.dead().size(), perSecond);
            assertEquals(budget, rate, budget * 0.02, "the application's rate, records/s");
            Set<String> keys = new HashSet<>();
            for (ConsumerRecord<byte[], byte[]> r : out.all()) {
                keys.add(text(r.key()));
            }
            assertEquals(n, out.all().size(), "every record once, in the target or its dead-letter topic");
            assertEquals(n, keys.size(), "every record once");
        } finally {
            worker().deleteConnector("flow-a");
        }
    }

    /**
     * Row c: the budget is 1,000 records/s; one task holds a LOW backlog, another task (in the other worker
     * process when Connect put them apart) receives CRITICAL records at 600/s for 4 s. CRITICAL goes first
     * application-wide: its records leave about as fast as they arrive (not at the 250/s of a task's share
     * by partitions), with a p99 wait under a second, while LOW takes what is left.
     */
    @Test
    @Order(2)
    void criticalRecordsOfOneTaskGoBeforeTheLowBacklogOfAnother() throws Exception {
        int low = 5_000;
        int criticalPerSecond = 600;
        int seconds = 4;
        long budget = 1_000;
        createTopics("c-in", "c-out");
        Map<String, String> c = bridge("c-in", "c-out", budget);
        try (Reader out = Reader.start("c-out")) {
            worker().putConnector("flow-c", c);
            worker().awaitRunning("flow-c", PARTITIONS);
            // Partition p is task p's. LOW on partition 0; CRITICAL on a partition whose task runs in the other
            // worker, if Connect placed one there.
            Map<Integer, String> placed = taskWorkers("flow-c");
            int lowPartition = 0;
            int criticalPartition = 1;
            for (int p = 1; p < PARTITIONS; p++) {
                if (!placed.get(p).equals(placed.get(lowPartition))) {
                    criticalPartition = p;
                    break;
                }
            }
            System.out.printf("row c: tasks on workers %s; LOW on partition %d, CRITICAL on partition %d (%s)%n",
                    placed, lowPartition, criticalPartition, placed.get(lowPartition).equals(placed.get(criticalPartition))
                            ? "same worker" : "other worker");
            try (CheckedProducer producer = CheckedProducer.create(kafka.bootstrapServers(), Map.of())) {
                for (int i = 0; i < low; i++) {
                    producer.send(new ProducerRecord<>("c-in", lowPartition, bytes("low" + i),
                            bytes(Long.toString(System.currentTimeMillis())), level("LOW")));
                }
            }
            // The LOW flood is flowing at the budget before the first CRITICAL record comes.
            out.await(all -> count(all, "LOW") >= 300, Duration.ofSeconds(30));
            int critical = criticalPerSecond * seconds;
            int perTick = criticalPerSecond / 20;
            long firstSent;
            long lastSent = 0;
            try (CheckedProducer producer = CheckedProducer.create(kafka.bootstrapServers(),
                    Map.of(ProducerConfig.LINGER_MS_CONFIG, 0))) {
                long start = System.nanoTime();
                firstSent = System.currentTimeMillis();
                for (int i = 0; i < critical; i++) {
                    if (i % perTick == 0) {
                        // Paced: perTick records every 50 ms.
                        long due = start + TimeUnit.MILLISECONDS.toNanos(50L * (i / perTick));
                        for (long wait; (wait = due - System.nanoTime()) > 0; ) {
                            LockSupport.parkNanos(wait);
                        }
                    }
                    lastSent = System.currentTimeMillis();
                    producer.send(new ProducerRecord<>("c-in", criticalPartition, bytes("critical" + i),
                            bytes(Long.toString(lastSent)), level("CRITICAL")));
                }
            }
            out.await(all -> all.size() >= low + critical, Duration.ofSeconds(40));

            List<Long> waits = new ArrayList<>();
            long firstCritical = Long.MAX_VALUE;
            long lastCritical = Long.MIN_VALUE;
            for (ConsumerRecord<byte[], byte[]> r : out.target()) {
                if ("CRITICAL".equals(header(r, ZsyncHeaders.PRIORITY))) {
                    waits.add(r.timestamp() - Long.parseLong(text(r.value())));
                    firstCritical = Math.min(firstCritical, r.timestamp());
                    lastCritical = Math.max(lastCritical, r.timestamp());
                }
            }
            waits.sort(Long::compare);
            long p50 = percentile(waits, 0.50);
            long p99 = percentile(waits, 0.99);
            double sentRate = (critical - 1) * 1_000.0 / Math.max(1, lastSent - firstSent);
            double criticalRate = (waits.size() - 1) * 1_000.0 / Math.max(1, lastCritical - firstCritical);
            // What else left while CRITICAL did: LOW takes the rest of the budget.
            long lowMeanwhile = 0;
            for (ConsumerRecord<byte[], byte[]> r : out.target()) {
                if ("LOW".equals(header(r, ZsyncHeaders.PRIORITY)) && r.timestamp() >= firstCritical
                        && r.timestamp() <= lastCritical) {
                    lowMeanwhile++;
                }
            }
            double lowRate = lowMeanwhile * 1_000.0 / Math.max(1, lastCritical - firstCritical);
            System.out.printf("row c: budget %d/s, share by partitions %d/s; CRITICAL sent at %.1f/s, delivered at"
                    + " %.1f/s, wait p50 %d ms, p99 %d ms, max %d ms; LOW meanwhile %.1f/s (application %.1f/s);"
                    + " %d in the target, %d dead letters%n", budget, budget / PARTITIONS, sentRate, criticalRate,
                    p50, p99, waits.get(waits.size() - 1), lowRate, criticalRate + lowRate, out.target().size(),
                    out.dead().size());
            assertEquals(critical, waits.size(), "every CRITICAL record arrived");
            assertTrue(p99 < 1_000, "CRITICAL waits under a second at p99 (append time - send time): " + p99 + " ms");
            assertTrue(criticalRate >= 0.9 * sentRate, "CRITICAL leaves as fast as it arrives (" + sentRate
                    + "/s), not at the task's share of " + budget / PARTITIONS + "/s: " + criticalRate + "/s");
            assertEquals(low + critical, out.target().size(), "every record in the target");
            assertEquals(0, out.dead().size(), "no dead letters");
        } finally {
            worker().deleteConnector("flow-c");
        }
    }

    /**
     * Row b: the budget is 3,000 records/s; the bridge reads a four-partition topic with a backlog on every
     * partition, and four partitions are added while it runs (with {@code tasks.max=4} the task count stays 4:
     * partition {@code p} goes to task {@code p mod 4}, which takes it without a restart), and records go into
     * them too: three of them get a big backlog, the fourth a small one, so its task runs dry first. The
     * application delivers 3,000/s within 2 % before, across and after the change, measured from append times
     * without the first and last second, and every record arrives once.
     *
     * <p>Without coordination each task keeps the share by partitions it computed at start, a quarter of the
     * budget: on the bridge those shares still add up to the budget (no task restarts with a share of the new
     * total, and when the task count changes Connect restarts them all), so the application never goes above
     * it, but once one task runs dry the others go on at 3 &times; 750/s.
     */
    @Test
    @Order(3)
    void partitionsAddedWhileRunningKeepTheApplicationRate() throws Exception {
        int oldPerPartition = 3_000;
        int bigNew = 6_000;
        int smallNew = 1_000;
        int grown = 2 * PARTITIONS;
        int n = PARTITIONS * oldPerPartition + (PARTITIONS - 1) * bigNew + smallNew;
        long budget = 3_000;
        createTopics("b-in", "b-out");
        try (CheckedProducer producer = CheckedProducer.create(kafka.bootstrapServers(), Map.of())) {
            for (int p = 0; p < PARTITIONS; p++) {
                for (int i = 0; i < oldPerPartition; i++) {
                    producer.send(new ProducerRecord<>("b-in", p, bytes("p" + p + "-" + i), bytes("v" + i)));
                }
            }
        }
        Map<String, String> c = bridge("b-in", "b-out", budget);
        c.put(BridgeConfig.SOURCE_PARTITIONS_REFRESH_MS_CONFIG, "1000");
        try (Reader out = Reader.start("b-out")) {
            worker().putConnector("flow-b", c);
            worker().awaitRunning("flow-b", PARTITIONS);
            System.out.println("row b: tasks on workers " + taskWorkers("flow-b"));
            // The old backlog (4 s at the budget) is flowing before the topic grows.
            out.await(all -> all.size() >= 1_500, Duration.ofSeconds(30));
            long changed;
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                admin.createPartitions(Map.of("b-in", NewPartitions.increaseTo(grown))).all().get(30, TimeUnit.SECONDS);
                changed = System.currentTimeMillis();
            }
            try (CheckedProducer producer = CheckedProducer.create(kafka.bootstrapServers(), Map.of())) {
                for (int p = PARTITIONS; p < grown; p++) {
                    int count = p < grown - 1 ? bigNew : smallNew;
                    for (int i = 0; i < count; i++) {
                        producer.send(new ProducerRecord<>("b-in", p, bytes("p" + p + "-" + i), bytes("v" + i)));
                    }
                }
            }
            // Long enough for the shares by partitions (three tasks at a quarter of the budget each, once the
            // fourth is dry) to finish too, so their figure shows.
            out.await(all -> all.size() >= n, Duration.ofSeconds(2 * n / budget + 20));
            List<ConsumerRecord<byte[], byte[]>> target = out.target();
            long first = target.stream().mapToLong(ConsumerRecord::timestamp).min().orElseThrow();
            long last = target.stream().mapToLong(ConsumerRecord::timestamp).max().orElseThrow();
            long firstNew = target.stream().filter(r -> partitionOf(r) >= PARTITIONS)
                    .mapToLong(ConsumerRecord::timestamp).min().orElseThrow();
            Map<Long, long[]> perSecond = new TreeMap<>();
            for (ConsumerRecord<byte[], byte[]> r : target) {
                perSecond.computeIfAbsent((r.timestamp() - first) / 1_000, s -> new long[2])[
                        partitionOf(r) >= PARTITIONS ? 1 : 0]++;
            }
            StringBuilder seconds = new StringBuilder();
            perSecond.forEach((s, counts) -> seconds.append(String.format("%n  second %2d: %5d (%d from added partitions)%s",
                    s, counts[0] + counts[1], counts[1], s == (changed - first) / 1_000 ? " <- partitions added" : "")));
            double rate = rate(target, 1_000);
            double after = rate(target.stream().filter(r -> r.timestamp() >= changed).toList(), 0, last - 1_000);
            System.out.printf("row b: budget %d/s, %d partitions grown to %d at +%d ms (first record of an added"
                    + " partition at +%d ms); delivered %.1f records/s over the run, %.1f records/s from the change"
                    + " (append times, first and last second left out), %d in the target, %d dead letters;"
                    + " per second:%s%n", budget, PARTITIONS, grown, changed - first, firstNew - first, rate, after,
                    target.size(), out.dead().size(), seconds);
            assertEquals(budget, rate, budget * 0.02, "the application's rate, records/s");
            assertEquals(budget, after, budget * 0.02, "the application's rate after partitions were added, records/s");
            Set<String> keys = new HashSet<>();
            for (ConsumerRecord<byte[], byte[]> r : out.all()) {
                keys.add(text(r.key()));
            }
            assertEquals(n, out.all().size(), "every record once, in the target or its dead-letter topic");
            assertEquals(n, keys.size(), "every record once");
        } finally {
            worker().deleteConnector("flow-b");
        }
    }

    /** The source partition of a row b record, from its key {@code p<partition>-<i>}. */
    private static int partitionOf(ConsumerRecord<byte[], byte[]> r) {
        String key = text(r.key());
        return Integer.parseInt(key.substring(1, key.indexOf('-')));
    }

    private static WorkerProcess worker() {
        return workers.get(0);
    }

    /** The worker each task of {@code connector} runs on, by task number. */
    private static Map<Integer, String> taskWorkers(String connector) throws Exception {
        Map<Integer, String> out = new TreeMap<>();
        for (JsonNode t : worker().get("/connectors/" + connector + "/status").path("tasks")) {
            out.put(t.path("id").asInt(), t.path("worker_id").asText());
        }
        return out;
    }

    private static Map<String, String> bridge(String source, String target, long budget) {
        Map<String, String> c = new HashMap<>();
        c.put("connector.class", RealtimeBridgeSourceConnector.class.getName());
        c.put("tasks.max", Integer.toString(PARTITIONS));
        c.put("source.bootstrap.servers", kafka.bootstrapServers());
        c.put("source.topics", source);
        c.put("target.topic", target);
        c.put("header.converter", "io.zsync.connector.converters.ZsyncHeaderConverter");
        c.put("zsync.rate.scope", "application");
        c.put("zsync.rate.limit", Long.toString(budget));
        return c;
    }

    /** The source topic of {@link #PARTITIONS} partitions, and the target and its dead-letter topic, LogAppendTime. */
    private static void createTopics(String source, String target) throws Exception {
        Map<String, String> appendTime = Map.of("message.timestamp.type", "LogAppendTime");
        TestInput.createTopics(kafka.bootstrapServers(), new NewTopic(source, PARTITIONS, (short) 1),
                new NewTopic(target, 1, (short) 1).configs(appendTime),
                new NewTopic(target + ".dlq", 1, (short) 1).configs(appendTime));
    }

    /**
     * Records per second by append time, without the first and last {@code marginMs}: the count in
     * {@code [first + margin, last - margin)} over that window.
     */
    private static double rate(List<ConsumerRecord<byte[], byte[]>> records, long marginMs) {
        long last = Long.MIN_VALUE;
        for (ConsumerRecord<byte[], byte[]> r : records) {
            last = Math.max(last, r.timestamp());
        }
        return rate(records, marginMs, last - marginMs);
    }

    /**
     * Records per second by append time in {@code [first + marginMs, to)}, {@code first} being the earliest
     * append time of {@code records}.
     */
    private static double rate(List<ConsumerRecord<byte[], byte[]>> records, long marginMs, long to) {
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (ConsumerRecord<byte[], byte[]> r : records) {
            assertEquals(TimestampType.LOG_APPEND_TIME, r.timestampType(), "the broker's append time");
            first = Math.min(first, r.timestamp());
            last = Math.max(last, r.timestamp());
        }
        long from = first + marginMs;
        assertTrue(to - from >= 2_000, "at least two seconds to measure: " + (last - first) + " ms in all");
        long in = records.stream().filter(r -> r.timestamp() >= from && r.timestamp() < to).count();
        return in * 1_000.0 / (to - from);
    }

    private static long percentile(List<Long> sorted, double q) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }

    private static long count(List<ConsumerRecord<byte[], byte[]>> records, String level) {
        return records.stream().filter(r -> level.equals(header(r, ZsyncHeaders.PRIORITY))).count();
    }

    private static RecordHeaders level(String level) {
        RecordHeaders h = new RecordHeaders();
        h.add(ZsyncHeaders.PRIORITY, bytes(level));
        return h;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : text(h.value());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Reads a target topic and its dead-letter topic from the start, on its own thread, while a test runs. */
    private static final class Reader implements AutoCloseable {
        private final String target;
        private final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        private final Thread thread;
        private volatile boolean closed;
        private volatile RuntimeException failure;

        private Reader(String target) {
            this.target = target;
            this.thread = new Thread(this::run, "flow-it-reader-" + target);
            this.thread.setDaemon(true);
        }

        static Reader start(String target) {
            Reader r = new Reader(target);
            r.thread.start();
            return r;
        }

        private void run() {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            p.put(ConsumerConfig.GROUP_ID_CONFIG, "flow-it-" + target + "-" + System.nanoTime());
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                consumer.subscribe(List.of(target, target + ".dlq"));
                while (!closed) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                        synchronized (records) {
                            records.add(r);
                        }
                    }
                }
            } catch (RuntimeException e) {
                failure = e;
            }
        }

        /** Waits until what arrived satisfies {@code done}; fails the test after {@code timeout}, saying what arrived. */
        void await(Predicate<List<ConsumerRecord<byte[], byte[]>>> done, Duration timeout) throws InterruptedException {
            long end = System.nanoTime() + timeout.toNanos();
            while (true) {
                if (failure != null) {
                    throw failure;
                }
                List<ConsumerRecord<byte[], byte[]>> now = all();
                if (done.test(now)) {
                    return;
                }
                if (System.nanoTime() > end) {
                    throw new AssertionError("after " + timeout.toSeconds() + " s, " + now.size() + " records in "
                            + target + " and its dead-letter topic");
                }
                Thread.sleep(50);
            }
        }

        List<ConsumerRecord<byte[], byte[]>> all() {
            synchronized (records) {
                return new ArrayList<>(records);
            }
        }

        List<ConsumerRecord<byte[], byte[]>> target() {
            return all().stream().filter(r -> r.topic().equals(target)).toList();
        }

        List<ConsumerRecord<byte[], byte[]>> dead() {
            return all().stream().filter(r -> !r.topic().equals(target)).toList();
        }

        @Override
        public void close() throws InterruptedException {
            closed = true;
            thread.join(10_000);
        }
    }
}

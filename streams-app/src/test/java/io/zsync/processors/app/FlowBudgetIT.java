package io.zsync.processors.app;

import static io.zsync.processors.app.Records.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20: one flow budget for the whole application ({@code zsync.rate.scope=application}), across tasks
 * and across two instances of the Streams app, each in its own JVM. Every rate is read off the broker's
 * clock: the output topic stamps records with {@code LogAppendTime}. Each record carries the time it was
 * produced (its value), so a record's wait is its append time minus that.
 */
class FlowBudgetIT {
    private static final String PRIORITY = "zsync.priority";
    private static final String STATIC_MEMBERSHIP = "group.instance.id";
    private static final Path LOGS = Path.of("target", "flow-budget-it");
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

    /** Row a: all records on one of 4 partitions; the application still delivers its whole budget. */
    @Test
    void skewedInputGetsTheWholeBudget() throws Exception {
        int n = 30_000;
        long budget = 3_000;
        String app = "flow-skew";
        topics(app, 4);
        startApps(app, settings(app, budget), 2);
        try (Output output = new Output(app)) {
            warmUp(app, output, 4);
            produce(app + "-in", n, i -> 0, i -> "LOW");
            List<Seen> seen = output.await(s -> distinct(s) >= n, Duration.ofSeconds(60));
            assertEquals(n, distinct(seen), "every record delivered: " + logTail());
            assertEquals(0, seen.stream().filter(s -> s.dlq).count(), "no dead letters");
            double rate = steadyRate(seen);
            System.out.printf("row a: %d records, all on 1 of 4 partitions, 2 instances: %.0f records/s for a budget"
                    + " of %d/s; per second %s%n", n, rate, budget, perSecond(seen));
            assertWithin(budget, 0.02, rate, "row a, skewed input");
        }
    }

    /** Row c: CRITICAL records on one task go before a LOW flood on another, wherever the two run. */
    @Test
    void criticalAnywhereGoesBeforeLowAnywhere() throws Exception {
        long budget = 1_000;
        String app = "flow-critical";
        topics(app, 4);
        startApps(app, settings(app, budget), 2);
        try (Output output = new Output(app)) {
            warmUp(app, output, 4);
            produce(app + "-in", 8_000, i -> 0, i -> "LOW");
            // Once the LOW backlog is being released: CRITICAL at 600/s for 4 s on another partition, above
            // the 250/s that task's share by partitions would be.
            output.await(s -> s.stream().filter(x -> x.key.startsWith("k")).count() >= 1_000, Duration.ofSeconds(60));
            int critical = 2_400;
            try (CheckedProducer producer = Records.producer(kafka.bootstrapServers())) {
                long start = System.nanoTime();
                for (int i = 0; i < critical; i++) {
                    long due = start + i * 1_000_000_000L / 600;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                    producer.send(record(app + "-in", 1, "c" + i, "CRITICAL"));
                    if (i % 30 == 0) {
                        producer.flush();
                    }
                }
            }
            List<Seen> seen = output.await(s -> s.stream().filter(x -> x.key.startsWith("c")).count() >= critical,
                    Duration.ofSeconds(60));
            List<Long> waits = seen.stream().filter(s -> s.key.startsWith("c")).map(s -> s.appendMs - s.producedMs)
                    .sorted().toList();
            assertEquals(critical, waits.size(), "every CRITICAL record delivered: " + logTail());
            long p50 = waits.get(waits.size() / 2);
            long p99 = waits.get(waits.size() * 99 / 100);
            System.out.printf("row c: CRITICAL at 600/s beside a LOW flood, budget %d/s, 2 instances: waited p50 %d ms,"
                    + " p99 %d ms%n", budget, p50, p99);
            assertTrue(p99 < 1_500, "CRITICAL records go before LOW ones anywhere in the application: p99 "
                    + p99 + " ms, p50 " + p50 + " ms (at their task's share by partitions they would queue for"
                    + " seconds)");
        }
    }

    /**
     * Row d: a rolling bounce while records wait everywhere. Input is fed at 4,400/s over 4 partitions, above
     * the budget of 3,000/s, so every task always has a backlog and the application always spends its whole
     * budget. Each instance has a {@code group.instance.id}, as a rolling restart is best run, so a restarted
     * instance gets its own tasks back at once. A task that starts begins with an empty bucket and no
     * allowance until the budget is split again, so the bounces do not push the application over its rate,
     * however large the burst. (A full bucket per task start would add 1,500 records per bounce here, a few
     * per cent of the span: the unit tests of the Streams processor and the bridge task pin the empty start
     * down exactly; this test shows the whole application, bounced, staying within its budget.) A restart
     * costs throughput on this 2-core machine while the new JVM starts, hence the looser lower bound.
     */
    @Test
    void restartsDoNotPushTheApplicationOverItsBudget() throws Exception {
        long budget = 3_000;
        String app = "flow-bounce";
        topics(app, 4);
        Map<String, String> s = settings(app, budget);
        // A second's worth: a full bucket per task start would show at once.
        s.put("zsync.rate.burst", "3000");
        s.put(STATIC_MEMBERSHIP, "one per instance");
        startApps(app, s, 2);
        AtomicBoolean feeding = new AtomicBoolean(true);
        long[] fed = new long[1];
        try (Output output = new Output(app)) {
            warmUp(app, output, 4);
            Thread feeder = new Thread(() -> fed[0] = feed(app + "-in", 4_400, 4, feeding), "feeder");
            feeder.start();
            long feedStoppedMs;
            try {
                // 4 s of backlog building up on every task before the first bounce.
                int at = 12_000;
                for (int bounce = 0; bounce < 2; bounce++) {
                    int next = at;
                    output.await(x -> distinct(x) >= next, Duration.ofSeconds(60));
                    int instance = bounce % 2;
                    Process stopping = apps.get(instance);
                    stopping.destroy();   // SIGTERM: the app closes Kafka Streams, committing, and exits
                    assertTrue(stopping.waitFor(60, TimeUnit.SECONDS), "instance " + instance + " stops");
                    launch(app, s, instance);
                    // Back before the next bounce: a rolling restart takes one instance down at a time.
                    awaitRunning(logs.get(logs.size() - 1));
                    at = (int) distinct(output.await(x -> true, Duration.ZERO)) + 3_000;
                }
                output.await(x -> distinct(x) >= 0, Duration.ofSeconds(2));
            } finally {
                feeding.set(false);
                feeder.join(30_000);
                feedStoppedMs = System.currentTimeMillis();
            }
            long n = fed[0];
            List<Seen> seen = output.await(x -> distinct(x) >= n, Duration.ofSeconds(120));
            assertEquals(n, distinct(seen), "every record delivered: " + logTail());
            long first = seen.stream().filter(x -> x.key.startsWith("k")).mapToLong(x -> x.appendMs).min().orElseThrow();
            long from = first + 1_000;
            double rate = count(seen, from, feedStoppedMs) * 1_000.0 / (feedStoppedMs - from);
            System.out.printf("row d: each of 2 instances restarted, burst 3000, input 4,400/s: %.0f records/s for"
                    + " a budget of %d/s while fed; per second %s%n", rate, budget, perSecond(seen));
            assertTrue(rate <= budget * 1.02, "restarts keep the application within its budget: " + rate + "/s");
            assertTrue(rate >= budget * 0.8, "and restarted tasks get their part again: " + rate + "/s");
        }
    }

    /**
     * Row a2: two instances, one killed with SIGKILL mid-run. Its tasks stop reporting; the other's tasks
     * take the whole budget within the control topic's expiry, long before the group notices the dead
     * member, and once it does, its tasks move over with what they had buffered: nothing is lost.
     */
    @Test
    void aKilledInstancesAllowanceMovesToTheOtherAndNothingIsLost() throws Exception {
        long budget = 3_000;
        String app = "flow-kill";
        topics(app, 6);
        Map<String, String> s = settings(app, budget);
        s.put("session.timeout.ms", "8000");
        s.put("heartbeat.interval.ms", "1000");
        startApps(app, s, 2);
        AtomicBoolean feeding = new AtomicBoolean(true);
        long[] fed = new long[1];
        try (Output output = new Output(app)) {
            warmUp(app, output, 6);
            Thread feeder = new Thread(() -> fed[0] = feed(app + "-in", 5_000, 6, feeding), "feeder");
            feeder.start();
            try {
                // About 3 s of output: the input (5,000/s) has run 2,000/s ahead of the budget, so the survivor
                // has seconds of backlog to take the whole budget with.
                output.await(x -> distinct(x) >= 9_000, Duration.ofSeconds(60));
                Process victim = apps.get(1);
                long killedAt = System.currentTimeMillis();
                victim.destroyForcibly();   // SIGKILL
                victim.waitFor(30, TimeUnit.SECONDS);
                // Measured before the group's session timeout (8 s) moves the dead member's tasks.
                Thread.sleep(6_500);
                feeding.set(false);
                feeder.join(30_000);
                long n = fed[0];
                List<Seen> seen = output.await(x -> distinct(x) >= n, Duration.ofSeconds(120));
                assertEquals(n, distinct(seen), "nothing lost after the kill: " + logTail());
                long from = killedAt + 1_500;
                long to = killedAt + 6_500;
                double rate = count(seen, from, to) * 1_000.0 / (to - from);
                System.out.printf("row a2: one of 2 instances killed, input 5,000/s: %.0f records/s from 1.5 s to 6.5 s"
                        + " after the kill, budget %d/s (%d records, all delivered)%n", rate, budget, n);
                assertWithin(budget, 0.05, rate, "row a2, after the kill, before the group notices");
            } finally {
                feeding.set(false);
                feeder.join(30_000);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    private static void assertWithin(long budget, double tolerance, double rate, String what) {
        assertTrue(Math.abs(rate - budget) <= budget * tolerance, what + ": " + Math.round(rate)
                + " records/s, expected " + budget + " within " + Math.round(tolerance * 100) + " %");
    }

    private Map<String, String> settings(String app, long budget) {
        Map<String, String> s = new HashMap<>();
        s.put("application.id", app);
        s.put("bootstrap.servers", kafka.bootstrapServers());
        s.put("zsync.input.topics", app + "-in");
        s.put("zsync.output.topic", app + "-out");
        s.put("zsync.rate.limit", Long.toString(budget));
        s.put("zsync.rate.scope", "application");
        s.put("zsync.buffer.max.records", "200000");
        return s;
    }

    private void startApps(String app, Map<String, String> settings, int instances) throws Exception {
        for (int i = 0; i < instances; i++) {
            launch(app, settings, i);
        }
        // Records are produced once both instances are in the group, so the runs measure coordination, not
        // the first rebalance.
        try (Admin admin = admin()) {
            long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (true) {
                ConsumerGroupDescription g = null;
                try {
                    g = admin.describeConsumerGroups(List.of(app)).all().get(30, TimeUnit.SECONDS).get(app);
                } catch (java.util.concurrent.ExecutionException e) {
                    if (!(e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException)) {
                        throw e;
                    }
                }
                if (g != null && g.groupState() == GroupState.STABLE && g.members().size() == instances) {
                    return;
                }
                assertTrue(System.nanoTime() < until, "both instances join the group: " + g + "\n" + logTail());
                Thread.sleep(200);
            }
        }
    }

    /**
     * Starts instance {@code instance} of the app in its own JVM (again, after a stop: same state directory
     * and, if the settings have a {@code group.instance.id}, the same one: {@code <app>-<instance>}).
     */
    private void launch(String app, Map<String, String> settings, int instance) throws IOException {
        Properties p = new Properties();
        p.putAll(settings);
        p.put("state.dir", dir.resolve("state-" + instance).toString());
        if (settings.containsKey(STATIC_MEMBERSHIP)) {
            p.put(STATIC_MEMBERSHIP, app + "-" + instance);
        }
        Path config = dir.resolve(app + "-" + instance + ".properties");
        try (var w = Files.newBufferedWriter(config)) {
            p.store(w, "flow budget test");
        }
        // Kept after the run (the module's target directory), for a failure's whole story.
        Files.createDirectories(LOGS);
        Path log = LOGS.resolve(app + "-" + instance + "-" + logs.size() + ".log");
        logs.add(log);
        Process process = AppProcess.launch(config, log);
        if (instance < apps.size()) {
            apps.set(instance, process);
        } else {
            apps.add(process);
        }
    }

    /** Waits until the app whose output goes to {@code log} says it runs (its tasks assigned). */
    private void awaitRunning(Path log) throws Exception {
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.exists(log) || !Files.readString(log).contains("-> RUNNING")) {
            assertTrue(System.nanoTime() < until, "the restarted instance runs: " + logTail());
            Thread.sleep(100);
        }
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

    private static void topics(String app, int partitions) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(app + "-in", partitions, (short) 1),
                    new NewTopic(app + "-out", 1, (short) 1).configs(Map.of("message.timestamp.type", "LogAppendTime")),
                    new NewTopic(app + "-out.dlq", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            Topics.awaitReady(admin, List.of(app + "-in", app + "-out", app + "-out.dlq"), Duration.ofSeconds(30));
        }
    }

    /**
     * Runs {@code n} records through the app and waits until all are out: the JVMs' JIT and the stores warm
     * up, so that what a test measures next is the budget's split, not how fast a cold app reads its input.
     */
    private static void warmUp(String app, Output output, int partitions) throws InterruptedException {
        int n = 6_000;
        try (CheckedProducer producer = Records.producer(kafka.bootstrapServers())) {
            for (int i = 0; i < n; i++) {
                producer.send(record(app + "-in", i % partitions, "w" + i, "LOW"));
            }
        }
        List<Seen> seen = output.await(s -> s.stream().filter(x -> x.key.startsWith("w")).count() >= n,
                Duration.ofSeconds(60));
        assertEquals(n, seen.stream().filter(x -> x.key.startsWith("w")).map(x -> x.key).distinct().count(),
                "the warm-up records delivered");
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, int partition, String key, String priority) {
        byte[] value = ByteBuffer.allocate(Long.BYTES + 4).putLong(System.currentTimeMillis()).putInt(partition).array();
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, partition, Records.bytes(key), value);
        r.headers().add(PRIORITY, Records.bytes(priority));
        return r;
    }

    private static void produce(String topic, int n, java.util.function.IntUnaryOperator partition,
                                java.util.function.IntFunction<String> priority) {
        produce(topic, n, partition, priority, 0);
    }

    private static void produce(String topic, int n, java.util.function.IntUnaryOperator partition,
                                java.util.function.IntFunction<String> priority, int firstKey) {
        try (CheckedProducer producer = Records.producer(kafka.bootstrapServers())) {
            for (int i = 0; i < n; i++) {
                producer.send(record(topic, partition.applyAsInt(i), "k" + (firstKey + i), priority.apply(i)));
            }
        }
    }

    /** Feeds {@code perSecond} LOW records evenly over {@code partitions} until told to stop; returns how many. */
    private static long feed(String topic, int perSecond, int partitions, AtomicBoolean feeding) {
        try (CheckedProducer producer = Records.producer(kafka.bootstrapServers())) {
            long start = System.nanoTime();
            long n = 0;
            while (feeding.get()) {
                long due = (System.nanoTime() - start) * perSecond / 1_000_000_000L;
                for (; n < due; n++) {
                    producer.send(record(topic, (int) (n % partitions), "k" + n, "LOW"));
                }
                producer.flush();
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            return n;
        }
    }

    /** Records appended in each second of the run, for the output of a test: where a rate went wrong. */
    private static String perSecond(List<Seen> seen) {
        long first = seen.stream().filter(s -> s.key.startsWith("k")).mapToLong(s -> s.appendMs).min().orElse(0);
        java.util.TreeMap<Long, Integer> counts = new java.util.TreeMap<>();
        for (Seen s : seen) {
            if (!s.dlq && s.appendMs >= first) {
                counts.merge((s.appendMs - first) / 1_000, 1, Integer::sum);
            }
        }
        return counts.toString();
    }

    /**
     * Records per second between two seconds after the first measured record's append and one second before
     * the last.
     */
    private static double steadyRate(List<Seen> seen) {
        long first = seen.stream().filter(s -> !s.dlq && s.key.startsWith("k")).mapToLong(s -> s.appendMs).min()
                .orElseThrow();
        long last = seen.stream().filter(s -> !s.dlq && s.key.startsWith("k")).mapToLong(s -> s.appendMs).max()
                .orElseThrow();
        // Two seconds off the start: a task that stalled there (the budget's first split, the JIT) makes the
        // time up afterwards (the rate limit's catch-up), which must not be counted without the stall.
        long from = first + 2_000;
        long to = last - 1_000;
        assertTrue(to - from >= 3_000, "a run long enough to measure: " + (last - first) + " ms");
        return count(seen, from, to) * 1_000.0 / (to - from);
    }

    private static long count(List<Seen> seen, long fromMs, long toMs) {
        return seen.stream().filter(s -> !s.dlq && s.appendMs >= fromMs && s.appendMs < toMs).count();
    }

    /** The measured records (not the warm-up's) seen, each once. */
    private static long distinct(List<Seen> seen) {
        return seen.stream().filter(s -> s.key.startsWith("k")).map(s -> s.key).distinct().count();
    }

    /** One record read from the output or its dead-letter topic. */
    private record Seen(String key, boolean dlq, long appendMs, long producedMs, int sourcePartition) {
    }

    /** Reads the app's output and dead-letter topics from the beginning, on its own thread, until closed. */
    private static final class Output implements AutoCloseable {
        private final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean reading = new AtomicBoolean(true);
        private final Thread thread;

        Output(String app) {
            String out = app + "-out";
            thread = new Thread(() -> {
                Map<String, Object> c = new HashMap<>();
                c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
                c.put(ConsumerConfig.GROUP_ID_CONFIG, "flow-reader-" + UUID.randomUUID());
                c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
                try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
                        new ByteArrayDeserializer())) {
                    consumer.subscribe(List.of(out, out + ".dlq"));
                    while (reading.get()) {
                        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                            ByteBuffer v = ByteBuffer.wrap(r.value());
                            seen.add(new Seen(string(r.key()), r.topic().endsWith(".dlq"), r.timestamp(),
                                    v.remaining() >= 12 ? v.getLong() : -1, v.remaining() >= 4 ? v.getInt() : -1));
                        }
                    }
                }
            }, "output-reader");
            thread.start();
        }

        /** Waits until {@code done} holds for what was read (or the timeout passes); returns what was read. */
        List<Seen> await(Predicate<List<Seen>> done, Duration timeout) throws InterruptedException {
            long until = System.nanoTime() + timeout.toNanos();
            while (true) {
                List<Seen> now = List.copyOf(seen);
                if (done.test(now) || System.nanoTime() > until) {
                    return now;
                }
                Thread.sleep(100);
            }
        }

        @Override
        public void close() throws InterruptedException {
            reading.set(false);
            thread.join(10_000);
        }
    }
}

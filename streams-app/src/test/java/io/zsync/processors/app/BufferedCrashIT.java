package io.zsync.processors.app;

import static io.zsync.processors.app.Records.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19 row a0 and its kind: the Streams app at at-least-once, with records always waiting in its
 * buffer (input fed at 1,000 records/s, released at up to 2,000/s, and every restart finds seconds of backlog),
 * killed with SIGKILL at 20 random moments and restarted each time. Every input record must end in the
 * output or the dead-letter topic.
 *
 * <p>The loss this catches: a released record's output and its store tombstone are two sends to two
 * partitions. Here they live on two brokers, as in any real cluster (the producer sends whatever is
 * queued for a broker once one batch for it is ready, so on one broker they would leave together). The
 * output topic has 6 partitions and the changelog 1, so output batches wait out {@code linger.ms} (Kafka
 * Streams' 100 ms) while the changelog batch fills and leaves at once; the input offset was committed
 * long before. A kill in that window lost the record before the buffer store deferred its deletes to the
 * next commit.
 */
class BufferedCrashIT {
    private static final int KILLS = 20;
    private static final int FEED_PER_SECOND = 1_000;
    @RegisterExtension
    static final BrokerExtension kafka = new BrokerExtension(2);

    @TempDir
    Path dir;

    @Test
    void atLeastOnceLosesNothingWhenKilledWhileRecordsAreBuffered() throws Exception {
        String in = "crash-in";
        String out = "crash-out";
        String changelog = "crash-app-zsync-realtime-buffer-changelog";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            List<Integer> brokers = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).stream()
                    .map(n -> n.id()).sorted().toList();
            assertEquals(2, brokers.size(), "two brokers: " + brokers);
            Map<Integer, List<Integer>> onFirst = new HashMap<>();
            for (int i = 0; i < 6; i++) {
                onFirst.put(i, List.of(brokers.get(0)));
            }
            // Created before the app starts (Streams accepts an existing changelog of the right shape), on the
            // other broker than the output.
            admin.createTopics(List.of(new NewTopic(in, 1, (short) 1), new NewTopic(out, onFirst),
                    new NewTopic(out + ".dlq", Map.of(0, List.of(brokers.get(0)))),
                    new NewTopic(changelog, Map.of(0, List.of(brokers.get(1))))
                            .configs(Map.of("cleanup.policy", "compact"))))
                    .all().get(30, TimeUnit.SECONDS);
            Topics.awaitReady(admin, List.of(in, out, out + ".dlq", changelog), Duration.ofSeconds(30));
        }
        Properties p = new Properties();
        p.put("application.id", "crash-app");
        p.put("bootstrap.servers", kafka.bootstrapServers());
        p.put("state.dir", dir.resolve("state").toString());
        p.put("processing.guarantee", "at_least_once");
        // Input offsets of buffered records are committed long before the records are released.
        p.put("commit.interval.ms", "200");
        // Kafka Streams' own producer default, set here so the window does not depend on the app's defaults.
        p.put("producer.linger.ms", "100");
        p.put("group.instance.id", "crash-instance");
        p.put("zsync.input.topics", in);
        p.put("zsync.output.topic", out);
        p.put("zsync.rate.limit", "2000");
        p.put("zsync.buffer.max.records", "200000");
        Path config = dir.resolve("crash.properties");
        try (var w = Files.newBufferedWriter(config)) {
            p.store(w, "buffered crash test");
        }

        Set<String> seen = ConcurrentHashMap.newKeySet();
        AtomicLong fed = new AtomicLong();
        AtomicBoolean feeding = new AtomicBoolean(true);
        AtomicBoolean reading = new AtomicBoolean(true);
        Thread reader = new Thread(() -> read(List.of(out, out + ".dlq"), seen, reading), "reader");
        Thread feeder = new Thread(() -> feed(in, fed, feeding), "feeder");
        reader.start();
        feeder.start();
        Random random = new Random(19);
        List<String> kills = new ArrayList<>();
        try {
            for (int i = 0; i < KILLS; i++) {
                Path log = dir.resolve("app-" + i + ".log");
                Process app = AppProcess.launch(config, log);
                try {
                    long before = seen.size();
                    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                    while (seen.size() < before + 300 && System.nanoTime() < until && app.isAlive()) {
                        Thread.sleep(20);
                    }
                    assertTrue(app.isAlive() && seen.size() >= before + 300, () -> "run " + kills.size()
                            + " delivers: " + AppProcess.tail(log, 40));
                    Thread.sleep(random.nextInt(2_500));
                } finally {
                    app.destroyForcibly();   // SIGKILL: no commit, no close, no flush
                    app.waitFor(30, TimeUnit.SECONDS);
                }
                kills.add(seen.size() + "/" + fed.get());
            }
            feeding.set(false);
            feeder.join(30_000);
            long total = fed.get();
            Path log = dir.resolve("app-final.log");
            Process last = AppProcess.launch(config, log);
            try {
                // Until everything arrived, or nothing more has for 20 s.
                long progressAt = System.nanoTime();
                long lastSeen = seen.size();
                while (seen.size() < total && System.nanoTime() - progressAt < 20_000_000_000L && last.isAlive()) {
                    Thread.sleep(100);
                    if (seen.size() > lastSeen) {
                        lastSeen = seen.size();
                        progressAt = System.nanoTime();
                    }
                }
                Set<String> missing = new TreeSet<>();
                for (long k = 0; k < total && missing.size() < 20; k++) {
                    if (!seen.contains("k" + k)) {
                        missing.add("k" + k);
                    }
                }
                assertEquals(total, seen.size(), () -> "every record in the output or the DLQ after " + KILLS
                        + " kills: " + seen.size() + " of " + total
                        + " kills (delivered/fed at each kill: " + kills + "); first missing: " + missing
                        + "\nlast app:\n" + AppProcess.tail(log, 40));
            } finally {
                last.destroy();
                if (!last.waitFor(60, TimeUnit.SECONDS)) {
                    last.destroyForcibly();
                }
            }
        } finally {
            feeding.set(false);
            reading.set(false);
            feeder.join(30_000);
            reader.join(30_000);
        }
    }

    /** Feeds keys k0, k1, ... at {@value #FEED_PER_SECOND} records/s until told to stop. */
    private static void feed(String topic, AtomicLong fed, AtomicBoolean feeding) {
        try (CheckedProducer producer = Records.producer(kafka.bootstrapServers())) {
            long start = System.nanoTime();
            long n = 0;
            while (feeding.get()) {
                long due = (System.nanoTime() - start) * FEED_PER_SECOND / 1_000_000_000L;
                for (; n < due; n++) {
                    producer.send(Records.record(topic, "k" + n, new byte[64], "zsync.priority",
                            n % 10 == 0 ? "CRITICAL" : "LOW"));
                }
                producer.flush();
                fed.set(n);
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Collects the keys of everything in {@code topics} (committed or not: at-least-once). */
    private static void read(List<String> topics, Set<String> seen, AtomicBoolean reading) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "crash-reader-" + UUID.randomUUID());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(topics);
            while (reading.get()) {
                consumer.poll(Duration.ofMillis(100)).forEach(r -> seen.add(string(r.key())));
            }
        }
    }
}

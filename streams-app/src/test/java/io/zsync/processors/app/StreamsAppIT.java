package io.zsync.processors.app;

import static io.zsync.processors.app.Records.header;
import static io.zsync.processors.app.Records.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.zsync.kafka.ZsyncHeaders;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The Streams app against a real in-process KRaft broker, one broker for the class. */
class StreamsAppIT {
    private static final String[] LEVELS = {"LOW", "NORMAL", "HIGH", "CRITICAL"};
    @RegisterExtension
    static final BrokerExtension kafka = new BrokerExtension();

    @TempDir
    java.nio.file.Path stateDir;

    @Test
    void everyOneOfOneHundredThousandMixedRecordsEndsInTheOutputOrTheDeadLetterTopicExactlyOnce() throws Exception {
        int n = 100_000;
        Map<String, Object> settings = settings("mixed", stateDir.resolve("a"));
        settings.put("zsync.rate.limit", "20000");
        settings.put("zsync.buffer.max.records", "2000");
        settings.put("zsync.backpressure", "drop_oldest");
        settings.put("zsync.transforms", "checksum");
        Map<String, String> expectedReason = new HashMap<>();
        try (ZsyncStreamsApp app = ZsyncStreamsApp.start(settings)) {
            Random random = new Random(42);
            long now = System.currentTimeMillis() * 1_000;
            try (CheckedProducer producer = Records.producer(kafka.bootstrapServers())) {
                for (int i = 0; i < n; i++) {
                    String key = "k" + i;
                    String level = LEVELS[random.nextInt(4)];
                    int kind = random.nextInt(100);
                    byte[] value = new byte[16 + random.nextInt(200)];
                    random.nextBytes(value);
                    if (kind < 2) {
                        producer.send(Records.record("mixed-in", key, value, ZsyncHeaders.PRIORITY, "SOMETIMES"));
                        expectedReason.put(key, "INVALID_HEADER");
                    } else if (kind < 5) {
                        producer.send(Records.record("mixed-in", key, value, ZsyncHeaders.PRIORITY, level,
                                ZsyncHeaders.DEADLINE, Long.toString(now - 1_000_000)));
                        expectedReason.put(key, "EXPIRED");
                    } else if (kind < 30) {
                        producer.send(Records.record("mixed-in", key, value, ZsyncHeaders.PRIORITY, level,
                                ZsyncHeaders.DEADLINE, Long.toString(now + 600_000_000L)));
                    } else {
                        producer.send(Records.record("mixed-in", key, value, ZsyncHeaders.PRIORITY, level));
                    }
                }
            }
            List<ConsumerRecord<byte[], byte[]>> all = Records.readUntil(kafka.bootstrapServers(),
                    List.of("mixed-out", "mixed-out.dlq"), r -> r.size() >= n, Duration.ofSeconds(120));

            Map<String, Long> counts = all.stream().collect(Collectors.groupingBy(r -> string(r.key()),
                    TreeMap::new, Collectors.counting()));
            assertEquals(n, counts.size(), "every input key arrives");
            assertEquals(Set.of(1L), Set.copyOf(counts.values()), "and only once");
            Map<String, Long> reasons = new TreeMap<>();
            for (ConsumerRecord<byte[], byte[]> r : all) {
                String key = string(r.key());
                String reason = header(r, ZsyncHeaders.DLQ_REASON);
                if (r.topic().equals("mixed-out.dlq")) {
                    reasons.merge(reason, 1L, Long::sum);
                    assertEquals("mixed-in", header(r, ZsyncHeaders.SOURCE_TOPIC));
                    if (expectedReason.containsKey(key)) {
                        assertEquals(expectedReason.get(key), reason, key);
                    } else {
                        // drop_oldest drops the incoming record when everything buffered outranks it
                        assertTrue(reason.equals("DROPPED_OLDEST") || reason.equals("DROPPED_NEWEST"), key + " " + reason);
                    }
                } else {
                    assertEquals(null, reason);
                    assertTrue(!expectedReason.containsKey(key), key + " should have been dead-lettered");
                    assertTrue(header(r, ZsyncHeaders.CRC32C) != null, "the checksum transform ran");
                }
            }
            System.out.println("dead letters by reason: " + reasons);
            assertEquals(expectedReason.values().stream().filter("EXPIRED"::equals).count(), reasons.get("EXPIRED"));
            assertEquals(expectedReason.values().stream().filter("INVALID_HEADER"::equals).count(),
                    reasons.get("INVALID_HEADER"));
            assertTrue(app.failure().isEmpty());
        }
    }

    @Test
    void twoInstancesSharingTheInputWithARebalanceMidRunLoseNothing() throws Exception {
        int n = 20_000;
        Map<String, Object> settings = settings("shared", stateDir.resolve("one"));
        settings.put("zsync.rate.limit", "500");     // per task: records wait in the buffers across the rebalance
        settings.put("zsync.buffer.max.records", "100000");
        settings.put("zsync.topics.partitions", "4");
        try (ZsyncStreamsApp one = ZsyncStreamsApp.start(settings)) {
            produce("shared-in", 0, n / 2);
            Records.readUntil(kafka.bootstrapServers(), List.of("shared-out"), r -> r.size() >= 1_000,
                    Duration.ofSeconds(60));
            Map<String, Object> second = new HashMap<>(settings);
            second.put("state.dir", stateDir.resolve("two").toString());
            try (ZsyncStreamsApp two = ZsyncStreamsApp.start(second)) {
                produce("shared-in", n / 2, n);
                List<ConsumerRecord<byte[], byte[]>> all = Records.readUntil(kafka.bootstrapServers(),
                        List.of("shared-out", "shared-out.dlq"),
                        r -> r.stream().map(x -> string(x.key())).distinct().count() >= n, Duration.ofSeconds(120));
                Set<String> keys = all.stream().map(r -> string(r.key())).collect(Collectors.toSet());
                if (keys.size() != n) {
                    java.util.TreeSet<String> missing = new java.util.TreeSet<>();
                    for (int i = 0; i < n; i++) {
                        if (!keys.contains("k" + i)) {
                            missing.add("k" + i);
                        }
                    }
                    System.out.println("missing " + missing.size() + ": " + missing);
                    fail("nothing lost across the rebalance: " + keys.size() + " of " + n + " keys arrived; missing "
                            + missing.size() + " (first: " + missing.stream().limit(20).toList() + "); app one "
                            + one.streams().state() + " " + one.failure() + ", app two " + two.streams().state()
                            + " " + two.failure() + ", zsync metrics: " + zsyncMetrics(one) + " / "
                            + zsyncMetrics(two));
                }
                assertEquals(0, all.stream().filter(r -> r.topic().endsWith(".dlq")).count());
                assertTrue(one.failure().isEmpty() && two.failure().isEmpty());
                double restored = restoredRecords(one) + restoredRecords(two);
                System.out.println("records restored from buffer changelogs after the rebalance: " + restored);
                assertTrue(restored > 0, "the rebalance moved tasks that had records buffered");
            }
        }
    }

    @Test
    void applicationRateScopeHoldsTheRateForTheWholeApplicationAcrossTwoInstances() throws Exception {
        int n = 1_600;
        long rate = 200;
        long burst = 20;
        // The output topic stamps each record with its append time, so the test reads the delivery rate off
        // the broker's clock rather than its own polling.
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("scoped-out", 1, (short) 1)
                    .configs(Map.of("message.timestamp.type", "LogAppendTime")))).all().get();
            Topics.awaitReady(admin, List.of("scoped-out"), Duration.ofSeconds(30));
        }
        Map<String, Object> settings = settings("scoped", stateDir.resolve("one"));
        settings.put("zsync.rate.limit", Long.toString(rate));
        settings.put("zsync.rate.burst", Long.toString(burst));
        settings.put("zsync.rate.scope", "application");
        settings.put("zsync.topics.partitions", "4");
        try (ZsyncStreamsApp one = ZsyncStreamsApp.start(settings)) {
            produce("scoped-in", 0, n);
            Records.readUntil(kafka.bootstrapServers(), List.of("scoped-out"), r -> r.size() >= 300,
                    Duration.ofSeconds(60));
            Map<String, Object> second = new HashMap<>(settings);
            second.put("state.dir", stateDir.resolve("two").toString());
            try (ZsyncStreamsApp two = ZsyncStreamsApp.start(second)) {
                List<ConsumerRecord<byte[], byte[]>> all = Records.readUntil(kafka.bootstrapServers(),
                        List.of("scoped-out", "scoped-out.dlq"),
                        r -> r.stream().map(x -> string(x.key())).distinct().count() >= n, Duration.ofSeconds(120));
                assertEquals(n, all.stream().map(r -> string(r.key())).distinct().count(), "every record delivered");
                assertEquals(0, all.stream().filter(r -> r.topic().endsWith(".dlq")).count());
                assertTrue(one.failure().isEmpty() && two.failure().isEmpty());
                long first = all.stream().mapToLong(ConsumerRecord::timestamp).min().orElseThrow();
                long last = all.stream().mapToLong(ConsumerRecord::timestamp).max().orElseThrow();
                double seconds = (last - first) / 1000.0;
                // Each of the 4 tasks takes a quarter of the rate and of the burst, wherever it runs; a task
                // that moves to the second instance starts with a full bucket again, so at most two bursts go
                // out beyond the rate. Each task taking the whole rate would take a quarter of this time.
                double fastest = (n - 2.0 * burst) / rate;
                System.out.printf("application scope: %d records in %.1f s (%.0f/s) for a rate of %d/s%n", n, seconds,
                        n / seconds, rate);
                assertTrue(seconds >= 0.9 * fastest, "the two instances together keep to " + rate + "/s: " + n
                        + " records took " + seconds + " s, at least " + fastest + " s expected");
                assertTrue(seconds < 6 * fastest, "the rate is divided, not lost: " + seconds + " s");
            }
        }
    }

    private static String zsyncMetrics(ZsyncStreamsApp app) {
        StringBuilder sb = new StringBuilder();
        app.streams().metrics().forEach((k, v) -> {
            if (k.group().equals("zsync") && (k.name().equals("buffer-records") || k.name().equals("records-in-total")
                    || k.name().equals("records-out-total") || k.name().equals("restored-records"))) {
                sb.append(k.tags().get("task-id")).append('.').append(k.name()).append('=')
                        .append(v.metricValue()).append(' ');
            }
        });
        return sb.toString();
    }

    private static double restoredRecords(ZsyncStreamsApp app) {
        return app.streams().metrics().entrySet().stream()
                .filter(e -> e.getKey().group().equals("zsync") && e.getKey().name().equals("restored-records"))
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue())
                .sum();
    }

    private void produce(String topic, int from, int to) {
        try (CheckedProducer producer = Records.producer(kafka.bootstrapServers())) {
            for (int i = from; i < to; i++) {
                producer.send(Records.record(topic, "k" + i, new byte[100], ZsyncHeaders.PRIORITY, LEVELS[i % 4]));
            }
        }
    }

    private static Map<String, Object> settings(String name, java.nio.file.Path stateDir) {
        Map<String, Object> s = new HashMap<>();
        s.put("application.id", name + "-app");
        s.put("bootstrap.servers", kafka.bootstrapServers());
        s.put("state.dir", stateDir.toString());
        s.put("commit.interval.ms", "200");
        s.put("zsync.input.topics", name + "-in");
        s.put("zsync.output.topic", name + "-out");
        return s;
    }
}

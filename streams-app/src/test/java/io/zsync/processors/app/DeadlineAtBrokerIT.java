package io.zsync.processors.app;

import static io.zsync.processors.app.Records.header;
import static io.zsync.processors.app.Records.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zsync.kafka.ZsyncHeaders;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19, row d2: "never delivered after its deadline" holds at the broker. The output topic stamps each
 * record with the broker's append time (LogAppendTime), the producer lingers 100 ms (set explicitly, as Kafka
 * Streams' default), and records with short deadlines wait under a rate limit, so many are released close to
 * their deadlines: none may be appended after it. The broker runs in this JVM, on the app's clock.
 */
class DeadlineAtBrokerIT {
    @RegisterExtension
    static final BrokerExtension kafka = new BrokerExtension();

    @TempDir
    java.nio.file.Path stateDir;

    @Test
    void noRecordIsAppendedAfterItsDeadlineWhileTheProducerLingers100Ms() throws Exception {
        int n = 4_000;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("margin-in", 3, (short) 1),
                    new NewTopic("margin-out", 3, (short) 1).configs(Map.of("message.timestamp.type", "LogAppendTime")),
                    new NewTopic("margin-out.dlq", 1, (short) 1))).all().get();
            Topics.awaitReady(admin, List.of("margin-in", "margin-out", "margin-out.dlq"), Duration.ofSeconds(30));
        }
        Map<String, Object> settings = new HashMap<>();
        settings.put("application.id", "margin-app");
        settings.put("bootstrap.servers", kafka.bootstrapServers());
        settings.put("state.dir", stateDir.toString());
        settings.put("commit.interval.ms", "200");
        settings.put("producer.linger.ms", "100");
        settings.put("zsync.input.topics", "margin-in");
        settings.put("zsync.output.topic", "margin-out");
        settings.put("zsync.rate.limit", "1000");
        settings.put("zsync.rate.scope", "application");
        settings.put("zsync.buffer.max.records", "100000");
        Map<String, Long> deadlines = new HashMap<>();
        try (ZsyncStreamsApp app = ZsyncStreamsApp.start(settings, false)) {
            // Deadlines start counting at production: produce once the tasks run, not during the first rebalance.
            long startBy = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (app.streams().state() != KafkaStreams.State.RUNNING && System.nanoTime() < startBy) {
                Thread.sleep(50);
            }
            assertEquals(KafkaStreams.State.RUNNING, app.streams().state());
            // About 4 s of work at 1,000/s; deadlines 0.1 to 3 s after production, so records are released all
            // along the way to their deadlines, many within the producer's 100 ms linger of it.
            Random random = new Random(19);
            try (CheckedProducer producer = Records.producer(kafka.bootstrapServers())) {
                for (int i = 0; i < n; i++) {
                    String key = "k" + i;
                    long deadline = System.currentTimeMillis() * 1_000 + 100_000 + random.nextInt(2_900_000);
                    deadlines.put(key, deadline);
                    producer.send(Records.record("margin-in", key, new byte[100], ZsyncHeaders.DEADLINE,
                            Long.toString(deadline)));
                }
            }
            List<ConsumerRecord<byte[], byte[]>> all = Records.readUntil(kafka.bootstrapServers(),
                    List.of("margin-out", "margin-out.dlq"),
                    r -> r.stream().map(x -> string(x.key())).distinct().count() >= n, Duration.ofSeconds(30));
            assertTrue(app.failure().isEmpty(), () -> "the app failed: " + app.failure());

            Set<String> seen = new HashSet<>();
            List<String> late = new ArrayList<>();
            Map<String, Integer> reasons = new TreeMap<>();
            int delivered = 0;
            int closeCalls = 0;
            for (ConsumerRecord<byte[], byte[]> r : all) {
                String key = string(r.key());
                seen.add(key);
                long deadline = Long.parseLong(header(r, ZsyncHeaders.DEADLINE));
                assertEquals(deadlines.get(key), deadline, key);
                if (r.topic().equals("margin-out.dlq")) {
                    reasons.merge(header(r, ZsyncHeaders.DLQ_REASON), 1, Integer::sum);
                    continue;
                }
                assertEquals(TimestampType.LOG_APPEND_TIME, r.timestampType(), "the broker's append time");
                delivered++;
                long appendedMicros = r.timestamp() * 1_000;
                if (appendedMicros > deadline) {
                    late.add(key + " appended " + (appendedMicros - deadline) / 1_000 + " ms after its deadline");
                } else if (deadline - appendedMicros < 300_000) {
                    closeCalls++;
                }
            }
            System.out.printf("deadline margin at the broker: %d delivered (%d within 300 ms of their deadline),"
                    + " dead letters %s, late %d%n", delivered, closeCalls, reasons, late.size());
            assertEquals(n, seen.size(), "each input record is in the output or the dead-letter topic");
            assertEquals(List.of(), late.subList(0, Math.min(20, late.size())),
                    late.size() + " records reached the broker after their deadline");
            assertEquals(Set.of("EXPIRED"), reasons.keySet(), "only expiry dead-letters here");
            assertTrue(delivered > n / 4 && reasons.get("EXPIRED") > n / 10,
                    "the run puts records on both sides of their deadlines: " + delivered + " delivered, " + reasons);
            assertTrue(closeCalls > 20, "records were released close to their deadlines: " + closeCalls);
        }
    }
}

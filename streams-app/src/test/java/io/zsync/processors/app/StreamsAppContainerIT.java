package io.zsync.processors.app;

import static io.zsync.processors.app.Records.string;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.zsync.kafka.ZsyncHeaders;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The end-to-end run against the apache/kafka image (KRaft) instead of the in-process broker. Skipped,
 * with one logged error line from Testcontainers, where no Docker engine runs.
 */
@Testcontainers(disabledWithoutDocker = true)
class StreamsAppContainerIT {
    private static final String[] LEVELS = {"LOW", "NORMAL", "HIGH", "CRITICAL"};

    @Container
    static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.3.1");

    @TempDir
    Path stateDir;

    @Test
    void everyRecordEndsInTheOutputOrTheDeadLetterTopicExactlyOnce() throws Exception {
        int n = 10_000;
        Map<String, Object> s = new HashMap<>();
        s.put("application.id", "container-app");
        s.put("bootstrap.servers", KAFKA.getBootstrapServers());
        s.put("state.dir", stateDir.toString());
        s.put("zsync.input.topics", "c-in");
        s.put("zsync.output.topic", "c-out");
        s.put("zsync.rate.limit", "5000");
        try (ZsyncStreamsApp app = ZsyncStreamsApp.start(s);
             CheckedProducer producer = Records.producer(KAFKA.getBootstrapServers())) {
            long now = System.currentTimeMillis() * 1_000;
            for (int i = 0; i < n; i++) {
                String deadline = Long.toString(i % 10 == 0 ? now - 1 : now + 600_000_000L);
                producer.send(Records.record("c-in", "k" + i, new byte[32], ZsyncHeaders.PRIORITY, LEVELS[i % 4],
                        ZsyncHeaders.DEADLINE, deadline));
            }
            producer.flush();
            List<ConsumerRecord<byte[], byte[]>> all = Records.readUntil(KAFKA.getBootstrapServers(),
                    List.of("c-out", "c-out.dlq"), r -> r.size() >= n, Duration.ofSeconds(120));
            Map<String, Long> counts = all.stream().collect(Collectors.groupingBy(r -> string(r.key()),
                    Collectors.counting()));
            assertEquals(n, counts.size());
            assertEquals(Set.of(1L), Set.copyOf(counts.values()));
            assertEquals(n / 10, all.stream().filter(r -> r.topic().equals("c-out.dlq")).count(), "the expired tenth");
        }
    }
}

package io.zsync.processors.app;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Producing to and reading whole topics in integration tests. */
final class Records {
    private Records() {
    }

    /** A producer whose close fails the test if any send failed: a test's input is never lost unnoticed. */
    static CheckedProducer producer(String bootstrap) {
        return CheckedProducer.create(bootstrap, Map.of());
    }

    static ProducerRecord<byte[], byte[]> record(String topic, String key, byte[] value, String... headers) {
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, bytes(key), value);
        for (int i = 0; i < headers.length; i += 2) {
            r.headers().add(headers[i], bytes(headers[i + 1]));
        }
        return r;
    }

    /**
     * Reads {@code topics} from the beginning (committed records only) until {@code done} holds for what was
     * read, or {@code timeout} passes; returns everything read.
     */
    static List<ConsumerRecord<byte[], byte[]>> readUntil(String bootstrap, List<String> topics,
                                                         Predicate<List<ConsumerRecord<byte[], byte[]>>> done,
                                                         Duration timeout) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
        long end = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(topics);
            while (!done.test(all) && System.nanoTime() < end) {
                consumer.poll(Duration.ofMillis(200)).forEach(all::add);
            }
            // A short extra read catches duplicates that arrive just after the last expected record.
            long settle = System.nanoTime() + Duration.ofMillis(500).toNanos();
            while (System.nanoTime() < settle) {
                consumer.poll(Duration.ofMillis(100)).forEach(all::add);
            }
        }
        return all;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String string(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : string(h.value());
    }
}

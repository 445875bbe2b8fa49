package io.zsync.processors.app;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Producing to and reading whole topics in integration tests. */
final class Records {
    private Records() {
    }

    /** A producer whose close fails the test if any send failed: a test's input is never lost unnoticed. */
    static CheckedProducer producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        return new CheckedProducer(new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer()));
    }

    static final class CheckedProducer implements AutoCloseable {
        private final KafkaProducer<byte[], byte[]> producer;
        private final AtomicReference<Exception> failure = new AtomicReference<>();
        private final AtomicLong failed = new AtomicLong();

        private CheckedProducer(KafkaProducer<byte[], byte[]> producer) {
            this.producer = producer;
        }

        void send(ProducerRecord<byte[], byte[]> record) {
            producer.send(record, (meta, e) -> {
                if (e != null) {
                    failed.incrementAndGet();
                    failure.compareAndSet(null, e);
                }
            });
        }

        /** Waits until every send so far is acknowledged; fails the test if any was not. */
        void flush() {
            producer.flush();
            check();
        }

        @Override
        public void close() {
            producer.close();
            check();
        }

        private void check() {
            if (failure.get() != null) {
                throw new AssertionError("the test's own input was not written: " + failed.get()
                        + " sends failed", failure.get());
            }
        }
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

package io.zsync.connector;

import io.zsync.processors.app.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The input of a connector integration test, written so that it is all there: topics are awaited until
 * every partition's leader serves, and every send is checked.
 *
 * <p>Both guard against one failure seen in full CI runs: an idempotent producer writing into a topic
 * created a moment before had its first batch refused, later batches appended, and the first one failed
 * with an out-of-order sequence after the two-minute delivery timeout. An unchecked send hid that, and the
 * bridge was blamed for 445 records that were never in its source topic.
 */
final class TestInput {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private TestInput() {
    }

    /** Creates the topics and waits until they are ready. */
    static void createTopics(String bootstrap, NewTopic... topics) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(topics)).all().get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            Topics.awaitReady(admin, List.of(topics).stream().map(NewTopic::name).toList(), READY_TIMEOUT);
        }
    }

    /** Waits until topics created elsewhere (e.g. by the test kit) are ready. */
    static void awaitReady(String bootstrap, String... topics) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            Topics.awaitReady(admin, List.of(topics), READY_TIMEOUT);
        }
    }

    /** A producer whose {@link Sender#close()} fails the test unless every record it sent was written. */
    static Sender sender(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        return new Sender(new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer()));
    }

    /** Sends records and, on close, proves each one was acknowledged. */
    static final class Sender implements AutoCloseable {
        private final KafkaProducer<byte[], byte[]> producer;
        private final List<Future<RecordMetadata>> sent = new ArrayList<>();

        private Sender(KafkaProducer<byte[], byte[]> producer) {
            this.producer = producer;
        }

        void send(ProducerRecord<byte[], byte[]> record) {
            sent.add(producer.send(record));
        }

        @Override
        public void close() throws InterruptedException {
            try {
                producer.flush();
                int failed = 0;
                Throwable first = null;
                for (Future<RecordMetadata> f : sent) {
                    try {
                        f.get();
                    } catch (ExecutionException e) {
                        failed++;
                        first = first == null ? e.getCause() : first;
                    }
                }
                if (failed > 0) {
                    throw new AssertionError("the test's own input was not written: " + failed + " of " + sent.size()
                            + " sends failed", first);
                }
            } finally {
                producer.close();
            }
        }
    }
}

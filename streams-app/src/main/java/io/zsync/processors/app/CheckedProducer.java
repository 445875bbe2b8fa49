package io.zsync.processors.app;

import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A byte-array producer for input that must all be there (a test's or a benchmark's): {@link #flush()} and
 * {@link #close()} throw unless every send so far was acknowledged. An unchecked send can fail unseen, e.g.
 * an idempotent producer's first batch into a topic whose leader did not serve yet fails after the delivery
 * timeout, and the records missing downstream then look like the pipeline lost them.
 */
public final class CheckedProducer implements AutoCloseable {
    private final KafkaProducer<byte[], byte[]> producer;
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final AtomicLong failed = new AtomicLong();

    private CheckedProducer(KafkaProducer<byte[], byte[]> producer) {
        this.producer = producer;
    }

    /**
     * A producer with acks=all, a 5 ms linger and a 30 s delivery timeout (a failure surfaces in a test's
     * time, not after the default two minutes).
     *
     * @param overrides producer settings that replace those
     */
    public static CheckedProducer create(String bootstrapServers, Map<String, Object> overrides) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        p.putAll(overrides);
        return new CheckedProducer(new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer()));
    }

    /** Sends one record; a failure is kept for {@link #flush()} and {@link #close()}. */
    public void send(ProducerRecord<byte[], byte[]> record) {
        producer.send(record, (meta, e) -> {
            if (e != null) {
                failed.incrementAndGet();
                failure.compareAndSet(null, e);
            }
        });
    }

    /**
     * Waits until every send so far is acknowledged.
     *
     * @throws IllegalStateException if any was not
     */
    public void flush() {
        producer.flush();
        check();
    }

    /**
     * Sends what is left, closes, and throws if any send failed.
     *
     * @throws IllegalStateException if any send was not acknowledged
     */
    @Override
    public void close() {
        producer.close();
        check();
    }

    private void check() {
        if (failure.get() != null) {
            throw new IllegalStateException("input not written: " + failed.get() + " sends failed, the first with "
                    + failure.get(), failure.get());
        }
    }
}

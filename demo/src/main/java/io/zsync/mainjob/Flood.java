package io.zsync.mainjob;

import io.zsync.kafka.ZsyncHeaders;
import io.zsync.stream.Priority;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The slow-consumer phase's flood: records at a fixed rate, {@code criticalPercent} of them CRITICAL and the
 * rest LOW (the {@code zsync.priority} header; every {@code 100 / criticalPercent}-th record, so CRITICAL
 * records are spread evenly), each written alike (key, value, headers, timestamp) to every one of the
 * phase's input topics. Keys are 8-byte sequence numbers; the timestamp is when the record was produced.
 */
final class Flood implements Runnable {
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final Map<String, Object> producerSettings;
    private final List<String> topics;
    private final int rate;
    private final int criticalPercent;
    private final long durationMs;
    private final int valueBytes;
    /** Acknowledged sends per topic (index in {@link #topics}) and level. */
    private final AtomicLongArray produced;
    private final AtomicLongArray failed;
    private final AtomicReference<Exception> failure = new AtomicReference<>();

    Flood(String bootstrapServers, List<String> topics, int rate, int criticalPercent, long durationMs,
          int valueBytes) {
        this.producerSettings = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.CLIENT_ID_CONFIG, "zsync-main-job-flood");
        this.topics = List.copyOf(topics);
        this.rate = rate;
        this.criticalPercent = criticalPercent;
        this.durationMs = durationMs;
        this.valueBytes = valueBytes;
        this.produced = new AtomicLongArray(topics.size() * Priority.COUNT);
        this.failed = new AtomicLongArray(topics.size());
    }

    /** The level of the record with sequence number {@code seq}. */
    static Priority level(long seq, int criticalPercent) {
        return seq % 100 < criticalPercent ? Priority.CRITICAL : Priority.LOW;
    }

    /** Records of level {@code p} the broker acknowledged in the topic with index {@code topic}. */
    long produced(int topic, Priority p) {
        return produced.get(topic * Priority.COUNT + p.ordinal());
    }

    /** Records the broker acknowledged in the topic with index {@code topic}. */
    long produced(int topic) {
        long n = 0;
        for (int i = 0; i < Priority.COUNT; i++) {
            n += produced.get(topic * Priority.COUNT + i);
        }
        return n;
    }

    /** Sends to the topic with index {@code topic} that failed: those records never reached it. */
    long failed(int topic) {
        return failed.get(topic);
    }

    /** The first send that failed, if one did. */
    Exception failure() {
        return failure.get();
    }

    @Override
    public void run() {
        byte[] value = new byte[valueBytes];
        new Random(42).nextBytes(value);
        byte[][] levels = new byte[Priority.COUNT][];
        for (Priority p : Priority.values()) {
            levels[p.ordinal()] = p.name().getBytes(StandardCharsets.US_ASCII);
        }
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerSettings, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            long start = System.nanoTime();
            long next = start;
            double owed = 0;
            long seq = 0;
            while (TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < durationMs) {
                // Each 10 ms tick sends what the rate owes since the last one.
                owed += rate * (TICK_NANOS / 1e9);
                int n = (int) owed;
                owed -= n;
                long nowMs = System.currentTimeMillis();
                for (int i = 0; i < n; i++) {
                    long sequence = seq++;
                    Priority level = level(sequence, criticalPercent);
                    byte[] key = ByteBuffer.allocate(Long.BYTES).putLong(sequence).array();
                    for (int t = 0; t < topics.size(); t++) {
                        RecordHeaders headers = new RecordHeaders();
                        headers.add(ZsyncHeaders.PRIORITY, levels[level.ordinal()]);
                        int topic = t;
                        producer.send(new ProducerRecord<>(topics.get(t), null, nowMs, key, value, headers), (md, e) -> {
                            if (e == null) {
                                produced.incrementAndGet(topic * Priority.COUNT + level.ordinal());
                            } else {
                                failed.incrementAndGet(topic);
                                failure.compareAndSet(null, e);
                            }
                        });
                    }
                }
                next += TICK_NANOS;
                long sleep = next - System.nanoTime();
                if (sleep > 0) {
                    TimeUnit.NANOSECONDS.sleep(sleep);
                }
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
        }
    }
}

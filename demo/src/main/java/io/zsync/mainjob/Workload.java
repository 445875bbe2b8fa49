package io.zsync.mainjob;

import io.zsync.kafka.ZsyncHeaders;
import io.zsync.stream.Priority;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The mixed workload: records of four priorities (the {@code zsync.priority} header), part of them with
 * a deadline (the {@code zsync.deadline} header), at a base rate with bursts above the bridge's rate
 * limit. Keys are 8-byte sequence numbers, so the monitor can account for every record. CRITICAL and
 * HIGH records go to the first source topic, the others to the last.
 */
final class Workload implements Runnable {
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final MainJobConfig config;
    private final Map<String, Object> producerSettings;
    private final List<String> topics;
    private final Priority[] table;
    private final AtomicLong produced = new AtomicLong();
    private volatile long sent;
    /** Sequence numbers whose send failed: never in a source topic. Guarded by itself. */
    private final BitSet failedSends = new BitSet();
    private final AtomicReference<Exception> sendFailure = new AtomicReference<>();

    Workload(MainJobConfig config, String bootstrapServers, List<String> topics) {
        this.config = config;
        this.topics = topics;
        this.producerSettings = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.CLIENT_ID_CONFIG, "zsync-main-job-workload");
        // A 100-slot table drawn from uniformly gives each level its weight.
        Map<Priority, Integer> mix = config.priorityMix();
        int total = mix.values().stream().mapToInt(Integer::intValue).sum();
        table = new Priority[100];
        int slot = 0;
        for (Priority p : Priority.values()) {
            int n = (int) Math.round(100.0 * mix.getOrDefault(p, 0) / total);
            for (int i = 0; i < n && slot < table.length; i++) {
                table[slot++] = p;
            }
        }
        while (slot < table.length) {
            table[slot] = table[slot - 1];
            slot++;
        }
    }

    /** Records written to the source topics so far: sends the broker acknowledged. */
    long produced() {
        return produced.get();
    }

    /** Records handed to the producer so far; their sequence numbers are 0 up to this. */
    long sent() {
        return sent;
    }

    /** The sequence numbers whose send failed, so no stage of the pipeline ever saw them. */
    BitSet failedSends() {
        synchronized (failedSends) {
            return (BitSet) failedSends.clone();
        }
    }

    /** The records per second the workload aims at, {@code elapsedMs} into the run. */
    int rateAt(long elapsedMs) {
        long every = config.getLong(MainJobConfig.BURST_EVERY_CONFIG);
        long length = config.getLong(MainJobConfig.BURST_LENGTH_CONFIG);
        // The first burst comes after one quiet period, so the run starts in a steady state.
        long phase = elapsedMs % every;
        boolean burst = elapsedMs >= every && phase < length;
        return burst ? config.getInt(MainJobConfig.BURST_RATE_CONFIG) : config.getInt(MainJobConfig.RATE_CONFIG);
    }

    /** The first send that failed, if one did. */
    Exception failure() {
        return sendFailure.get();
    }

    @Override
    public void run() {
        Properties p = new Properties();
        p.putAll(producerSettings);
        Random random = new Random(42);
        byte[] value = new byte[config.getInt(MainJobConfig.VALUE_BYTES_CONFIG)];
        random.nextBytes(value);
        long deadlineMs = config.getLong(MainJobConfig.DEADLINE_CONFIG);
        int deadlinePercent = config.getInt(MainJobConfig.DEADLINE_SHARE_CONFIG);
        long durationMs = config.getLong(MainJobConfig.DURATION_CONFIG);
        String urgentTopic = topics.get(0);
        String otherTopic = topics.get(topics.size() - 1);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            long start = System.nanoTime();
            long next = start;
            double owed = 0;
            long seq = 0;
            while (true) {
                long now = System.nanoTime();
                long elapsedMs = TimeUnit.NANOSECONDS.toMillis(now - start);
                if (elapsedMs >= durationMs) {
                    break;
                }
                // Each 10 ms tick sends what the current rate owes since the last one.
                owed += rateAt(elapsedMs) * (TICK_NANOS / 1e9);
                int n = (int) owed;
                owed -= n;
                long nowMs = System.currentTimeMillis();
                for (int i = 0; i < n; i++) {
                    Priority level = table[random.nextInt(table.length)];
                    RecordHeaders headers = new RecordHeaders();
                    headers.add(ZsyncHeaders.PRIORITY, level.name().getBytes(StandardCharsets.US_ASCII));
                    if (random.nextInt(100) < deadlinePercent) {
                        headers.add(ZsyncHeaders.DEADLINE,
                                Long.toString((nowMs + deadlineMs) * 1_000).getBytes(StandardCharsets.US_ASCII));
                    }
                    String topic = level.compareTo(Priority.HIGH) >= 0 ? urgentTopic : otherTopic;
                    long sequence = seq++;
                    byte[] key = ByteBuffer.allocate(Long.BYTES).putLong(sequence).array();
                    producer.send(new ProducerRecord<>(topic, null, nowMs, key, value, headers), (md, e) -> {
                        if (e == null) {
                            produced.incrementAndGet();
                            return;
                        }
                        sendFailure.compareAndSet(null, e);
                        synchronized (failedSends) {
                            failedSends.set((int) sequence);
                        }
                    });
                    sent = seq;
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
            sendFailure.compareAndSet(null, e);
        }
    }
}

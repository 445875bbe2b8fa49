package io.zsync.mainjob;

import io.zsync.kafka.ZsyncHeaders;
import io.zsync.stream.Priority;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A downstream service that cannot keep up: a consumer group member that reads a topic at a fixed rate,
 * {@value #POLL_RECORDS} records a poll, and commits after handling each poll's records, as the
 * slow-consumer phase's two groups do. Each flood record's wait, produce to consume, is the time it was
 * handled minus its timestamp (the producer's, carried through the pipeline), kept per priority for the
 * whole phase and per second. Flood records have 8-byte sequence numbers as keys, counted once each;
 * {@link Probe} records are counted apart.
 *
 * <p>On each assignment it commits its start positions, as the group of a service that has run for a while
 * has an offset on every partition. {@link #stop} ends the handling between two records and commits exactly what was handled; the
 * member stays in the group, paused, until {@link #close}, so the group's committed offsets say what it
 * consumed and everything after them waits in the topic.
 */
final class SlowGroup implements Runnable, Probe.Sink, AutoCloseable {
    static final int POLL_RECORDS = 25;
    private static final long SECOND_NANOS = 1_000_000_000L;
    private static final long MAX_LATENCY_MS = 3_600_000L;
    private static final Duration POLL = Duration.ofMillis(50);

    private final String bootstrapServers;
    private final String group;
    private final String topic;
    private final int perSecond;
    private final Thread thread;
    private volatile boolean handling = true;
    private volatile boolean running = true;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Set<TopicPartition> assignment = Set.of();
    private volatile Exception failure;
    private final Set<String> probes = ConcurrentHashMap.newKeySet();
    // Guarded by this: the consumer thread records, the phase's sampler reads.
    private final Histogram[] total = new Histogram[Priority.COUNT];
    private final Histogram[] second = new Histogram[Priority.COUNT];
    private final long[] consumed = new long[Priority.COUNT];
    private final BitSet seen = new BitSet();
    private long repeated;

    /**
     * @param perSecond records handled per second
     */
    SlowGroup(String bootstrapServers, String group, String topic, int perSecond) {
        this.bootstrapServers = bootstrapServers;
        this.group = group;
        this.topic = topic;
        this.perSecond = perSecond;
        for (int i = 0; i < Priority.COUNT; i++) {
            total[i] = new Histogram(MAX_LATENCY_MS, 2);
            second[i] = new Histogram(MAX_LATENCY_MS, 2);
        }
        this.thread = new Thread(this, "zsync-main-job-" + group);
    }

    void start() {
        thread.start();
    }

    String group() {
        return group;
    }

    String topic() {
        return topic;
    }

    @Override
    public void run() {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, "zsync-main-job-" + group);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, POLL_RECORDS);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    // The start position committed at once, as an established service's group has an offset on
                    // every partition: its lag is then end minus committed from the first record on.
                    Map<TopicPartition, OffsetAndMetadata> start = new HashMap<>();
                    partitions.forEach(tp -> start.put(tp, new OffsetAndMetadata(consumer.position(tp))));
                    consumer.commitSync(start);
                    assignment = Set.copyOf(consumer.assignment());
                }

                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    assignment = Set.of();
                }
            });
            long start = System.nanoTime();
            long handled = 0;
            while (handling) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
                Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    long wait = start + handled * SECOND_NANOS / perSecond - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    } else if (wait < -SECOND_NANOS) {
                        // Idle for a while: no credit for the time nothing came.
                        start = System.nanoTime() - handled * SECOND_NANOS / perSecond;
                    }
                    if (!handling) {
                        break; // stopped between two records: this one stays in the topic
                    }
                    handled++;
                    take(r, System.currentTimeMillis());
                    commit.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                }
                if (!commit.isEmpty()) {
                    consumer.commitSync(commit);
                }
            }
            // What was handled is committed: the rest waits in the topic, the member stays in the group.
            consumer.pause(consumer.assignment());
            stopped.countDown();
            while (running) {
                consumer.poll(POLL);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            failure = e;
        } finally {
            stopped.countDown();
        }
    }

    /** Handles one record at {@code nowMs}: the consumer thread's, and tests'. */
    void take(ConsumerRecord<byte[], byte[]> r, long nowMs) {
        if (Probe.isProbe(r.key())) {
            probes.add(new String(r.key(), StandardCharsets.US_ASCII));
            return;
        }
        if (r.key() == null || r.key().length != Long.BYTES) {
            return;
        }
        long seq = ByteBuffer.wrap(r.key()).getLong();
        int level = level(r);
        if (seq < 0 || seq > Integer.MAX_VALUE || level < 0) {
            return;
        }
        long latency = Math.max(0, Math.min(MAX_LATENCY_MS, nowMs - r.timestamp()));
        synchronized (this) {
            if (seen.get((int) seq)) {
                repeated++;
                return;
            }
            seen.set((int) seq);
            consumed[level]++;
            total[level].recordValue(latency);
            second[level].recordValue(latency);
        }
    }

    private static int level(ConsumerRecord<byte[], byte[]> r) {
        var h = r.headers().lastHeader(ZsyncHeaders.PRIORITY);
        try {
            return h == null ? -1 : Priority.parse(new String(h.value(), StandardCharsets.UTF_8)).ordinal();
        } catch (IllegalArgumentException e) {
            return -1;
        }
    }

    /**
     * The p99 (ms) per priority of the records handled since the last call, -1 for a level none of which was
     * handled, and how many of each were; starts the next second.
     */
    synchronized long[][] takeSecond() {
        long[] p99 = new long[Priority.COUNT];
        long[] count = new long[Priority.COUNT];
        for (int i = 0; i < Priority.COUNT; i++) {
            count[i] = second[i].getTotalCount();
            p99[i] = count[i] == 0 ? -1 : second[i].getValueAtPercentile(99);
            second[i].reset();
        }
        return new long[][] {p99, count};
    }

    /** Flood records of level {@code p} handled so far, each once. */
    synchronized long consumed(Priority p) {
        return consumed[p.ordinal()];
    }

    /** Flood records handled so far, each once. */
    synchronized long consumed() {
        long n = 0;
        for (long c : consumed) {
            n += c;
        }
        return n;
    }

    /** Produce-to-consume latency of the flood records of level {@code p} handled so far (a copy). */
    synchronized Histogram latency(Priority p) {
        return total[p.ordinal()].copy();
    }

    /** Flood records handled again after the first time (none in a clean run). */
    synchronized long repeated() {
        return repeated;
    }

    /** The partitions assigned to this member at its last poll. */
    Set<TopicPartition> assignment() {
        return assignment;
    }

    /** Ends the handling and commits what was handled; waits up to {@code timeout} for that. */
    void stop(Duration timeout) throws InterruptedException {
        handling = false;
        if (!stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("group " + group + " did not stop handling records within "
                    + timeout.toMillis() + " ms");
        }
    }

    /**
     * Ready when this member has every partition of its topic, {@code partitions} of them, with its start
     * positions committed.
     */
    Readiness.Part readiness(int partitions) {
        return new Readiness.Part() {
            @Override
            public String name() {
                return "group " + group;
            }

            @Override
            public Readiness.Status status() {
                if (failure != null) {
                    throw new IllegalStateException("group " + group + " stopped: " + failure, failure);
                }
                long mine = assignment.stream().filter(tp -> tp.topic().equals(topic)).count();
                String detail = String.format(Locale.ROOT, "%d of %d partitions of %s assigned, start committed", mine,
                        partitions, topic);
                return mine == partitions ? Readiness.Status.ready(detail) : Readiness.Status.waiting(detail);
            }
        };
    }

    @Override
    public Set<String> probesDelivered() {
        return probes;
    }

    @Override
    public Map<String, String> probesDeadLettered() {
        return Map.of();
    }

    @Override
    public Exception failure() {
        return failure;
    }

    @Override
    public void close() {
        handling = false;
        running = false;
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

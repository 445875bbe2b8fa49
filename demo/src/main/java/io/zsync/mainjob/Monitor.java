package io.zsync.mainjob;

import io.zsync.kafka.ZsyncHeaders;
import io.zsync.stream.Priority;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Watches where the workload's records end up: it reads the pipeline's output topic and both
 * dead-letter topics, accounts for every sequence number, and once a second prints one progress line
 * (records in and out per second, the bridge's delivered rate against its budget from the broker
 * ({@link BridgeFlow}), the bridge's and the Streams app's buffer depth from their {@code zsync} JMX
 * metrics, p99 latency per priority over that second, dead letters by reason) and keeps it as a
 * {@link Sample} for the chart and the report.
 */
final class Monitor implements Runnable {
    private static final long SECOND_NANOS = 1_000_000_000L;
    private static final long MAX_LATENCY_MS = 3_600_000L;

    /**
     * One second of the run.
     *
     * @param bridge         the bridge's records into its target topic over the second, and its live tasks
     * @param bridgeBuffered records buffered in the bridge at the second's end, -1 if unknown
     */
    record Sample(int second, long inPerSecond, long outPerSecond, long deadPerSecond, BridgeFlow.Reading bridge,
                  long bridgeBuffered, long streamsBuffered, long[] p99Ms, long[] count) {
        /** The bridge's records per second into its target topic, -1 if unknown. */
        long bridgePerSecond() {
            return bridge.perSecond();
        }
    }

    private final String bootstrapServers;
    private final String outputTopic;
    private final List<String> deadLetterTopics;
    private final LongSupplier produced;
    private final BridgeFlow bridge;
    private final Histogram[] second = new Histogram[Priority.COUNT];
    private final Histogram[] whole = new Histogram[Priority.COUNT];
    private final long[] delivered = new long[Priority.COUNT];
    private final Map<String, Long> deadByReason = new TreeMap<>();
    private final Map<String, Long> deadByTopicAndReason = new TreeMap<>();
    private final BitSet seen = new BitSet();
    private final List<Sample> samples = new ArrayList<>();
    private volatile long accounted;
    private long repeated;
    private long outTotal;
    private long deadTotal;
    private volatile boolean running = true;
    private volatile Exception failure;

    /** @param bridge the bridge's rate and live tasks; the monitor thread uses it and closes it when it ends */
    Monitor(String bootstrapServers, String outputTopic, List<String> deadLetterTopics, LongSupplier produced,
            BridgeFlow bridge) {
        this.bootstrapServers = bootstrapServers;
        this.outputTopic = outputTopic;
        this.deadLetterTopics = deadLetterTopics;
        this.produced = produced;
        this.bridge = bridge;
        for (int i = 0; i < Priority.COUNT; i++) {
            second[i] = new Histogram(MAX_LATENCY_MS, 2);
            whole[i] = new Histogram(MAX_LATENCY_MS, 2);
        }
    }

    /** Distinct records seen in the output or a dead-letter topic. */
    long accounted() {
        return accounted;
    }

    void stop() {
        running = false;
    }

    Exception failure() {
        return failure;
    }

    @Override
    public void run() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "zsync-main-job-monitor-" + System.currentTimeMillis());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<String> topics = new ArrayList<>();
        topics.add(outputTopic);
        topics.addAll(deadLetterTopics);
        try (BridgeFlow ignored = bridge; KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p,
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(topics);
            long start = System.nanoTime();
            bridge.sample(start); // the baseline: the target topic's end offsets before the workload
            long nextSample = start + SECOND_NANOS;
            long lastProduced = 0;
            long lastOut = 0;
            long lastDead = 0;
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    take(r, System.currentTimeMillis());
                }
                long now = System.nanoTime();
                if (now >= nextSample) {
                    int secondNo = (int) ((now - start) / SECOND_NANOS);
                    long in = produced.getAsLong();
                    Sample s = sample(secondNo, in - lastProduced, outTotal - lastOut, deadTotal - lastDead,
                            bridge.sample(now));
                    lastProduced = in;
                    lastOut = outTotal;
                    lastDead = deadTotal;
                    samples.add(s);
                    System.out.println(line(s));
                    nextSample += SECOND_NANOS;
                }
            }
        } catch (Exception e) {
            failure = e;
        }
    }

    private void take(ConsumerRecord<byte[], byte[]> r, long nowMs) {
        if (r.key() == null || r.key().length != Long.BYTES) {
            return; // not one of the workload's records
        }
        long seq = ByteBuffer.wrap(r.key()).getLong();
        if (seq < 0 || seq > Integer.MAX_VALUE) {
            return;
        }
        if (seen.get((int) seq)) {
            repeated++;
            return;
        }
        seen.set((int) seq);
        accounted++;
        if (r.topic().equals(outputTopic)) {
            outTotal++;
            int level = level(r);
            if (level >= 0) {
                long latency = Math.max(0, Math.min(MAX_LATENCY_MS, nowMs - r.timestamp()));
                second[level].recordValue(latency);
                whole[level].recordValue(latency);
                delivered[level]++;
            }
        } else {
            deadTotal++;
            String reason = text(r.headers().lastHeader(ZsyncHeaders.DLQ_REASON));
            deadByReason.merge(reason, 1L, Long::sum);
            deadByTopicAndReason.merge(r.topic() + " " + reason, 1L, Long::sum);
        }
    }

    private static int level(ConsumerRecord<byte[], byte[]> r) {
        try {
            return Priority.parse(text(r.headers().lastHeader(ZsyncHeaders.PRIORITY))).ordinal();
        } catch (IllegalArgumentException e) {
            return -1;
        }
    }

    private static String text(Header h) {
        return h == null || h.value() == null ? "?" : new String(h.value(), StandardCharsets.UTF_8);
    }

    private Sample sample(int secondNo, long in, long out, long dead, BridgeFlow.Reading bridgeReading) {
        long[] p99 = new long[Priority.COUNT];
        long[] count = new long[Priority.COUNT];
        for (int i = 0; i < Priority.COUNT; i++) {
            count[i] = second[i].getTotalCount();
            p99[i] = count[i] == 0 ? -1 : second[i].getValueAtPercentile(99);
            second[i].reset();
        }
        return new Sample(secondNo, in, out, dead, bridgeReading, buffered("kafka.connect"), buffered("kafka.streams"),
                p99, count);
    }

    /** The sum of the zsync buffer-records gauges in a JMX domain, or -1 when there are none. */
    private static long buffered(String domain) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        long sum = -1;
        try {
            for (ObjectName name : server.queryNames(new ObjectName(domain + ":type=zsync,*"), null)) {
                if (name.getKeyProperty("priority") != null || name.getKeyProperty("reason") != null) {
                    continue;
                }
                Object v = server.getAttribute(name, "buffer-records");
                if (v instanceof Number n && !Double.isNaN(n.doubleValue())) {
                    sum = Math.max(sum, 0) + n.longValue();
                }
            }
        } catch (Exception e) {
            return -1; // a task that just closed took its metrics with it
        }
        return sum;
    }

    private String line(Sample s) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "[%4ds] in %,7d/s  out %,7d/s  %s  buffered:"
                + " bridge %s, streams %s  p99 ms:", s.second(), s.inPerSecond(), s.outPerSecond(),
                bridge.budget().progress(s.bridgePerSecond(), s.bridge().liveTasks()), gauge(s.bridgeBuffered()),
                gauge(s.streamsBuffered())));
        for (int i = Priority.COUNT - 1; i >= 0; i--) {
            sb.append(' ').append(Priority.of(i).name()).append(' ')
                    .append(s.p99Ms()[i] < 0 ? "-" : String.format(Locale.ROOT, "%,d", s.p99Ms()[i]));
        }
        sb.append("  dead letters:");
        if (deadByReason.isEmpty()) {
            sb.append(" none");
        }
        deadByReason.forEach((reason, n) -> sb.append(' ').append(reason).append(' ')
                .append(String.format(Locale.ROOT, "%,d", n)));
        return sb.toString();
    }

    private static String gauge(long v) {
        return v < 0 ? "-" : String.format(Locale.ROOT, "%,d", v);
    }

    // Read after the monitor thread has been joined.

    List<Sample> samples() {
        return samples;
    }

    Histogram latency(Priority p) {
        return whole[p.ordinal()];
    }

    long delivered(Priority p) {
        return delivered[p.ordinal()];
    }

    long outTotal() {
        return outTotal;
    }

    long repeated() {
        return repeated;
    }

    Map<String, Long> deadByTopicAndReason() {
        return deadByTopicAndReason;
    }

    /**
     * The sequence numbers below {@code sent} that were written to a source topic (not in {@code failedSends})
     * and never seen downstream, at most {@code limit} of them.
     */
    List<Long> missing(long sent, BitSet failedSends, int limit) {
        List<Long> out = new ArrayList<>();
        for (int i = seen.nextClearBit(0); i < sent && out.size() < limit; i = seen.nextClearBit(i + 1)) {
            if (!failedSends.get(i)) {
                out.add((long) i);
            }
        }
        return out;
    }
}

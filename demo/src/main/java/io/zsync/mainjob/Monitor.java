package io.zsync.mainjob;

import io.zsync.kafka.ZsyncHeaders;
import io.zsync.stream.Priority;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Watches where the workload's records end up: it reads the pipeline's output topic and both
 * dead-letter topics (assigned, not subscribed: no group to join, so it reads from its first poll),
 * accounts for every sequence number, and, from {@link #begin}, once a second prints one progress line
 * (records in and out per second, the bridge's delivered rate against its budget from the broker
 * ({@link BridgeFlow}), the bridge's and the Streams app's buffer depth from their {@code zsync} JMX
 * metrics, p99 latency per priority over that second, dead letters by reason) and keeps it as a
 * {@link Sample} for the chart and the report. Latency is kept per {@link Phase} of the workload, by when
 * each record was produced. {@link Probe} records are counted apart, never as the workload's.
 */
final class Monitor implements Runnable, Probe.Sink {
    private static final long SECOND_NANOS = 1_000_000_000L;
    private static final long MAX_LATENCY_MS = 3_600_000L;
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration POLL_BEFORE_BEGIN = Duration.ofMillis(10);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(30);

    /**
     * A stretch of the workload whose latency the report shows apart: the records produced from
     * {@code fromMs} (inclusive) to {@code toMs} (exclusive) after the workload started.
     *
     * @param name what the report calls it
     */
    record Phase(String name, long fromMs, long toMs) {
        Phase {
            if (fromMs < 0 || toMs <= fromMs) {
                throw new IllegalArgumentException("phase " + name + " from " + fromMs + " ms to " + toMs
                        + " ms: needs 0 <= from < to");
            }
        }

        boolean contains(long ms) {
            return ms >= fromMs && ms < toMs;
        }

        /** Which records: {@code produced in the first 3 s}, {@code produced after the first 3 s}, ... */
        String records() {
            if (fromMs == 0 && toMs == Long.MAX_VALUE) {
                return "all records";
            }
            if (fromMs == 0) {
                return "produced in the first " + seconds(toMs) + " s";
            }
            if (toMs == Long.MAX_VALUE) {
                return "produced after the first " + seconds(fromMs) + " s";
            }
            return "produced from " + seconds(fromMs) + " s to " + seconds(toMs) + " s";
        }

        private static String seconds(long ms) {
            return ms % 1000 == 0 ? Long.toString(ms / 1000) : String.format(Locale.ROOT, "%.1f", ms / 1000.0);
        }
    }

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
    private final List<Phase> phases;
    /** Per phase, then per priority. */
    private final Histogram[][] phaseLatency;
    private final long[][] phaseDelivered;
    private final Set<String> probesDelivered = ConcurrentHashMap.newKeySet();
    private final Map<String, String> probesDeadLettered = new ConcurrentHashMap<>();
    private long probeRepeats;
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
    private volatile boolean beginAsked;
    private final CountDownLatch begun = new CountDownLatch(1);
    /** When the workload's clock started (wall clock, ms); written before {@link #begun} opens. */
    private long originMs;
    private boolean sampling;

    /**
     * @param bridge the bridge's rate and live tasks; the monitor thread uses it and closes it when it ends
     * @param phases the stretches of the workload that latency is kept for, one after the other from 0 ms
     *               to {@code Long.MAX_VALUE}
     */
    Monitor(String bootstrapServers, String outputTopic, List<String> deadLetterTopics, LongSupplier produced,
            BridgeFlow bridge, List<Phase> phases) {
        this.bootstrapServers = bootstrapServers;
        this.outputTopic = outputTopic;
        this.deadLetterTopics = deadLetterTopics;
        this.produced = produced;
        this.bridge = bridge;
        long next = 0;
        for (Phase phase : phases) {
            if (phase.fromMs() != next) {
                throw new IllegalArgumentException("phase " + phase.name() + " starts at " + phase.fromMs()
                        + " ms; the phases must follow one another from 0 ms, so this one starts at " + next + " ms");
            }
            next = phase.toMs();
        }
        if (next != Long.MAX_VALUE) {
            throw new IllegalArgumentException("the last phase ends at " + next + " ms; it must end at Long.MAX_VALUE"
                    + " so that every record falls in a phase");
        }
        this.phases = List.copyOf(phases);
        this.phaseLatency = new Histogram[phases.size()][Priority.COUNT];
        this.phaseDelivered = new long[phases.size()][Priority.COUNT];
        for (int i = 0; i < Priority.COUNT; i++) {
            second[i] = new Histogram(MAX_LATENCY_MS, 2);
            for (Histogram[] h : phaseLatency) {
                h[i] = new Histogram(MAX_LATENCY_MS, 2);
            }
        }
    }

    /**
     * Starts the run's clock: second 0 of the progress lines, the bridge's baseline (its target topic's end
     * offsets) and 0 ms of the phases are now. Call it right before the workload starts.
     *
     * @return the wall-clock time (ms) the phases count from
     * @throws IllegalStateException when the monitor failed or did not start its clock within {@code timeout}
     */
    long begin(Duration timeout) throws InterruptedException {
        beginAsked = true;
        if (!begun.await(timeout.toMillis(), TimeUnit.MILLISECONDS) || failure != null) {
            throw new IllegalStateException("the monitor did not start its clock within " + timeout.toMillis()
                    + " ms" + (failure == null ? "" : ": " + failure), failure);
        }
        return originMs;
    }

    @Override
    public Set<String> probesDelivered() {
        return probesDelivered;
    }

    @Override
    public Map<String, String> probesDeadLettered() {
        return probesDeadLettered;
    }

    /** Distinct records seen in the output or a dead-letter topic. */
    long accounted() {
        return accounted;
    }

    void stop() {
        running = false;
    }

    @Override
    public Exception failure() {
        return failure;
    }

    @Override
    public void run() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "zsync-main-job-monitor");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<String> topics = new ArrayList<>();
        topics.add(outputTopic);
        topics.addAll(deadLetterTopics);
        try (BridgeFlow ignored = bridge; KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p,
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                List<PartitionInfo> infos = consumer.partitionsFor(topic, METADATA_TIMEOUT);
                if (infos == null || infos.isEmpty()) {
                    throw new IllegalStateException("the monitor found no partitions of " + topic);
                }
                infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
            }
            // Assigned, so no group rebalance delays the first records or any later ones.
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long nextSample = Long.MAX_VALUE;
            long lastProduced = 0;
            long lastOut = 0;
            long lastDead = 0;
            long start = 0;
            while (running) {
                // Short polls until the clock starts, so the workload does not wait for one.
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(sampling ? POLL : POLL_BEFORE_BEGIN)) {
                    take(r, System.currentTimeMillis());
                }
                if (!sampling && beginAsked) {
                    start = System.nanoTime();
                    originMs = System.currentTimeMillis();
                    bridge.sample(start); // the baseline: the target topic's end offsets before the workload
                    nextSample = start + SECOND_NANOS;
                    lastOut = outTotal;
                    lastDead = deadTotal;
                    sampling = true;
                    begun.countDown();
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
        } finally {
            begun.countDown(); // begin() sees the failure rather than waiting out its timeout
        }
    }

    /** Accounts for one record read at {@code nowMs}; the monitor thread's, and tests'. */
    void take(ConsumerRecord<byte[], byte[]> r, long nowMs) {
        if (Probe.isProbe(r.key())) {
            String key = new String(r.key(), StandardCharsets.US_ASCII);
            if (r.topic().equals(outputTopic)) {
                if (!probesDelivered.add(key)) {
                    probeRepeats++;
                }
            } else {
                probesDeadLettered.put(key, r.topic() + " " + text(r.headers().lastHeader(ZsyncHeaders.DLQ_REASON)));
            }
            return;
        }
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
                int phase = phaseOf(r.timestamp() - originMs);
                phaseLatency[phase][level].recordValue(latency);
                phaseDelivered[phase][level]++;
            }
        } else {
            deadTotal++;
            String reason = text(r.headers().lastHeader(ZsyncHeaders.DLQ_REASON));
            deadByReason.merge(reason, 1L, Long::sum);
            deadByTopicAndReason.merge(r.topic() + " " + reason, 1L, Long::sum);
        }
    }

    /** The phase a record produced {@code elapsedMs} after the workload started belongs to. */
    private int phaseOf(long elapsedMs) {
        long ms = Math.max(0, elapsedMs); // produced a little before the clock started: the first phase
        for (int i = 0; i < phases.size(); i++) {
            if (phases.get(i).contains(ms)) {
                return i;
            }
        }
        return phases.size() - 1;
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

    /** Latency of the records of level {@code p} produced in {@code phase}, one of the constructor's. */
    Histogram latency(Phase phase, Priority p) {
        return phaseLatency[index(phase)][p.ordinal()];
    }

    /** The records of level {@code p} produced in {@code phase} and delivered. */
    long delivered(Phase phase, Priority p) {
        return phaseDelivered[index(phase)][p.ordinal()];
    }

    /** The records produced in {@code phase} and delivered. */
    long delivered(Phase phase) {
        return Arrays.stream(phaseDelivered[index(phase)]).sum();
    }

    /** Probe records read again after the first time (each is read once in a clean run). */
    long probeRepeats() {
        return probeRepeats;
    }

    private int index(Phase phase) {
        int i = phases.indexOf(phase);
        if (i < 0) {
            throw new IllegalArgumentException("phase " + phase + " is not one of " + phases);
        }
        return i;
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

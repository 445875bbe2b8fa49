package io.zsync.kafka;

import io.zsync.kafka.flow.Allowance;
import io.zsync.kafka.flow.FlowReport;
import io.zsync.kafka.flow.TaskFlow;
import io.zsync.stream.DeadLetterReason;
import io.zsync.stream.LatencySummary;
import io.zsync.stream.Priority;
import io.zsync.stream.RealtimeStream;
import io.zsync.stream.StreamMetrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.CumulativeSum;
import org.apache.kafka.common.metrics.stats.Rate;
import org.apache.kafka.common.metrics.stats.Value;
import org.apache.kafka.common.metrics.stats.WindowedSum;

/**
 * One task's buffer metrics as CONTRACT.md lists them, in Kafka metrics group {@value #GROUP}: records in
 * and out (rate and total), dead letters by reason, expired records, buffered records and bytes, and
 * delivery latency p50/p99 by priority. A Streams processor registers them in the app's registry and a
 * bridge task in the Connect worker's JMX domain; the tags say which task they belong to.
 *
 * <p>Not thread-safe: the task's own thread records and updates. Counts (in, out, dead letters) are handed
 * to the sensors at most every 100 ms, and the engine's snapshot is read at most once a second.
 */
public final class BufferMetrics implements AutoCloseable {
    /** The metrics group. */
    public static final String GROUP = "zsync";
    private static final long SNAPSHOT_INTERVAL_NANOS = 1_000_000_000L;
    private static final long FLUSH_INTERVAL_NANOS = 100_000_000L;

    /** Where the sensors live: the Streams app's metrics, or a registry of the task's own. */
    public interface Registry {
        /** Adds a sensor at recording level INFO. */
        Sensor addSensor(String name);

        /** Removes a sensor this registry added. */
        void removeSensor(Sensor sensor);
    }

    private final Registry registry;
    private final RealtimeStream stream;
    private final String prefix;
    private final Map<String, String> tags;
    private final List<Sensor> sensors = new ArrayList<>();
    private final Sensor in;
    private final Sensor out;
    private final Sensor expired;
    private final Sensor[] dropped;
    private final Sensor bufferRecords;
    private final Sensor bufferBytes;
    private final Sensor[] p50;
    private final Sensor[] p99;
    /** The application-wide flow budget's gauges, once {@link #flow} is called. */
    private TaskFlow flow;
    private Sensor flowAllowanceRecords;
    private Sensor flowAllowanceBytes;
    private Sensor flowMode;
    private Sensor downstreamLag;
    private Sensor[] flowDemand;
    private long lastSnapshot = Long.MIN_VALUE;
    private long lastFlush = Long.MIN_VALUE;
    private long pendingIn;
    private long pendingOut;
    private final long[] pendingDropped = new long[DeadLetterReason.values().length];

    /**
     * @param prefix sensor names start with it; unique per task in the registry
     * @param tags   the tags every metric carries, in order (which task, which processor)
     * @param stream the engine stream the buffer gauges and latencies come from
     */
    public BufferMetrics(Registry registry, String prefix, Map<String, String> tags, RealtimeStream stream) {
        this.registry = registry;
        this.stream = stream;
        this.prefix = prefix;
        this.tags = new LinkedHashMap<>(tags);
        in = rateAndTotal("records-in", "records received");
        out = rateAndTotal("records-out", "records forwarded to the output");
        expired = sensor(prefix + "expired");
        expired.add(name("expired-total", "records dead-lettered because their deadline passed", tags),
                new CumulativeSum());
        DeadLetterReason[] reasons = DeadLetterReason.values();
        dropped = new Sensor[reasons.length];
        for (DeadLetterReason r : reasons) {
            dropped[r.ordinal()] = sensor(prefix + "dropped." + r.name());
            dropped[r.ordinal()].add(name("dropped-total", "records dead-lettered, by reason",
                    with(tags, "reason", r.name())), new CumulativeSum());
        }
        bufferRecords = gauge("buffer-records", "records buffered for priority ordering");
        bufferBytes = gauge("buffer-bytes", "bytes of the buffered records");
        Priority[] levels = Priority.values();
        p50 = new Sensor[levels.length];
        p99 = new Sensor[levels.length];
        for (Priority p : levels) {
            Map<String, String> t = with(tags, "priority", p.name());
            String level = p.name().toLowerCase(Locale.ROOT) + ".";
            p50[p.ordinal()] = gauge(level, "latency-p50-ms", "buffer-in to forward latency, median, ms, by priority", t);
            p99[p.ordinal()] = gauge(level, "latency-p99-ms",
                    "buffer-in to forward latency, 99th percentile, ms, by priority", t);
        }
    }

    /** One more record received. */
    public void recordIn() {
        pendingIn++;
    }

    /** One more record forwarded. */
    public void recordOut() {
        pendingOut++;
    }

    /** {@code n} more records forwarded (0 or more). */
    public void recordOut(long n) {
        pendingOut += n;
    }

    /** One more dead letter. */
    public void deadLetter(DeadLetterReason reason) {
        pendingDropped[reason.ordinal()]++;
    }

    /** {@code n} more dead letters (0 or more). */
    public void deadLetter(DeadLetterReason reason, long n) {
        pendingDropped[reason.ordinal()] += n;
    }

    /**
     * A gauge of the caller's own beside these, removed with them.
     *
     * @return the sensor; record a value to set the gauge
     */
    public Sensor gauge(String metric, String description) {
        return gauge("", metric, description, tags);
    }

    /**
     * Adds the gauges of this task's part of the application's flow budget ({@code zsync.rate.scope=application}),
     * refreshed with the others: {@code flow-allowance-records} (records/s) and {@code flow-allowance-bytes}
     * (bytes/s) this task may release, {@code flow-demand-records} (records/s, tagged by priority) it reported
     * wanting, and {@code flow-mode} (0 waiting for its first allocation, 1 coordinated, 2 falling back to its
     * share by input partitions), and {@code downstream-lag-records}: with {@code zsync.lag.group}, that group's
     * lag on the output as last read (records; -1 before the first reading or without a group).
     *
     * @param taskFlow the task's membership
     */
    public void flow(TaskFlow taskFlow) {
        this.flow = taskFlow;
        flowAllowanceRecords = gauge("flow-allowance-records", "records/s this task may release now, its part of the"
                + " application's budget");
        flowAllowanceBytes = gauge("flow-allowance-bytes", "bytes/s this task may release now, its part of the"
                + " application's budget");
        flowMode = gauge("flow-mode", "0: waiting for the first allocation, 1: coordinated, 2: fallback to the"
                + " share by input partitions (the control topic cannot be reached)");
        downstreamLag = gauge("downstream-lag-records", "with zsync.lag.group: records the downstream consumer group"
                + " had waiting in the output at the last reading; -1 without one");
        Priority[] levels = Priority.values();
        flowDemand = new Sensor[levels.length];
        for (Priority p : levels) {
            flowDemand[p.ordinal()] = gauge(p.name().toLowerCase(Locale.ROOT) + ".", "flow-demand-records",
                    "records/s this task reported wanting at this priority", with(tags, "priority", p.name()));
        }
        lastSnapshot = Long.MIN_VALUE;
    }

    /** Hands pending counts to the sensors and refreshes the gauges from the engine, when due. */
    public void update(long nowNanos) {
        // A Kafka sensor takes a lock and reads the clock on every record(): counting here and handing the
        // sum over every 100 ms keeps that off the per-record path.
        if (lastFlush == Long.MIN_VALUE || nowNanos - lastFlush >= FLUSH_INTERVAL_NANOS) {
            flushCounts(nowNanos);
        }
        if (lastSnapshot != Long.MIN_VALUE && nowNanos - lastSnapshot < SNAPSHOT_INTERVAL_NANOS) {
            return;
        }
        lastSnapshot = nowNanos;
        StreamMetrics m = stream.metrics();
        bufferRecords.record(m.bufferedRecords());
        bufferBytes.record(m.bufferedBytes());
        for (Priority p : Priority.values()) {
            LatencySummary l = m.latency(p);
            p50[p.ordinal()].record(l.p50Nanos() / 1e6);
            p99[p.ordinal()].record(l.p99Nanos() / 1e6);
        }
        if (flow != null) {
            Allowance a = flow.allowance();
            flowAllowanceRecords.record(a.records());
            flowAllowanceBytes.record(a.bytes());
            flowMode.record(a.mode().ordinal());
            downstreamLag.record(flow.downstreamLag());
            FlowReport demand = flow.demand();
            for (Priority p : Priority.values()) {
                flowDemand[p.ordinal()].record(demand.demandRecords(p.ordinal()));
            }
        }
    }

    private void flushCounts(long nowNanos) {
        lastFlush = nowNanos;
        if (pendingIn > 0) {
            in.record(pendingIn);
            pendingIn = 0;
        }
        if (pendingOut > 0) {
            out.record(pendingOut);
            pendingOut = 0;
        }
        for (int r = 0; r < pendingDropped.length; r++) {
            long n = pendingDropped[r];
            if (n > 0) {
                dropped[r].record(n);
                if (r == DeadLetterReason.EXPIRED.ordinal()) {
                    expired.record(n);
                }
                pendingDropped[r] = 0;
            }
        }
    }

    /** Removes every sensor and its metrics. */
    @Override
    public void close() {
        for (Sensor s : sensors) {
            registry.removeSensor(s);
        }
        sensors.clear();
    }

    private Sensor rateAndTotal(String metric, String what) {
        Sensor s = sensor(prefix + metric);
        s.add(name(metric + "-rate", "per second: " + what, tags), new Rate(new WindowedSum()));
        s.add(name(metric + "-total", "total: " + what, tags), new CumulativeSum());
        return s;
    }

    private Sensor gauge(String infix, String metric, String what, Map<String, String> metricTags) {
        Sensor s = sensor(prefix + infix + metric);
        s.add(name(metric, what, metricTags), new Value());
        return s;
    }

    private Sensor sensor(String name) {
        Sensor s = registry.addSensor(name);
        sensors.add(s);
        return s;
    }

    private static MetricName name(String metric, String description, Map<String, String> tags) {
        return new MetricName(metric, GROUP, description, tags);
    }

    private static Map<String, String> with(Map<String, String> tags, String key, String value) {
        Map<String, String> t = new LinkedHashMap<>(tags);
        t.put(key, value);
        return t;
    }
}

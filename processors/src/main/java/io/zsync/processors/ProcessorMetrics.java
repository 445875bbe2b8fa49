package io.zsync.processors;

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
import org.apache.kafka.common.metrics.stats.CumulativeCount;
import org.apache.kafka.common.metrics.stats.CumulativeSum;
import org.apache.kafka.common.metrics.stats.Rate;
import org.apache.kafka.common.metrics.stats.Value;
import org.apache.kafka.common.metrics.stats.WindowedSum;
import org.apache.kafka.streams.StreamsMetrics;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * The processor's metrics, in group {@value #GROUP} of the Streams app's metrics registry (so JMX shows
 * them beside Kafka's own), tagged with the task and the processor: records in and out (rate and total),
 * dead letters by reason, expired records, buffered records and bytes, and delivery latency p50/p99 by
 * priority. The engine's snapshot is read at most once a second.
 */
final class ProcessorMetrics {
    static final String GROUP = "zsync";
    private static final long SNAPSHOT_INTERVAL_NANOS = 1_000_000_000L;
    private static final long FLUSH_INTERVAL_NANOS = 100_000_000L;

    private final StreamsMetrics registry;
    private final RealtimeStream stream;
    private final List<Sensor> sensors = new ArrayList<>();
    private final Sensor in;
    private final Sensor out;
    private final Sensor expired;
    private final Sensor[] dropped;
    private final Sensor bufferRecords;
    private final Sensor bufferBytes;
    private final Sensor restored;
    private final Sensor[] p50;
    private final Sensor[] p99;
    private long lastSnapshot = Long.MIN_VALUE;
    private long lastFlush = Long.MIN_VALUE;
    private long pendingIn;
    private long pendingOut;

    ProcessorMetrics(ProcessorContext<?, ?> context, String processor, StreamsMetrics registry, RealtimeStream stream) {
        this.registry = registry;
        this.stream = stream;
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("task-id", context.taskId().toString());
        tags.put("processor-node-id", processor);
        String prefix = GROUP + "." + context.taskId() + "." + processor + ".";

        in = rateAndTotal(prefix, "records-in", "records received", tags);
        out = rateAndTotal(prefix, "records-out", "records forwarded to the output", tags);
        expired = sensor(prefix + "expired");
        expired.add(name("expired-total", "records dead-lettered because their deadline passed", tags),
                new CumulativeCount());
        DeadLetterReason[] reasons = DeadLetterReason.values();
        dropped = new Sensor[reasons.length];
        for (DeadLetterReason r : reasons) {
            Map<String, String> t = with(tags, "reason", r.name());
            dropped[r.ordinal()] = sensor(prefix + "dropped." + r.name());
            dropped[r.ordinal()].add(name("dropped-total", "records dead-lettered, by reason", t), new CumulativeCount());
        }
        bufferRecords = gauge(prefix, "buffer-records", "records buffered for priority ordering", tags);
        bufferBytes = gauge(prefix, "buffer-bytes", "encoded bytes of the buffered records", tags);
        restored = gauge(prefix, "restored-records", "records this task restored from its changelog at start", tags);
        Priority[] levels = Priority.values();
        p50 = new Sensor[levels.length];
        p99 = new Sensor[levels.length];
        for (Priority p : levels) {
            Map<String, String> t = with(tags, "priority", p.name());
            String level = p.name().toLowerCase(Locale.ROOT);
            p50[p.ordinal()] = gauge(prefix + level + ".", "latency-p50-ms",
                    "buffer-in to forward latency, median, ms, by priority", t);
            p99[p.ordinal()] = gauge(prefix + level + ".", "latency-p99-ms",
                    "buffer-in to forward latency, 99th percentile, ms, by priority", t);
        }
    }

    ProcessorMetrics(ProcessorContext<?, ?> context, String processor, RealtimeStream stream) {
        this(context, processor, context.metrics(), stream);
    }

    // Counted here and handed to the sensors at most every FLUSH_INTERVAL_NANOS: a Kafka sensor takes a
    // lock and reads the clock on every record(), which per record cost more than the processor's own work.
    void recordIn() {
        pendingIn++;
    }

    void recordOut() {
        pendingOut++;
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
    }

    void deadLetter(DeadLetterReason reason) {
        dropped[reason.ordinal()].record();
        if (reason == DeadLetterReason.EXPIRED) {
            expired.record();
        }
    }

    void restored(int count) {
        restored.record(count);
    }

    /** Refreshes the gauges from the engine, at most once a second. */
    void update(long nowNanos) {
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
    }

    void close() {
        for (Sensor s : sensors) {
            registry.removeSensor(s);
        }
        sensors.clear();
    }

    private Sensor rateAndTotal(String prefix, String metric, String what, Map<String, String> tags) {
        Sensor s = sensor(prefix + metric);
        s.add(name(metric + "-rate", "per second: " + what, tags), new Rate(new WindowedSum()));
        s.add(name(metric + "-total", "total: " + what, tags), new CumulativeSum());
        return s;
    }

    private Sensor gauge(String prefix, String metric, String what, Map<String, String> tags) {
        Sensor s = sensor(prefix + metric);
        s.add(name(metric, what, tags), new Value());
        return s;
    }

    private Sensor sensor(String name) {
        Sensor s = registry.addSensor(name, Sensor.RecordingLevel.INFO);
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

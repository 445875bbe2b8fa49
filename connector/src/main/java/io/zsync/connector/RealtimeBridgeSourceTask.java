package io.zsync.connector;

import io.zsync.connector.bridge.BridgeConfig;
import io.zsync.connector.bridge.PartitionProgress;
import io.zsync.connector.bridge.TaskAssignment;
import io.zsync.kafka.BufferMetrics;
import io.zsync.kafka.BufferStreams;
import io.zsync.kafka.DeadLetters;
import io.zsync.kafka.EmitCallbacks;
import io.zsync.kafka.RateShare;
import io.zsync.kafka.RecordIntake;
import io.zsync.kafka.ZsyncConfig;
import io.zsync.stream.Backpressure;
import io.zsync.stream.DeadLetterReason;
import io.zsync.stream.RealtimeStream;
import io.zsync.stream.TimeSource;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.metrics.JmxReporter;
import org.apache.kafka.common.metrics.KafkaMetricsContext;
import org.apache.kafka.common.metrics.MetricConfig;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;

/**
 * One bridge task: reads its source partitions with its own consumer, hands each record to a
 * manual-dispatch engine stream (priority, deadlines, rate limit, backpressure) and returns what the
 * stream releases as {@link SourceRecord}s for the target topic, or for the dead-letter topic with
 * CONTRACT.md's headers.
 *
 * <p>Each poll reads a batch, admits all of it, then dispatches: within a batch the higher levels go first,
 * and under a rate limit records wait in the stream across polls. Records the stream holds are in memory
 * only; {@link PartitionProgress} makes sure the offsets Connect commits never pass one of them, so after a
 * crash they are read again from the source.
 *
 * <p>{@code zsync.backpressure=block} stops reading from the source while the buffer is full: records
 * already read wait in this task, in order, until the stream has room.
 *
 * <p>Its {@link BufferMetrics} are in JMX as {@code kafka.connect:type=zsync,connector=<name>,task=<n>}
 * (and per reason or priority with those tags added).
 */
public final class RealtimeBridgeSourceTask extends SourceTask implements EmitCallbacks.Emitter {
    private static final System.Logger LOG = System.getLogger(RealtimeBridgeSourceTask.class.getName());
    private static final long IDLE_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final TimeSource clock;
    private final EmitCallbacks callbacks = new EmitCallbacks(this);
    /** Held by poll and by stop's cleanup: stop runs on another thread than poll. */
    private final Object lock = new Object();
    private volatile boolean stopping;

    private BridgeConfig config;
    private String targetTopic;
    private String dlqTopic;
    private long pollTimeoutMs;
    private Backpressure backpressure;
    private DeadLetters deadLetters;
    private RecordIntake intake;
    private Consumer<byte[], byte[]> consumer;
    private PartitionProgress[] progress = new PartitionProgress[0];
    private final Map<TopicPartition, PartitionProgress> byPartition = new HashMap<>();
    private RealtimeStream stream;
    private Metrics metricsRegistry;
    private BufferMetrics metrics;

    /** Ids read but not yet admitted (block, buffer full), in read order. */
    private final ArrayDeque<Long> waiting = new ArrayDeque<>();
    private List<SourceRecord> batch;
    /** Per partition index: the batch position of its latest record, or -1. */
    private int[] lastInBatch = new int[0];
    /** Per partition index: whether the task warned that its offsets went out without the pending list. */
    private boolean[] fallbackLogged = new boolean[0];
    private final List<PartitionProgress> touched = new ArrayList<>();
    private long skippedOnReplay;

    /** Used by the worker. */
    public RealtimeBridgeSourceTask() {
        this(TimeSource.system());
    }

    RealtimeBridgeSourceTask(TimeSource clock) {
        this.clock = clock;
    }

    @Override
    public String version() {
        return Version.get();
    }

    @Override
    public void start(Map<String, String> props) {
        config = new BridgeConfig(props);
        ZsyncConfig zsync = config.zsync();
        TaskAssignment assignment = TaskAssignment.from(props);
        targetTopic = config.targetTopic();
        dlqTopic = config.dlqTopic();
        pollTimeoutMs = config.pollTimeoutMs();
        backpressure = zsync.backpressure();
        deadLetters = new DeadLetters(zsync);
        intake = new RecordIntake(zsync);
        stream = buildStream(props.getOrDefault("name", "bridge") + "-" + assignment.before(), zsync, assignment);
        metrics = registerMetrics(props.getOrDefault("name", "zsync-bridge"), assignment.task());

        List<TopicPartition> partitions = assignment.partitions();
        progress = new PartitionProgress[partitions.size()];
        lastInBatch = new int[partitions.size()];
        Arrays.fill(lastInBatch, -1);
        fallbackLogged = new boolean[partitions.size()];
        List<Map<String, Object>> keys = new ArrayList<>();
        for (int i = 0; i < partitions.size(); i++) {
            progress[i] = new PartitionProgress(partitions.get(i), i);
            byPartition.put(partitions.get(i), progress[i]);
            keys.add(progress[i].sourcePartition());
        }
        if (partitions.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "zsync bridge: no source partitions yet for this task; it waits for the"
                    + " connector to assign some");
            return;
        }
        Map<Map<String, Object>, Map<String, Object>> stored = context.offsetStorageReader().offsets(keys);
        consumer = new KafkaConsumer<>(config.sourceConsumerSettings(
                props.getOrDefault("name", "zsync-bridge") + "-source-" + assignment.before()));
        consumer.assign(partitions);
        StringBuilder positions = new StringBuilder();
        for (PartitionProgress p : progress) {
            long offset = p.restore(stored.get(p.sourcePartition()));
            if (offset >= 0) {
                consumer.seek(p.partition(), offset);
                positions.append(' ').append(p.partition()).append('@').append(offset);
            }
        }
        LOG.log(System.Logger.Level.INFO, "zsync bridge: task reads {0} partitions into {1}; resumes at{2}",
                partitions.size(), targetTopic, positions.length() == 0 ? " the reset policy's offsets" : positions);
    }

    private BufferMetrics registerMetrics(String connector, int task) {
        // A registry of the task's own, reported to JMX in the worker's domain: Connect's plugin metrics
        // would put them in its own group, and CONTRACT.md names the group zsync.
        metricsRegistry = new Metrics(new MetricConfig(), List.of(new JmxReporter()), Time.SYSTEM,
                new KafkaMetricsContext("kafka.connect"));
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("connector", connector);
        tags.put("task", Integer.toString(task));
        Metrics registry = metricsRegistry;
        return new BufferMetrics(new BufferMetrics.Registry() {
            @Override
            public Sensor addSensor(String name) {
                return registry.sensor(name);
            }

            @Override
            public void removeSensor(Sensor sensor) {
                registry.removeSensor(sensor.name());
            }
        }, "zsync.", tags, stream);
    }

    private RealtimeStream buildStream(String name, ZsyncConfig zsync, TaskAssignment assignment) {
        RateShare share = zsync.rateScopeIsApplication() && assignment.total() > 0 && !assignment.partitions().isEmpty()
                ? assignment.rateShare() : null;
        if (share != null) {
            LOG.log(System.Logger.Level.INFO, "zsync bridge: task reads {0} of {1} source partitions: it delivers at most"
                    + " {2} records/s and {3} bytes/s (0 = no limit; zsync.rate.scope=application)",
                    share.owned(), share.total(), share.apportion(zsync.rateLimit()), share.apportion(zsync.rateBytes()));
        }
        return BufferStreams.build(name, zsync, clock, share, callbacks);
    }

    @Override
    public List<SourceRecord> poll() throws InterruptedException {
        synchronized (lock) {
            if (stopping) {
                return null;
            }
            batch = new ArrayList<>();
            try {
                admitWaiting();
                if (consumer == null) {
                    Thread.sleep(pollTimeoutMs);
                } else if (waiting.isEmpty()) {
                    read(consumer.poll(Duration.ofMillis(pollWaitMs())));
                }
                dispatch();
                if (!waiting.isEmpty()) {
                    // Dispatching made room: read records go in, in order, and may leave at once.
                    admitWaiting();
                    dispatch();
                }
                if (batch.isEmpty() && consumer != null) {
                    long wait = stream.nanosUntilDispatchable();
                    if (wait > 0 || !waiting.isEmpty()) {
                        // Records wait for the rate limit or for room. The consumer's wait is in whole
                        // milliseconds, so under a rate above 1,000/s it does not wait at all: without this
                        // sleep the worker would poll again at once, and spin until each token. At least a
                        // millisecond, so a poll returns a few records rather than one per token.
                        LockSupport.parkNanos(Math.min(TimeUnit.MILLISECONDS.toNanos(pollTimeoutMs),
                                Math.max(wait, IDLE_WAIT_NANOS)));
                    }
                }
            } catch (WakeupException e) {
                if (!stopping) {
                    throw e;
                }
            }
            finishBatch();
            metrics.update(clock.nanoTime());
            List<SourceRecord> out = batch;
            batch = null;
            return out.isEmpty() ? null : out;
        }
    }

    /** How long the consumer may wait for records: not past the moment the stream can release one. */
    private long pollWaitMs() {
        long nanos = stream.nanosUntilDispatchable();
        if (nanos < 0) {
            return pollTimeoutMs;
        }
        return Math.min(pollTimeoutMs, TimeUnit.NANOSECONDS.toMillis(nanos));
    }

    private void read(ConsumerRecords<byte[], byte[]> records) {
        for (TopicPartition tp : records.partitions()) {
            PartitionProgress p = byPartition.get(tp);
            for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
                if (!p.accept(r)) {
                    skippedOnReplay++;
                    continue;
                }
                long id = p.add(r);
                metrics.recordIn();
                if (!waiting.isEmpty() || !admit(p, id, r)) {
                    waiting.add(id);
                }
            }
        }
    }

    private void admitWaiting() {
        while (!waiting.isEmpty()) {
            long id = waiting.peekFirst();
            PartitionProgress p = progress[PartitionProgress.indexOf(id)];
            if (!admit(p, id, p.get(id))) {
                return;
            }
            waiting.pollFirst();
        }
    }

    /**
     * Hands one read record to the stream, or dead-letters it when it is invalid or too large.
     *
     * @return false when the buffer is full under {@code block}: the caller keeps it waiting
     */
    private boolean admit(PartitionProgress p, long id, ConsumerRecord<byte[], byte[]> r) {
        if (!intake.examine(r.topic(), r.timestamp(), r.key(), r.value(), r.headers())) {
            deadLetter(id, intake.failure());
            return true;
        }
        boolean accepted = intake.offer(stream, id);
        rethrowFailure();
        if (!accepted && backpressure != Backpressure.BLOCK) {
            throw new ConnectException(RecordIntake.errorOnFullMessage(config.zsync(),
                    r.topic() + "-" + r.partition() + "@" + r.offset()), intake.refusal());
        }
        return accepted;
    }

    private void dispatch() {
        stream.dispatch(Integer.MAX_VALUE);
        rethrowFailure();
    }

    // The engine calls these two on the polling thread, inside send or dispatch, through EmitCallbacks:
    // after a failure nothing more is returned, the task fails, and nothing it did not return is committed.

    @Override
    public void deliver(long id) {
        PartitionProgress p = progress[PartitionProgress.indexOf(id)];
        ConsumerRecord<byte[], byte[]> r = p.settle(id);
        metrics.recordOut();
        add(p, new SourceRecord(p.sourcePartition(), p.plainOffset(), targetTopic, null,
                Schema.OPTIONAL_BYTES_SCHEMA, r.key(), Schema.OPTIONAL_BYTES_SCHEMA, r.value(), r.timestamp(),
                connectHeaders(r.headers())));
    }

    @Override
    public void deadLetter(long id, DeadLetterReason reason) {
        PartitionProgress p = progress[PartitionProgress.indexOf(id)];
        ConsumerRecord<byte[], byte[]> r = p.settle(id);
        metrics.deadLetter(reason);
        long nowMs = clock.epochMicros() / 1_000;
        Headers headers = deadLetters.headers(r.headers(), reason, r.topic(), r.partition(), r.offset(), nowMs);
        byte[] value = deadLetters.value(reason, r.topic(), r.partition(), r.offset(), r.key(), r.value(), r.headers(),
                nowMs);
        add(p, new SourceRecord(p.sourcePartition(), p.plainOffset(), dlqTopic, null,
                Schema.OPTIONAL_BYTES_SCHEMA, r.key(), Schema.OPTIONAL_BYTES_SCHEMA, value, r.timestamp(),
                connectHeaders(headers)));
    }

    private void add(PartitionProgress p, SourceRecord record) {
        int index = p.index();
        if (lastInBatch[index] < 0) {
            touched.add(p);
        }
        batch.add(record);
        lastInBatch[index] = batch.size() - 1;
    }

    /** The last record of each partition in the batch carries the full offset (see PartitionProgress). */
    private void finishBatch() {
        for (PartitionProgress p : touched) {
            int index = p.index();
            int i = lastInBatch[index];
            lastInBatch[index] = -1;
            Map<String, Object> full = p.fullOffset();
            if (p.plainFallbacks() > 0 && !fallbackLogged[index]) {
                fallbackLogged[index] = true;
                LOG.log(System.Logger.Level.WARNING, "zsync bridge: the records pending in {0} are too scattered to"
                        + " list in its source offset (over {1} characters), so some offsets are stored without the"
                        + " list: a restart from one repeats records delivered above offset {2} (it loses none)."
                        + " A smaller zsync.buffer.max.records keeps the list short", p.partition(),
                        PartitionProgress.MAX_PENDING_CHARS, p.committable());
            }
            SourceRecord last = batch.get(i);
            if (full != last.sourceOffset()) {
                batch.set(i, new SourceRecord(last.sourcePartition(), full, last.topic(), last.kafkaPartition(),
                        last.keySchema(), last.key(), last.valueSchema(), last.value(), last.timestamp(),
                        last.headers()));
            }
        }
        touched.clear();
    }

    private static ConnectHeaders connectHeaders(Headers headers) {
        ConnectHeaders out = new ConnectHeaders();
        for (Header h : headers) {
            out.add(h.key(), new SchemaAndValue(Schema.OPTIONAL_BYTES_SCHEMA, h.value()));
        }
        return out;
    }

    private void rethrowFailure() {
        try {
            callbacks.rethrow();
        } catch (ConnectException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ConnectException("zsync bridge: " + e.getMessage(), e);
        }
    }

    @Override
    public void stop() {
        stopping = true;
        Consumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        synchronized (lock) {
            // poll has returned and will not read again: what the stream still holds was never returned to
            // the worker, so its offsets were not committed and the next run reads it again.
            if (stream != null) {
                long held = stream.metrics().bufferedRecords() + waiting.size();
                if (held > 0 || skippedOnReplay > 0) {
                    LOG.log(System.Logger.Level.INFO, "zsync bridge: task stops with {0} records not yet delivered"
                            + " (read again on restart); {1} records skipped as delivered before the last restart",
                            held, skippedOnReplay);
                }
                stream.closeNow();
                stream = null;
            }
            if (consumer != null) {
                consumer.close(Duration.ofSeconds(5));
                consumer = null;
            }
            if (metrics != null) {
                metrics.close();
                metrics = null;
                metricsRegistry.close();
                metricsRegistry = null;
            }
        }
    }
}

package io.zsync.connector;

import io.zsync.connector.bridge.BridgeConfig;
import io.zsync.connector.bridge.BridgeRecord;
import io.zsync.connector.bridge.PartitionProgress;
import io.zsync.connector.bridge.SourcePartitions;
import io.zsync.connector.bridge.TaskAssignment;
import io.zsync.kafka.BufferMetrics;
import io.zsync.kafka.BufferStreams;
import io.zsync.kafka.DeadLetters;
import io.zsync.kafka.EmitCallbacks;
import io.zsync.kafka.RateShare;
import io.zsync.kafka.RecordIntake;
import io.zsync.kafka.ZsyncConfig;
import io.zsync.kafka.flow.Allowance;
import io.zsync.kafka.flow.FlowJoiner;
import io.zsync.kafka.flow.LagSpec;
import io.zsync.kafka.flow.TaskFlow;
import io.zsync.stream.Backpressure;
import io.zsync.stream.DeadLetterReason;
import io.zsync.stream.Priority;
import io.zsync.stream.RealtimeStream;
import io.zsync.stream.TimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.metrics.JmxReporter;
import org.apache.kafka.common.metrics.KafkaMetricsContext;
import org.apache.kafka.common.metrics.MetricConfig;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.common.header.Headers;
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
 * only; {@link PartitionProgress} gives every returned record the offset that is exact for it and the
 * batch's records before it, so whatever prefix Connect commits never passes a record Kafka does not
 * have, and a restart repeats none that it has. A record counts as delivered only when Connect reports
 * it written ({@link #commitRecord}); one it reports not written is dead-lettered {@code NOT_WRITTEN}.
 *
 * <p>{@code zsync.backpressure=block} stops reading from the source while the buffer is full: records
 * already read wait in this task, highest level first, until the stream has room.
 *
 * <p>The task works out its own partitions from its number and the task count ({@link TaskAssignment}'s
 * sticky rule), and a watcher thread lists the source topics every {@code source.partitions.refresh.ms}:
 * partitions added to its share are read from the next poll on, beside the others, without a restart, so
 * the buffer and the rate limit keep their state.
 *
 * <p>Its {@link BufferMetrics} are in JMX as {@code kafka.connect:type=zsync,connector=<name>,task=<n>}
 * (and per reason or priority with those tags added).
 */
public final class RealtimeBridgeSourceTask extends SourceTask implements EmitCallbacks.Emitter {
    private static final System.Logger LOG = System.getLogger(RealtimeBridgeSourceTask.class.getName());
    private static final long IDLE_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** The most records one poll releases from the stream. */
    static final int MAX_RECORDS_PER_POLL = 4096;

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
    /** Written in start or, for a task that had no partitions, by poll; stop reads it to wake a poll up. */
    private volatile Consumer<byte[], byte[]> consumer;
    private PartitionProgress[] progress = new PartitionProgress[0];
    private final Map<TopicPartition, PartitionProgress> byPartition = new HashMap<>();
    private RealtimeStream stream;
    private Metrics metricsRegistry;
    private BufferMetrics metrics;

    /** Records read but not yet admitted (block, buffer full): highest level first, then in read order. */
    private final PriorityQueue<Waiting> waiting = new PriorityQueue<>(Comparator
            .comparingInt((Waiting w) -> -w.priority().ordinal()).thenComparingLong(Waiting::order));
    private long readOrder;
    /** Records the stream released in the current poll. */
    private int released;
    /** What the current poll returns, in order; its records are built with their offsets at the end. */
    private final List<Out> out = new ArrayList<>();
    private final Set<TopicPartition> paused = new HashSet<>();

    // Written by commitRecord on the producer's thread (or the worker's, after an exactly-once commit), taken
    // by poll: what Connect wrote is counted, what it did not is dead-lettered.
    private final LongAdder written = new LongAdder();
    private final AtomicLongArray writtenDeadLetters = new AtomicLongArray(DeadLetterReason.values().length);
    private final ConcurrentLinkedQueue<BridgeRecord> notWritten = new ConcurrentLinkedQueue<>();
    private long notWrittenCount;
    private long lostDeadLetters;
    private final Function<Map<String, Object>, Consumer<byte[], byte[]>> consumerFactory;
    private final Function<Map<String, Object>, SourcePartitions.Counter> counterFactory;
    private final FlowJoiner flowJoiner;
    /** This task's part of the connector's flow budget (zsync.rate.scope=application), or null; stop reads it. */
    private volatile TaskFlow flow;

    private TaskAssignment assignment;
    private List<String> sourceTopics;
    private String consumerName;
    /** Lists the source topics for the watcher. */
    private SourcePartitions.Counter admin;
    private ScheduledExecutorService watcher;
    /** The partitions handed to the polling thread so far: the watcher's own. */
    private final Set<TopicPartition> watched = new HashSet<>();
    /** The topics last reported as having lost partitions: the watcher's own. */
    private Set<String> reportedGone = Set.of();
    /** Partitions the watcher found for this task, taken by poll. */
    private final ConcurrentLinkedQueue<Gained> gained = new ConcurrentLinkedQueue<>();

    /** Partitions the rule gave this task since it started, with their stored offsets. */
    private record Gained(List<TopicPartition> partitions, Map<Map<String, Object>, Map<String, Object>> stored,
                          Map<String, SourcePartitions.Topic> topics) {
    }

    /** A record read and not yet admitted, with what its examination found. */
    private record Waiting(long id, Priority priority, long deadlineMicros, long size, long order) {
    }

    /** A record the current poll returns: to the target topic when {@code reason} is null. */
    private record Out(PartitionProgress progress, ConsumerRecord<byte[], byte[]> record, DeadLetterReason reason) {
    }

    /** Used by the worker. */
    public RealtimeBridgeSourceTask() {
        this(TimeSource.system(), KafkaConsumer::new, SourcePartitions.Counter::admin, FlowJoiner.kafka());
    }

    /**
     * For tests: a clock, the source consumer (e.g. a {@code MockConsumer}) and what lists the source
     * partitions.
     *
     * @param consumerFactory makes the source consumer from its settings
     * @param counterFactory  makes the partition counter from the source clients' settings
     * @param flowJoiner      joins the connector's flow budget under zsync.rate.scope=application
     */
    RealtimeBridgeSourceTask(TimeSource clock, Function<Map<String, Object>, Consumer<byte[], byte[]>> consumerFactory,
                             Function<Map<String, Object>, SourcePartitions.Counter> counterFactory,
                             FlowJoiner flowJoiner) {
        this.clock = clock;
        this.consumerFactory = consumerFactory;
        this.counterFactory = counterFactory;
        this.flowJoiner = flowJoiner;
    }

    @Override
    public String version() {
        return Version.get();
    }

    @Override
    public void start(Map<String, String> props) {
        config = new BridgeConfig(props);
        ZsyncConfig zsync = config.zsync();
        assignment = TaskAssignment.from(props);
        sourceTopics = config.sourceTopics();
        targetTopic = config.targetTopic();
        dlqTopic = config.dlqTopic();
        pollTimeoutMs = config.pollTimeoutMs();
        backpressure = zsync.backpressure();
        // Sized against what the producer and the target accept, so that one oversized record is a dead
        // letter, not a send failure that fails the task on every restart.
        long limit = config.targetMaxMessageBytes();
        deadLetters = new DeadLetters(zsync, limit);
        intake = new RecordIntake(zsync, limit, config.targetMaxMessageBytesSource());
        String name = props.getOrDefault("name", "zsync-bridge");
        consumerName = name + "-source-" + assignment.task();

        // This task's partitions now, by the sticky rule; the watcher adds those given to it later.
        admin = counterFactory.apply(config.sourceClientSettings());
        Map<String, SourcePartitions.Topic> topics = admin.describe(sourceTopics, System.Logger.Level.WARNING);
        Map<String, Integer> counts = SourcePartitions.counts(topics);
        List<TopicPartition> partitions = assignment.partitions(sourceTopics, counts);
        RateShare share = zsync.rateScopeIsApplication() ? assignment.rateShare(sourceTopics, counts) : null;
        stream = buildStream(props.getOrDefault("name", "bridge") + "-" + assignment.task(), zsync, share);
        metrics = registerMetrics(name, assignment.task());
        if (share != null && (zsync.rateLimit() > 0 || zsync.rateBytes() > 0 || zsync.lagEnabled())) {
            // The connector's budget is shared by demand through the control topic on the source cluster;
            // the share by partitions is only the fallback for while that topic cannot be reached.
            flow = flowJoiner.join(zsync.flowTopic(name), config.sourceClientSettings(), zsync, name,
                    Integer.toString(assignment.task()), new Allowance(share.apportion(zsync.rateLimit()),
                            share.apportion(zsync.rateBytes()), Allowance.Mode.FALLBACK),
                    zsync.lagEnabled() ? new LagSpec(zsync.lagGroup(), List.of(config.targetTopic()),
                            zsync.lagMaxRecords(), zsync.lagMaxAgeMs(), config.targetAdminSettings()) : null);
            flow.update(stream, clock.nanoTime());
            metrics.flow(flow);
        }
        if (partitions.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "zsync bridge: task {0} of {1} has no source partitions yet; it takes"
                    + " those the rule gives it within source.partitions.refresh.ms", assignment.task(),
                    assignment.taskCount());
        } else {
            adopt(partitions, storedOffsets(partitions), topics);
        }
        watched.addAll(partitions);
        watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "zsync-bridge-partitions-" + name + "-" + assignment.task());
            t.setDaemon(true);
            return t;
        });
        long every = config.partitionsRefreshMs();
        watcher.scheduleWithFixedDelay(this::watch, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * Starts reading {@code added} where their stored offsets say, beside the partitions already read:
     * their progress is appended (record ids carry the index, so indexes never change) and the buffer, the
     * stream and its rate limit go on as they are. Runs on the polling thread (or in start).
     */
    private void adopt(List<TopicPartition> added, Map<Map<String, Object>, Map<String, Object>> stored,
                       Map<String, SourcePartitions.Topic> topics) {
        int first = progress.length;
        progress = Arrays.copyOf(progress, first + added.size());
        for (int i = 0; i < added.size(); i++) {
            // The topic ID goes into every offset, so that a recreated topic is never read by the old one's.
            SourcePartitions.Topic topic = topics.get(added.get(i).topic());
            progress[first + i] = new PartitionProgress(added.get(i), first + i, topic == null ? null : topic.id());
            byPartition.put(added.get(i), progress[first + i]);
        }
        if (consumer == null) {
            consumer = consumerFactory.apply(config.sourceConsumerSettings(consumerName));
        }
        // Partitions already assigned keep their position, fetched records and pause.
        consumer.assign(List.copyOf(byPartition.keySet()));
        StringBuilder positions = new StringBuilder();
        for (int i = first; i < progress.length; i++) {
            PartitionProgress p = progress[i];
            long offset = p.restore(stored == null ? null : stored.get(p.sourcePartition()));
            if (offset >= 0) {
                consumer.seek(p.partition(), offset);
                positions.append(' ').append(p.partition()).append('@').append(offset);
            }
        }
        LOG.log(System.Logger.Level.INFO, "zsync bridge: task {0} reads {1} into {2}, {3} partitions in all; resumes"
                + " at{4}", assignment.task(), added, targetTopic, progress.length,
                positions.length() == 0 ? " the reset policy's offsets" : positions);
    }

    /**
     * The watcher's round, every {@code source.partitions.refresh.ms} on its own thread: lists the source
     * topics, and hands the partitions the rule now gives this task, with their stored offsets, to the
     * polling thread, which takes them at its next poll without waiting on the source cluster. Partitions
     * are never taken away: Kafka never removes one from a topic, and one whose topic was deleted is kept
     * (its reads simply return nothing).
     */
    private void watch() {
        try {
            Map<String, SourcePartitions.Topic> topics = admin.describe(sourceTopics, System.Logger.Level.DEBUG);
            Map<String, Integer> counts = SourcePartitions.counts(topics);
            List<TopicPartition> now = assignment.partitions(sourceTopics, counts);
            List<TopicPartition> added = now.stream().filter(tp -> !watched.contains(tp)).toList();
            Set<String> gone = new TreeSet<>();
            for (TopicPartition tp : watched) {
                if (counts.getOrDefault(tp.topic(), 0) <= tp.partition()) {
                    gone.add(tp.topic());
                }
            }
            if (!gone.equals(reportedGone)) {
                if (!gone.isEmpty()) {
                    LOG.log(System.Logger.Level.WARNING, "zsync bridge: task {0}: source topics {1} no longer list all"
                            + " the partitions it reads (deleted?); it keeps them", assignment.task(), gone);
                }
                reportedGone = gone;
            }
            if (added.isEmpty()) {
                return;
            }
            Map<Map<String, Object>, Map<String, Object>> stored = storedOffsets(added);
            gained.add(new Gained(added, stored, topics));
            watched.addAll(added);
        } catch (RuntimeException e) {
            if (!stopping) {
                // The next round tries again; the task goes on with the partitions it has.
                LOG.log(System.Logger.Level.WARNING, "zsync bridge: task {0} could not list the source partitions:"
                        + " {1}", assignment.task(), e.getMessage());
            }
        }
    }

    /**
     * The stored offsets of {@code partitions}, by {@link PartitionProgress#sourcePartition()}; for a partition
     * without one, the offset stored under the key in the field order of earlier versions
     * ({@link PartitionProgress#legacySourcePartition()}). The two keys are equal as maps, so they are asked
     * for in two calls. Runs on the polling thread or the watcher's.
     */
    private Map<Map<String, Object>, Map<String, Object>> storedOffsets(List<TopicPartition> partitions) {
        Map<Map<String, Object>, Map<String, Object>> stored = new HashMap<>();
        List<Map<String, Object>> keys = new ArrayList<>();
        List<Map<String, Object>> legacyKeys = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            keys.add(PartitionProgress.sourcePartitionOf(tp));
            legacyKeys.add(PartitionProgress.legacySourcePartitionOf(tp));
        }
        Map<Map<String, Object>, Map<String, Object>> current = context.offsetStorageReader().offsets(keys);
        if (current != null) {
            current.forEach((k, v) -> {
                if (v != null) {
                    stored.put(k, v);
                }
            });
        }
        List<Map<String, Object>> missing = legacyKeys.stream().filter(k -> !stored.containsKey(k)).toList();
        if (!missing.isEmpty()) {
            Map<Map<String, Object>, Map<String, Object>> old = context.offsetStorageReader().offsets(missing);
            if (old != null) {
                old.forEach((k, v) -> {
                    if (v != null) {
                        LOG.log(System.Logger.Level.WARNING, "zsync bridge: the offset of {0} is stored under the key"
                                + " order of earlier versions; the task resumes from it and writes the new order from now"
                                + " on. DELETE /connectors/<name>/offsets and a null offset in PATCH clear only the new"
                                + " key, after which this old one would be used again: to reset this partition, PATCH"
                                + " '{'\"offset\": N'}' instead", k);
                        stored.put(k, v);
                    }
                });
            }
        }
        return stored;
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

    /**
     * The stream. Under {@code zsync.rate.scope=application} its buckets start empty and its rates follow the
     * connector's flow budget ({@link TaskFlow}); {@code share}, this task's part by source partitions at this
     * moment, is what it falls back to while the control topic cannot be reached.
     */
    private RealtimeStream buildStream(String name, ZsyncConfig zsync, RateShare share) {
        if (share != null) {
            LOG.log(System.Logger.Level.INFO, "zsync bridge: task reads {0} of {1} source partitions: it shares the"
                    + " connector''s budget by demand through the control topic, and falls back to {2} records/s and"
                    + " {3} bytes/s while it cannot reach it (0 = no limit; zsync.rate.scope=application)",
                    share.owned(), share.total(), share.apportion(zsync.rateLimit()), share.apportion(zsync.rateBytes()));
        }
        long marginMs = config.deadlineMarginMs();
        if (zsync.deadlineMarginIsDerived()) {
            LOG.log(System.Logger.Level.INFO, "zsync bridge: task releases a record only while its deadline is at least"
                    + " {0} ms ahead, else dead-letters it EXPIRED: the producer''s linger.ms={1} ({2}) plus {3} ms for"
                    + " the send (zsync.deadline.margin.ms=-1). Set zsync.deadline.margin.ms if the worker''s producer"
                    + " lingers longer", marginMs, config.producerLingerMs(), config.producerLingerSource(),
                    ZsyncConfig.DEADLINE_SEND_ALLOWANCE_MS);
        } else {
            LOG.log(System.Logger.Level.INFO, "zsync bridge: task releases a record only while its deadline is at least"
                    + " {0} ms ahead ({1}), else dead-letters it EXPIRED", marginMs, ZsyncConfig.DEADLINE_MARGIN_MS_CONFIG);
        }
        return BufferStreams.build(name, zsync, clock, share, Duration.ofMillis(marginMs),
                // A poll waits at most pollTimeoutMs before it dispatches again; the rate makes up for that wait.
                Duration.ofMillis(pollTimeoutMs), callbacks);
    }

    @Override
    public List<SourceRecord> poll() throws InterruptedException {
        synchronized (lock) {
            if (stopping) {
                return null;
            }
            released = 0;
            try {
                if (!gained.isEmpty()) {
                    Gained g;
                    while ((g = gained.poll()) != null) {
                        adopt(g.partitions(), g.stored(), g.topics());
                    }
                }
                takeCommitReports();
                admitWaiting();
                if (consumer == null) {
                    if (out.isEmpty()) {
                        Thread.sleep(pollTimeoutMs);
                    }
                } else if (waiting.isEmpty()) {
                    read(consumer.poll(Duration.ofMillis(out.isEmpty() ? pollWaitMs() : 0)));
                }
                dispatch();
                if (!waiting.isEmpty()) {
                    // Dispatching made room: waiting records go in, highest level first, and may leave at once.
                    admitWaiting();
                    dispatch();
                }
                if (consumer != null) {
                    pauseWideSpans();
                }
                if (out.isEmpty() && consumer != null) {
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
            List<SourceRecord> batch = finishBatch();
            metrics.update(clock.nanoTime());
            return batch.isEmpty() ? null : batch;
        }
    }

    /**
     * Kafka Connect reports each returned record written (with its metadata) or not written, from the
     * producer's thread or, in exactly-once mode, after the transaction commits. Only a written record
     * counts as delivered; one not written goes to the dead-letter topic in the next poll.
     */
    @Override
    public void commitRecord(SourceRecord record, RecordMetadata metadata) {
        if (!(record instanceof BridgeRecord r)) {
            return;
        }
        if (metadata == null) {
            notWritten.add(r);
        } else if (r.reason() == null) {
            written.increment();
        } else {
            writtenDeadLetters.incrementAndGet(r.reason().ordinal());
        }
    }

    /** Counts what Connect wrote, and dead-letters what it did not. */
    private void takeCommitReports() {
        metrics.recordOut(written.sumThenReset());
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            long n = writtenDeadLetters.getAndSet(reason.ordinal(), 0);
            if (n > 0) {
                metrics.deadLetter(reason, n);
            }
        }
        BridgeRecord r;
        while ((r = notWritten.poll()) != null) {
            PartitionProgress p = progress[r.partitionIndex()];
            if (r.reason() != null) {
                // Its offset was passed when it was returned; nothing is left to send it as.
                lostDeadLetters++;
                LOG.log(System.Logger.Level.ERROR, "zsync bridge: Kafka Connect did not write the dead letter ({0})"
                        + " of {1} to {2}: a transform dropped it. The record is in neither topic", r.reason(),
                        r.coordinates(), r.topic());
                continue;
            }
            if (notWrittenCount++ == 0) {
                LOG.log(System.Logger.Level.WARNING, "zsync bridge: Kafka Connect did not write {0} to {1} (a transform"
                        + " dropped it): it goes to {2} as NOT_WRITTEN, and so does every later one (logged at DEBUG)."
                        + " A restart or crash before the next poll leaves such a record in neither topic: give the"
                        + " transform a predicate that spares the bridge''s records", r.coordinates(), r.topic(),
                        dlqTopic);
            } else {
                LOG.log(System.Logger.Level.DEBUG, "zsync bridge: Kafka Connect did not write {0}; dead-lettered",
                        r.coordinates());
            }
            p.sentAgain(r.origin().offset());
            out.add(new Out(p, r.origin(), DeadLetterReason.NOT_WRITTEN));
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
                    continue;
                }
                long id = p.add(r);
                metrics.recordIn();
                if (!intake.examine(r.topic(), r.timestamp(), r.key(), r.value(), r.headers())) {
                    deadLetter(id, intake.failure());
                    continue;
                }
                if (!waiting.isEmpty() || !offer(id, intake.priority(), intake.deadlineMicros(), intake.size(), r)) {
                    waiting.add(new Waiting(id, intake.priority(), intake.deadlineMicros(), intake.size(), readOrder++));
                }
            }
        }
    }

    private void admitWaiting() {
        while (!waiting.isEmpty()) {
            Waiting w = waiting.peek();
            PartitionProgress p = progress[PartitionProgress.indexOf(w.id())];
            if (!offer(w.id(), w.priority(), w.deadlineMicros(), w.size(), p.get(w.id()))) {
                return;
            }
            waiting.poll();
        }
    }

    /**
     * Hands one examined record to the stream.
     *
     * @return false when the buffer is full under {@code block}: the caller keeps it waiting
     */
    private boolean offer(long id, Priority priority, long deadlineMicros, long size, ConsumerRecord<byte[], byte[]> r) {
        boolean accepted = intake.offer(stream, id, priority, deadlineMicros, size);
        rethrowFailure();
        if (!accepted && backpressure != Backpressure.BLOCK) {
            throw new ConnectException(RecordIntake.errorOnFullMessage(config.zsync(),
                    r.topic() + "-" + r.partition() + "@" + r.offset()), intake.refusal());
        }
        return accepted;
    }

    private void dispatch() {
        if (flow != null) {
            flow.update(stream, clock.nanoTime());
        }
        // Bounded so that one batch's offsets stay small: each record of a partition in a batch adds a step
        // to the list its offsets share (see PartitionProgress); the rest leaves in the next poll.
        if (released < MAX_RECORDS_PER_POLL) {
            released += stream.dispatch(MAX_RECORDS_PER_POLL - released);
        }
        rethrowFailure();
    }

    /** Stops reading a partition whose offset would grow too wide (see PartitionProgress), and resumes it. */
    private void pauseWideSpans() {
        for (PartitionProgress p : progress) {
            boolean wide = p.overSpan();
            if (wide && paused.add(p.partition())) {
                consumer.pause(List.of(p.partition()));
                LOG.log(System.Logger.Level.INFO, "zsync bridge: {0} pauses: {1} records wait below {2} others read"
                        + " after them; it resumes when the oldest leaves", p.partition(), p.held(),
                        PartitionProgress.PAUSE_SPAN);
            } else if (!wide && paused.remove(p.partition())) {
                consumer.resume(List.of(p.partition()));
            }
        }
    }

    // The engine calls these two on the polling thread, inside send or dispatch, through EmitCallbacks:
    // after a failure nothing more is returned, the task fails, and nothing it did not return is committed.

    @Override
    public void deliver(long id) {
        PartitionProgress p = progress[PartitionProgress.indexOf(id)];
        out.add(new Out(p, p.settle(id), null));
    }

    @Override
    public void deadLetter(long id, DeadLetterReason reason) {
        PartitionProgress p = progress[PartitionProgress.indexOf(id)];
        out.add(new Out(p, p.settle(id), reason));
    }

    /**
     * Builds the batch's records, each with its exact source offset, in the order they were returned (the
     * order Connect sends them and commits their offsets).
     */
    private List<SourceRecord> finishBatch() {
        if (out.isEmpty()) {
            return List.of();
        }
        List<List<Map<String, Object>>> offsets = new ArrayList<>(progress.length);
        int[] used = new int[progress.length];
        for (PartitionProgress p : progress) {
            offsets.add(p.batchOffsets());
        }
        List<SourceRecord> batch = new ArrayList<>(out.size());
        long nowMs = clock.epochMicros() / 1_000;
        for (Out o : out) {
            int i = o.progress().index();
            Map<String, Object> offset = offsets.get(i).get(used[i]++);
            ConsumerRecord<byte[], byte[]> r = o.record();
            if (o.reason() == null) {
                batch.add(new BridgeRecord(o.progress().sourcePartition(), offset, targetTopic, r.key(), r.value(),
                        connectHeaders(r.headers()), r, i, null));
            } else {
                DeadLetters.Letter letter = deadLetters.letter(o.reason(), r.topic(), r.partition(), r.offset(), r.key(),
                        r.value(), r.headers(), nowMs);
                batch.add(new BridgeRecord(o.progress().sourcePartition(), offset, dlqTopic, letter.key(),
                        letter.value(), connectHeaders(letter.headers()), r, i, o.reason()));
            }
        }
        out.clear();
        return batch;
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
        TaskFlow f = flow;
        if (f != null) {
            // Its tombstone goes out now: the connector's other tasks take its allowance within an interval.
            f.leave();
        }
        if (watcher != null) {
            watcher.shutdownNow();
        }
        Consumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        synchronized (lock) {
            // poll has returned and will not read again: what the stream still holds was never returned to
            // the worker, so its offsets were not committed and the next run reads it again.
            // Records Connect reported not written after the last poll: their offsets may already be
            // committed, and no poll will dead-letter them now. Each is named, so none goes unnoticed.
            BridgeRecord unsent;
            while ((unsent = notWritten.poll()) != null) {
                LOG.log(System.Logger.Level.ERROR, "zsync bridge: Kafka Connect did not write {0} to {1}, and the task"
                        + " stops before it could dead-letter it: unless a restart reads it again, it is in neither"
                        + " topic", unsent.coordinates(), unsent.topic());
            }
            if (stream != null) {
                long held = stream.metrics().bufferedRecords() + waiting.size();
                long skipped = 0;
                for (PartitionProgress p : progress) {
                    skipped += p.skipped();
                }
                if (held > 0 || skipped > 0 || notWrittenCount > 0) {
                    LOG.log(System.Logger.Level.INFO, "zsync bridge: task stops with {0} records not yet returned"
                            + " (read again on restart); {1} records skipped as written before the last restart; {2}"
                            + " records Connect did not write dead-lettered as NOT_WRITTEN, {3} of whose dead letters"
                            + " it did not write either", held, skipped, notWrittenCount, lostDeadLetters);
                }
                stream.closeNow();
                stream = null;
            }
            if (consumer != null) {
                consumer.close(Duration.ofSeconds(5));
                consumer = null;
            }
            if (admin != null) {
                admin.close();
                admin = null;
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

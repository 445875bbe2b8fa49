package io.zsync.processors;

import io.zsync.kafka.BufferStreams;
import io.zsync.kafka.DeadLetters;
import io.zsync.kafka.EmitCallbacks;
import io.zsync.kafka.KeyedConfigException;
import io.zsync.kafka.RateShare;
import io.zsync.kafka.RecordIntake;
import io.zsync.kafka.RecordSize;
import io.zsync.kafka.ZsyncConfig;
import io.zsync.kafka.flow.Allowance;
import io.zsync.kafka.flow.FlowJoiner;
import io.zsync.kafka.flow.LagSpec;
import io.zsync.kafka.flow.TaskFlow;
import io.zsync.stream.Backpressure;
import io.zsync.stream.DeadLetterReason;
import io.zsync.stream.RealtimeStream;
import io.zsync.stream.StreamMessage;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * One task's realtime buffer. Each accepted record goes into a manual-dispatch engine stream as a
 * detached message: its id is the record's sequence, its length the record's encoded size, and its bytes
 * stay in the changelogged store (RocksDB, off the heap), so a buffered record costs the heap one small
 * object and no pool buffer. The stream decides order, expiry, drops and pacing; its callbacks run on the
 * stream thread (inside {@code dispatch} or {@code send}), read the record back from the store and
 * forward it.
 *
 * <p>A record that the engine still holds when {@code process} returns is written to the changelogged
 * store under its sequence, and deleted from it when it is forwarded or dead-lettered; under
 * at-least-once the store applies that delete only after the next commit has flushed the producer
 * ({@link DeferredDeleteStore}), so an entry leaves the changelog only once Kafka has its output. Kafka
 * Streams only commits input offsets between {@code process} calls, after flushing the producer, so a
 * record forwarded inside the call that received it needs no store write: if the task dies first, its
 * input offset was not committed either. So the store holds the records that outlived their
 * {@code process} call, and what was committed as input but is not yet known written is in the changelog.
 *
 * <p>A record is released only while its deadline is at least the deadline margin ahead
 * ({@code zsync.deadline.margin.ms}, by default the producer's {@code linger.ms} plus a few ms, see
 * {@link ZsyncStreams#deadlineMarginMs}); closer than that it is dead-lettered {@code EXPIRED}, at admission
 * and at release alike, because the producer may hold a forwarded record for its {@code linger.ms} before the
 * broker appends it.
 *
 * <p>Dispatch runs after every {@code process} and from a wall-clock punctuator scheduled every
 * {@link #PUNCTUATE_INTERVAL}. The punctuator only runs when the stream thread gets to it: while input
 * flows that is every few milliseconds, but while the input is quiet the thread waits in the consumer's
 * poll for up to {@code poll.ms} (100 ms by default) and the punctuator runs about once per {@code poll.ms}.
 * A classic token bucket would then let out at most a burst per poll (with {@code zsync.rate.burst=10},
 * 100 records/s instead of 1,000, and records would expire waiting). The engine's rate limit makes up for
 * the time records waited between two dispatches instead (see {@code TokenBucket}), so a quiet task still
 * drains at the configured rates whatever the burst and {@code poll.ms}: up to
 * {@code BufferStreams.catchUpWindow(poll.ms)} (twice {@code poll.ms}, at least 1 s) of the rate at once,
 * so a longer stall of the thread does not release an unbounded batch. Without any rate limit the engine
 * never holds a record past its call, so a record that finds it empty is forwarded (or dead-lettered as
 * expired) directly, without the copy.
 */
final class RealtimeBufferProcessor implements Processor<byte[], byte[], byte[], byte[]>, EmitCallbacks.Emitter {
    /**
     * How often the punctuator asks to run. A task whose input flows runs it about this often; one whose
     * input is quiet only once per {@code poll.ms}, when the stream thread comes back from the poll (the
     * rate limit's catch-up makes up for the difference).
     */
    static final Duration PUNCTUATE_INTERVAL = Duration.ofMillis(5);
    private static final long BLOCK_POLL_NANOS = 1_000_000L;
    private static final long BLOCK_MAX_SLEEP_NANOS = 10_000_000L;
    private static final long NO_SEQUENCE = -1;
    private static final System.Logger LOG = System.getLogger(RealtimeBufferProcessor.class.getName());
    /** The (application, processor, margin, linger) keys whose deadline margin was logged: once, not per task. */
    private static final Set<String> MARGINS_LOGGED = ConcurrentHashMap.newKeySet();

    private final String name;
    private final String storeName;
    private final ZsyncConfig config;
    private final Backpressure backpressure;
    /** No record or byte rate limit: nothing is ever held past the call that received it. */
    private final boolean unlimited;
    private final String outputChild;
    private final String deadLetterChild;
    private final ProcessorClock clock;
    /** Where delivered records go, if known (null mid-topology), and how to look up its limits. */
    private final String outputTopic;
    private final TopicLimits topicLimits;
    private final EmitCallbacks callbacks = new EmitCallbacks(this);
    /** With zsync.rate.scope=application, the topics whose partitions divide the rate; empty otherwise. */
    private final List<String> rateShareTopics;
    private final PartitionCounts partitionCounts;
    private final FlowJoiner flowJoin;

    private ProcessorContext<byte[], byte[]> context;
    /** Built at init: they size records against the producer's and the topics' limits. */
    private RecordIntake intake;
    private DeadLetters deadLetters;
    private KeyValueStore<Long, byte[]> store;
    private RealtimeStream stream;
    private Cancellable punctuator;
    private ProcessorMetrics metrics;
    /** This task's part of the application's flow budget (zsync.rate.scope=application), or null. */
    private TaskFlow flow;
    private long nextSequence;
    /** zsync.block.max.ms, or less under exactly-once when it is the default: see ZsyncStreams.validate. */
    private long blockMaxMs;
    /** A record is released only if its deadline is at least this far ahead: see ZsyncStreams.deadlineMarginMs. */
    private long deadlineMarginMicros;
    /** Sequences restored from the changelog and not yet handed to the engine (only after a restart). */
    private final ArrayDeque<Long> restored = new ArrayDeque<>();
    /** The sequence of the record the current {@code process} call admitted, not in the store; or -1. */
    private long inFlight = NO_SEQUENCE;
    /** That record, so its forward needs no decoding. */
    private BufferedRecord inFlightRecord;
    /** Whether the engine forwarded or dead-lettered it before {@code process} returned. */
    private boolean inFlightSettled;
    /** Whether the engine took it: then it must be in the store when the call ends, unless settled. */
    private boolean inFlightAdmitted;
    /**
     * Sequences whose emit threw once and were handed to the engine again (only when a
     * processing.exception.handler continued past the failure): a second failure dead-letters the record
     * {@code NOT_WRITTEN}, so a record the output always refuses cannot loop.
     */
    private final java.util.Set<Long> failedOnce = new java.util.HashSet<>();

    RealtimeBufferProcessor(String name, String storeName, ZsyncConfig config, String outputChild,
                            String deadLetterChild, ProcessorClock clock, List<String> rateShareTopics,
                            PartitionCounts partitionCounts, String outputTopic, TopicLimits topicLimits,
                            FlowJoiner flowJoin) {
        this.name = name;
        this.storeName = storeName;
        this.config = config;
        this.backpressure = config.backpressure();
        this.unlimited = config.rateLimit() == 0 && config.rateBytes() == 0 && !config.lagEnabled();
        this.outputChild = outputChild;
        this.deadLetterChild = deadLetterChild;
        this.clock = clock;
        this.outputTopic = outputTopic;
        this.topicLimits = topicLimits;
        this.rateShareTopics = rateShareTopics;
        this.partitionCounts = partitionCounts;
        this.flowJoin = flowJoin;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        // Streams may close a task and initialise the same processor instance again (a task revived after
        // corruption): nothing from the earlier incarnation may leak into this one.
        this.callbacks.reset();
        this.restored.clear();
        this.failedOnce.clear();
        this.nextSequence = 0;
        this.context = context;
        Map<String, Object> appConfigs = context.appConfigs();
        ZsyncStreams.checkProcessingExceptionHandler(appConfigs);
        // Checked here, not only in the optional ZsyncStreams.validate: a topology added to any app is covered.
        this.blockMaxMs = ZsyncStreams.blockMaxMs(config, appConfigs);
        if (backpressure == Backpressure.BLOCK && blockMaxMs < config.blockMaxMs()) {
            LOG.log(System.Logger.Level.INFO, "zsync: task {0} ({1}) waits at most {2} ms for room under"
                    + " zsync.backpressure=block, not the default zsync.block.max.ms={3}: under {4} the producer''s"
                    + " transaction.timeout.ms is {5} ms and a longer wait would get it fenced. Set zsync.block.max.ms below it to choose the wait",
                    context.taskId(), name, blockMaxMs, config.blockMaxMs(), StreamsConfig.EXACTLY_ONCE_V2,
                    ZsyncStreams.transactionTimeoutMs(appConfigs));
        }
        sizeLimits(appConfigs);
        long marginMs = ZsyncStreams.deadlineMarginMs(config, appConfigs);
        this.deadlineMarginMicros = marginMs * 1_000;
        logDeadlineMargin(appConfigs, marginMs);
        this.store = context.getStateStore(storeName);
        // A quiet task dispatches once per poll.ms: the rate limit makes up for that long a wait.
        Duration pollInterval = Duration.ofMillis(ZsyncStreams.pollMs(appConfigs));
        RateShare share = rateShare(context);
        this.stream = BufferStreams.build(context.taskId() + "/" + name, config, clock, share,
                Duration.ofMillis(marginMs), pollInterval, callbacks);
        if (share != null) {
            // A control topic that is also an input or output would mix control records with records.
            config.checkFlowTopic(String.valueOf(appConfigs.get(StreamsConfig.APPLICATION_ID_CONFIG)),
                    rateShareTopics, outputTopic);
            if (config.lagEnabled() && config.lagGroup().equals(appConfigs.get(StreamsConfig.APPLICATION_ID_CONFIG))) {
                // The app's own group commits offsets on its input, never on its output: the output would look
                // unread for ever and release would stop at the bound.
                throw new KeyedConfigException(ZsyncConfig.LAG_GROUP_CONFIG, config.lagGroup(), "is this application's"
                        + " own consumer group (application.id), which reads the input; name the group that reads "
                        + outputTopic);
            }
            // The budget is shared by demand through the control topic; the partition share is only the
            // fallback for while that topic cannot be reached.
            this.flow = flowJoin.join(config.flowTopic(String.valueOf(appConfigs.get(StreamsConfig.APPLICATION_ID_CONFIG))),
                    new StreamsConfig(appConfigs).getAdminConfigs("zsync-flow"), config, name, context.taskId().toString(),
                    new Allowance(
                    share.apportion(config.rateLimit()), share.apportion(config.rateBytes()), Allowance.Mode.FALLBACK),
                    config.lagEnabled() ? new LagSpec(config.lagGroup(), List.of(outputTopic), config.lagMaxRecords(),
                            config.lagMaxAgeMs(), new StreamsConfig(appConfigs).getAdminConfigs("zsync-lag")) : null);
            flow.update(stream, clock.nanoTime());
        }
        this.metrics = new ProcessorMetrics(context, name, stream, flow);

        // Processors are initialised after their stores are restored: what is in the store now is what an
        // earlier incarnation of this task had buffered. Forwarding is not allowed in init, so the records
        // are queued here and handed to the engine on the first process or punctuation.
        try (KeyValueIterator<Long, byte[]> it = store.all()) {
            while (it.hasNext()) {
                long sequence = it.next().key;
                restored.add(sequence);
                nextSequence = Math.max(nextSequence, sequence + 1);
            }
        }
        metrics.restored(restored.size());
        if (!restored.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "zsync: task {0} ({1}) restored {2} buffered records from its changelog;"
                    + " they compete with new input by priority (first at a tie)", context.taskId(), name, restored.size());
        }
        punctuator = context.schedule(PUNCTUATE_INTERVAL, PunctuationType.WALL_CLOCK_TIME, now -> drain());
    }

    /**
     * Builds the intake and the dead-letter builder against what the output accepts: the producer's
     * {@code max.request.size} and, when the output topic is known, the output topic's
     * {@code max.message.bytes} (uncompressed); dead letters likewise against the dead-letter topic's.
     * A record over the output's limit is dead-lettered as {@code TOO_LARGE} when it arrives; a dead letter
     * over its topic's limit is cut ({@code zsync.dlq.truncated}). Without this, the broker refuses the record
     * when it is released: the task fails, and under exactly-once it is restored and refused at every
     * restart. A lookup that fails (no DescribeConfigs permission, say) leaves the producer's limit alone,
     * with a warning.
     */
    private void sizeLimits(Map<String, Object> appConfigs) {
        long producerLimit = ZsyncStreams.maxRequestSize(appConfigs);
        long outputLimit = producerLimit;
        String outputSource = "the producer's max.request.size=" + producerLimit;
        long dlqLimit = producerLimit;
        // Also with compression: the broker checks the compressed batch, which cannot be sized before it is
        // sent, so the uncompressed size is held to the limit. A record that would have fit compressed is
        // dead-lettered; one the broker refuses would fail the task at every restart.
        if (outputTopic != null) {
            String dlqTopic = config.dlqTopic(outputTopic);
            try {
                Map<String, Long> limits = topicLimits.of(appConfigs, List.of(outputTopic, dlqTopic));
                Long topicLimit = limits.get(outputTopic);
                if (topicLimit != null && topicLimit < outputLimit) {
                    outputLimit = topicLimit;
                    outputSource = "topic " + outputTopic + " max.message.bytes=" + topicLimit;
                }
                Long dlqTopicLimit = limits.get(dlqTopic);
                if (dlqTopicLimit != null) {
                    dlqLimit = Math.min(dlqLimit, dlqTopicLimit);
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "zsync: task {0} ({1}) could not read max.message.bytes of {2}"
                        + " and {3} ({4}); records are sized against the producer''s max.request.size={5} only, and"
                        + " one the broker refuses fails the task", context.taskId(), name, outputTopic,
                        config.dlqTopic(outputTopic), e.getMessage(), producerLimit);
            }
        }
        this.intake = new RecordIntake(config, outputLimit, outputSource);
        this.deadLetters = new DeadLetters(config, Math.max(DeadLetters.MIN_MAX_BYTES, dlqLimit));
    }

    /**
     * Says once per application and processor, at INFO, how close to its deadline a record may be released,
     * and why; warns when an explicit {@code zsync.deadline.margin.ms} is below the producer's linger.
     */
    private void logDeadlineMargin(Map<String, Object> appConfigs, long marginMs) {
        long lingerMs = ZsyncStreams.producerLingerMs(appConfigs);
        String source = ZsyncStreams.producerLingerSource(appConfigs);
        if (!MARGINS_LOGGED.add(appConfigs.get(StreamsConfig.APPLICATION_ID_CONFIG) + "/" + name + "/" + marginMs
                + "/" + lingerMs)) {
            return;
        }
        if (config.deadlineMarginIsDerived()) {
            LOG.log(System.Logger.Level.INFO, "zsync: {0} releases a record to the producer only while its deadline is"
                    + " at least {1} ms ahead, else dead-letters it EXPIRED: the producer''s linger.ms={2} ({3}) plus {4}"
                    + " ms for the send (zsync.deadline.margin.ms=-1), so no record reaches the broker after its deadline"
                    + " while the producer holds it. Lower producer.linger.ms to release records closer to their deadline",
                    name, marginMs, lingerMs, source, ZsyncConfig.DEADLINE_SEND_ALLOWANCE_MS);
        } else if (marginMs < lingerMs) {
            LOG.log(System.Logger.Level.WARNING, "zsync: {0}: {1}={2} is below the producer''s linger.ms={3} ({4}): a"
                    + " record released less than {3} ms before its deadline may reach the broker after it. Raise {1},"
                    + " or lower linger.ms", name, ZsyncConfig.DEADLINE_MARGIN_MS_CONFIG, marginMs, lingerMs, source);
        } else {
            LOG.log(System.Logger.Level.INFO, "zsync: {0} releases a record to the producer only while its deadline is"
                    + " at least {1} ms ahead ({2}; the producer''s linger.ms is {3}), else dead-letters it EXPIRED",
                    name, marginMs, ZsyncConfig.DEADLINE_MARGIN_MS_CONFIG, lingerMs);
        }
    }

    /**
     * This task's share of an application-wide rate, or null when each task takes the whole rate. Tasks
     * are initialised again on every rebalance that moves them, so the share follows the input partitions.
     */
    private RateShare rateShare(ProcessorContext<byte[], byte[]> context) {
        if (rateShareTopics.isEmpty() || unlimited) {
            return null;
        }
        Map<String, Integer> counts = partitionCounts.of(context.appConfigs(), rateShareTopics);
        RateShare share;
        try {
            share = RateShare.of(rateShareTopics, counts, context.taskId().partition());
        } catch (IllegalArgumentException e) {
            throw new StreamsException("zsync.rate.scope=application: " + e.getMessage(), e);
        }
        StringBuilder limits = new StringBuilder();
        if (config.rateLimit() > 0) {
            limits.append(share.apportion(config.rateLimit())).append(" of ").append(config.rateLimit())
                    .append(" records/s");
        }
        if (config.rateBytes() > 0) {
            limits.append(limits.length() > 0 ? " and " : "").append(share.apportion(config.rateBytes()))
                    .append(" of ").append(config.rateBytes()).append(" bytes/s");
        }
        LOG.log(System.Logger.Level.INFO, "zsync: task {0} ({1}) reads {2}: it shares the application''s budget by"
                + " demand through the control topic {3}, and falls back to {4} while it cannot reach it"
                + " (zsync.rate.scope=application)", context.taskId(), name, share,
                config.flowTopic(String.valueOf(context.appConfigs().get(StreamsConfig.APPLICATION_ID_CONFIG))),
                config.lagEnabled() ? "holding its records (paced by consumer group " + config.lagGroup() + ")" : limits);
        if (config.rateLimit() > 0 && config.rateLimit() < share.total()) {
            LOG.log(System.Logger.Level.WARNING, "zsync: zsync.rate.limit={0} is below the {1} input partitions it"
                    + " is divided among; while the control topic cannot be reached each task falls back to at least 1"
                    + " record/s, so the application may then deliver up to {1}/s", config.rateLimit(), share.total());
        }
        return share;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        metrics.recordIn();
        loadRestored();
        // A record an upstream punctuator forwarded has metadata without a topic (and partition and offset
        // -1): it did not come from a topic, which BufferedRecord writes as "".
        RecordMetadata meta = context.recordMetadata().orElse(null);
        String topic = meta == null || meta.topic() == null ? "" : meta.topic();
        int partition = meta == null ? -1 : meta.partition();
        long offset = meta == null ? -1 : meta.offset();

        if (!intake.examine(topic, record.timestamp(), record.key(), record.value(), record.headers())) {
            forwardDeadLetter(incoming(record, topic, partition, offset), intake.failure());
            drain();
            return;
        }
        if (unlimited && restored.isEmpty() && stream.nanosUntilDispatchable() < 0) {
            // Without a rate limit the engine never holds a record past this call, so with nothing buffered
            // it would hand this one straight back: forward it here, as the engine would (expired unless its
            // deadline is the margin ahead), and skip the copy.
            if (intake.expiredAt(clock.epochMicros() + deadlineMarginMicros)) {
                forwardDeadLetter(incoming(record, topic, partition, offset), DeadLetterReason.EXPIRED);
            } else {
                try {
                    // The incoming record as it is: a new Record would copy its headers.
                    forward(record);
                } catch (RuntimeException e) {
                    keepAfterFailedForward(incoming(record, topic, partition, offset));
                    throw e;
                }
            }
            metrics.update(clock.nanoTime());
            return;
        }
        BufferedRecord buffered = incoming(record, topic, partition, offset);
        long sequence = nextSequence++;
        inFlight = sequence;
        inFlightRecord = buffered;
        inFlightSettled = false;
        inFlightAdmitted = false;
        try {
            // Throws when the buffer refuses the record (error_on_full, block timed out): nothing is held.
            // It may also throw after the engine took the record (an eviction's dead letter failed).
            admit(sequence, buffered);
            drain();
        } finally {
            if (inFlightAdmitted && !inFlightSettled) {
                // Still held after this call, or an emit failed: from here on only the store keeps it across
                // a crash. Also when admit or drain threw: a processing.exception.handler that continues
                // commits this input offset, and the record must still be found when it is released.
                store.put(sequence, BufferedRecordCodec.encode(buffered));
            }
            inFlight = NO_SEQUENCE;
            inFlightRecord = null;
        }
    }

    /** The record this call received, as the intake classified it. */
    private BufferedRecord incoming(Record<byte[], byte[]> record, String topic, int partition, long offset) {
        return new BufferedRecord(topic, partition, offset, record.timestamp(), intake.priority(),
                intake.deadlineMicros(), record.key(), record.value(), record.headers());
    }

    /** Hands the record this call received to the engine as the backpressure strategy says. */
    private void admit(long sequence, BufferedRecord r) {
        if (offer(sequence, r.priority(), r.deadlineMicros(), intake.size())) {
            return;
        }
        if (backpressure == Backpressure.ERROR_ON_FULL) {
            throw new StreamsException(RecordIntake.errorOnFullMessage(config, where(r)), intake.refusal());
        }
        // block: dispatch what the rate lets out, else wait for it, up to zsync.block.max.ms.
        long start = clock.nanoTime();
        long limit = Duration.ofMillis(blockMaxMs).toNanos();
        while (!offer(sequence, r.priority(), r.deadlineMicros(), intake.size())) {
            if (dispatch() > 0) {
                continue;
            }
            long left = limit - (clock.nanoTime() - start);
            if (left <= 0) {
                throw new StreamsException("zsync.backpressure=block: the buffer stayed full for "
                        + "zsync.block.max.ms=" + blockMaxMs + (blockMaxMs < config.blockMaxMs()
                        ? ", half the producer's transaction.timeout.ms under exactly_once_v2" : "")
                        + " (" + ZsyncConfig.BUFFER_MAX_RECORDS_CONFIG
                        + "=" + config.bufferMaxRecords() + ", " + ZsyncConfig.BUFFER_MAX_BYTES_CONFIG + "="
                        + config.bufferMaxBytes() + (flow == null ? "" : "; this task's part of the application's"
                        + " budget (zsync.rate.scope=application) was " + flow.allowance().records() + " records/s, "
                        + flow.allowance().mode()) + (config.lagEnabled() ? "; release is paced by consumer group "
                        + config.lagGroup() + ", whose lag on " + outputTopic + " was " + flow.downstreamLag()
                        + " records (zsync.lag.max.records=" + config.lagMaxRecords() + "): a group that stopped"
                        + " consuming holds everything" : "") + "). Raise them or the rate limit, or choose drop_oldest or"
                        + " drop_newest; the record at " + where(r) + " is not committed and is processed again"
                        + " after a restart", intake.refusal());
            }
            long wait = stream.nanosUntilDispatchable();
            // At most a few ms at a time: under zsync.rate.scope=application the allowance may be raised (it is
            // applied in dispatch), and while it is 0 the wait is unbounded (Long.MAX_VALUE).
            clock.sleepNanos(Math.min(left, wait > 0 ? Math.min(wait, BLOCK_MAX_SLEEP_NANOS) : BLOCK_POLL_NANOS));
        }
    }

    private static String where(BufferedRecord r) {
        return r.topic() + "-" + r.partition() + "@" + r.offset();
    }

    private boolean offer(long sequence, io.zsync.stream.Priority priority, long deadlineMicros, long size) {
        boolean accepted = intake.offer(stream, sequence, priority, deadlineMicros, size);
        if (accepted && sequence == inFlight) {
            // Noted before an eviction's failed emit is rethrown: the record is in the engine now.
            inFlightAdmitted = true;
        }
        rethrowEmitFailure();
        return accepted;
    }

    /**
     * Hands restored records to the engine while it has room, in their original order. It runs at the start
     * of every {@code process} (before that call's record is offered) and of every punctuation, so restored
     * records enter the engine before any new input; from there they are not emitted ahead of new input but
     * compete with it by priority (and deadline under {@code zsync.ordering=deadline}) like any buffered
     * record, going first only at a tie, as the engine breaks ties by arrival. A restored record whose
     * deadline passed while the app was down is dead-lettered as {@code EXPIRED}, never forwarded. An entry
     * that does not decode is dead-lettered as {@code MALFORMED} with what it still tells (its raw bytes as
     * the value), so a corrupt entry, or one a newer release wrote before a rollback, cannot keep the task
     * from starting.
     */
    private void loadRestored() {
        while (!restored.isEmpty()) {
            long sequence = restored.peekFirst();
            byte[] bytes = store.get(sequence);
            if (bytes == null) {
                restored.pollFirst();
                continue;
            }
            BufferedRecord r;
            try {
                r = BufferedRecordCodec.decode(bytes);
            } catch (SerializationException e) {
                LOG.log(System.Logger.Level.WARNING, "zsync: task {0} ({1}): buffered entry {2} of store {3} does not"
                        + " decode ({4}); it goes to the dead-letter topic as MALFORMED with its stored bytes as the"
                        + " value", context.taskId(), name, sequence, storeName, e.getMessage());
                // Taken off the queue first: if the dead letter's forward fails, a continuing handler has it.
                restored.pollFirst();
                store.delete(sequence);
                forwardDeadLetter(BufferedRecordCodec.recoverSource(bytes), DeadLetterReason.MALFORMED);
                continue;
            }
            boolean accepted = intake.offer(stream, sequence, r.priority(), r.deadlineMicros(),
                    RecordSize.of(r.key(), r.value(), r.headers()));
            if (accepted) {
                // Before a failed emit of this offer is rethrown: the engine holds it now, once.
                restored.pollFirst();
            }
            rethrowEmitFailure();
            if (!accepted) {
                // More was restored than the buffer now holds (its limit was lowered): the rest waits in the
                // store until dispatching makes room.
                return;
            }
        }
    }

    private int dispatch() {
        if (flow != null) {
            flow.update(stream, clock.nanoTime());
        }
        int n = stream.dispatch(Integer.MAX_VALUE);
        rethrowEmitFailure();
        return n;
    }

    /** Forwards everything the rate limit lets through now. */
    private void drain() {
        rethrowEmitFailure();
        loadRestored();
        dispatch();
        if (!restored.isEmpty()) {
            loadRestored();
            dispatch();
        }
        metrics.update(clock.nanoTime());
    }

    /**
     * Fails the call with an emit's failure, if one happened. The records the engine released after it were
     * not emitted; they are in the store, and are queued to be handed to the engine again first thing in the
     * next call. There is a next call only if a {@code processing.exception.handler} continued past the
     * failure (a failing task is closed, and its next incarnation restores them anyway): then they are
     * released as if nothing had happened, instead of waiting unreleased until a restart.
     */
    private void rethrowEmitFailure() {
        callbacks.takeSkipped(restored::addLast);
        callbacks.rethrow();
    }

    // The engine calls these two on this thread, inside send or dispatch, through EmitCallbacks. A failed
    // forward fails the call, and the record is not settled: if the task fails, its next incarnation emits it
    // again; if a processing.exception.handler continues (the failure came from a sink: Kafka handles a
    // downstream processor's own exceptions at that processor's node), the record is handed to the engine
    // again with the ones the failed dispatch skipped, and when it is released again it is dead-lettered
    // NOT_WRITTEN instead of forwarded: the failure may have been its own (a sink that cannot serialize it)
    // or an earlier send's surfacing on it, and either way it is kept without looping. If even that dead
    // letter fails, the record is settled: the continuing handler has it.

    @Override
    public void deliver(long sequence) {
        BufferedRecord r = held(sequence);
        // Checked for emptiness first: a lookup boxes the sequence, and the set is empty but after a failure.
        boolean lastTry = !failedOnce.isEmpty() && failedOnce.remove(sequence);
        try {
            if (lastTry) {
                forwardDeadLetter(r, DeadLetterReason.NOT_WRITTEN);
            } else {
                forward(r);
            }
        } catch (RuntimeException e) {
            requeue(sequence, lastTry);
            throw e;
        }
        settle(sequence);
    }

    @Override
    public void deadLetter(long sequence, DeadLetterReason reason) {
        BufferedRecord r = held(sequence);
        // Checked for emptiness first: a lookup boxes the sequence, and the set is empty but after a failure.
        boolean lastTry = !failedOnce.isEmpty() && failedOnce.remove(sequence);
        try {
            forwardDeadLetter(r, reason);
        } catch (RuntimeException e) {
            requeue(sequence, lastTry);
            throw e;
        }
        settle(sequence);
    }

    /**
     * A record the fast path forwarded without buffering, whose forward threw: kept as a buffered record
     * that failed once, as {@link #requeue} keeps one, so that if a processing.exception.handler continues
     * (committing its input offset) it is dead-lettered {@code NOT_WRITTEN} in the next call instead of
     * being lost. If the task fails instead, the input is read again (under at-least-once the stored copy
     * may then be released too: a repeat, as at-least-once allows; under exactly-once the write is aborted).
     */
    private void keepAfterFailedForward(BufferedRecord r) {
        long sequence = nextSequence++;
        store.put(sequence, BufferedRecordCodec.encode(r));
        failedOnce.add(sequence);
        restored.addLast(sequence);
    }

    /**
     * After a failed emit: queues the record to be handed to the engine again in the next call (there is
     * one only if a handler continued), or, on its last try, settles it: the continuing handler has it.
     */
    private void requeue(long sequence, boolean lastTry) {
        if (lastTry) {
            settle(sequence);
        } else {
            failedOnce.add(sequence);
            restored.addLast(sequence);
        }
    }

    /**
     * A record the engine held: the one this call admitted is at hand; every other one was written to the
     * store before the call that admitted it returned (or was restored into it).
     */
    private BufferedRecord held(long sequence) {
        if (sequence == inFlight) {
            return inFlightRecord;
        }
        byte[] bytes = store.get(sequence);
        if (bytes == null) {
            throw new IllegalStateException("zsync: buffered record " + sequence + " of task " + context.taskId()
                    + " is missing from store " + storeName);
        }
        return BufferedRecordCodec.decode(bytes);
    }

    private void forward(BufferedRecord r) {
        forward(new Record<>(r.key(), r.value(), r.timestamp(), r.headers()));
    }

    private void forward(Record<byte[], byte[]> out) {
        context.forward(out, outputChild);
        metrics.recordOut();
    }

    /** A record left the engine: the one in flight was never stored; any other one is deleted. */
    private void settle(long sequence) {
        if (sequence == inFlight) {
            inFlightSettled = true;
        } else {
            store.delete(sequence);
        }
    }

    private void forwardDeadLetter(BufferedRecord r, DeadLetterReason reason) {
        long nowMs = clock.epochMicros() / 1_000;
        // Cut to what the dead-letter topic and the producer accept: a TOO_LARGE record's dead letter would
        // otherwise be refused in its turn.
        DeadLetters.Letter letter = deadLetters.letter(reason, r.topic(), r.partition(), r.offset(), r.key(),
                r.value(), r.headers(), nowMs);
        // A recovered entry may not know its timestamp; a Record refuses a negative one.
        long timestamp = r.timestamp() < 0 ? nowMs : r.timestamp();
        context.forward(new Record<>(letter.key(), letter.value(), timestamp, letter.headers()), deadLetterChild);
        metrics.deadLetter(reason);
    }

    @Override
    public void close() {
        if (flow != null) {
            // First, whatever fails below: its tombstone goes out now, and the others take its part within an
            // interval.
            flow.leave();
            flow = null;
        }
        if (punctuator != null) {
            punctuator.cancel();
        }
        if (store != null) {
            // Kafka Streams closes a task cleanly by committing (flush, offsets, then the store's commit hook,
            // which applies the held deletes) before it closes the processors; a task it closes dirty and
            // revives (a send that failed past delivery.timeout.ms) is closed first and committed after,
            // without a flush that succeeded. So whatever the store still holds now may not be written:
            // dropped here, those entries stay in the changelog and are released again.
            DeferredDeleteStore.discardHeldDeletes(store);
        }
        if (metrics != null) {
            metrics.close();
        }
        if (stream != null) {
            long buffered = stream.metrics().bufferedRecords() + restored.size();
            if (buffered > 0) {
                LOG.log(System.Logger.Level.INFO, "zsync: task {0} ({1}) closes with {2} records buffered; they stay"
                        + " in its changelogged store for the task''s next owner", context.taskId(), name, buffered);
            }
            // Nothing is emitted on close: what is still buffered stays in the store (and its changelog),
            // and the task's next incarnation emits it.
            stream.closeNow();
            stream = null;
        }
        punctuator = null;
        metrics = null;
        restored.clear();
    }
}

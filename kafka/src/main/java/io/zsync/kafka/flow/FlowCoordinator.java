package io.zsync.kafka.flow;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * One process's member of an application's flow coordination: publishes the demand of the process's tasks
 * on the control topic every interval, reads every member's, and sets each local task's allowance by
 * {@link FlowAllocation}. One per process and control topic (see {@link FlowCoordinators}), on its own
 * daemon thread with its own producer and consumer, so that no Kafka call of the coordination ever runs on
 * a stream or task thread.
 *
 * <p><b>The control topic.</b> Compacted, one partition, segments of 10 minutes so compaction keeps up
 * (created so if missing; an existing topic is used as it is, and no timestamp in it plays a part). Key: the task ({@link FlowReport#key}); value: its {@link FlowReport}, or
 * a tombstone when the task leaves. Compaction keeps one record per task, so a member that starts reads
 * little. The consumer has no group: it is assigned the partition and reads it from the beginning.
 *
 * <p><b>Failure.</b> A member that dies stops reporting; the others drop its tasks after the expiry
 * ({@code 4 × interval}, at least 1 s, on each member's own monotonic clock: see {@link FlowTable}) and share its budget.
 * A member that cannot see its own reports come back for {@code max(10 × interval, 5 s)} (the topic cannot
 * be created, written or read: no ACL, broker gone) gives its tasks their share by input partitions, which
 * never exceeds the budget in sum, and logs a warning; it returns to coordination, with an INFO line, once
 * its reports come back again. Nothing here stops a task: the worst case is the old fixed share.
 */
public final class FlowCoordinator implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(FlowCoordinator.class.getName());
    private static final long SET_UP_TIMEOUT_MS = 30_000;

    private final String topic;
    private final Map<String, Object> clientConfigs;
    private final short replicationFactor;
    private final long intervalNanos;
    private final long expiryMs;
    private final long fallbackAfterNanos;
    private final String member = UUID.randomUUID().toString().substring(0, 8);
    private final Set<TaskFlow> tasks = ConcurrentHashMap.newKeySet();
    /** Joins so far; under the registry's lock. */
    private long joins;
    private final FlowTable table = new FlowTable();
    private final Thread thread;
    private final Registry registry;
    private final long idleCloseNanos;

    /** Set once the coordinator stops taking tasks (closed, idle or failed); read by {@link FlowCoordinators}. */
    private volatile boolean closing;
    /** Whether tasks get their fallback share; a task that joins meanwhile takes it at once. */
    private volatile boolean inFallback;
    private volatile String lastError;
    /** Written once on the coordinator thread; {@link #wake} reads it from others to interrupt a poll. */
    private volatile KafkaConsumer<String, byte[]> consumer;
    // Coordinator thread only.
    private KafkaProducer<String, byte[]> producer;
    private long roundTripNanos;
    private long idleSinceNanos = -1;
    private final Set<String> budgetWarnings = new java.util.HashSet<>();
    /** The lag spec of every scope paced by a downstream group (the latest join's), written by joins. */
    private final Map<String, LagSpec> lagSpecs = new ConcurrentHashMap<>();
    /** One reader per scope with a lag spec; coordinator thread only. */
    private final Map<String, LagReader> lagReaders = new HashMap<>();

    /**
     * @param topic             the control topic
     * @param clientConfigs     how to reach the cluster (bootstrap servers, security): producer and consumer
     *                          keys among them are used, serializers and group settings are zsync's own
     * @param intervalMs        how often demand is published and allowances recomputed, ms
     * @param replicationFactor the control topic's replication factor if it must be created; -1 for the
     *                          broker's default
     * @param registry          where the coordinator retires itself once no task has been joined for
     *                          {@code max(10 × interval, 5 s)}, or when it fails
     */
    FlowCoordinator(String topic, Map<String, Object> clientConfigs, long intervalMs, short replicationFactor,
                    Registry registry) {
        this.topic = topic;
        this.clientConfigs = Map.copyOf(clientConfigs);
        this.replicationFactor = replicationFactor;
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMs);
        this.expiryMs = expiryMs(intervalMs);
        this.fallbackAfterNanos = TimeUnit.MILLISECONDS.toNanos(fallbackAfterMs(intervalMs));
        this.idleCloseNanos = fallbackAfterNanos;
        this.registry = registry;
        this.thread = new Thread(this::run, "zsync-flow-" + topic + "-" + member);
        this.thread.setDaemon(true);
    }

    /** How long a task may go without reporting before the others drop it: 4 intervals, at least 1 s. */
    public static long expiryMs(long intervalMs) {
        return Math.max(1_000, 4 * intervalMs);
    }

    /** How long without its own reports coming back before a member falls back: 10 intervals, at least 5 s. */
    public static long fallbackAfterMs(long intervalMs) {
        return Math.max(5_000, 10 * intervalMs);
    }

    void start() {
        thread.start();
    }

    /** Where coordinators are found by their tasks, and retire from. */
    interface Registry {
        /**
         * Removes {@code coordinator}, atomically with respect to joins: if {@code onlyIfIdle} and it has
         * tasks, nothing happens and false is returned; otherwise it is marked closing and removed.
         */
        boolean retire(FlowCoordinator coordinator, boolean onlyIfIdle);
    }

    /**
     * Adds a task; called under the registry's lock, on a coordinator not closing. It releases nothing until its first allocation (within about two intervals), unless the
     * coordinator is in fallback, where it takes {@code fallback} at once.
     */
    TaskFlow join(String scope, String task, long budgetRecords, long budgetBytes, long budgetBurst,
                  Allowance fallback, LagSpec lag) {
        if (lag != null) {
            // The latest join's: a task reconfigured (another group or bound) brings the scope's new settings.
            lagSpecs.put(scope, lag);
        } else {
            lagSpecs.remove(scope);
        }
        // One key per incarnation: a task closed and initialised again (a revived task) must not have its new
        // report and its old tombstone race under one key.
        TaskFlow flow = new TaskFlow(this::wake, FlowReport.key(member, scope, task) + "#" + (++joins), scope,
                budgetRecords,
                budgetBytes, budgetBurst, fallback, intervalNanos);
        if (inFallback) {
            flow.allow(fallbackOf(flow));
        }
        tasks.add(flow);
        // Its first report now, not at the end of the running interval.
        wake();
        return flow;
    }

    /** Whether this coordinator takes no more tasks. */
    boolean isClosing() {
        return closing;
    }

    /** Marks it closing; called by the registry under its lock. */
    void markClosing() {
        closing = true;
    }

    boolean hasTasks() {
        return !tasks.isEmpty();
    }

    /** Makes the coordinator publish soon (a task left). */
    void wake() {
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            try {
                c.wakeup();
            } catch (RuntimeException e) {
                // Closed meanwhile (the coordinator stopped): nothing to wake.
            }
        }
    }

    /** Stops the thread: tombstones for every task still joined, then the clients close. */
    @Override
    public void close() {
        closing = true;
        wake();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        roundTripNanos = System.nanoTime();
        try {
            setUp();
            while (!closing) {
                long roundStart = System.nanoTime();
                publish();
                read(roundStart + intervalNanos);
                table.expire(nowMs(), expiryMs);
                allocate();
                if (closeIfIdle()) {
                    return;
                }
            }
            for (TaskFlow t : tasks) {
                producer.send(new ProducerRecord<>(topic, 0, t.key(), null));
            }
            producer.flush();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "zsync: the flow coordinator of " + topic + " stopped; its tasks"
                    + " release their share of the budget by input partitions (tasks paced by a downstream group's lag"
                    + " hold their records) until they restart, and tasks that start later try again", e);
            inFallback = true;
            registry.retire(this, false);
            for (TaskFlow t : tasks) {
                t.allow(fallbackOf(t));
            }
        } finally {
            closeClients();
        }
    }

    private boolean closeIfIdle() {
        if (!tasks.isEmpty()) {
            idleSinceNanos = -1;
            return false;
        }
        long now = System.nanoTime();
        if (idleSinceNanos < 0) {
            idleSinceNanos = now;
            return false;
        }
        if (now - idleSinceNanos < idleCloseNanos) {
            return false;
        }
        return registry.retire(this, true);
    }

    private void setUp() {
        Map<String, Object> producerConfigs = filter(ProducerConfig.configNames());
        producerConfigs.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        producerConfigs.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        producerConfigs.put(ProducerConfig.CLIENT_ID_CONFIG, "zsync-flow-" + member + "-producer");
        // A report is replaced an interval later: no need for idempotence (and its ACL) or a long linger.
        producerConfigs.put(ProducerConfig.ACKS_CONFIG, "1");
        producerConfigs.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        producerConfigs.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        producerConfigs.put(ProducerConfig.RETRIES_CONFIG, 0);
        // A send may block for metadata while the broker is gone: not past the fallback's patience.
        producerConfigs.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, TimeUnit.NANOSECONDS.toMillis(intervalNanos));
        producerConfigs.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        producerConfigs.remove(ProducerConfig.PARTITIONER_CLASS_CONFIG);
        producerConfigs.remove(ProducerConfig.INTERCEPTOR_CLASSES_CONFIG);
        Map<String, Object> consumerConfigs = filter(ConsumerConfig.configNames());
        consumerConfigs.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        consumerConfigs.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        consumerConfigs.put(ConsumerConfig.CLIENT_ID_CONFIG, "zsync-flow-" + member + "-consumer");
        consumerConfigs.remove(ConsumerConfig.GROUP_ID_CONFIG);
        consumerConfigs.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        consumerConfigs.remove(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG);
        consumerConfigs.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerConfigs.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerConfigs.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        createTopic();
        producer = new KafkaProducer<>(producerConfigs);
        consumer = new KafkaConsumer<>(consumerConfigs);
        TopicPartition tp = new TopicPartition(topic, 0);
        consumer.assign(List.of(tp));
        consumer.seekToBeginning(List.of(tp));
    }

    private Map<String, Object> filter(Set<String> names) {
        Map<String, Object> out = new HashMap<>();
        clientConfigs.forEach((k, v) -> {
            if (names.contains(k) && v != null) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** Creates the control topic if missing. Failure is not fatal: the fallback covers a topic never reached. */
    private void createTopic() {
        Map<String, Object> adminConfigs = filter(AdminClientConfig.configNames());
        adminConfigs.put(AdminClientConfig.CLIENT_ID_CONFIG, "zsync-flow-" + member + "-admin");
        try (Admin admin = Admin.create(adminConfigs)) {
            NewTopic newTopic = new NewTopic(topic, Optional.of(1),
                    replicationFactor < 1 ? Optional.empty() : Optional.of(replicationFactor))
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                            // Compaction never touches the active segment: short segments keep what a starting
                            // member reads to about ten minutes of reports, whatever the topic's age.
                            TopicConfig.SEGMENT_MS_CONFIG, "600000"));
            try {
                admin.createTopics(List.of(newTopic)).all().get(SET_UP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                LOG.log(System.Logger.Level.INFO, "zsync: created the flow control topic {0} (compacted, 1 partition)",
                        topic);
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            lastError = String.valueOf(cause);
            LOG.log(System.Logger.Level.WARNING, "zsync: could not create or describe the flow control topic {0}"
                    + " ({1}); trying to use it as it is", topic, cause);
        }
    }

    private void publish() {
        List<TaskFlow> gone = new ArrayList<>();
        for (TaskFlow t : tasks) {
            // Read once: a leave between two reads would send demand and drop the task, never its tombstone.
            boolean left = t.hasLeft();
            byte[] value = left ? null : t.demand().encode();
            if (left) {
                gone.add(t);
            }
            try {
                producer.send(new ProducerRecord<>(topic, 0, t.key(), value), (metadata, e) -> {
                    if (e != null) {
                        lastError = e.toString();
                    }
                });
            } catch (KafkaException e) {
                // Metadata not there within max.block.ms, or the topic cannot be written: the round trip fails.
                lastError = e.toString();
            }
        }
        tasks.removeAll(gone);
    }

    private void read(long untilNanos) {
        long now;
        while (!closing && (now = System.nanoTime()) < untilNanos) {
            try {
                // With downstream lags to read, in slices, so that a reading is taken (and allocated) as it comes.
                long slice = lagSpecs.isEmpty() ? untilNanos - now : Math.min(untilNanos - now, intervalNanos / 5);
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofNanos(slice));
                if (pollLags()) {
                    allocate();
                }
                for (ConsumerRecord<String, byte[]> r : records) {
                    if (r.key() == null) {
                        continue;
                    }
                    FlowReport report = r.value() == null ? null : FlowReport.decode(r.value());
                    if (report == null && r.value() != null) {
                        // Another version's (a rolling upgrade) or a malformed value: the task is there, but what it
                        // wants cannot be read. It counts as wanting nothing, so it keeps its place in the split (its
                        // even part of what nobody wants) instead of vanishing from it.
                        String scope = FlowReport.scopeOf(r.value());
                        if (scope == null) {
                            continue;
                        }
                        report = FlowReport.idle(scope, 0, 0);
                    }
                    table.apply(r.key(), report, nowMs());
                    if (report != null && r.key().startsWith(member + "/")) {
                        roundTripNanos = System.nanoTime();
                    }
                }
                if (!records.isEmpty()) {
                    // As reports arrive, not only once per interval: a task that ran dry gives its part to the
                    // others, and a CRITICAL backlog gets its part, as soon as their reports are read.
                    table.expire(nowMs(), expiryMs);
                    allocate();
                }
            } catch (WakeupException e) {
                // A task left: publish its tombstone now rather than at the end of the interval.
                if (!closing) {
                    return;
                }
            } catch (KafkaException e) {
                lastError = e.toString();
                LockSupport.parkNanos(Math.min(untilNanos - System.nanoTime(), intervalNanos));
            }
        }
    }

    /** Now on this member's monotonic clock, ms: the clock staleness is judged on (see {@link FlowTable}). */
    private static long nowMs() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
    }

    private void allocate() {
        if (tasks.isEmpty()) {
            // Nothing to allocate, nor to judge health by: no reports of its own are expected. A task that joins
            // later starts a fresh wait for its echo.
            roundTripNanos = System.nanoTime();
            return;
        }
        boolean healthy = System.nanoTime() - roundTripNanos <= fallbackAfterNanos;
        if (!healthy) {
            if (!inFallback) {
                inFallback = true;
                LOG.log(System.Logger.Level.WARNING, "zsync: the flow control topic {0} has not echoed this member''s"
                        + " reports for {1} ms (last error: {2}); its {3} task(s) release their share of the budget by"
                        + " input partitions until it does (tasks paced by a downstream group''s lag hold their"
                        + " records)", topic, fallbackAfterMs(intervalNanos / 1_000_000),
                        lastError == null ? "none" : lastError, tasks.size());
            }
            for (TaskFlow t : tasks) {
                t.allow(fallbackOf(t));
            }
            return;
        }
        if (inFallback) {
            LOG.log(System.Logger.Level.INFO, "zsync: the flow control topic {0} is reachable again: tasks share"
                    + " the budget by demand", topic);
            inFallback = false;
        }
        Map<String, Map<String, Allowance>> byScope = new HashMap<>();
        for (TaskFlow t : tasks) {
            if (t.hasLeft()) {
                continue;
            }
            Map<String, Allowance> split = byScope.computeIfAbsent(t.scope(), scope -> {
                Map<String, String> other = table.disagreeing(scope, t.budgetRecords(), t.budgetBytes());
                if (budgetWarnings.size() > 100) {
                    budgetWarnings.clear();   // bounded: a long mixed rollout may warn again, never grow without end
                }
                if (!other.isEmpty() && budgetWarnings.add(scope + "/" + other.values())) {
                    LOG.log(System.Logger.Level.WARNING, "zsync: {0}: other members of the flow budget were configured"
                            + " with other budgets {1}; this member allots {2} records/s and {3} bytes/s", scope, other,
                            t.budgetRecords(), t.budgetBytes());
                }
                return table.allocate(scope, budgetRecords(t), t.budgetBytes());
            });
            LagReader lag = lagSpecs.containsKey(t.scope()) ? lagReaders.get(t.scope()) : null;
            if (lag != null) {
                t.downstreamLag(lag.budget().lag());
            }
            Allowance a = split.get(t.key());
            if (a != null && lag != null) {
                a = new Allowance(a.records(), a.bytes(), a.mode(), lag.budget().validUntilNanos());
            }
            // Not read back yet (the task just joined): nothing until it is, so a new task adds no burst.
            t.allow(a == null ? Allowance.WAITING : a);
        }
    }

    /**
     * What a task takes while the coordination is down: its share by input partitions; nothing for a task
     * paced by a downstream group's lag, whose budget cannot be shared without the control topic and which
     * therefore holds its records in its buffer.
     */
    private Allowance fallbackOf(TaskFlow t) {
        return lagSpecs.containsKey(t.scope()) ? new Allowance(0, 0, Allowance.Mode.FALLBACK) : t.fallback();
    }

    /**
     * The records/s {@code t}'s scope may release now: its configured budget, or for a scope paced by a
     * downstream group the room its lag leaves (see {@link LagBudget}), within the configured budget if any.
     */
    private long budgetRecords(TaskFlow t) {
        long configured = t.budgetRecords();
        if (!lagSpecs.containsKey(t.scope())) {
            return configured;
        }
        LagReader lag = lagReaders.get(t.scope());
        return lag == null ? 0 : lag.budget().budget(System.nanoTime(), configured);
    }

    /**
     * Moves every downstream group's lag reading on (Admin requests, never blocking; this thread only).
     *
     * @return whether a new reading was taken
     */
    private boolean pollLags() {
        boolean taken = false;
        lagReaders.entrySet().removeIf(e -> {
            // A scope no longer paced by a group (its tasks rejoined without one).
            boolean gone = !lagSpecs.containsKey(e.getKey());
            if (gone) {
                e.getValue().close();
            }
            return gone;
        });
        for (Map.Entry<String, LagSpec> e : lagSpecs.entrySet()) {
            long now = System.nanoTime();
            LagReader reader = lagReaders.get(e.getKey());
            if (reader != null && !reader.spec().equals(e.getValue())) {
                reader.close();
                reader = null;
            }
            if (reader == null) {
                reader = new LagReader(e.getKey(), e.getValue(), intervalNanos, fallbackAfterNanos, now);
                lagReaders.put(e.getKey(), reader);
            }
            taken |= reader.poll(now);
        }
        return taken;
    }

    private void closeClients() {
        for (LagReader r : lagReaders.values()) {
            r.close();
        }
        lagReaders.clear();
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
        KafkaConsumer<String, byte[]> c = consumer;
        consumer = null;
        if (c != null) {
            c.close(Duration.ofSeconds(5));
        }
    }
}

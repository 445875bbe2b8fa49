package io.zsync.kafka;

import io.zsync.stream.Backpressure;
import io.zsync.stream.Ordering;
import io.zsync.stream.Priority;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code zsync.*} settings of CONTRACT.md, declared once for the Kafka Streams processors and the
 * Connect connector: each key with its documentation, default, validator and group. An invalid value
 * fails at start with a {@link ConfigException} naming the key, the value and what is allowed.
 */
public final class ZsyncConfig extends AbstractConfig {
    private static final String GROUP_PRIORITY = "Priority and ordering";
    private static final String GROUP_DEADLINE = "Deadlines";
    private static final String GROUP_BUFFER = "Buffer and backpressure";
    private static final String GROUP_RATE = "Rate limit";
    private static final String GROUP_LAG = "Release by downstream lag";
    private static final String GROUP_DLQ = "Dead letters";
    private static final String GROUP_FORMAT = "Record format";

    public static final String PRIORITY_DEFAULT_CONFIG = "zsync.priority.default";
    private static final String PRIORITY_DEFAULT_DOC = "The priority of a record without a zsync.priority header"
            + " whose topic is not in zsync.priority.topics.";
    public static final String PRIORITY_TOPICS_CONFIG = "zsync.priority.topics";
    private static final String PRIORITY_TOPICS_DOC = "Priority per input topic for records without a"
            + " zsync.priority header, as topic:LEVEL pairs, e.g. orders:HIGH,audit:LOW.";
    public static final String ORDERING_CONFIG = "zsync.ordering";
    private static final String ORDERING_DOC = "Order within one priority level: fifo (arrival) or deadline"
            + " (earliest deadline first). A higher level always goes first.";

    public static final String DEADLINE_TTL_MS_CONFIG = "zsync.deadline.ttl.ms";
    private static final String DEADLINE_TTL_MS_DOC = "For records without a zsync.deadline header: deadline ="
            + " record timestamp + this many milliseconds. 0 means no deadline; a deadline past the largest epoch"
            + " microsecond a long holds (year 294247) means none either.";

    public static final String DEADLINE_MARGIN_MS_CONFIG = "zsync.deadline.margin.ms";
    /** The longest {@value #DEADLINE_MARGIN_MS_CONFIG} may be: an hour. */
    public static final long DEADLINE_MARGIN_MS_MAX = 3_600_000L;
    /**
     * What the derived {@value #DEADLINE_MARGIN_MS_CONFIG} adds to the producer's {@code linger.ms}: the rest of
     * the way to the broker's log on a healthy cluster (the sender thread's wake-up, the produce request, the
     * leader's append). In the load test of issue 19 (row d2) records left up to 12 ms after their linger.
     */
    public static final long DEADLINE_SEND_ALLOWANCE_MS = 20L;
    private static final String DEADLINE_MARGIN_MS_DOC = "How far ahead of its deadline a record must still be when"
            + " zsync releases it to the producer; one closer to its deadline (or past it) is dead-lettered as EXPIRED"
            + " instead. The producer holds a released record for up to its linger.ms before it sends the batch, so"
            + " without a margin a record released just before its deadline would reach the broker after it. -1"
            + " (default): the producer's linger.ms plus " + DEADLINE_SEND_ALLOWANCE_MS + " ms for the send. In Kafka"
            + " Streams that linger.ms is producer.linger.ms, else linger.ms, else 100 (Kafka Streams' own default;"
            + " the zsync Streams app sets producer.linger.ms=5 unless given one). In the Connect bridge it is the"
            + " connector's producer.override.linger.ms, else 5 (Kafka's default): set this key when the worker's"
            + " producer.linger.ms differs, which a connector cannot see. 0 to " + DEADLINE_MARGIN_MS_MAX + ": exactly"
            + " that many milliseconds; raise it when produce requests are slow or the brokers' clocks run ahead of"
            + " the app's (LogAppendTime is the broker's clock).";

    public static final String BACKPRESSURE_CONFIG = "zsync.backpressure";
    private static final String BACKPRESSURE_DOC = "What happens when the buffer is full: block (input waits,"
            + " nothing dropped), drop_oldest, drop_newest (both dead-letter a record), error_on_full (the task"
            + " fails; the record is not committed).";
    public static final String BLOCK_MAX_MS_CONFIG = "zsync.block.max.ms";
    private static final String BLOCK_MAX_MS_DOC = "Under block, the longest a Streams task waits for room before it"
            + " fails with a clear error. Must be below max.poll.interval.ms and, under exactly_once_v2, below the"
            + " producer's transaction.timeout.ms (10000 in Kafka Streams unless producer.transaction.timeout.ms is"
            + " set); left at its default there, the wait is half that timeout.";
    public static final String BUFFER_MAX_RECORDS_CONFIG = "zsync.buffer.max.records";
    private static final String BUFFER_MAX_RECORDS_DOC = "The most records buffered for priority ordering.";
    public static final String BUFFER_MAX_BYTES_CONFIG = "zsync.buffer.max.bytes";
    private static final String BUFFER_MAX_BYTES_DOC = "The most bytes buffered; a larger record is dead-lettered as"
            + " TOO_LARGE. A record's bytes are its size in Kafka's record format (key, value, headers and their"
            + " length prefixes), the same in the Streams app and the Connect bridge.";

    public static final String RATE_LIMIT_CONFIG = "zsync.rate.limit";
    private static final String RATE_LIMIT_DOC = "Records per second delivered (token bucket); 0 means no limit.";
    public static final String RATE_BURST_CONFIG = "zsync.rate.burst";
    private static final String RATE_BURST_DOC = "Records delivered back to back after a quiet period. -1 (default)"
            + " means one tenth of a second's worth, at least 1. It does not lower the rate while records wait: a task"
            + " that dispatches only once per poll (a Streams task with quiet input: once per poll.ms; a bridge task:"
            + " once per source.poll.timeout.ms) is credited the time they waited, at most twice that poll interval,"
            + " and at least 1 s, of the rate at once.";
    public static final String RATE_BYTES_CONFIG = "zsync.rate.bytes";
    private static final String RATE_BYTES_DOC = "Bytes per second delivered, each record counted at its size in"
            + " Kafka's record format (as zsync.buffer.max.bytes counts it); 0 means no limit.";
    public static final String RATE_SCOPE_CONFIG = "zsync.rate.scope";
    private static final String RATE_SCOPE_DOC = "task: each task gets the configured rates; application: the rates"
            + " (and the burst) are one budget for the whole application (a Streams application.id and processor, or a"
            + " connector), shared by all its tasks on all instances through a control topic"
            + " (zsync.flow.topic): every zsync.flow.interval.ms each task publishes what it wants per priority level,"
            + " and the budget goes to CRITICAL records anywhere first, then HIGH, NORMAL and LOW, by demand within a"
            + " level. Tasks start with nothing and get their part within about two intervals. A task whose process"
            + " cannot reach the control topic takes its share by input partitions, with a warning (if other"
            + " instances still coordinate, the application may then exceed its budget by that share).";
    public static final String FLOW_INTERVAL_MS_CONFIG = "zsync.flow.interval.ms";
    private static final String FLOW_INTERVAL_MS_DOC = "With zsync.rate.scope=application: how often each instance"
            + " publishes its tasks' demand and recomputes their allowances, ms. A CRITICAL record on a task that had"
            + " no allowance waits about this long; a task that stops reporting for 4 intervals (at least 1 s, as each"
            + " instance reads the topic) is dropped and its allowance goes to the others.";
    public static final String FLOW_TOPIC_CONFIG = "zsync.flow.topic";
    private static final String FLOW_TOPIC_DOC = "With zsync.rate.scope=application: the control topic (compacted, 1"
            + " partition; created if missing, which needs the Create ACL; read and written by every instance, and by"
            + " nothing else: grant Write to the application's principals only). It must not be one of the topics"
            + " records are read from or written to. Empty (default): <application.id>-zsync-flow for a Streams app,"
            + " <connector name>-zsync-flow for the bridge.";
    public static final String FLOW_REPLICATION_FACTOR_CONFIG = "zsync.flow.topic.replication.factor";
    private static final String FLOW_REPLICATION_FACTOR_DOC = "The control topic's replication factor when zsync"
            + " creates it; -1 (default) for the broker's default.replication.factor.";

    public static final String LAG_GROUP_CONFIG = "zsync.lag.group";
    private static final String LAG_GROUP_DOC = "The consumer group that reads the output topic. Set, zsync releases"
            + " to the output only while that group has fewer than zsync.lag.max.records records waiting there (its"
            + " lag: end offsets minus its committed offsets, summed over the output topic's partitions), and holds"
            + " the rest in its buffer in priority and deadline order, so a CRITICAL record waits behind at most"
            + " about that many records, not behind the whole backlog. The lag is read with the Admin client every"
            + " zsync.flow.interval.ms, off the stream and task threads, and the records it lets out are one budget"
            + " for the whole application, shared by demand and priority as under zsync.rate.scope=application"
            + " (which this implies). Committed offsets are what counts: a group that commits every few seconds"
            + " (enable.auto.commit's 5 s) needs zsync.lag.max.records of at least its rate times that interval, or"
            + " its throughput drops. A partition where the group has no committed offset (the group is new, was"
            + " deleted, or was reset without a commit) counts its lag from the end offset read when that was first"
            + " seen, so zsync then releases at most zsync.lag.max.records records until the group commits (logged)."
            + " A group with no members consumes nothing: zsync fills its lag to the bound and holds (logged). While"
            + " the lag cannot be read, nothing is released (logged after 10 intervals, at least 5 s). Held records"
            + " stay in zsync's buffer, where zsync.buffer.max.records and zsync.backpressure apply. Empty (default):"
            + " off.";
    public static final String LAG_MAX_RECORDS_CONFIG = "zsync.lag.max.records";
    private static final String LAG_MAX_RECORDS_DOC = "With zsync.lag.group: the most records the group may have"
            + " waiting in the output topic before zsync holds the rest. A record released now waits behind about"
            + " this many: at 500 records/s, 250 records are half a second. Each interval releases at most the room"
            + " left, so the group's throughput is at most this many records per zsync.flow.interval.ms (plus its"
            + " commit interval).";
    public static final String LAG_MAX_AGE_MS_CONFIG = "zsync.lag.max.age.ms";
    private static final String LAG_MAX_AGE_MS_DOC = "With zsync.lag.group: also hold while the records waiting for"
            + " the group would take longer than this to consume, ms: the bound becomes the group's consumption rate"
            + " (committed offsets per second over the last 5 s) times this, never above zsync.lag.max.records. A"
            + " group that has caught up (lag 0) always gets zsync.lag.max.records. 0 (default): no age bound.";

    public static final String DLQ_TOPIC_CONFIG = "zsync.dlq.topic";
    private static final String DLQ_TOPIC_DOC = "Topic for dead letters. Empty (default): the output topic name + .dlq.";
    public static final String DLQ_FORMAT_CONFIG = "zsync.dlq.format";
    private static final String DLQ_FORMAT_DOC = "raw: the original key, value and headers plus zsync.dlq.* headers;"
            + " avro: the value is a DeadLetter record (single-object encoding).";

    public static final String ENVELOPE_CONFIG = "zsync.envelope";
    private static final String ENVELOPE_DOC = "none: priority and deadline come from headers; avro: the value is a"
            + " StreamMessage envelope (single-object encoding) carrying them.";

    private static final String[] PRIORITIES = {"LOW", "NORMAL", "HIGH", "CRITICAL"};

    /** The definition: keys, types, defaults, validators, docs and groups. */
    public static final ConfigDef CONFIG_DEF = define(new ConfigDef());

    /**
     * Adds every {@code zsync.*} key to {@code def}, so that a connector or app can declare them beside its
     * own.
     *
     * @param def the definition to extend
     * @return {@code def}
     */
    public static ConfigDef define(ConfigDef def) {
        int order = 0;
        def.define(PRIORITY_DEFAULT_CONFIG, Type.STRING, "NORMAL", oneOf(PRIORITIES),
                        Importance.HIGH, PRIORITY_DEFAULT_DOC, GROUP_PRIORITY, ++order, ConfigDef.Width.SHORT, "Default priority")
                .define(PRIORITY_TOPICS_CONFIG, Type.LIST, "", ConfigDef.LambdaValidator.with(
                                (key, value) -> parsePriorityTopics(key, asList(value)),
                                () -> "topic:LEVEL pairs, LEVEL one of LOW, NORMAL, HIGH, CRITICAL"),
                        Importance.MEDIUM, PRIORITY_TOPICS_DOC, GROUP_PRIORITY, ++order, ConfigDef.Width.LONG, "Priority per topic")
                .define(ORDERING_CONFIG, Type.STRING, "fifo", oneOf("fifo", "deadline"),
                        Importance.MEDIUM, ORDERING_DOC, GROUP_PRIORITY, ++order, ConfigDef.Width.SHORT, "Ordering");
        order = 0;
        def.define(DEADLINE_TTL_MS_CONFIG, Type.LONG, 0L, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                        DEADLINE_TTL_MS_DOC, GROUP_DEADLINE, ++order, ConfigDef.Width.SHORT, "TTL (ms)")
                .define(DEADLINE_MARGIN_MS_CONFIG, Type.LONG, -1L, ConfigDef.LambdaValidator.with((key, value) -> {
                    if (value == null) {
                        return; // not a number: ConfigDef reports the parse error on its own
                    }
                    long v = (Long) value;
                    if (v != -1 && (v < 0 || v > DEADLINE_MARGIN_MS_MAX)) {
                        throw new ConfigException(key, value, "must be -1 (the producer's linger.ms + "
                                + DEADLINE_SEND_ALLOWANCE_MS + " ms) or 0 to " + DEADLINE_MARGIN_MS_MAX + " milliseconds");
                    }
                }, () -> "-1, or 0 to " + DEADLINE_MARGIN_MS_MAX), Importance.MEDIUM, DEADLINE_MARGIN_MS_DOC,
                        GROUP_DEADLINE, ++order, ConfigDef.Width.SHORT, "Deadline margin (ms)");
        order = 0;
        def.define(BACKPRESSURE_CONFIG, Type.STRING, "block",
                        oneOf("block", "drop_oldest", "drop_newest", "error_on_full"),
                        Importance.HIGH, BACKPRESSURE_DOC, GROUP_BUFFER, ++order, ConfigDef.Width.SHORT, "Backpressure")
                .define(BLOCK_MAX_MS_CONFIG, Type.LONG, 10_000L, ConfigDef.Range.between(1, Integer.MAX_VALUE),
                        Importance.MEDIUM, BLOCK_MAX_MS_DOC, GROUP_BUFFER, ++order, ConfigDef.Width.SHORT, "Block max (ms)")
                .define(BUFFER_MAX_RECORDS_CONFIG, Type.LONG, 10_000L, ConfigDef.Range.between(1, 100_000_000L),
                        Importance.HIGH, BUFFER_MAX_RECORDS_DOC, GROUP_BUFFER, ++order, ConfigDef.Width.SHORT, "Buffer records")
                .define(BUFFER_MAX_BYTES_CONFIG, Type.LONG, 64L << 20, ConfigDef.Range.between(1, 1L << 40),
                        Importance.HIGH, BUFFER_MAX_BYTES_DOC, GROUP_BUFFER, ++order, ConfigDef.Width.SHORT, "Buffer bytes");
        order = 0;
        def.define(RATE_LIMIT_CONFIG, Type.LONG, 0L, ConfigDef.Range.between(0, 1_000_000_000L), Importance.HIGH,
                        RATE_LIMIT_DOC, GROUP_RATE, ++order, ConfigDef.Width.SHORT, "Records/s")
                .define(RATE_BURST_CONFIG, Type.LONG, -1L, ConfigDef.LambdaValidator.with((key, value) -> {
                    if (value == null) {
                        return; // not a number: ConfigDef reports the parse error on its own
                    }
                    long v = (Long) value;
                    if (v != -1 && (v < 1 || v > 1_000_000_000L)) {
                        throw new ConfigException(key, value, "must be -1 (a tenth of the rate) or 1 to 1000000000");
                    }
                }, () -> "-1, or 1 to 1000000000"), Importance.MEDIUM, RATE_BURST_DOC, GROUP_RATE, ++order,
                        ConfigDef.Width.SHORT, "Burst")
                .define(RATE_BYTES_CONFIG, Type.LONG, 0L, ConfigDef.Range.between(0, 1_000_000_000L), Importance.MEDIUM,
                        RATE_BYTES_DOC, GROUP_RATE, ++order, ConfigDef.Width.SHORT, "Bytes/s")
                .define(RATE_SCOPE_CONFIG, Type.STRING, "task", oneOf("task", "application"),
                        Importance.MEDIUM, RATE_SCOPE_DOC, GROUP_RATE, ++order, ConfigDef.Width.SHORT, "Rate scope")
                .define(FLOW_INTERVAL_MS_CONFIG, Type.LONG, 250L, ConfigDef.Range.between(20, 60_000),
                        Importance.LOW, FLOW_INTERVAL_MS_DOC, GROUP_RATE, ++order, ConfigDef.Width.SHORT,
                        "Flow interval (ms)")
                .define(FLOW_TOPIC_CONFIG, Type.STRING, "", TopicNames.nameOrEmpty(), Importance.LOW,
                        FLOW_TOPIC_DOC, GROUP_RATE, ++order, ConfigDef.Width.MEDIUM, "Flow control topic")
                .define(FLOW_REPLICATION_FACTOR_CONFIG, Type.SHORT, (short) -1, ConfigDef.LambdaValidator.with(
                        (key, value) -> {
                            if (value != null && (Short) value != -1 && (Short) value < 1) {
                                throw new ConfigException(key, value, "must be -1 (the broker's default) or at least 1");
                            }
                        }, () -> "-1, or 1 to 32767"), Importance.LOW, FLOW_REPLICATION_FACTOR_DOC, GROUP_RATE,
                        ++order, ConfigDef.Width.SHORT, "Flow topic replication");
        order = 0;
        def.define(LAG_GROUP_CONFIG, Type.STRING, "", Importance.MEDIUM, LAG_GROUP_DOC, GROUP_LAG, ++order,
                        ConfigDef.Width.MEDIUM, "Downstream consumer group")
                .define(LAG_MAX_RECORDS_CONFIG, Type.LONG, 1_000L, ConfigDef.Range.between(1, 1_000_000_000L),
                        Importance.MEDIUM, LAG_MAX_RECORDS_DOC, GROUP_LAG, ++order, ConfigDef.Width.SHORT,
                        "Max downstream lag (records)")
                .define(LAG_MAX_AGE_MS_CONFIG, Type.LONG, 0L, ConfigDef.Range.between(0, 86_400_000L),
                        Importance.LOW, LAG_MAX_AGE_MS_DOC, GROUP_LAG, ++order, ConfigDef.Width.SHORT,
                        "Max downstream age (ms)");
        order = 0;
        def.define(DLQ_TOPIC_CONFIG, Type.STRING, "", TopicNames.nameOrEmpty(), Importance.HIGH, DLQ_TOPIC_DOC,
                        GROUP_DLQ, ++order,
                        ConfigDef.Width.MEDIUM, "Dead-letter topic")
                .define(DLQ_FORMAT_CONFIG, Type.STRING, "raw", oneOf("raw", "avro"),
                        Importance.MEDIUM, DLQ_FORMAT_DOC, GROUP_DLQ, ++order, ConfigDef.Width.SHORT, "Dead-letter format");
        def.define(ENVELOPE_CONFIG, Type.STRING, "none", oneOf("none", "avro"),
                Importance.MEDIUM, ENVELOPE_DOC, GROUP_FORMAT, 1, ConfigDef.Width.SHORT, "Envelope");
        return def;
    }

    /**
     * Parses and validates {@code originals} (other keys are ignored).
     *
     * @param originals the settings
     * @throws ConfigException naming the first invalid key, its value and the allowed values
     */
    public ZsyncConfig(Map<?, ?> originals) {
        super(CONFIG_DEF, originals, false);
    }

    /** {@value #PRIORITY_DEFAULT_CONFIG}. */
    public Priority priorityDefault() {
        return Priority.parse(getString(PRIORITY_DEFAULT_CONFIG));
    }

    /** {@value #PRIORITY_TOPICS_CONFIG} as a map from topic to level, in the configured order. */
    public Map<String, Priority> priorityTopics() {
        return parsePriorityTopics(PRIORITY_TOPICS_CONFIG, getList(PRIORITY_TOPICS_CONFIG));
    }

    /** The level for a record of {@code topic} without a priority header. */
    public Priority priorityFor(String topic) {
        return priorityTopics().getOrDefault(topic, priorityDefault());
    }

    /** {@value #ORDERING_CONFIG}. */
    public Ordering ordering() {
        return Ordering.valueOf(getString(ORDERING_CONFIG).trim().toUpperCase(Locale.ROOT));
    }

    /** {@value #DEADLINE_TTL_MS_CONFIG}; 0 for none. */
    public long deadlineTtlMs() {
        return getLong(DEADLINE_TTL_MS_CONFIG);
    }

    /**
     * The {@value #DEADLINE_MARGIN_MS_CONFIG} a task releases records with: the key's value, or, at its default
     * of -1, {@code lingerMs} plus {@value #DEADLINE_SEND_ALLOWANCE_MS} ms.
     *
     * @param lingerMs the {@code linger.ms} of the producer that writes this task's output, as the caller found it
     * @return milliseconds, at least 0
     */
    public long deadlineMarginMs(long lingerMs) {
        long margin = getLong(DEADLINE_MARGIN_MS_CONFIG);
        if (margin >= 0) {
            return margin;
        }
        long linger = Math.min(Math.max(0, lingerMs), DEADLINE_MARGIN_MS_MAX);
        return Math.min(DEADLINE_MARGIN_MS_MAX, linger + DEADLINE_SEND_ALLOWANCE_MS);
    }

    /** Whether {@value #DEADLINE_MARGIN_MS_CONFIG} is derived from the producer's {@code linger.ms} (its default, -1). */
    public boolean deadlineMarginIsDerived() {
        return getLong(DEADLINE_MARGIN_MS_CONFIG) < 0;
    }

    /** {@value #BACKPRESSURE_CONFIG}. */
    public Backpressure backpressure() {
        return Backpressure.parse(getString(BACKPRESSURE_CONFIG));
    }

    /** {@value #BLOCK_MAX_MS_CONFIG}. */
    public long blockMaxMs() {
        return getLong(BLOCK_MAX_MS_CONFIG);
    }

    /** {@value #BUFFER_MAX_RECORDS_CONFIG}. */
    public long bufferMaxRecords() {
        return getLong(BUFFER_MAX_RECORDS_CONFIG);
    }

    /** {@value #BUFFER_MAX_BYTES_CONFIG}. */
    public long bufferMaxBytes() {
        return getLong(BUFFER_MAX_BYTES_CONFIG);
    }

    /** {@value #RATE_LIMIT_CONFIG}; 0 for none. */
    public long rateLimit() {
        return getLong(RATE_LIMIT_CONFIG);
    }

    /** {@value #RATE_BURST_CONFIG}, with the default resolved: a tenth of the rate, at least 1. */
    public long rateBurst() {
        long burst = getLong(RATE_BURST_CONFIG);
        return burst == -1 ? Math.max(1, rateLimit() / 10) : burst;
    }

    /** {@value #RATE_BYTES_CONFIG}; 0 for none. */
    public long rateBytes() {
        return getLong(RATE_BYTES_CONFIG);
    }

    /**
     * Whether the rates are one budget for the application: {@value #RATE_SCOPE_CONFIG} is {@code application},
     * or {@value #LAG_GROUP_CONFIG} is set (the downstream group's lag is one budget for all tasks).
     */
    public boolean rateScopeIsApplication() {
        return getString(RATE_SCOPE_CONFIG).trim().equalsIgnoreCase("application") || lagEnabled();
    }

    /** Whether {@value #LAG_GROUP_CONFIG} is set: release paced by the downstream group's lag. */
    public boolean lagEnabled() {
        return !lagGroup().isEmpty();
    }

    /** {@value #LAG_GROUP_CONFIG}, trimmed; empty when off. */
    public String lagGroup() {
        return getString(LAG_GROUP_CONFIG).trim();
    }

    /** {@value #LAG_MAX_RECORDS_CONFIG}, records. */
    public long lagMaxRecords() {
        return getLong(LAG_MAX_RECORDS_CONFIG);
    }

    /** {@value #LAG_MAX_AGE_MS_CONFIG}, ms; 0 for no age bound. */
    public long lagMaxAgeMs() {
        return getLong(LAG_MAX_AGE_MS_CONFIG);
    }

    /** {@value #FLOW_INTERVAL_MS_CONFIG}, ms. */
    public long flowIntervalMs() {
        return getLong(FLOW_INTERVAL_MS_CONFIG);
    }

    /** {@value #FLOW_TOPIC_CONFIG}, or {@code owner + "-zsync-flow"} when empty. */
    public String flowTopic(String owner) {
        String topic = getString(FLOW_TOPIC_CONFIG).trim();
        return topic.isEmpty() ? owner + "-zsync-flow" : topic;
    }

    /**
     * Under {@code zsync.rate.scope=application}, checks the control topic {@link #flowTopic}{@code (owner)}: a
     * valid Kafka topic name, and none of the topics records are read from or written to (the control records
     * would be read as input, or delivered as output).
     *
     * @param owner  the application id or connector name the default name derives from
     * @param inputs the input topics
     * @param output the output topic, or null if not known (a processor mid-topology)
     * @throws ConfigException naming {@value #FLOW_TOPIC_CONFIG}, the value and the rule
     */
    public void checkFlowTopic(String owner, java.util.Collection<String> inputs, String output) {
        if (!rateScopeIsApplication()) {
            return;
        }
        String topic = flowTopic(owner);
        TopicNames.check(FLOW_TOPIC_CONFIG, topic);
        java.util.Set<String> taken = new java.util.TreeSet<>(inputs);
        if (output != null) {
            taken.add(output);
            taken.add(dlqTopic(output));
        }
        if (taken.contains(topic)) {
            throw new KeyedConfigException(FLOW_TOPIC_CONFIG, topic, "is one of the topics records are read from or"
                    + " written to " + taken + "; the flow control topic must be a topic of its own"
                    + (getString(FLOW_TOPIC_CONFIG).trim().isEmpty() ? " (its name derives from " + owner + ")" : ""));
        }
    }

    /** {@value #FLOW_REPLICATION_FACTOR_CONFIG}; -1 for the broker's default. */
    public short flowReplicationFactor() {
        return getShort(FLOW_REPLICATION_FACTOR_CONFIG);
    }

    /** {@value #DLQ_TOPIC_CONFIG}, or {@code outputTopic + ".dlq"} when empty. */
    public String dlqTopic(String outputTopic) {
        String topic = getString(DLQ_TOPIC_CONFIG).trim();
        return topic.isEmpty() ? outputTopic + ".dlq" : topic;
    }

    /** Whether {@value #DLQ_TOPIC_CONFIG} is empty, so the dead-letter topic's name is derived from the output's. */
    public boolean dlqTopicIsDerived() {
        return getString(DLQ_TOPIC_CONFIG).trim().isEmpty();
    }

    /**
     * Checks the topics a part reads and writes under these settings: see {@link TopicNames#checkGraph}.
     *
     * @throws ConfigException naming the key whose value is a bad name or closes a loop
     */
    public void checkTopics(String inputsKey, java.util.Collection<String> inputs, String outputKey, String output) {
        TopicNames.checkGraph(inputsKey, inputs, outputKey, output, dlqTopic(output), dlqTopicIsDerived());
    }

    /** Whether {@value #DLQ_FORMAT_CONFIG} is {@code avro}. */
    public boolean dlqFormatIsAvro() {
        return getString(DLQ_FORMAT_CONFIG).trim().equalsIgnoreCase("avro");
    }

    /** Whether {@value #ENVELOPE_CONFIG} is {@code avro}. */
    public boolean envelopeIsAvro() {
        return getString(ENVELOPE_CONFIG).trim().equalsIgnoreCase("avro");
    }

    /**
     * A value from {@code allowed}, in any case. Unlike Kafka's own case-insensitive validator, the
     * message and the generated docs list the values in the order and case a user writes them.
     */
    public static ConfigDef.Validator oneOf(String... allowed) {
        String list = String.join(", ", allowed);
        return ConfigDef.LambdaValidator.with((key, value) -> {
            if (value != null) {
                for (String a : allowed) {
                    if (a.equalsIgnoreCase(value.toString().trim())) {
                        return;
                    }
                }
            }
            throw new ConfigException(key, value, "must be one of (any case): " + list);
        }, () -> "one of (any case): " + list);
    }

    @SuppressWarnings("unchecked")
    private static List<String> asList(Object value) {
        return value == null ? List.of() : (List<String>) value;
    }

    private static Map<String, Priority> parsePriorityTopics(String key, List<String> pairs) {
        Map<String, Priority> map = new LinkedHashMap<>();
        for (String pair : pairs) {
            String p = pair.trim();
            if (p.isEmpty()) {
                continue;
            }
            int colon = p.lastIndexOf(':');
            if (colon <= 0 || colon == p.length() - 1) {
                throw new ConfigException(key, String.join(",", pairs), "'" + p
                        + "' is not topic:LEVEL; LEVEL is one of LOW, NORMAL, HIGH, CRITICAL");
            }
            try {
                String topic = p.substring(0, colon).trim();
                TopicNames.check(key, topic);
                map.put(topic, Priority.parse(p.substring(colon + 1)));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(key, String.join(",", pairs), "'" + p + "': " + e.getMessage());
            }
        }
        return Collections.unmodifiableMap(map);
    }

    /** Prints the reference of every key, for the generated docs. */
    public static void main(String[] args) {
        System.out.println(CONFIG_DEF.toEnrichedRst());
    }
}

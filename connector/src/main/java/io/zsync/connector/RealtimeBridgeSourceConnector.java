package io.zsync.connector;

import io.zsync.connector.bridge.BridgeConfig;
import io.zsync.connector.bridge.SourceOffsets;
import io.zsync.connector.bridge.SourcePartitions;
import io.zsync.connector.bridge.TaskAssignment;
import io.zsync.kafka.KeyedConfigException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.apache.kafka.connect.source.SourceConnector;

/**
 * Moves records from {@code source.topics} (on any cluster) to {@code target.topic} through the zsync
 * engine: priority ordering, deadlines, a rate limit and backpressure, with dead letters to
 * {@code zsync.dlq.topic}. Every {@code zsync.*} key of the Streams processors applies, parsed by the same
 * {@link io.zsync.kafka.ZsyncConfig}.
 *
 * <p>The connector lists the source partitions and starts {@code min(tasks.max, partitions)} tasks (at
 * least one); each task works out its own partitions with a sticky rule ({@link TaskAssignment}) and lists
 * them again itself every {@code source.partitions.refresh.ms}, taking partitions added to a source topic
 * without a restart: its buffer and rate limit keep their state. The connector lists the partitions as
 * often, and asks the worker to reconfigure only when the task count must change (a topic appears or
 * vanishes, or partitions are added while there are fewer partitions than {@code tasks.max}); Kafka
 * Connect then restarts every task of the connector. Source offsets are kept by the worker (the bridge
 * commits nothing to the source cluster), per (topic, partition); see
 * {@link io.zsync.connector.bridge.PartitionProgress} for why a restart neither skips a buffered record
 * nor, in exactly-once mode, repeats a delivered one.
 *
 * <p>The bridge carries records as bytes: use {@code org.apache.kafka.connect.converters.ByteArrayConverter}
 * as key and value converter and {@link io.zsync.connector.converters.ZsyncHeaderConverter} as header
 * converter (header bytes unchanged, and zsync's transforms may still add text headers).
 */
public final class RealtimeBridgeSourceConnector extends SourceConnector {
    private static final System.Logger LOG = System.getLogger(RealtimeBridgeSourceConnector.class.getName());

    private Map<String, String> props;
    private BridgeConfig config;
    private Admin admin;
    private ScheduledExecutorService monitor;
    // Written by the monitor thread and by the worker's thread in taskConfigs, read by both.
    private volatile int partitionCount;
    private volatile int maxTasks;
    /** The task count of the last task configs: -1 before the first. */
    private volatile int taskCount = -1;

    @Override
    public String version() {
        return Version.get();
    }

    @Override
    public ConfigDef config() {
        return BridgeConfig.CONFIG_DEF;
    }

    @Override
    public Class<? extends Task> taskClass() {
        return RealtimeBridgeSourceTask.class;
    }

    @Override
    public void start(Map<String, String> props) {
        this.props = Map.copyOf(props);
        this.config = new BridgeConfig(props);
        this.admin = Admin.create(config.sourceClientSettings());
        this.maxTasks = Integer.parseInt(props.getOrDefault("tasks.max", "1").trim());
        this.partitionCount = countPartitions(System.Logger.Level.WARNING);
        LOG.log(System.Logger.Level.INFO, "zsync bridge: {0} source partitions of {1} into {2}", partitionCount,
                config.sourceTopics(), config.targetTopic());
        String preset = config.presetSummary();
        if (!preset.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "zsync bridge: {0}", preset);
        }
        monitor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "zsync-bridge-partition-monitor-" + props.getOrDefault("name", ""));
            t.setDaemon(true);
            return t;
        });
        long every = config.partitionsRefreshMs();
        monitor.scheduleWithFixedDelay(this::refresh, every, every, TimeUnit.MILLISECONDS);
    }

    private void refresh() {
        try {
            int now = countPartitions(System.Logger.Level.DEBUG);
            int before = partitionCount;
            partitionCount = now;
            int tasks = TaskAssignment.taskCount(now, maxTasks);
            if (taskCount >= 0 && tasks != taskCount) {
                // Connect restarts every task of the connector when their configs change: done only when the
                // task count must change. Partitions added otherwise are taken by the tasks themselves.
                LOG.log(System.Logger.Level.INFO, "zsync bridge: source partitions changed from {0} to {1}, so the"
                        + " task count from {2} to {3}; reconfiguring (Kafka Connect restarts every task)", before, now,
                        taskCount, tasks);
                context.requestTaskReconfiguration();
            } else if (now != before) {
                LOG.log(System.Logger.Level.INFO, "zsync bridge: source partitions changed from {0} to {1}; the {2}"
                        + " tasks take them without a restart", before, now, tasks);
            }
        } catch (RuntimeException e) {
            // The next round tries again; the tasks keep running on the partitions they have.
            LOG.log(System.Logger.Level.WARNING, "zsync bridge: could not list the source partitions: " + e.getMessage());
        }
    }

    private int countPartitions(System.Logger.Level missingLevel) {
        return SourcePartitions.total(SourcePartitions.count(admin, config.sourceTopics(), missingLevel));
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        this.maxTasks = maxTasks;
        int tasks = TaskAssignment.taskCount(partitionCount, maxTasks);
        taskCount = tasks;
        return TaskAssignment.all(tasks).stream().map(a -> a.addTo(props)).collect(Collectors.toList());
    }

    @Override
    public void stop() {
        if (monitor != null) {
            monitor.shutdownNow();
            monitor = null;
        }
        if (admin != null) {
            admin.close(java.time.Duration.ofSeconds(5));
            admin = null;
        }
    }

    /**
     * Supported: a task's source offsets describe exactly which records it delivered (see
     * {@link io.zsync.connector.bridge.PartitionProgress}), so with the worker's exactly-once source mode
     * a restart repeats none.
     */
    @Override
    public ExactlyOnceSupport exactlyOnceSupport(Map<String, String> connectorConfig) {
        return ExactlyOnceSupport.SUPPORTED;
    }

    /**
     * Checks offsets written through {@code PATCH /connectors/<name>/offsets} (KIP-875) before Connect
     * stores them, so that a malformed one is refused naming its field, not found by the task at start.
     * A source partition is {@code {"topic": <one of source.topics>, "partition": <0 or more>}}; an offset
     * is {@code {"offset": N}} (resume at N, skipping nothing), one the bridge wrote itself (see
     * {@link io.zsync.connector.bridge.SourceOffsets}), or null to reset the partition to
     * {@code source.auto.offset.reset}.
     *
     * @return true: the bridge keeps no offsets of its own elsewhere, so Connect's are all there is
     * @throws ConnectException naming the partition and the field that is wrong
     */
    @Override
    public boolean alterOffsets(Map<String, String> connectorConfig, Map<Map<String, ?>, Map<String, ?>> offsets) {
        List<String> topics = new BridgeConfig(connectorConfig).sourceTopics();
        for (Map.Entry<Map<String, ?>, Map<String, ?>> e : offsets.entrySet()) {
            Map<String, ?> partition = e.getKey();
            Object topic = partition.get("topic");
            Object number = partition.get("partition");
            if (partition.size() != 2 || !(topic instanceof String) || !(number instanceof Integer
                    || number instanceof Long || number instanceof Short || number instanceof Byte)
                    || ((Number) number).longValue() < 0 || ((Number) number).longValue() > Integer.MAX_VALUE) {
                throw new ConnectException("zsync bridge: source partition " + partition + " must be {\"topic\":"
                        + " <a source topic>, \"partition\": <0 or more>} and nothing else");
            }
            if (!topics.contains(topic)) {
                throw new ConnectException("zsync bridge: source partition " + partition + " names topic '" + topic
                        + "', which is not in source.topics " + topics);
            }
            try {
                SourceOffsets.parse(e.getValue());
            } catch (IllegalArgumentException ex) {
                throw new ConnectException("zsync bridge: the offset " + e.getValue() + " of " + topic + "-" + number
                        + " is refused: " + ex.getMessage() + ". Write {\"offset\": N} to resume at N");
            }
        }
        return true;
    }

    /**
     * Per-key validation by the ConfigDef (each message names the allowed values), plus what involves
     * more than one key: the target topic must not be a source topic.
     */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config result = super.validate(connectorConfigs);
        boolean perKeyValid = result.configValues().stream().allMatch(v -> v.errorMessages().isEmpty());
        if (perKeyValid) {
            try {
                new BridgeConfig(connectorConfigs);
            } catch (KeyedConfigException e) {
                addError(result.configValues(), e.key(), e.getMessage());
            } catch (ConfigException e) {
                addError(result.configValues(), BridgeConfig.TARGET_TOPIC_CONFIG, e.getMessage());
            }
        }
        return result;
    }

    private static void addError(Collection<ConfigValue> values, String key, String message) {
        for (ConfigValue v : values) {
            if (v.name().equals(key)) {
                v.addErrorMessage(message);
                return;
            }
        }
        // A key the connector passes through without declaring it (a source.* client setting): reported on
        // its own entry, so the REST answer names it.
        ConfigValue v = new ConfigValue(key);
        v.addErrorMessage(message);
        values.add(v);
    }

}

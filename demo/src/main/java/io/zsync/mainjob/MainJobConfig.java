package io.zsync.mainjob;

import io.zsync.stream.Priority;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigException;

/**
 * The main job's own settings ({@code config/main-job.properties}): where Kafka is, which of the
 * {@code config/} files the worker, the bridge and the Streams app take, and the workload.
 */
public final class MainJobConfig extends AbstractConfig {
    public static final String BOOTSTRAP_SERVERS_CONFIG = "bootstrap.servers";
    public static final String EMBEDDED = "embedded";
    public static final String WORKER_CONFIG = "connect.worker.config";
    public static final String BRIDGE_CONFIG = "connect.bridge.config";
    public static final String STREAMS_CONFIG = "streams.config";
    public static final String PLUGIN_ARCHIVE_CONFIG = "connect.plugin.archive";
    public static final String OUTPUT_DIR_CONFIG = "output.dir";
    public static final String DURATION_CONFIG = "duration.ms";
    public static final String DRAIN_TIMEOUT_CONFIG = "drain.timeout.ms";
    public static final String RATE_CONFIG = "workload.rate";
    public static final String BURST_RATE_CONFIG = "workload.burst.rate";
    public static final String BURST_EVERY_CONFIG = "workload.burst.every.ms";
    public static final String BURST_LENGTH_CONFIG = "workload.burst.ms";
    public static final String PRIORITY_MIX_CONFIG = "workload.priority.mix";
    public static final String DEADLINE_CONFIG = "workload.deadline.ms";
    public static final String DEADLINE_SHARE_CONFIG = "workload.deadline.percent";
    public static final String VALUE_BYTES_CONFIG = "workload.value.bytes";
    public static final String SLOW_DURATION_CONFIG = "slow.duration.ms";
    public static final String SLOW_FLOOD_RATE_CONFIG = "slow.flood.rate";
    public static final String SLOW_CRITICAL_PERCENT_CONFIG = "slow.flood.critical.percent";
    public static final String SLOW_CONSUMER_RATE_CONFIG = "slow.consumer.rate";
    public static final String SLOW_LAG_MAX_RECORDS_CONFIG = "slow.lag.max.records";

    private static final String KAFKA = "Kafka";
    private static final String PARTS = "Parts";
    private static final String WORKLOAD = "Workload";
    private static final String SLOW = "Slow-consumer phase";

    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(BOOTSTRAP_SERVERS_CONFIG, Type.STRING, EMBEDDED, Importance.HIGH,
                    "The Kafka cluster to run against, or 'embedded' for a single-node KRaft broker in this JVM.",
                    KAFKA, 1, ConfigDef.Width.LONG, "Bootstrap servers")
            .define(WORKER_CONFIG, Type.STRING, "config/connect-standalone.properties", Importance.MEDIUM,
                    "The Connect worker's properties; bootstrap.servers, listeners, plugin.path and"
                            + " offset.storage.file.filename are set by the main job.", PARTS, 1, ConfigDef.Width.LONG, "Worker config")
            .define(BRIDGE_CONFIG, Type.STRING, "config/connect-bridge.properties", Importance.MEDIUM,
                    "The bridge connector's properties; source.bootstrap.servers is set by the main job.",
                    PARTS, 2, ConfigDef.Width.LONG, "Bridge config")
            .define(STREAMS_CONFIG, Type.STRING, "config/streams-app.properties", Importance.MEDIUM,
                    "The Streams app's properties; bootstrap.servers and state.dir are set by the main job.",
                    PARTS, 3, ConfigDef.Width.LONG, "Streams config")
            .define(PLUGIN_ARCHIVE_CONFIG, Type.STRING,
                    System.getProperty("zsync.plugin.archive", "connector/target/zsync-connector.zip"),
                    Importance.MEDIUM, "The plugin archive (mvn package builds it), unzipped into the worker's"
                            + " plugin.path.", PARTS, 4, ConfigDef.Width.LONG, "Plugin archive")
            .define(OUTPUT_DIR_CONFIG, Type.STRING, "target/main-job", Importance.LOW,
                    "Where the report, the chart and the run's state go.", PARTS, 5, ConfigDef.Width.LONG,
                    "Output directory")
            .define(DURATION_CONFIG, Type.LONG, 60_000L, Range.atLeast(5_000), Importance.HIGH,
                    "How long the workload runs.", WORKLOAD, 1, ConfigDef.Width.SHORT, "Duration")
            .define(DRAIN_TIMEOUT_CONFIG, Type.LONG, 120_000L, Range.atLeast(1_000), Importance.LOW,
                    "How long to wait after the workload for every record to arrive or be dead-lettered.",
                    WORKLOAD, 2, ConfigDef.Width.SHORT, "Drain timeout")
            .define(RATE_CONFIG, Type.INT, 1_500, Range.between(1, 1_000_000), Importance.HIGH,
                    "Records per second between bursts.", WORKLOAD, 3, ConfigDef.Width.SHORT, "Rate")
            .define(BURST_RATE_CONFIG, Type.INT, 6_000, Range.between(1, 1_000_000), Importance.HIGH,
                    "Records per second during a burst (above the bridge's rate limit, so records queue).",
                    WORKLOAD, 4, ConfigDef.Width.SHORT, "Burst rate")
            .define(BURST_EVERY_CONFIG, Type.LONG, 15_000L, Range.atLeast(1_000), Importance.MEDIUM,
                    "A burst starts this often.", WORKLOAD, 5, ConfigDef.Width.SHORT, "Burst period")
            .define(BURST_LENGTH_CONFIG, Type.LONG, 3_000L, Range.atLeast(0), Importance.MEDIUM,
                    "How long a burst lasts.", WORKLOAD, 6, ConfigDef.Width.SHORT, "Burst length")
            .define(PRIORITY_MIX_CONFIG, Type.LIST, "CRITICAL:5,HIGH:15,NORMAL:40,LOW:40", priorityMixValidator(),
                    Importance.MEDIUM, "The share of each level as LEVEL:weight pairs (levels: "
                            + levels() + ").", WORKLOAD, 7, ConfigDef.Width.LONG, "Priority mix")
            .define(DEADLINE_CONFIG, Type.LONG, 2_000L, Range.atLeast(1), Importance.MEDIUM,
                    "Records with a deadline get this long from being produced (zsync.deadline header).",
                    WORKLOAD, 8, ConfigDef.Width.SHORT, "Deadline")
            .define(DEADLINE_SHARE_CONFIG, Type.INT, 50, Range.between(0, 100), Importance.MEDIUM,
                    "The percentage of records that carry a deadline.", WORKLOAD, 9, ConfigDef.Width.SHORT,
                    "Records with a deadline")
            .define(VALUE_BYTES_CONFIG, Type.INT, 200, Range.between(0, 1_000_000), Importance.LOW,
                    "Bytes per record value.", WORKLOAD, 10, ConfigDef.Width.SHORT, "Value size")
            .define(SLOW_DURATION_CONFIG, Type.LONG, 20_000L, Range.between(0, 600_000), Importance.HIGH,
                    "After the workload, how long the slow-consumer phase floods its two paths (zsync with release"
                            + " paced by the downstream group's lag, and a plain Kafka Streams pass-through), each"
                            + " read by a consumer group at slow.consumer.rate; 0 leaves the phase out.", SLOW, 1,
                    ConfigDef.Width.SHORT, "Phase duration")
            .define(SLOW_FLOOD_RATE_CONFIG, Type.INT, 2_500, Range.between(1, 100_000), Importance.MEDIUM,
                    "Records per second the phase's flood writes into each path. Its records must fit in the"
                            + " zsync path's buffer (the Streams app's zsync.buffer.max.records under block).", SLOW, 2,
                    ConfigDef.Width.SHORT, "Flood rate")
            .define(SLOW_CRITICAL_PERCENT_CONFIG, Type.INT, 1, Range.between(0, 100), Importance.MEDIUM,
                    "The percentage of the flood's records that are CRITICAL; the rest are LOW (zsync.priority"
                            + " header).", SLOW, 3, ConfigDef.Width.SHORT, "CRITICAL share")
            .define(SLOW_CONSUMER_RATE_CONFIG, Type.INT, 500, Range.between(1, 100_000), Importance.MEDIUM,
                    "Records per second each path's downstream consumer group handles (it commits after each"
                            + " poll of " + SlowGroup.POLL_RECORDS + ").", SLOW, 4, ConfigDef.Width.SHORT,
                    "Consumer rate")
            .define(SLOW_LAG_MAX_RECORDS_CONFIG, Type.LONG, 200L, Range.between(1, 1_000_000_000L), Importance.MEDIUM,
                    "The zsync path's zsync.lag.max.records: the most records its consumer group may have waiting"
                            + " in the output before zsync holds the rest.", SLOW, 5, ConfigDef.Width.SHORT,
                    "Lag bound");

    public MainJobConfig(Map<?, ?> settings) {
        super(CONFIG_DEF, settings);
    }

    public boolean embedded() {
        return EMBEDDED.equals(getString(BOOTSTRAP_SERVERS_CONFIG).trim());
    }

    /** The weight of each level; levels not listed have none. */
    public Map<Priority, Integer> priorityMix() {
        Map<Priority, Integer> mix = new EnumMap<>(Priority.class);
        for (String entry : getList(PRIORITY_MIX_CONFIG)) {
            String[] parts = entry.split(":");
            mix.put(Priority.parse(parts[0].trim()), Integer.parseInt(parts[1].trim()));
        }
        return mix;
    }

    private static String levels() {
        StringBuilder sb = new StringBuilder();
        for (Priority p : Priority.values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(p.name());
        }
        return sb.toString();
    }

    private static ConfigDef.Validator priorityMixValidator() {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                @SuppressWarnings("unchecked")
                List<String> entries = (List<String>) value;
                int total = 0;
                for (String entry : entries) {
                    String[] parts = entry.split(":");
                    try {
                        Priority.parse(parts[0].trim());
                        int weight = Integer.parseInt(parts[1].trim());
                        if (weight < 0) {
                            throw new NumberFormatException();
                        }
                        total += weight;
                    } catch (RuntimeException e) {
                        throw new ConfigException(name, value, "'" + entry + "' is not LEVEL:weight with LEVEL one of "
                                + levels() + " and a weight of 0 or more");
                    }
                }
                if (total == 0) {
                    throw new ConfigException(name, value, "at least one level needs a weight above 0");
                }
            }

            @Override
            public String toString() {
                return "LEVEL:weight pairs, LEVEL one of " + levels().toUpperCase(Locale.ROOT);
            }
        };
    }
}

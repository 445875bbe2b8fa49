package io.zsync.processors.app;

import io.zsync.accel.XorKey;
import io.zsync.kafka.TopicNames;
import io.zsync.kafka.ZsyncConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * The Streams app's own keys, on top of every {@link ZsyncConfig} key and every Kafka Streams setting
 * (which are passed to Kafka Streams untouched).
 */
public final class ZsyncAppConfig extends AbstractConfig {
    private static final String GROUP_APP = "Streams app";

    public static final String INPUT_TOPICS_CONFIG = "zsync.input.topics";
    public static final String OUTPUT_TOPIC_CONFIG = "zsync.output.topic";
    public static final String PRESET_CONFIG = "zsync.preset";
    public static final String TRANSFORMS_CONFIG = "zsync.transforms";
    public static final String XOR_KEY_CONFIG = "zsync.transform.xor.key";
    public static final String TOPIC_PARTITIONS_CONFIG = "zsync.topics.partitions";
    /** The value of {@code bootstrap.servers} that starts an in-process broker. */
    public static final String EMBEDDED = "embedded";

    private static final List<String> TRANSFORMS = List.of("xor", "checksum");

    /** Every key the app reads: the {@code zsync.*} engine keys and the app's own. */
    public static final ConfigDef CONFIG_DEF = ZsyncConfig.define(new ConfigDef())
            .define(INPUT_TOPICS_CONFIG, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, TopicNames.list(), Importance.HIGH, "Topics the app reads.", GROUP_APP, 1, ConfigDef.Width.LONG, "Input topics")
            .define(OUTPUT_TOPIC_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, TopicNames.name(),
                    Importance.HIGH, "Topic delivered records are written to; dead letters go to zsync.dlq.topic.",
                    GROUP_APP, 2, ConfigDef.Width.MEDIUM, "Output topic")
            .define(PRESET_CONFIG, Type.STRING, "", presetValidator(), Importance.MEDIUM,
                    "Defaults for the buffer from one of the engine's presets; keys set explicitly win."
                            + " high_throughput: 65536 records, block; low_latency: 8192 records, drop_oldest;"
                            + " reliable: 100000 records, block for up to 60 s.",
                    GROUP_APP, 3, ConfigDef.Width.SHORT, "Preset")
            .define(TRANSFORMS_CONFIG, Type.LIST, "", transformsValidator(), Importance.MEDIUM,
                    "Transforms applied, in order, to delivered records: xor (mask the value with"
                            + " zsync.transform.xor.key), checksum (write the zsync.crc32c header).",
                    GROUP_APP, 4, ConfigDef.Width.MEDIUM, "Transforms")
            .define(XOR_KEY_CONFIG, Type.PASSWORD, null, Importance.MEDIUM,
                    "The xor transform's key, as hex digits (an even number, at least two).",
                    GROUP_APP, 5, ConfigDef.Width.MEDIUM, "XOR key")
            .define(TOPIC_PARTITIONS_CONFIG, Type.INT, -1, ConfigDef.Range.between(-1, 100_000), Importance.LOW,
                    "Partitions of the topics the app creates when they are missing; -1: the broker's default.",
                    GROUP_APP, 6, ConfigDef.Width.SHORT, "Partitions of created topics");

    private final ZsyncConfig zsync;

    /**
     * Parses the app's settings: the preset's defaults are applied, then every key is validated.
     *
     * @param settings every setting from the properties file
     * @throws ConfigException naming the first invalid key and its allowed values
     */
    public ZsyncAppConfig(Map<?, ?> settings) {
        this(withPreset(settings), true);
    }

    private ZsyncAppConfig(Map<String, Object> effective, boolean unused) {
        super(CONFIG_DEF, effective, false);
        this.zsync = new ZsyncConfig(effective);
        zsync.checkTopics(INPUT_TOPICS_CONFIG, inputTopics(), OUTPUT_TOPIC_CONFIG, outputTopic());
        Object applicationId = effective.get("application.id");
        if (applicationId != null) {
            zsync.checkFlowTopic(applicationId.toString(), inputTopics(), outputTopic());
        }
        if (getList(TRANSFORMS_CONFIG).stream().anyMatch(t -> t.trim().equalsIgnoreCase("xor"))) {
            if (getPassword(XOR_KEY_CONFIG) == null) {
                throw new ConfigException(XOR_KEY_CONFIG, null, "the xor transform needs a key (hex digits)");
            }
            try {
                xorKey();
            } catch (IllegalArgumentException e) {
                throw new ConfigException(XOR_KEY_CONFIG, "[hidden]", e.getMessage().replace(
                        getPassword(XOR_KEY_CONFIG).value(), "[hidden]"));
            }
        }
    }

    /** The settings with the preset's defaults filled in under those the user gave. */
    static Map<String, Object> withPreset(Map<?, ?> settings) {
        Map<String, Object> effective = new HashMap<>();
        Object preset = settings.get(PRESET_CONFIG);
        if (preset != null) {
            presetValidator().ensureValid(PRESET_CONFIG, preset);
            effective.putAll(presetDefaults(preset.toString().trim().toLowerCase(Locale.ROOT)));
        }
        settings.forEach((k, v) -> effective.put(k.toString(), v));
        return effective;
    }

    static Map<String, Object> presetDefaults(String preset) {
        switch (preset) {
            case "high_throughput":
                return Map.of(ZsyncConfig.BUFFER_MAX_RECORDS_CONFIG, "65536", ZsyncConfig.BACKPRESSURE_CONFIG, "block");
            case "low_latency":
                return Map.of(ZsyncConfig.BUFFER_MAX_RECORDS_CONFIG, "8192", ZsyncConfig.BACKPRESSURE_CONFIG,
                        "drop_oldest");
            case "reliable":
                return Map.of(ZsyncConfig.BUFFER_MAX_RECORDS_CONFIG, "100000", ZsyncConfig.BACKPRESSURE_CONFIG,
                        "block", ZsyncConfig.BLOCK_MAX_MS_CONFIG, "60000");
            default:
                return Map.of();
        }
    }

    public ZsyncConfig zsync() {
        return zsync;
    }

    public List<String> inputTopics() {
        return getList(INPUT_TOPICS_CONFIG).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    public String outputTopic() {
        return getString(OUTPUT_TOPIC_CONFIG).trim();
    }

    public String dlqTopic() {
        return zsync.dlqTopic(outputTopic());
    }

    /** The transforms in order, lower case. */
    public List<String> transforms() {
        return getList(TRANSFORMS_CONFIG).stream().map(s -> s.trim().toLowerCase(Locale.ROOT))
                .filter(s -> !s.isEmpty()).toList();
    }

    public XorKey xorKey() {
        return XorKey.fromHex(getPassword(XOR_KEY_CONFIG).value());
    }

    public int topicPartitions() {
        return getInt(TOPIC_PARTITIONS_CONFIG);
    }

    private static ConfigDef.Validator presetValidator() {
        return ConfigDef.LambdaValidator.with((key, value) -> {
            String v = value == null ? "" : value.toString().trim().toLowerCase(Locale.ROOT);
            if (!v.isEmpty() && presetDefaults(v).isEmpty()) {
                throw new ConfigException(key, value, "must be one of (any case): high_throughput, low_latency,"
                        + " reliable, or empty");
            }
        }, () -> "empty, or one of (any case): high_throughput, low_latency, reliable");
    }

    private static ConfigDef.Validator transformsValidator() {
        return ConfigDef.LambdaValidator.with((key, value) -> {
            for (Object t : (List<?>) value) {
                String name = t.toString().trim().toLowerCase(Locale.ROOT);
                if (!name.isEmpty() && !TRANSFORMS.contains(name)) {
                    throw new ConfigException(key, value, "'" + t + "' is not a transform; each must be one of: "
                            + String.join(", ", TRANSFORMS));
                }
            }
        }, () -> "a list of: " + String.join(", ", TRANSFORMS));
    }
}

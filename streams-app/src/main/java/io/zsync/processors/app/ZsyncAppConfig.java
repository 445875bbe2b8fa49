package io.zsync.processors.app;

import io.zsync.accel.XorKey;
import io.zsync.kafka.Preset;
import io.zsync.kafka.TopicNames;
import io.zsync.kafka.ZsyncConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The Streams app's own keys, on top of every {@link ZsyncConfig} key and every Kafka Streams setting
 * (which are passed to Kafka Streams untouched).
 */
public final class ZsyncAppConfig extends AbstractConfig {
    private static final String GROUP_APP = "Streams app";

    public static final String INPUT_TOPICS_CONFIG = "zsync.input.topics";
    public static final String OUTPUT_TOPIC_CONFIG = "zsync.output.topic";
    public static final String PRESET_CONFIG = Preset.CONFIG;
    public static final String TRANSFORMS_CONFIG = "zsync.transforms";
    public static final String XOR_KEY_CONFIG = "zsync.transform.xor.key";
    public static final String TOPIC_PARTITIONS_CONFIG = "zsync.topics.partitions";
    /** The value of {@code bootstrap.servers} that starts an in-process broker. */
    public static final String EMBEDDED = "embedded";

    private static final List<String> TRANSFORMS = List.of("xor", "checksum");

    /** {@code low_latency}'s main consumer {@code fetch.max.wait.ms} (Kafka's default: 500). */
    static final String LOW_LATENCY_FETCH_MAX_WAIT_MS = "50";
    /** {@code low_latency}'s {@code poll.ms} (Kafka Streams' default: 100). */
    static final String LOW_LATENCY_POLL_MS = "10";
    /** {@code low_latency}'s {@code commit.interval.ms} under {@code exactly_once_v2} (Kafka Streams' default: 100). */
    static final String LOW_LATENCY_EOS_COMMIT_INTERVAL_MS = "50";

    private static final String PRESET_DOC = "Defaults from one of the engine's presets; every key set explicitly"
            + " wins, a Kafka client setting in any of its spellings (linger.ms or producer.linger.ms; fetch.max.wait.ms,"
            + " consumer.fetch.max.wait.ms or main.consumer.fetch.max.wait.ms). high_throughput: 65536 records, block."
            + " reliable: 100000 records, block for up to 60 s. low_latency: 8192 records, drop_oldest, and the Kafka"
            + " Streams settings that decide how long a record waits in the app: "
            + lowLatency(true).stream().map(s -> s + " (" + s.why() + ")").collect(Collectors.joining("; ")) + ".";

    /** Every key the app reads: the {@code zsync.*} engine keys and the app's own. */
    public static final ConfigDef CONFIG_DEF = ZsyncConfig.define(new ConfigDef())
            .define(INPUT_TOPICS_CONFIG, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, TopicNames.list(), Importance.HIGH, "Topics the app reads.", GROUP_APP, 1, ConfigDef.Width.LONG, "Input topics")
            .define(OUTPUT_TOPIC_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, TopicNames.name(),
                    Importance.HIGH, "Topic delivered records are written to; dead letters go to zsync.dlq.topic.",
                    GROUP_APP, 2, ConfigDef.Width.MEDIUM, "Output topic")
            .define(PRESET_CONFIG, Type.STRING, "", Preset.validator(), Importance.MEDIUM, PRESET_DOC,
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

    /** The settings with the preset's buffer defaults filled in under those the user gave. */
    static Map<String, Object> withPreset(Map<?, ?> settings) {
        Map<String, Object> effective = new HashMap<>();
        Preset.of(PRESET_CONFIG, settings.get(PRESET_CONFIG)).ifPresent(p -> effective.putAll(p.bufferDefaults()));
        settings.forEach((k, v) -> effective.put(k.toString(), v));
        return effective;
    }

    /**
     * The Kafka Streams settings the preset of {@code settings} gives the app, each with why; the app applies
     * those that {@code settings} do not give in any spelling ({@link Preset#fillIn}).
     *
     * @param settings the app's settings as the user gave them
     * @return the preset's Kafka settings; none without a preset or for a preset that sets none
     * @throws ConfigException naming {@value #PRESET_CONFIG} if its value is not a preset
     */
    public static List<Preset.Setting> presetKafkaSettings(Map<?, ?> settings) {
        Preset preset = Preset.of(PRESET_CONFIG, settings.get(PRESET_CONFIG)).orElse(null);
        if (preset != Preset.LOW_LATENCY) {
            return List.of();
        }
        Object guarantee = settings.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG);
        return lowLatency(guarantee != null && StreamsConfig.EXACTLY_ONCE_V2.equals(guarantee.toString().trim()));
    }

    /** {@code low_latency}'s Kafka Streams settings; the commit interval only under exactly-once. */
    private static List<Preset.Setting> lowLatency(boolean exactlyOnce) {
        List<Preset.Setting> out = new ArrayList<>();
        out.add(producer("linger.ms", "0", "a released record is sent at once rather than when its batch fills or"
                + " lingers out: Kafka Streams lingers 100 ms, the app 5 otherwise; records still batch while a send is"
                + " in flight, and the deadline margin becomes 20 ms"));
        out.add(mainConsumer("fetch.max.wait.ms", LOW_LATENCY_FETCH_MAX_WAIT_MS, "the consumer keeps one fetch in"
                + " flight per broker: a partition left out of it (paused, or records of it still buffered) is fetched"
                + " again when it returns, on quiet partitions after up to 500 ms by default"));
        out.add(new Preset.Setting(StreamsConfig.POLL_MS_CONFIG, LOW_LATENCY_POLL_MS,
                List.of(StreamsConfig.POLL_MS_CONFIG), "on a task whose input is quiet, records that wait (for the"
                        + " rate limit, or restored) are released only when the stream thread comes back from its poll,"
                        + " every 100 ms by default"));
        if (exactlyOnce) {
            out.add(new Preset.Setting(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, LOW_LATENCY_EOS_COMMIT_INTERVAL_MS,
                    List.of(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG), "only under processing.guarantee=exactly_once_v2,"
                            + " where read_committed consumers see the output only when its transaction commits, every"
                            + " 100 ms by default; at_least_once output is visible once written, and its interval is"
                            + " left alone"));
        }
        return out;
    }

    /** A producer setting, spelled {@code producer.<key>}; the user's {@code <key>} or {@code producer.<key>} wins. */
    private static Preset.Setting producer(String key, String value, String why) {
        String prefixed = StreamsConfig.producerPrefix(key);
        return new Preset.Setting(prefixed, value, List.of(prefixed, key), why);
    }

    /**
     * A main consumer setting, spelled {@code main.consumer.<key>} (the restore and global consumers keep theirs);
     * the user's {@code <key>}, {@code consumer.<key>} or {@code main.consumer.<key>} wins.
     */
    private static Preset.Setting mainConsumer(String key, String value, String why) {
        String main = StreamsConfig.mainConsumerPrefix(key);
        return new Preset.Setting(main, value, List.of(main, StreamsConfig.consumerPrefix(key), key), why);
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

package io.zsync.connector.bridge;

import io.zsync.kafka.DeadLetters;
import io.zsync.kafka.KeyedConfigException;
import io.zsync.kafka.Preset;
import io.zsync.kafka.TopicNames;
import io.zsync.kafka.ZsyncConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The settings of {@link io.zsync.connector.RealtimeBridgeSourceConnector}: where to read
 * ({@code source.*}), where to write ({@code target.topic}, and how large a record it takes:
 * {@code target.max.message.bytes}) and every {@code zsync.*} key, declared once in
 * {@link ZsyncConfig#define}. Any other {@code source.}-prefixed key is handed to the source consumer
 * (and the connector's admin client) without the prefix, so SASL and SSL work as on any Kafka client; the
 * password-like ones are declared {@link Type#PASSWORD}, so Connect hides them in its REST answers and logs.
 * The source consumer reads {@code isolation.level=read_committed} unless {@code source.isolation.level}
 * says otherwise, so records of aborted transactions are never copied.
 */
public final class BridgeConfig extends AbstractConfig {
    /** The prefix of every setting of the source cluster's clients. */
    public static final String SOURCE_PREFIX = "source.";

    private static final String GROUP_SOURCE = "Source cluster";
    private static final String GROUP_TARGET = "Target";
    private static final String GROUP_PRESET = "Preset";

    public static final String SOURCE_BOOTSTRAP_SERVERS_CONFIG = "source.bootstrap.servers";
    private static final String SOURCE_BOOTSTRAP_SERVERS_DOC = "The source cluster's bootstrap servers: it may be the"
            + " worker's own cluster or any other.";
    public static final String SOURCE_TOPICS_CONFIG = "source.topics";
    private static final String SOURCE_TOPICS_DOC = "The topics to read, comma-separated. Partitions added later are"
            + " picked up within source.partitions.refresh.ms.";
    public static final String SOURCE_POLL_TIMEOUT_MS_CONFIG = "source.poll.timeout.ms";
    private static final String SOURCE_POLL_TIMEOUT_MS_DOC = "The longest one poll of the task waits for source"
            + " records or for the rate limit before it returns to the worker.";
    public static final String SOURCE_PARTITIONS_REFRESH_MS_CONFIG = "source.partitions.refresh.ms";
    private static final String SOURCE_PARTITIONS_REFRESH_MS_DOC = "How often the connector and each task list the"
            + " partitions of source.topics. A task takes the partitions added to its share without a restart; only"
            + " when the task count, min(tasks.max, partitions), changes are the tasks reconfigured, and Kafka Connect"
            + " restarts them all.";
    public static final String TARGET_TOPIC_CONFIG = "target.topic";
    private static final String TARGET_TOPIC_DOC = "The topic every delivered record is written to; dead letters go"
            + " to zsync.dlq.topic (default: this name + .dlq). Records keep their key, value, headers and"
            + " timestamp; the producer partitions them by key.";
    public static final String TARGET_PREFIX = "target.";
    public static final String TARGET_BOOTSTRAP_SERVERS_CONFIG = "target.bootstrap.servers";
    private static final String TARGET_BOOTSTRAP_SERVERS_DOC = "The bootstrap servers of the cluster target.topic is"
            + " on (the worker's). Needed only with zsync.lag.group, whose lag on target.topic the tasks read there"
            + " with an Admin client; other Admin settings for it (security) go with the same prefix, e.g."
            + " target.security.protocol, target.sasl.jaas.config.";
    /** Target client settings kept as passwords: hidden in logs and REST answers. */
    static final List<String> TARGET_PASSWORDS = List.of("target.sasl.jaas.config", "target.ssl.key.password",
            "target.ssl.keystore.password", "target.ssl.truststore.password", "target.ssl.keystore.key",
            "target.ssl.truststore.certificates", "target.ssl.keystore.certificate.chain");
    public static final String TARGET_MAX_MESSAGE_BYTES_CONFIG = "target.max.message.bytes";
    /** Where Connect takes the connector's own producer settings from; its max.request.size is this key's default. */
    public static final String PRODUCER_MAX_REQUEST_SIZE_OVERRIDE = "producer.override.max.request.size";
    /** Where Connect takes the connector's own producer {@code linger.ms} from; the deadline margin is derived from it. */
    public static final String PRODUCER_LINGER_MS_OVERRIDE = "producer.override.linger.ms";
    /** Kafka's producer default {@code linger.ms} (since 4.0), which Connect's worker producer keeps unless told otherwise. */
    public static final long PRODUCER_DEFAULT_LINGER_MS = 5L;
    /** Kafka's default {@code max.request.size} (the brokers' default {@code message.max.bytes} is 12 bytes more). */
    public static final long TARGET_MAX_MESSAGE_BYTES_FALLBACK = 1_048_576L;
    private static final String TARGET_MAX_MESSAGE_BYTES_DOC = "The largest record, in bytes as the producer sizes"
            + " it within a record batch (key, value, headers and their length prefixes, plus 82 bytes of batch"
            + " and record overhead; not the topic name), that the target and dead-letter topics accept. A source"
            + " record larger than this is dead-lettered TOO_LARGE before Connect sends it, so one oversized record"
            + " cannot fail the task for ever; a dead letter that would be larger is cut to fit (header"
            + " zsync.dlq.truncated). Default: the connector's " + PRODUCER_MAX_REQUEST_SIZE_OVERRIDE + " if set,"
            + " else 1048576, Kafka's default max.request.size. Set it when the worker's producer.max.request.size"
            + " differs from the default, and lower it when the target or dead-letter topic's max.message.bytes is"
            + " lower.";

    public static final String PRESET_CONFIG = Preset.CONFIG;
    /** {@code low_latency}'s {@code source.fetch.max.wait.ms} (Kafka's default: 500). */
    static final String LOW_LATENCY_FETCH_MAX_WAIT_MS = "50";
    /** {@code low_latency}'s {@code source.poll.timeout.ms} (the bridge's default: 100). */
    static final String LOW_LATENCY_POLL_TIMEOUT_MS = "10";
    private static final String PRESET_DOC = "Defaults from one of the engine's presets, the same as the Streams"
            + " app's; every key set explicitly wins. high_throughput: 65536 records, block. reliable: 100000 records,"
            + " block for up to 60 s. low_latency: 8192 records, drop_oldest, and the settings of the bridge's own"
            + " source consumer that decide how long a record waits in it: "
            + lowLatency().stream().map(s -> s + " (" + s.why() + ")").collect(Collectors.joining("; ")) + ". The"
            + " records are written by the worker's producer, which a connector cannot configure: set "
            + "producer.override.linger.ms=0 beside the preset (Connect's producer lingers Kafka's 5 ms; it needs"
            + " the worker's connector.client.config.override.policy to allow it, as All, the default, does), or the"
            + " worker's producer.linger.ms=0 for all its connectors. Visibility downstream waits for no commit of"
            + " the bridge's, except under exactly-once source support with transaction.boundary=interval, where"
            + " records wait for the worker's offset.flush.interval.ms; the default boundary, poll, commits each"
            + " poll's records at once.";

    /** Client settings that hold secrets: declared so that Connect treats them as passwords. */
    static final List<String> SOURCE_PASSWORDS = List.of("source.sasl.jaas.config", "source.ssl.key.password",
            "source.ssl.keystore.password", "source.ssl.truststore.password", "source.ssl.keystore.key",
            "source.ssl.truststore.certificates", "source.ssl.keystore.certificate.chain");

    /** The bridge's own keys under {@value #SOURCE_PREFIX} that are not client settings. */
    private static final List<String> NOT_CLIENT_SETTINGS = List.of(SOURCE_TOPICS_CONFIG, SOURCE_POLL_TIMEOUT_MS_CONFIG,
            SOURCE_PARTITIONS_REFRESH_MS_CONFIG);

    /** The connector's definition: source, target and every {@code zsync.*} key. */
    public static final ConfigDef CONFIG_DEF = define();

    private static ConfigDef define() {
        ConfigDef def = new ConfigDef();
        int order = 0;
        def.define(SOURCE_BOOTSTRAP_SERVERS_CONFIG, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, nonEmptyList(),
                        Importance.HIGH, SOURCE_BOOTSTRAP_SERVERS_DOC, GROUP_SOURCE, ++order, Width.LONG,
                        "Source bootstrap servers")
                .define(SOURCE_TOPICS_CONFIG, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, TopicNames.list(),
                        Importance.HIGH, SOURCE_TOPICS_DOC, GROUP_SOURCE, ++order, Width.LONG, "Source topics")
                .define(SOURCE_POLL_TIMEOUT_MS_CONFIG, Type.LONG, 100L, ConfigDef.Range.between(1, 60_000),
                        Importance.LOW, SOURCE_POLL_TIMEOUT_MS_DOC, GROUP_SOURCE, ++order, Width.SHORT, "Poll timeout (ms)")
                .define(SOURCE_PARTITIONS_REFRESH_MS_CONFIG, Type.LONG, 30_000L, ConfigDef.Range.between(100, 86_400_000),
                        Importance.LOW, SOURCE_PARTITIONS_REFRESH_MS_DOC, GROUP_SOURCE, ++order, Width.SHORT,
                        "Partition refresh (ms)");
        for (String key : SOURCE_PASSWORDS) {
            def.define(key, Type.PASSWORD, null, Importance.MEDIUM, "The source clients' "
                    + key.substring(SOURCE_PREFIX.length()) + ", kept as a password (hidden in logs and REST answers).",
                    GROUP_SOURCE, ++order, Width.LONG, key);
        }
        def.define(TARGET_TOPIC_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, TopicNames.name(),
                Importance.HIGH, TARGET_TOPIC_DOC, GROUP_TARGET, 1, Width.MEDIUM, "Target topic")
                .define(TARGET_MAX_MESSAGE_BYTES_CONFIG, Type.LONG, null, maxMessageBytes(), Importance.MEDIUM,
                        TARGET_MAX_MESSAGE_BYTES_DOC, GROUP_TARGET, 2, Width.SHORT, "Target max message bytes")
                .define(TARGET_BOOTSTRAP_SERVERS_CONFIG, Type.LIST, "", Importance.MEDIUM,
                        TARGET_BOOTSTRAP_SERVERS_DOC, GROUP_TARGET, 3, Width.LONG, "Target bootstrap servers");
        int targetOrder = 3;
        for (String key : TARGET_PASSWORDS) {
            def.define(key, Type.PASSWORD, null, Importance.LOW, "The target Admin client's "
                    + key.substring(TARGET_PREFIX.length()) + " (with zsync.lag.group), kept as a password (hidden in"
                    + " logs and REST answers).", GROUP_TARGET, ++targetOrder, Width.LONG, key);
        }
        def.define(PRESET_CONFIG, Type.STRING, "", Preset.validator(), Importance.MEDIUM, PRESET_DOC, GROUP_PRESET, 1,
                Width.SHORT, "Preset");
        return ZsyncConfig.define(def);
    }

    private final ZsyncConfig zsync;
    /** The preset's source settings this configuration took (those the connector's settings did not give). */
    private final List<Preset.Setting> presetSet;
    private final long targetMaxMessageBytes;
    private final long producerLingerMs;

    /**
     * Parses and validates {@code originals}, with the defaults of its {@value #PRESET_CONFIG} under them.
     *
     * @throws ConfigException naming the first invalid key, its value and the allowed values
     */
    public BridgeConfig(Map<?, ?> originals) {
        this(withPreset(originals), originals);
    }

    private BridgeConfig(Map<String, Object> effective, Map<?, ?> given) {
        super(CONFIG_DEF, effective, false);
        this.presetSet = presetSourceSettings(given).stream().filter(p -> !p.givenIn(given)).toList();
        this.zsync = new ZsyncConfig(effective);
        // Not necessarily a loop when the source is another cluster, but on the worker's own cluster it would
        // be one (a dead-letter topic among the sources dead-letters its own dead letters for ever); a bridge
        // that reads what it writes is never what a user meant.
        zsync.checkTopics(SOURCE_TOPICS_CONFIG, sourceTopics(), TARGET_TOPIC_CONFIG, targetTopic());
        Object name = effective.get("name");
        zsync.checkFlowTopic(name == null ? "zsync-bridge" : name.toString(), sourceTopics(), targetTopic());
        checkSourceClientSettings();
        if (zsync.lagEnabled() && getList(TARGET_BOOTSTRAP_SERVERS_CONFIG).stream().allMatch(s -> s.isBlank())) {
            throw new KeyedConfigException(TARGET_BOOTSTRAP_SERVERS_CONFIG, "",
                    "must name the target cluster's bootstrap servers when zsync.lag.group is set: the tasks read"
                    + " that group's lag on " + targetTopic() + " there");
        }
        this.targetMaxMessageBytes = resolveTargetMaxMessageBytes();
        this.producerLingerMs = resolveProducerLingerMs();
        checkNothingDropsRecords(effective);
    }

    /** {@code originals} with the preset's buffer defaults and source settings under what they give themselves. */
    static Map<String, Object> withPreset(Map<?, ?> originals) {
        Map<String, Object> effective = new HashMap<>();
        Preset.of(PRESET_CONFIG, originals.get(PRESET_CONFIG)).ifPresent(p -> effective.putAll(p.bufferDefaults()));
        Preset.fillIn(effective, originals, presetSourceSettings(originals));
        originals.forEach((k, v) -> effective.put(k.toString(), v));
        return effective;
    }

    /**
     * The {@code source.*} settings the preset of {@code originals} gives the bridge, each with why; those that
     * {@code originals} give themselves keep the user's value.
     *
     * @throws ConfigException naming {@value #PRESET_CONFIG} if its value is not a preset
     */
    public static List<Preset.Setting> presetSourceSettings(Map<?, ?> originals) {
        return Preset.of(PRESET_CONFIG, originals.get(PRESET_CONFIG)).filter(p -> p == Preset.LOW_LATENCY)
                .map(p -> lowLatency()).orElse(List.of());
    }

    private static List<Preset.Setting> lowLatency() {
        List<Preset.Setting> out = new ArrayList<>();
        String fetchWait = SOURCE_PREFIX + ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG;
        out.add(new Preset.Setting(fetchWait, LOW_LATENCY_FETCH_MAX_WAIT_MS, List.of(fetchWait), "the source consumer"
                + " keeps one fetch in flight per broker: a partition left out of it (paused while its records wait,"
                + " or records of it still buffered) is fetched again when it returns, on quiet partitions after up to"
                + " 500 ms by default"));
        out.add(new Preset.Setting(SOURCE_POLL_TIMEOUT_MS_CONFIG, LOW_LATENCY_POLL_TIMEOUT_MS,
                List.of(SOURCE_POLL_TIMEOUT_MS_CONFIG), "a task's poll on a quiet source waits until the next"
                        + " token its rate had then, at most this long: records that wait for a rate raised meanwhile"
                        + " (zsync.rate.scope=application's allowances) leave up to 100 ms late by default"));
        return out;
    }

    /** Kafka Connect's Filter transform, which drops the records its predicate matches (all, without one). */
    static final String FILTER = "org.apache.kafka.connect.transforms.Filter";

    /**
     * Refuses the connector settings with which Kafka Connect drops a record after the task returned it:
     * {@code errors.tolerance=all} (a failed conversion, transform or send is skipped) and Connect's
     * {@code Filter} transform. Connect commits offsets for records it dropped as for those it wrote
     * ({@code AbstractWorkerSourceTask} acknowledges both), and reports the drop to the task only through
     * {@code commitRecord(record, null)}, which in exactly-once mode comes after the transaction, and before
     * a stop may come not at all: no offset the task gives can keep a commit from passing such a record.
     * The bridge dead-letters what it cannot deliver itself (invalid headers, {@code TOO_LARGE} against
     * {@link #TARGET_MAX_MESSAGE_BYTES_CONFIG}, expired), and with {@code errors.tolerance=none} a record
     * the target refuses fails the task before its offset is committed.
     */
    private static void checkNothingDropsRecords(Map<String, Object> originals) {
        Object tolerance = originals.get("errors.tolerance");
        if (tolerance != null && "all".equalsIgnoreCase(String.valueOf(tolerance).trim())) {
            throw new KeyedConfigException("errors.tolerance", String.valueOf(tolerance), "the bridge needs"
                    + " errors.tolerance=none: with all, Kafka Connect skips a record it fails to convert or send after"
                    + " the bridge handed it over, and commits offsets past it, so the record would be in neither the"
                    + " target nor the dead-letter topic. The bridge dead-letters invalid and oversized records itself"
                    + " (see target.max.message.bytes)");
        }
        Object transforms = originals.get("transforms");
        if (transforms == null) {
            return;
        }
        for (String alias : String.valueOf(transforms).split(",")) {
            String key = "transforms." + alias.trim() + ".type";
            Object type = originals.get(key);
            if (type != null && FILTER.equals(String.valueOf(type).trim())) {
                throw new KeyedConfigException(key, String.valueOf(type), "the bridge refuses Kafka Connect's Filter"
                        + " transform: a record it drops after the bridge handed it over is committed as if written, so"
                        + " it would be in neither the target nor the dead-letter topic. Filter on the source or the"
                        + " target's consumers instead");
            }
        }
    }

    /**
     * {@value #TARGET_MAX_MESSAGE_BYTES_CONFIG} if set, else the connector's
     * {@value #PRODUCER_MAX_REQUEST_SIZE_OVERRIDE}, else {@value #TARGET_MAX_MESSAGE_BYTES_FALLBACK}. An
     * override the default is taken from must itself be a usable limit, and is refused on its own key.
     */
    private long resolveTargetMaxMessageBytes() {
        Long explicit = getLong(TARGET_MAX_MESSAGE_BYTES_CONFIG);
        if (explicit != null) {
            return explicit;
        }
        Object override = originals().get(PRODUCER_MAX_REQUEST_SIZE_OVERRIDE);
        if (override == null) {
            return TARGET_MAX_MESSAGE_BYTES_FALLBACK;
        }
        long bytes;
        try {
            bytes = ((Number) ConfigDef.parseType(PRODUCER_MAX_REQUEST_SIZE_OVERRIDE, override, Type.INT)).longValue();
        } catch (ConfigException e) {
            throw new KeyedConfigException(PRODUCER_MAX_REQUEST_SIZE_OVERRIDE, override, "must be a number of bytes"
                    + " (an int), the default of " + TARGET_MAX_MESSAGE_BYTES_CONFIG);
        }
        if (bytes < DeadLetters.MIN_MAX_BYTES) {
            throw new KeyedConfigException(PRODUCER_MAX_REQUEST_SIZE_OVERRIDE, override, "is below "
                    + DeadLetters.MIN_MAX_BYTES + " bytes, the least " + TARGET_MAX_MESSAGE_BYTES_CONFIG
                    + " (which it is the default of) allows: no dead letter with its coordinates would fit");
        }
        return bytes;
    }

    /** {@value #PRODUCER_LINGER_MS_OVERRIDE} if set, else {@value #PRODUCER_DEFAULT_LINGER_MS}; refused on its own key if not a linger. */
    private long resolveProducerLingerMs() {
        Object override = originals().get(PRODUCER_LINGER_MS_OVERRIDE);
        if (override == null) {
            return PRODUCER_DEFAULT_LINGER_MS;
        }
        long ms;
        try {
            ms = (Long) ConfigDef.parseType(PRODUCER_LINGER_MS_OVERRIDE, override, Type.LONG);
        } catch (ConfigException e) {
            throw new KeyedConfigException(PRODUCER_LINGER_MS_OVERRIDE, override, "must be a number of milliseconds"
                    + " (a long), from which " + ZsyncConfig.DEADLINE_MARGIN_MS_CONFIG + " is derived");
        }
        if (ms < 0) {
            throw new KeyedConfigException(PRODUCER_LINGER_MS_OVERRIDE, override, "must be at least 0 milliseconds");
        }
        return ms;
    }

    /**
     * Checks the {@code source.*} client settings against the consumer's and the admin client's own
     * definitions, as the task's consumer and the connector's admin client will read them, so that a bad
     * one is refused here (and by {@code validate()}) naming its {@code source.} key, not at task start
     * naming a key the user never wrote.
     */
    private void checkSourceClientSettings() {
        Map<String, Object> consumer = sourceConsumerSettings("validate");
        Map<String, Object> admin = sourceClientSettings();
        for (Map.Entry<ConfigDef, Map<String, Object>> client : List.of(
                Map.entry(ConsumerConfig.configDef(), consumer), Map.entry(AdminClientConfig.configDef(), admin))) {
            Map<String, String> asText = new HashMap<>();
            client.getValue().forEach((k, v) -> asText.put(k, v instanceof List<?> l ? String.join(",",
                    l.stream().map(Object::toString).toList()) : String.valueOf(v)));
            for (ConfigValue v : client.getKey().validate(asText)) {
                if (!v.errorMessages().isEmpty() && client.getValue().containsKey(v.name())) {
                    String key = SOURCE_PREFIX + v.name();
                    boolean secret = SOURCE_PASSWORDS.contains(key);
                    throw new KeyedConfigException(key, secret ? "[hidden]" : asText.get(v.name()),
                            v.errorMessages().get(0));
                }
            }
        }
    }

    /**
     * What the preset set, for the log: e.g. {@code preset low_latency sets source.fetch.max.wait.ms=50, ...; the
     * worker's producer lingers 0 ms (producer.override.linger.ms)}; empty without a preset that sets client settings.
     */
    public String presetSummary() {
        List<Preset.Setting> all = presetSourceSettings(originals());
        if (all.isEmpty()) {
            return "";
        }
        List<Preset.Setting> kept = all.stream().filter(p -> !presetSet.contains(p)).toList();
        return "preset " + getString(PRESET_CONFIG).trim() + " sets " + (presetSet.isEmpty() ? "no source setting"
                : presetSet.stream().map(Preset.Setting::toString).collect(Collectors.joining(", ")))
                + (kept.isEmpty() ? "" : "; kept the connector's " + kept.stream().map(p -> p.key() + "="
                        + originals().get(p.key())).collect(Collectors.joining(", ")))
                + "; the worker's producer lingers " + producerLingerMs + " ms (" + producerLingerSource() + ")";
    }

    /** The {@code zsync.*} settings. */
    public ZsyncConfig zsync() {
        return zsync;
    }

    /** {@value #SOURCE_TOPICS_CONFIG}, trimmed. */
    public List<String> sourceTopics() {
        return getList(SOURCE_TOPICS_CONFIG).stream().map(String::trim).filter(t -> !t.isEmpty()).toList();
    }

    /** {@value #TARGET_TOPIC_CONFIG}. */
    public String targetTopic() {
        return getString(TARGET_TOPIC_CONFIG).trim();
    }

    /**
     * {@value #TARGET_MAX_MESSAGE_BYTES_CONFIG} as resolved: the largest record, in bytes as
     * {@link io.zsync.kafka.RecordSize#produced} counts them, that the target and dead-letter topics accept.
     * Larger source records are {@code TOO_LARGE}; dead letters are cut to it.
     *
     * @return bytes, at least {@link DeadLetters#MIN_MAX_BYTES}: the key's value if set, else the connector's
     *         {@value #PRODUCER_MAX_REQUEST_SIZE_OVERRIDE}, else {@value #TARGET_MAX_MESSAGE_BYTES_FALLBACK}
     */
    public long targetMaxMessageBytes() {
        return targetMaxMessageBytes;
    }

    /**
     * Where {@link #targetMaxMessageBytes()} comes from, as a {@code TOO_LARGE} detail names it: e.g.
     * {@code target.max.message.bytes=1048576 (the default)}.
     */
    public String targetMaxMessageBytesSource() {
        if (getLong(TARGET_MAX_MESSAGE_BYTES_CONFIG) != null) {
            return TARGET_MAX_MESSAGE_BYTES_CONFIG + "=" + targetMaxMessageBytes;
        }
        if (originals().get(PRODUCER_MAX_REQUEST_SIZE_OVERRIDE) != null) {
            return TARGET_MAX_MESSAGE_BYTES_CONFIG + "=" + targetMaxMessageBytes + " (from "
                    + PRODUCER_MAX_REQUEST_SIZE_OVERRIDE + ")";
        }
        return TARGET_MAX_MESSAGE_BYTES_CONFIG + "=" + targetMaxMessageBytes + " (the default, Kafka's default"
                + " max.request.size)";
    }

    /**
     * The {@code linger.ms} of the worker's producer that writes this connector's records, as far as the
     * connector can see it: {@value #PRODUCER_LINGER_MS_OVERRIDE} if set, else Kafka's default
     * {@value #PRODUCER_DEFAULT_LINGER_MS}. A worker-wide {@code producer.linger.ms} is not visible to a
     * connector; {@value ZsyncConfig#DEADLINE_MARGIN_MS_CONFIG} covers that case.
     */
    public long producerLingerMs() {
        return producerLingerMs;
    }

    /** Which setting {@link #producerLingerMs()} comes from, for logs. */
    public String producerLingerSource() {
        return originals().get(PRODUCER_LINGER_MS_OVERRIDE) != null ? PRODUCER_LINGER_MS_OVERRIDE
                : "Kafka's producer default; a worker-wide producer.linger.ms is not visible to the connector";
    }

    /**
     * How far ahead of its deadline a record must be for the task to release it to Connect (else it is
     * dead-lettered {@code EXPIRED}): {@value ZsyncConfig#DEADLINE_MARGIN_MS_CONFIG} if set, else
     * {@link #producerLingerMs()} plus {@value ZsyncConfig#DEADLINE_SEND_ALLOWANCE_MS} ms, the time the worker's
     * producer may hold it before the target's broker appends it.
     */
    public long deadlineMarginMs() {
        return zsync.deadlineMarginMs(producerLingerMs);
    }

    /** {@value ZsyncConfig#DLQ_TOPIC_CONFIG}, defaulting to the target topic + {@code .dlq}. */
    public String dlqTopic() {
        return zsync.dlqTopic(targetTopic());
    }

    /** {@value #SOURCE_POLL_TIMEOUT_MS_CONFIG}. */
    public long pollTimeoutMs() {
        return getLong(SOURCE_POLL_TIMEOUT_MS_CONFIG);
    }

    /** {@value #SOURCE_PARTITIONS_REFRESH_MS_CONFIG}. */
    public long partitionsRefreshMs() {
        return getLong(SOURCE_PARTITIONS_REFRESH_MS_CONFIG);
    }

    /**
     * The source cluster's client settings: every {@code source.} key but the bridge's own, without the
     * prefix, secrets as their plain values. Never log this map.
     */
    public Map<String, Object> sourceClientSettings() {
        Map<String, Object> settings = new HashMap<>();
        originalsWithPrefix(SOURCE_PREFIX, false).forEach((key, value) -> {
            if (!NOT_CLIENT_SETTINGS.contains(key) && value != null) {
                settings.put(key.substring(SOURCE_PREFIX.length()), value instanceof Password p ? p.value() : value);
            }
        });
        for (String key : SOURCE_PASSWORDS) {
            Password p = getPassword(key);
            if (p != null) {
                settings.put(key.substring(SOURCE_PREFIX.length()), p.value());
            }
        }
        settings.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", getList(SOURCE_BOOTSTRAP_SERVERS_CONFIG)));
        return settings;
    }

    /**
     * How to reach the target cluster with an Admin client (with {@code zsync.lag.group}): every
     * {@value #TARGET_PREFIX}-prefixed Admin setting, passwords revealed, prefix removed.
     */
    public Map<String, Object> targetAdminSettings() {
        Map<String, Object> settings = new HashMap<>();
        originalsWithPrefix(TARGET_PREFIX, true).forEach((key, value) -> {
            if (AdminClientConfig.configNames().contains(key) && value != null) {
                settings.put(key, value instanceof Password p ? p.value() : value);
            }
        });
        for (String key : TARGET_PASSWORDS) {
            Password p = getPassword(key);
            if (p != null) {
                settings.put(key.substring(TARGET_PREFIX.length()), p.value());
            }
        }
        settings.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",",
                getList(TARGET_BOOTSTRAP_SERVERS_CONFIG)));
        return settings;
    }

    /**
     * The source consumer's settings: {@link #sourceClientSettings()} with byte-array deserializers and no
     * automatic commits (the worker's offset store holds the bridge's position), reading from the earliest
     * offset unless {@code source.auto.offset.reset} says otherwise, and only committed transactional
     * records ({@code isolation.level=read_committed}) unless {@code source.isolation.level} says otherwise.
     */
    public Map<String, Object> sourceConsumerSettings(String clientId) {
        Map<String, Object> settings = sourceClientSettings();
        settings.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        settings.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        settings.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        settings.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        // The consumer's own default, read_uncommitted, would copy the records of aborted transactions to
        // the target, where no reader can tell them from committed ones any more.
        settings.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        // Offsets are positioned from the worker's offset store and never committed to the source
        // cluster, so the consumer needs no group; a user may still name one (e.g. for ACLs).
        return settings;
    }

    private static ConfigDef.Validator maxMessageBytes() {
        return ConfigDef.LambdaValidator.with((key, value) -> {
            // null is the default: resolved from the producer override in the constructor.
            if (value != null && ((Long) value < DeadLetters.MIN_MAX_BYTES || (Long) value > Integer.MAX_VALUE)) {
                throw new ConfigException(key, value, "must be at least " + DeadLetters.MIN_MAX_BYTES + " bytes"
                        + " (room for a dead letter's coordinates) and at most " + Integer.MAX_VALUE
                        + " (a producer's max.request.size is an int)");
            }
        }, () -> "null (the default: " + PRODUCER_MAX_REQUEST_SIZE_OVERRIDE + " if set, else "
                + TARGET_MAX_MESSAGE_BYTES_FALLBACK + ") or [" + DeadLetters.MIN_MAX_BYTES + ",...,"
                + Integer.MAX_VALUE + "]");
    }

    private static ConfigDef.Validator nonEmptyList() {
        return ConfigDef.LambdaValidator.with((key, value) -> {
            @SuppressWarnings("unchecked")
            List<String> list = (List<String>) value;
            // null is a missing required key, which ConfigDef reports on its own.
            if (list != null && list.stream().allMatch(s -> s.trim().isEmpty())) {
                throw new ConfigException(key, value, "must list at least one entry");
            }
        }, () -> "a non-empty list");
    }
}

package io.zsync.connector.bridge;

import io.zsync.kafka.KeyedConfigException;
import io.zsync.kafka.TopicNames;
import io.zsync.kafka.ZsyncConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * ({@code source.*}), where to write ({@code target.topic}) and every {@code zsync.*} key, declared once in
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
    private static final String SOURCE_PARTITIONS_REFRESH_MS_DOC = "How often the connector lists the partitions of"
            + " source.topics and, when they changed, spreads them over the tasks again.";
    public static final String TARGET_TOPIC_CONFIG = "target.topic";
    private static final String TARGET_TOPIC_DOC = "The topic every delivered record is written to; dead letters go"
            + " to zsync.dlq.topic (default: this name + .dlq). Records keep their key, value, headers and"
            + " timestamp; the producer partitions them by key.";

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
                Importance.HIGH, TARGET_TOPIC_DOC, GROUP_TARGET, 1, Width.MEDIUM, "Target topic");
        return ZsyncConfig.define(def);
    }

    private final ZsyncConfig zsync;

    /**
     * Parses and validates {@code originals}.
     *
     * @throws ConfigException naming the first invalid key, its value and the allowed values
     */
    public BridgeConfig(Map<?, ?> originals) {
        this(CONFIG_DEF, originals);
    }

    BridgeConfig(ConfigDef def, Map<?, ?> originals) {
        super(def, originals, false);
        this.zsync = new ZsyncConfig(originals);
        // Not necessarily a loop when the source is another cluster, but on the worker's own cluster it would
        // be one (a dead-letter topic among the sources dead-letters its own dead letters for ever); a bridge
        // that reads what it writes is never what a user meant.
        zsync.checkTopics(SOURCE_TOPICS_CONFIG, sourceTopics(), TARGET_TOPIC_CONFIG, targetTopic());
        checkSourceClientSettings();
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

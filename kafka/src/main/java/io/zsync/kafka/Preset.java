package io.zsync.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * The presets a Streams app or bridge configuration can start from ({@value #CONFIG}): defaults for the buffer
 * and backpressure keys, shared by both, which each product completes with the Kafka client settings it owns
 * ({@link Setting}). A key the user sets wins over the preset, in any of the spellings Kafka accepts for it.
 */
public enum Preset {
    HIGH_THROUGHPUT(Map.of(ZsyncConfig.BUFFER_MAX_RECORDS_CONFIG, "65536", ZsyncConfig.BACKPRESSURE_CONFIG, "block")),
    LOW_LATENCY(Map.of(ZsyncConfig.BUFFER_MAX_RECORDS_CONFIG, "8192", ZsyncConfig.BACKPRESSURE_CONFIG, "drop_oldest")),
    RELIABLE(Map.of(ZsyncConfig.BUFFER_MAX_RECORDS_CONFIG, "100000", ZsyncConfig.BACKPRESSURE_CONFIG, "block",
            ZsyncConfig.BLOCK_MAX_MS_CONFIG, "60000"));

    /** The key that names the preset. */
    public static final String CONFIG = "zsync.preset";
    /** What {@value #CONFIG} allows, as its validator and its errors say. */
    public static final String ALLOWED = "empty, or one of (any case): high_throughput, low_latency, reliable";

    private final Map<String, String> bufferDefaults;

    Preset(Map<String, String> bufferDefaults) {
        this.bufferDefaults = bufferDefaults;
    }

    /** The name a configuration gives it: {@code low_latency}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The {@code zsync.*} buffer and backpressure keys the preset sets (the same in every product). */
    public Map<String, String> bufferDefaults() {
        return bufferDefaults;
    }

    /**
     * The preset {@code value} names.
     *
     * @param key   the key the value was given under, for the error
     * @param value the value as given (any case, blanks around it ignored); null or blank for none
     * @return the preset, or empty for none
     * @throws ConfigException naming the key, the value and the allowed values
     */
    public static Optional<Preset> of(String key, Object value) {
        String v = value == null ? "" : value.toString().trim();
        if (v.isEmpty()) {
            return Optional.empty();
        }
        for (Preset p : values()) {
            if (p.configName().equalsIgnoreCase(v)) {
                return Optional.of(p);
            }
        }
        throw new ConfigException(key, value, "must be " + ALLOWED);
    }

    /** The validator of {@value #CONFIG} in a ConfigDef, which also lists the allowed values in generated docs. */
    public static ConfigDef.Validator validator() {
        return ConfigDef.LambdaValidator.with(Preset::of, () -> ALLOWED);
    }

    /**
     * A setting a preset gives a Kafka client, unless the user's settings give it themselves.
     *
     * @param key       the key the preset writes, in the spelling that reaches only the client it is meant for
     * @param value     its value
     * @param spellings every key under which the user's own value for it reaches that client (including
     *                  {@code key}); any of them present means the user chose
     * @param why       one line: what it changes for latency
     */
    public record Setting(String key, String value, List<String> spellings, String why) {
        public Setting {
            spellings = List.copyOf(spellings);
            if (!spellings.contains(key)) {
                throw new IllegalArgumentException(key + " is not among its own spellings " + spellings);
            }
        }

        /** Whether {@code settings} give a value for this setting under any of its spellings. */
        public boolean givenIn(Map<?, ?> settings) {
            return spellings.stream().anyMatch(k -> settings.get(k) != null);
        }

        /** {@code key=value}, as docs and logs show it. */
        @Override
        public String toString() {
            return key + "=" + value;
        }
    }

    /**
     * Puts each of {@code settings} into {@code target} that {@code user} does not give in any spelling.
     *
     * @return the settings put, in order
     */
    public static List<Setting> fillIn(Map<String, Object> target, Map<?, ?> user, List<Setting> settings) {
        List<Setting> put = new ArrayList<>();
        for (Setting s : settings) {
            if (!s.givenIn(user)) {
                target.put(s.key(), s.value());
                put.add(s);
            }
        }
        return put;
    }
}

package io.zsync.kafka;

import org.apache.kafka.common.config.ConfigException;

/**
 * A {@link ConfigException} that keeps the key it names, so a connector's {@code validate()} can report it
 * on that key (Kafka's own exception keeps the key only inside its message).
 */
public final class KeyedConfigException extends ConfigException {
    private static final long serialVersionUID = 1L;
    private final String key;

    /**
     * @param key    the setting
     * @param value  its value
     * @param reason what is wrong and what is allowed
     */
    public KeyedConfigException(String key, Object value, String reason) {
        super(key, value, reason);
        this.key = key;
    }

    /** The setting the error is about. */
    public String key() {
        return key;
    }
}

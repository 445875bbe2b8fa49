package io.zsync.connector;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.transforms.Transformation;

/**
 * Test-only transform: drops (returns null for) the records bound for {@code topic} whose key is
 * {@code key} (UTF-8 bytes or string), so that Kafka Connect reports them to the task as not written.
 * Records for any other topic, the bridge's dead-letter topic among them, pass.
 */
public class DropKey<R extends ConnectRecord<R>> implements Transformation<R> {
    public static final String TOPIC_CONFIG = "topic";
    public static final String KEY_CONFIG = "key";
    private static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(TOPIC_CONFIG, ConfigDef.Type.STRING, ConfigDef.Importance.HIGH, "The topic whose records it drops.")
            .define(KEY_CONFIG, ConfigDef.Type.STRING, "drop", ConfigDef.Importance.HIGH, "The key it drops.");

    private String topic;
    private byte[] key;

    @Override
    public void configure(Map<String, ?> configs) {
        AbstractConfig c = new AbstractConfig(CONFIG_DEF, configs);
        topic = c.getString(TOPIC_CONFIG);
        key = c.getString(KEY_CONFIG).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public R apply(R record) {
        if (!topic.equals(record.topic())) {
            return record;
        }
        Object k = record.key();
        boolean match = k instanceof byte[] b ? Arrays.equals(b, key)
                : k instanceof String s && s.equals(new String(key, StandardCharsets.UTF_8));
        return match ? null : record;
    }

    @Override
    public ConfigDef config() {
        return CONFIG_DEF;
    }

    @Override
    public void close() {
    }
}

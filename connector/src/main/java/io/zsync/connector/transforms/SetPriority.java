package io.zsync.connector.transforms;

import io.zsync.connector.Version;
import io.zsync.kafka.ZsyncConfig;
import io.zsync.kafka.ZsyncHeaders;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.transforms.Transformation;

/**
 * Sets the {@value ZsyncHeaders#PRIORITY} header (replacing any earlier one), so that a zsync bridge or
 * Streams processor downstream orders the record by it. Key, value and tombstones are untouched.
 *
 * @param <R> the record type
 */
public final class SetPriority<R extends ConnectRecord<R>> implements Transformation<R> {

    public static final String OVERVIEW_DOC = "Sets the zsync.priority header (LOW, NORMAL, HIGH or CRITICAL) on"
            + " every record, replacing an earlier one.";

    public static final String PRIORITY_CONFIG = "priority";
    private static final String PRIORITY_DOC = "The level written: LOW, NORMAL, HIGH or CRITICAL (any case).";

    /** The definition: keys, defaults, validators and docs. */
    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(PRIORITY_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE,
                    ZsyncConfig.oneOf("LOW", "NORMAL", "HIGH", "CRITICAL"), Importance.HIGH,
                    PRIORITY_DOC);

    private String priority;

    @Override
    public void configure(Map<String, ?> configs) {
        priority = new AbstractConfig(CONFIG_DEF, configs).getString(PRIORITY_CONFIG).trim().toUpperCase(Locale.ROOT);
    }

    @Override
    public R apply(R record) {
        return HeaderRecords.withHeader(record, ZsyncHeaders.PRIORITY, priority);
    }

    @Override
    public ConfigDef config() {
        return CONFIG_DEF;
    }

    @Override
    public void close() {
    }

    @Override
    public String version() {
        return Version.get();
    }
}

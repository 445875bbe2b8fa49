package io.zsync.connector.transforms;

import io.zsync.connector.Version;
import io.zsync.kafka.ZsyncConfig;
import io.zsync.stream.TokenBucket;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.transforms.Transformation;

/**
 * Throttles any connector: a token bucket of records per second and bytes per second that blocks in
 * {@code apply} until the record may pass. On a source connector it slows polling; on a sink connector
 * it slows {@code put}. Records are never dropped or changed; tombstones pass too and count as records.
 *
 * <p>The bucket starts full and refills continuously, in exact integer arithmetic. Bytes are counted for
 * keys and values that are bytes or strings (UTF-8); other types (structs, maps) count for the record
 * rate only, because their size on the wire depends on a converter the transform does not see.
 *
 * <p>A sink task blocked here does not poll its consumer: keep {@code max.poll.records / rate} well below
 * {@code max.poll.interval.ms} (set {@code consumer.override.max.poll.records} on the connector).
 *
 * @param <R> the record type
 */
public final class RateLimit<R extends ConnectRecord<R>> implements Transformation<R> {

    public static final String OVERVIEW_DOC = "Throttles a connector to a rate of records and/or bytes per second"
            + " (token bucket), blocking in the transform until each record may pass. Nothing is dropped.";

    public static final String RATE_CONFIG = "rate";
    private static final String RATE_DOC = "Records per second; 0 means no record limit.";
    public static final String BURST_CONFIG = "burst";
    private static final String BURST_DOC = "Records passed back to back after a quiet period. -1 (default) means"
            + " one tenth of a second's worth, at least 1.";
    public static final String BYTES_RATE_CONFIG = "bytes.rate";
    private static final String BYTES_RATE_DOC = "Key and value bytes per second (bytes and strings; other types"
            + " are not counted); 0 means no byte limit.";
    public static final String SCOPE_CONFIG = "scope";
    private static final String SCOPE_DOC = "task: each task gets the whole rate; connector: the rate is for the"
            + " whole connector, each task taking rate / tasks.max (set tasks.max here too: a transform does not"
            + " see the connector's settings).";
    public static final String TASKS_MAX_CONFIG = "tasks.max";
    private static final String TASKS_MAX_DOC = "With scope=connector: the connector's tasks.max, which the rate is"
            + " divided by.";

    private static final long MAX_RATE = 1_000_000_000L;

    /** The definition: keys, defaults, validators and docs. */
    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(RATE_CONFIG, Type.LONG, 0L, ConfigDef.Range.between(0, MAX_RATE), Importance.HIGH, RATE_DOC)
            .define(BURST_CONFIG, Type.LONG, -1L, ConfigDef.LambdaValidator.with((key, value) -> {
                long v = (Long) value;
                if (v != -1 && (v < 1 || v > MAX_RATE)) {
                    throw new ConfigException(key, value, "must be -1 (a tenth of the rate) or 1 to " + MAX_RATE);
                }
            }, () -> "-1, or 1 to " + MAX_RATE), Importance.MEDIUM, BURST_DOC)
            .define(BYTES_RATE_CONFIG, Type.LONG, 0L, ConfigDef.Range.between(0, MAX_RATE), Importance.MEDIUM,
                    BYTES_RATE_DOC)
            .define(SCOPE_CONFIG, Type.STRING, "task", ZsyncConfig.oneOf("task", "connector"),
                    Importance.MEDIUM, SCOPE_DOC)
            .define(TASKS_MAX_CONFIG, Type.INT, 1, ConfigDef.Range.atLeast(1), Importance.MEDIUM, TASKS_MAX_DOC);

    private final Time time;
    private io.zsync.stream.RateLimit limit;
    /** Whether bytes are counted: sizing a record is skipped when they are not. */
    private boolean countBytes;

    /** On the system clock. */
    public RateLimit() {
        this(Time.SYSTEM);
    }

    /** On {@code time}: tests pass a mock clock whose {@code sleep} advances it. */
    RateLimit(Time time) {
        this.time = time;
    }

    @Override
    public void configure(Map<String, ?> configs) {
        AbstractConfig c = new AbstractConfig(CONFIG_DEF, configs);
        long rate = c.getLong(RATE_CONFIG);
        long burst = c.getLong(BURST_CONFIG);
        long bytesRate = c.getLong(BYTES_RATE_CONFIG);
        if (rate == 0 && bytesRate == 0) {
            throw new ConfigException(RATE_CONFIG, rate, "set " + RATE_CONFIG + " or " + BYTES_RATE_CONFIG
                    + " above 0: a RateLimit with neither limits nothing");
        }
        int divisor = c.getString(SCOPE_CONFIG).trim().equalsIgnoreCase("connector") ? c.getInt(TASKS_MAX_CONFIG) : 1;
        long now = time.nanoseconds();
        TokenBucket records = null;
        if (rate > 0) {
            long taskRate = share(rate, divisor);
            long taskBurst = burst == -1 ? Math.max(1, taskRate / 10) : share(burst, divisor);
            records = new TokenBucket(taskRate, taskBurst, now);
        }
        TokenBucket bytes = null;
        if (bytesRate > 0) {
            long taskBytes = share(bytesRate, divisor);
            bytes = new TokenBucket(taskBytes, Math.max(1, taskBytes / 10), now);
        }
        limit = new io.zsync.stream.RateLimit(records, bytes);
        countBytes = bytes != null;
    }

    /** A task's part: at least 1, since 0 would mean no limit. */
    private static long share(long whole, int divisor) {
        return Math.max(1, whole / divisor);
    }

    @Override
    public R apply(R record) {
        long size = countBytes ? Payloads.size(record.key()) + Payloads.size(record.value()) : 0;
        long now = time.nanoseconds();
        while (!limit.tryAcquire(size, now)) {
            sleep(limit.nanosUntilAvailable(size, now));
            now = time.nanoseconds();
        }
        return record;
    }

    private void sleep(long nanos) {
        if (Thread.currentThread().isInterrupted()) {
            throw new ConnectException("RateLimit: interrupted while waiting for the rate limit");
        }
        time.sleep(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos + 999_999)));
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

    @Override
    public String toString() {
        return "RateLimit[" + limit + "]";
    }
}

package io.zsync.connector.transforms;

import io.zsync.connector.Version;
import io.zsync.kafka.ZsyncConfig;
import io.zsync.stream.TokenBucket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
 * rate only, because their size on the wire depends on a converter the transform does not see. A record
 * counts for at most 2147483647 bytes (Kafka's own limit on a record), so that no size can overflow the
 * bucket; one larger than the burst waits for a full bucket and leaves it in debt.
 *
 * <p>With {@code scope=connector} each task takes {@code rate / tasks.max} records/s (rounded down, so the
 * connector stays at or under the rate), and likewise the bytes rate and an explicit burst. Since a task's
 * bucket needs at least 1 per second, the rates and burst must then be at least {@code tasks.max}, and
 * {@code tasks.max} must be set.
 *
 * <p>Every rule is checked both by {@code configure} and by Connect's {@code config/validate} (the rules
 * across keys through each key's {@link ConfigDef.Recommender}, which validate runs with all parsed
 * values), so that a connector that validates also starts. A refusal is a {@link ConfigException} naming
 * the key, its value and what is allowed.
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
    private static final String RATE_DOC = "Records per second; 0 means no record limit. At least one of rate and"
            + " bytes.rate must be above 0.";
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
    private static final String TASKS_MAX_DOC = "With scope=connector (and required there): the connector's"
            + " tasks.max, which the rates and an explicit burst are divided by; they must be at least this."
            + " Ignored with scope=task.";

    /** The most tokens per second, and in a burst, that {@link TokenBucket} takes. */
    private static final long MAX_RATE = 1_000_000_000L;
    /** The most bytes a record counts for: Kafka's limit on a record, and small enough for the bucket. */
    static final long MAX_RECORD_BYTES = Integer.MAX_VALUE;

    /** Reports {@link #crossKeyProblems} on the key each is about, in validate as in configure. */
    private static final ConfigDef.Recommender CROSS_KEY_RULES = new ConfigDef.Recommender() {
        @Override
        public List<Object> validValues(String name, Map<String, Object> parsed) {
            String problem = crossKeyProblems(parsed).get(name);
            if (problem != null) {
                throw new ConfigException(name, parsed.get(name), problem);
            }
            return new ArrayList<>();
        }

        @Override
        public boolean visible(String name, Map<String, Object> parsed) {
            return true;
        }
    };

    /** The definition: keys, defaults, validators and docs. */
    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(RATE_CONFIG, Type.LONG, 0L, ConfigDef.Range.between(0, MAX_RATE), Importance.HIGH, RATE_DOC,
                    null, -1, ConfigDef.Width.NONE, RATE_CONFIG, CROSS_KEY_RULES)
            .define(BURST_CONFIG, Type.LONG, -1L, ConfigDef.LambdaValidator.with((key, value) -> {
                if (!(value instanceof Long v) || v != -1 && (v < 1 || v > MAX_RATE)) {
                    throw new ConfigException(key, value, "must be -1 (a tenth of the rate) or 1 to " + MAX_RATE);
                }
            }, () -> "-1, or 1 to " + MAX_RATE), Importance.MEDIUM, BURST_DOC,
                    null, -1, ConfigDef.Width.NONE, BURST_CONFIG, CROSS_KEY_RULES)
            .define(BYTES_RATE_CONFIG, Type.LONG, 0L, ConfigDef.Range.between(0, MAX_RATE), Importance.MEDIUM,
                    BYTES_RATE_DOC, null, -1, ConfigDef.Width.NONE, BYTES_RATE_CONFIG, CROSS_KEY_RULES)
            .define(SCOPE_CONFIG, Type.STRING, "task", ZsyncConfig.oneOf("task", "connector"),
                    Importance.MEDIUM, SCOPE_DOC, null, -1, ConfigDef.Width.NONE, SCOPE_CONFIG, CROSS_KEY_RULES)
            .define(TASKS_MAX_CONFIG, Type.INT, null, ConfigDef.LambdaValidator.with((key, value) -> {
                if (value != null && (Integer) value < 1) {
                    throw new ConfigException(key, value, "must be at least 1");
                }
            }, () -> "[1,...], required with scope=connector"), Importance.MEDIUM, TASKS_MAX_DOC,
                    null, -1, ConfigDef.Width.NONE, TASKS_MAX_CONFIG, CROSS_KEY_RULES);

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

    /**
     * The rules across keys that {@code parsed} (the values as a {@link ConfigDef} parses them, defaults
     * included) breaks, by the key each is reported on, in the order {@code configure} reports them. A
     * rule whose keys did not parse is skipped: their own error is already reported.
     */
    static Map<String, String> crossKeyProblems(Map<String, ?> parsed) {
        Map<String, String> problems = new LinkedHashMap<>();
        Object rate = parsed.get(RATE_CONFIG);
        Object bytesRate = parsed.get(BYTES_RATE_CONFIG);
        Object burst = parsed.get(BURST_CONFIG);
        Object scope = parsed.get(SCOPE_CONFIG);
        Object tasksMax = parsed.get(TASKS_MAX_CONFIG);
        if (Long.valueOf(0).equals(rate) && Long.valueOf(0).equals(bytesRate)) {
            problems.put(RATE_CONFIG, "set " + RATE_CONFIG + " or " + BYTES_RATE_CONFIG
                    + " above 0: a RateLimit with neither limits nothing");
        }
        if (!(scope instanceof String s) || !s.trim().equalsIgnoreCase("connector")) {
            return problems;
        }
        if (tasksMax == null) {
            problems.put(TASKS_MAX_CONFIG, "must be set with " + SCOPE_CONFIG + "=connector, to the connector's"
                    + " tasks.max (a transform does not see the connector's settings)");
        } else if (tasksMax instanceof Integer tasks && tasks >= 1) {
            String reason = "must be at least " + TASKS_MAX_CONFIG + " (" + tasks + ") with " + SCOPE_CONFIG
                    + "=connector, so that each task's share is at least 1 per second";
            if (rate instanceof Long r && r > 0 && r < tasks) {
                problems.put(RATE_CONFIG, reason);
            }
            if (bytesRate instanceof Long b && b > 0 && b < tasks) {
                problems.put(BYTES_RATE_CONFIG, reason);
            }
            if (rate instanceof Long r && r > 0 && burst instanceof Long b && b != -1 && b < tasks) {
                problems.put(BURST_CONFIG, "must be -1 or at least " + TASKS_MAX_CONFIG + " (" + tasks + ") with "
                        + SCOPE_CONFIG + "=connector, so that each task's share is at least 1 record");
            }
        }
        return problems;
    }

    /**
     * @throws ConfigException naming the key, its value and what is allowed, for any value that Connect's
     *                         validate reports too
     */
    @Override
    public void configure(Map<String, ?> configs) {
        AbstractConfig c = new AbstractConfig(CONFIG_DEF, configs);
        Map<String, ?> parsed = c.values();
        Map<String, String> problems = crossKeyProblems(parsed);
        if (!problems.isEmpty()) {
            Map.Entry<String, String> first = problems.entrySet().iterator().next();
            throw new ConfigException(first.getKey(), parsed.get(first.getKey()), first.getValue());
        }
        long rate = c.getLong(RATE_CONFIG);
        long burst = c.getLong(BURST_CONFIG);
        long bytesRate = c.getLong(BYTES_RATE_CONFIG);
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

    /** A task's part, rounded down; the rules above keep it at least 1 (0 would mean no limit). */
    private static long share(long whole, int divisor) {
        return Math.max(1, whole / divisor);
    }

    @Override
    public R apply(R record) {
        long size = countBytes
                ? Math.min(MAX_RECORD_BYTES, Payloads.size(record.key()) + Payloads.size(record.value())) : 0;
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

package io.zsync.connector.transforms;

import io.zsync.connector.Version;
import io.zsync.kafka.ZsyncHeaders;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.transforms.Transformation;

/**
 * Sets the {@value ZsyncHeaders#DEADLINE} header to the record's timestamp plus {@code ttl.ms}, in epoch
 * microseconds as decimal text, replacing an earlier one. Downstream, zsync never delivers the record after
 * it, and the {@code Expired} predicate lets Kafka's {@code Filter} drop it. Key, value and tombstones are
 * untouched.
 *
 * <p>A record without a timestamp, or with a negative one (Kafka's "no timestamp"; a producer refuses
 * others), counts from now. {@code apply} never fails on the time: a deadline past
 * {@value #MAX_DEADLINE_MICROS} µs (the largest of the 18 digits that zsync's readers take, in the year
 * 33658), as a timestamp near the end of a long gives, is written as that value, which no clock reaches.
 *
 * @param <R> the record type
 */
public final class SetDeadline<R extends ConnectRecord<R>> implements Transformation<R> {

    public static final String OVERVIEW_DOC = "Sets the zsync.deadline header to the record timestamp + ttl.ms"
            + " (epoch microseconds), replacing an earlier one.";

    public static final String TTL_MS_CONFIG = "ttl.ms";
    private static final String TTL_MS_DOC = "How long after its timestamp a record stays deliverable, in"
            + " milliseconds.";

    /**
     * The latest deadline written, in epoch microseconds: the largest number of 18 decimal digits, the most
     * that the bridge's and the processors' header readers take.
     */
    public static final long MAX_DEADLINE_MICROS = ZsyncHeaders.MAX_DEADLINE_MICROS;
    private static final long MAX_TTL_MS = 100L * 365 * 24 * 3600 * 1000;

    /** The definition: keys, defaults, validators and docs. */
    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(TTL_MS_CONFIG, Type.LONG, ConfigDef.NO_DEFAULT_VALUE,
                    ConfigDef.Range.between(1, MAX_TTL_MS), Importance.HIGH, TTL_MS_DOC);

    private final Time time;
    private long ttlMs;

    /** On the system clock. */
    public SetDeadline() {
        this(Time.SYSTEM);
    }

    SetDeadline(Time time) {
        this.time = time;
    }

    @Override
    public void configure(Map<String, ?> configs) {
        ttlMs = new AbstractConfig(CONFIG_DEF, configs).getLong(TTL_MS_CONFIG);
    }

    @Override
    public R apply(R record) {
        Long timestamp = record.timestamp();
        long base = timestamp == null || timestamp < 0 ? time.milliseconds() : timestamp;
        // Compared before adding: base >= 0 and ttl.ms <= 100 years, so neither side can overflow, and a
        // task must not die on an ArithmeticException for one record's timestamp.
        long deadlineMicros = base > MAX_DEADLINE_MICROS / 1_000L - ttlMs
                ? MAX_DEADLINE_MICROS : (base + ttlMs) * 1_000L;
        return HeaderRecords.withHeader(record, ZsyncHeaders.DEADLINE, Long.toString(deadlineMicros));
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

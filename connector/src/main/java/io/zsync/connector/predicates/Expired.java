package io.zsync.connector.predicates;

import io.zsync.connector.HeaderValues;
import io.zsync.connector.Version;
import io.zsync.kafka.ZsyncHeaders;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.transforms.predicates.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * True for a record past its deadline: its {@value ZsyncHeaders#DEADLINE} header (epoch microseconds) is
 * before now, or, without the header and with {@code ttl.ms} set, its timestamp is more than {@code ttl.ms}
 * ago. Pair it with Kafka's {@code Filter} to drop stale records:
 *
 * <pre>
 * transforms=dropStale
 * transforms.dropStale.type=org.apache.kafka.connect.transforms.Filter
 * transforms.dropStale.predicate=expired
 * predicates=expired
 * predicates.expired.type=io.zsync.connector.predicates.Expired
 * </pre>
 *
 * <p>The header is read by {@link HeaderValues#epochMicros}, with the same result under every header
 * converter. A header that is not a whole number of microseconds in the range of a long, or that has no
 * value, is not treated as expired: the record passes (a zsync bridge or processor downstream
 * dead-letters it as {@code INVALID_HEADER}), and a warning is logged. A negative deadline is before 1970:
 * expired.
 *
 * <p>Without the header, a record without a timestamp, or with a negative one (Kafka's "no timestamp"),
 * never matches; one timestamped in the future does not match before its timestamp is {@code ttl.ms} old.
 * Any {@code ttl.ms} is allowed: one so large that the timestamp plus it is past the largest long means
 * "never" (it is compared as an age, so nothing overflows).
 *
 * @param <R> the record type
 */
public final class Expired<R extends ConnectRecord<R>> implements Predicate<R> {
    private static final Logger LOG = LoggerFactory.getLogger(Expired.class);

    public static final String OVERVIEW_DOC = "Matches records past their deadline: the zsync.deadline header, or"
            + " the record timestamp + ttl.ms for records without it.";

    public static final String TTL_MS_CONFIG = "ttl.ms";
    private static final String TTL_MS_DOC = "For records without a zsync.deadline header: expired when the"
            + " timestamp is older than this many milliseconds. 0 (default): such records never match. Any value up"
            + " to 9223372036854775807 is allowed; a record never gets that old.";

    /** The definition: keys, defaults, validators and docs. */
    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(TTL_MS_CONFIG, Type.LONG, 0L, ConfigDef.Range.atLeast(0), Importance.MEDIUM, TTL_MS_DOC);

    private final Time time;
    private long ttlMs;
    private long badHeaders;

    /** On the system clock. */
    public Expired() {
        this(Time.SYSTEM);
    }

    Expired(Time time) {
        this.time = time;
    }

    @Override
    public void configure(Map<String, ?> configs) {
        ttlMs = new AbstractConfig(CONFIG_DEF, configs).getLong(TTL_MS_CONFIG);
    }

    @Override
    public boolean test(R record) {
        org.apache.kafka.connect.header.Header h = record.headers().lastWithName(ZsyncHeaders.DEADLINE);
        long nowMs = time.milliseconds();
        if (h != null) {
            try {
                // deadline < now * 1000 exactly when floor(deadline / 1000) < now, and the division cannot
                // overflow where the multiplication could.
                return Math.floorDiv(HeaderValues.epochMicros(h), 1_000L) < nowMs;
            } catch (IllegalArgumentException e) {
                // Logged for the first and then every 1000th, so a flood of bad headers cannot flood the log.
                if (badHeaders++ % 1000 == 0) {
                    LOG.warn("Expired: {} (record at {}-{}); such records are not treated as expired ({} so far)",
                            e.getMessage(), record.topic(), record.kafkaPartition(), badHeaders);
                }
                return false;
            }
        }
        Long timestamp = record.timestamp();
        if (ttlMs == 0 || timestamp == null || timestamp < 0 || timestamp > nowMs) {
            return false;
        }
        // The age, not timestamp + ttl.ms: with 0 <= timestamp <= now the difference cannot overflow, where
        // the sum did for a large ttl.ms and then matched every record.
        return nowMs - timestamp > ttlMs;
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

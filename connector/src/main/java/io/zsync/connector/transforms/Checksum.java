package io.zsync.connector.transforms;

import io.zsync.accel.HardwareAccel;
import io.zsync.connector.Version;
import io.zsync.io.Io;
import io.zsync.kafka.ZsyncHeaders;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Values;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.transforms.Transformation;

/**
 * Writes the CRC32C of the record value (SIMD path, {@link HardwareAccel#crc32c}) into the
 * {@value ZsyncHeaders#CRC32C} header as 8 lower-case hex digits (a {@code String} header), replacing an
 * earlier one; or, with {@code verify=true}, checks the header against the value and throws a
 * {@code DataException} when it is missing or differs, so that Connect's {@code errors.tolerance} and
 * dead-letter queue take over. Values must be bytes or strings (UTF-8). Tombstones pass through unchecked.
 *
 * <p>Header converters. On a sink connector, verify reads the header as the worker's
 * {@code header.converter} parsed it, and a correct checksum verifies under each of Kafka's and ours:
 * <ul>
 * <li>{@code StringConverter}, {@code ByteArrayConverter}, {@code JsonConverter} (with or without
 * schemas) and {@code io.zsync.connector.converters.ZsyncHeaderConverter} hand over the text (or its
 * bytes), compared as text (blanks trimmed, any case).
 * <li>{@code SimpleHeaderConverter} (the worker's default) parses the text: {@code 00123456} becomes the
 * integer 123456, {@code 2129e761} the decimal 2.129E+764, {@code 0001e020} a float. Such a value is
 * compared with what the same parser ({@code Values.parseString}, the worker's own copy) makes of the
 * expected text, never turned back into text, which cannot restore the digits. Two checksums that
 * it reads as the same number (as {@code 0001e020} and {@code 00010e19}) cannot be told apart there;
 * {@code StringConverter} keeps every digit.
 * </ul>
 *
 * <p>Writing: on a source connector the worker serializes the header with its {@code header.converter}.
 * Every converter above carries it except Kafka's {@code ByteArrayConverter}, which takes only bytes and
 * fails the record with {@code DataException: Invalid schema type for ByteArrayConverter: STRING} (the
 * other zsync transforms' text headers too). For raw bytes beside zsync's headers use
 * {@code ZsyncHeaderConverter}, which writes bytes unchanged as {@code ByteArrayConverter} does and text as
 * UTF-8; a sink connector reading with {@code ByteArrayConverter} verifies as any other.
 *
 * @param <R> the record type
 */
public final class Checksum<R extends ConnectRecord<R>> implements Transformation<R> {

    public static final String OVERVIEW_DOC = "Writes the CRC32C of the value into the zsync.crc32c header, or with"
            + " verify=true checks it and fails the record (DataException) on a mismatch.";

    public static final String VERIFY_CONFIG = "verify";
    private static final String VERIFY_DOC = "false: write the header; true: check it.";

    /** The definition: keys, defaults, validators and docs. */
    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(VERIFY_CONFIG, Type.BOOLEAN, false, Importance.HIGH, VERIFY_DOC);

    private final HardwareAccel accel = HardwareAccel.init();
    private final Io io = Io.blocking();
    private boolean verify;

    @Override
    public void configure(Map<String, ?> configs) {
        verify = new AbstractConfig(CONFIG_DEF, configs).getBoolean(VERIFY_CONFIG);
    }

    @Override
    public R apply(R record) {
        if (record.value() == null) {
            return record;
        }
        String crc = ZsyncHeaders.crc32cText(accel.crc32c(io, Payloads.bytes(record.value(), "value", "Checksum")));
        if (verify) {
            Header h = record.headers().lastWithName(ZsyncHeaders.CRC32C);
            if (h == null || h.value() == null) {
                throw new DataException("Checksum: the record at " + where(record) + " has no " + ZsyncHeaders.CRC32C
                        + " header to verify");
            }
            if (!matches(h.value(), crc)) {
                throw new DataException("Checksum: the value of the record at " + where(record) + " has CRC32C " + crc
                        + " but its " + ZsyncHeaders.CRC32C + " header says " + describe(h.value()));
            }
            return record;
        }
        return HeaderRecords.withHeader(record, ZsyncHeaders.CRC32C, crc);
    }

    /**
     * Whether the header value {@code found} is the checksum {@code crc} (8 lower-case hex digits), in any
     * form a header converter hands it over: text or its UTF-8 bytes as text; anything else (a number
     * {@code SimpleHeaderConverter} parsed) as the value that {@code Values.parseString} makes of {@code crc},
     * which is what that converter does to the text it reads.
     */
    static boolean matches(Object found, String crc) {
        if (found instanceof String || found instanceof byte[] || found instanceof ByteBuffer) {
            return crc.equals(text(found).trim().toLowerCase(Locale.ROOT));
        }
        // Case does not matter here either: of the hex letters only e can be part of a number, and E reads
        // alike. A parse of 8 hex digits gives a String (compared above), an integer, a float or a decimal.
        Object expected = Values.parseString(crc).value();
        if (isIntegral(found) && isIntegral(expected)) {
            // Another converter may give a Long where the parser gives an Integer.
            return ((Number) found).longValue() == ((Number) expected).longValue();
        }
        return Objects.equals(expected, found);
    }

    private static boolean isIntegral(Object v) {
        return v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte;
    }

    private static String text(Object v) {
        if (v instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        if (v instanceof ByteBuffer b) {
            return StandardCharsets.UTF_8.decode(b.duplicate()).toString();
        }
        return (String) v;
    }

    /** The found value for a message: its text, or its type and value as the converter parsed it. */
    private static String describe(Object v) {
        if (v instanceof String || v instanceof byte[] || v instanceof ByteBuffer) {
            return "'" + text(v) + "'";
        }
        return v + " (a " + v.getClass().getSimpleName() + ", as the header converter parsed it)";
    }

    private static String where(ConnectRecord<?> r) {
        return r.topic() + "-" + r.kafkaPartition();
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

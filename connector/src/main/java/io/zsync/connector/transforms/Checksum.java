package io.zsync.connector.transforms;

import io.zsync.accel.HardwareAccel;
import io.zsync.connector.HeaderValues;
import io.zsync.connector.Version;
import io.zsync.io.Io;
import io.zsync.kafka.ZsyncHeaders;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.transforms.Transformation;

/**
 * Writes the CRC32C of the record value (SIMD path, {@link HardwareAccel#crc32c}) into the
 * {@value ZsyncHeaders#CRC32C} header as 8 lower-case hex digits, replacing an earlier one; or, with
 * {@code verify=true}, checks the header against the value and throws a {@code DataException} when it is
 * missing or differs, so that Connect's {@code errors.tolerance} and dead-letter queue take over. Values
 * must be bytes or strings (UTF-8). Tombstones pass through unchecked.
 *
 * <p>On a sink connector, verify reads the header as the worker's {@code header.converter} parsed it;
 * {@code org.apache.kafka.connect.storage.StringConverter} keeps it as written.
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
            String found = found(h);
            if (!crc.equals(found)) {
                throw new DataException("Checksum: the value of the record at " + where(record) + " has CRC32C " + crc
                        + " but its " + ZsyncHeaders.CRC32C + " header says " + found);
            }
            return record;
        }
        return HeaderRecords.withHeader(record, ZsyncHeaders.CRC32C, crc);
    }

    /**
     * The header as 8 hex digits. A header converter that parses numbers turns {@code 00123456} into the
     * integer 123456: padding it back gives the text that was written.
     */
    private static String found(Header h) {
        String text;
        try {
            text = HeaderValues.text(h);
        } catch (IllegalArgumentException e) {
            throw new DataException("Checksum: " + e.getMessage(), e);
        }
        if (h.value() instanceof Number) {
            text = String.format(Locale.ROOT, "%8s", text).replace(' ', '0');
        }
        return text.trim().toLowerCase(Locale.ROOT);
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

package io.zsync.connector.transforms;

import io.zsync.accel.HardwareAccel;
import io.zsync.accel.XorKey;
import io.zsync.connector.Version;
import io.zsync.io.Io;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.transforms.Transformation;

/**
 * XORs the record's key ({@code XorMask$Key}) or value ({@code XorMask$Value}) with a repeating key, on
 * the SIMD path ({@link HardwareAccel#optimizedXor}); applying it again with the same key restores the
 * bytes. Works on bytes and on strings (as UTF-8); the result is bytes (schema {@code BYTES}, optional if
 * the input's was), since masked text is no longer text. Other types fail with a {@code DataException},
 * so Connect's {@code errors.tolerance} decides. Null keys and tombstones pass through.
 *
 * @param <R> the record type
 */
public abstract class XorMask<R extends ConnectRecord<R>> implements Transformation<R> {

    public static final String OVERVIEW_DOC = "XORs the record key (XorMask$Key) or value (XorMask$Value) with a"
            + " repeating key given in hex; applying it twice restores the bytes. Bytes and strings (UTF-8) only.";

    public static final String KEY_HEX_CONFIG = "key.hex";
    private static final String RULE = "must be an even number of hex digits (0-9, a-f), at least 2";
    private static final String KEY_HEX_DOC = "The mask key as hex digits, e.g. 5a3c0f (an even number, at least 2).";

    /** The definition: keys, defaults, validators and docs. */
    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(KEY_HEX_CONFIG, Type.PASSWORD, ConfigDef.NO_DEFAULT_VALUE, ConfigDef.LambdaValidator.with(
                    (key, value) -> {
                        // Connect's validate calls this with null for a missing key (and reports that apart):
                        // a ConfigException, where a NullPointerException would fail the whole validation.
                        if (!(value instanceof Password p) || p.value() == null) {
                            throw new ConfigException(key, null, RULE);
                        }
                        parse(key, p.value());
                    },
                    () -> "an even number of hex digits, at least 2"), Importance.HIGH, KEY_HEX_DOC);

    private final HardwareAccel accel = HardwareAccel.init();
    private final Io io = Io.blocking();
    private XorKey key;

    @Override
    public void configure(Map<String, ?> configs) {
        key = parse(KEY_HEX_CONFIG, new AbstractConfig(CONFIG_DEF, configs).getPassword(KEY_HEX_CONFIG).value());
    }

    private static XorKey parse(String name, String hex) {
        try {
            return XorKey.fromHex(hex);
        } catch (IllegalArgumentException e) {
            // The message would repeat the key; it is a secret, so only the rule is given.
            throw new ConfigException(name, "[hidden]", RULE);
        }
    }

    /** Masks {@code data} (a key or value that is not null). */
    byte[] mask(Object data, String what) {
        byte[] in = Payloads.bytes(data, what, getClass().getName());
        byte[] out = new byte[in.length];
        accel.optimizedXor(io, out, in, key);
        return out;
    }

    /** The schema of the masked bytes: BYTES, optional if the input's schema was, none if it had none. */
    static Schema bytesSchema(Schema input) {
        if (input == null) {
            return null;
        }
        return input.isOptional() ? Schema.OPTIONAL_BYTES_SCHEMA : SchemaBuilder.bytes().build();
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

    /** Masks the record key. */
    public static final class Key<R extends ConnectRecord<R>> extends XorMask<R> {
        @Override
        public R apply(R record) {
            if (record.key() == null) {
                return record;
            }
            return record.newRecord(record.topic(), record.kafkaPartition(), bytesSchema(record.keySchema()),
                    mask(record.key(), "key"), record.valueSchema(), record.value(), record.timestamp(),
                    record.headers());
        }
    }

    /** Masks the record value. */
    public static final class Value<R extends ConnectRecord<R>> extends XorMask<R> {
        @Override
        public R apply(R record) {
            if (record.value() == null) {
                return record;
            }
            return record.newRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(),
                    bytesSchema(record.valueSchema()), mask(record.value(), "value"), record.timestamp(),
                    record.headers());
        }
    }
}

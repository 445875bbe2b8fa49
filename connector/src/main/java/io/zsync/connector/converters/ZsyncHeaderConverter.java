package io.zsync.connector.converters;

import io.zsync.connector.Version;
import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.storage.HeaderConverter;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;

/**
 * The header converter for the bridge, and for any connector that carries headers as raw bytes next to
 * the text headers zsync's transforms write. Bytes are written unchanged (Kafka's
 * {@code ByteArrayConverter} would do that too, but refuses the transforms' string headers); every other
 * value is written as {@code SimpleHeaderConverter} writes it (a string as its UTF-8 bytes), which would
 * otherwise Base64-encode the bytes. Read back, a header is its bytes, with a bytes schema.
 */
public final class ZsyncHeaderConverter implements HeaderConverter, Versioned {
    private final SimpleHeaderConverter others = new SimpleHeaderConverter();

    @Override
    public void configure(Map<String, ?> configs) {
        others.configure(configs);
    }

    @Override
    public ConfigDef config() {
        return new ConfigDef();
    }

    @Override
    public byte[] fromConnectHeader(String topic, String headerKey, Schema schema, Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof byte[] bytes) {
            return bytes;
        }
        if (value instanceof ByteBuffer buffer) {
            return Utils.toArray(buffer.duplicate());
        }
        return others.fromConnectHeader(topic, headerKey, schema, value);
    }

    @Override
    public SchemaAndValue toConnectHeader(String topic, String headerKey, byte[] value) {
        return new SchemaAndValue(Schema.OPTIONAL_BYTES_SCHEMA, value);
    }

    @Override
    public String version() {
        return Version.get();
    }

    @Override
    public void close() {
        // SimpleHeaderConverter holds no resources.
    }
}

package io.zsync.connector.converters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.junit.jupiter.api.Test;

/** Raw bytes pass unchanged; text headers are written as UTF-8, as SimpleHeaderConverter writes them. */
class ZsyncHeaderConverterTest {

    @Test
    void bytesPassUnchangedAndOtherValuesAreWrittenAsText() {
        try (ZsyncHeaderConverter c = new ZsyncHeaderConverter()) {
            c.configure(Map.of());
            byte[] raw = {0, (byte) 0xff, 42};
            assertArrayEquals(raw, c.fromConnectHeader("t", "h", Schema.OPTIONAL_BYTES_SCHEMA, raw));
            assertArrayEquals(raw, c.fromConnectHeader("t", "h", Schema.OPTIONAL_BYTES_SCHEMA, ByteBuffer.wrap(raw)));
            assertArrayEquals("HIGH".getBytes(StandardCharsets.UTF_8),
                    c.fromConnectHeader("t", "zsync.priority", Schema.STRING_SCHEMA, "HIGH"));
            assertArrayEquals("1732449600000000".getBytes(StandardCharsets.UTF_8),
                    c.fromConnectHeader("t", "zsync.deadline", Schema.INT64_SCHEMA, 1732449600000000L));
            assertNull(c.fromConnectHeader("t", "h", Schema.OPTIONAL_BYTES_SCHEMA, null));
            assertEquals(new SchemaAndValue(Schema.OPTIONAL_BYTES_SCHEMA, raw), c.toConnectHeader("t", "h", raw));
        }
    }
}

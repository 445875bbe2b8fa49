package io.zsync.connector.transforms;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zsync.kafka.ZsyncHeaders;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.utils.MockTime;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.transforms.Transformation;
import org.junit.jupiter.api.Test;

/** Each transform on source and sink records: what it writes, what it refuses, what it leaves alone. */
class TransformsTest {
    private static final long T0 = 1_764_000_000_000L;

    static SourceRecord source(Object key, Object value) {
        return new SourceRecord(Map.of("p", 1), Map.of("o", 1), "topic", 0, null, key, null, value, T0);
    }

    static SinkRecord sink(Object key, Object value, ConnectHeaders headers) {
        return new SinkRecord("topic", 0, null, key, null, value, 42, T0,
                org.apache.kafka.common.record.TimestampType.CREATE_TIME, headers);
    }

    static <T extends Transformation<SourceRecord>> T configured(T t, Map<String, ?> config) {
        t.configure(config);
        return t;
    }

    static String header(org.apache.kafka.connect.connector.ConnectRecord<?> r, String name) {
        org.apache.kafka.connect.header.Header h = r.headers().lastWithName(name);
        return h == null ? null : (String) h.value();
    }

    @Test
    void setPriorityReplacesTheHeaderAndLeavesTheRecordAlone() {
        SetPriority<SourceRecord> t = configured(new SetPriority<>(), Map.of("priority", "high"));
        SourceRecord in = source("k", "v");
        in.headers().addString(ZsyncHeaders.PRIORITY, "LOW");
        SourceRecord out = t.apply(in);
        assertEquals("HIGH", header(out, ZsyncHeaders.PRIORITY));
        assertEquals(1, out.headers().size(), "replaced, not added");
        assertEquals("LOW", header(in, ZsyncHeaders.PRIORITY), "the input record's headers are not changed");
        assertEquals("k", out.key());
        assertEquals("v", out.value());
        assertEquals(T0, out.timestamp());
        assertEquals(Map.of("o", 1), out.sourceOffset());
        SourceRecord tombstone = t.apply(source("k", null));
        assertNull(tombstone.value());
    }

    @Test
    void setPriorityRefusesAnUnknownLevelNamingTheKeyAndTheLevels() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new SetPriority<SourceRecord>().configure(Map.of("priority", "URGENT")));
        assertTrue(e.getMessage().contains("priority") && e.getMessage().contains("CRITICAL"), e.getMessage());
        assertThrows(ConfigException.class, () -> new SetPriority<SourceRecord>().configure(Map.of()));
    }

    @Test
    void setDeadlineIsTheTimestampPlusTtlInEpochMicros() {
        MockTime time = new MockTime(0, T0 + 5_000, 0);
        SetDeadline<SourceRecord> t = new SetDeadline<>(time);
        t.configure(Map.of("ttl.ms", "30000"));
        assertEquals(Long.toString((T0 + 30_000) * 1_000), header(t.apply(source("k", "v")), ZsyncHeaders.DEADLINE));
        SourceRecord noTimestamp = new SourceRecord(null, null, "topic", 0, null, "k", null, "v", null);
        assertEquals(Long.toString((T0 + 35_000) * 1_000), header(t.apply(noTimestamp), ZsyncHeaders.DEADLINE),
                "a record without a timestamp counts from now");
        ConfigException e = assertThrows(ConfigException.class,
                () -> new SetDeadline<SourceRecord>().configure(Map.of("ttl.ms", "0")));
        assertTrue(e.getMessage().contains("ttl.ms"), e.getMessage());
    }

    @Test
    void setDeadlineNeverThrowsOnTheTimeAndSaturatesAtTheLargestDeadlineZsyncReads() {
        MockTime time = new MockTime(0, T0, 0);
        long maxTtl = 100L * 365 * 24 * 3600 * 1000;
        java.util.Random random = new java.util.Random(11);
        java.util.List<Long> timestamps = new java.util.ArrayList<>(java.util.Arrays.asList(null, Long.MIN_VALUE, -1L,
                0L, T0, SetDeadline.MAX_DEADLINE_MICROS / 1_000 - maxTtl, SetDeadline.MAX_DEADLINE_MICROS / 1_000,
                Long.MAX_VALUE / 1_000, Long.MAX_VALUE / 1_000 + 1, Long.MAX_VALUE - 1, Long.MAX_VALUE));
        for (int i = 0; i < 2_000; i++) {
            timestamps.add(random.nextLong());
        }
        for (long ttl : new long[] {1, 30_000, maxTtl}) {
            SetDeadline<SourceRecord> t = new SetDeadline<>(time);
            t.configure(Map.of("ttl.ms", Long.toString(ttl)));
            for (Long timestamp : timestamps) {
                SourceRecord in = new SourceRecord(null, null, "topic", 0, null, "k", null, "v", timestamp);
                String deadline = header(t.apply(in), ZsyncHeaders.DEADLINE);
                // Without a timestamp, or with Kafka's negative "none", from now; past 18 digits, the largest.
                long base = timestamp == null || timestamp < 0 ? T0 : timestamp;
                java.math.BigInteger exact = java.math.BigInteger.valueOf(base).add(java.math.BigInteger.valueOf(ttl))
                        .multiply(java.math.BigInteger.valueOf(1_000));
                long expected = exact.min(java.math.BigInteger.valueOf(SetDeadline.MAX_DEADLINE_MICROS)).longValueExact();
                assertEquals(Long.toString(expected), deadline, "timestamp " + timestamp + ", ttl.ms " + ttl);
                assertTrue(deadline.matches("[0-9]{1,18}"), deadline);
            }
        }
        // The row value: a record with a huge timestamp does not kill the task.
        SetDeadline<SourceRecord> t = new SetDeadline<>(time);
        t.configure(Map.of("ttl.ms", "30000"));
        SourceRecord huge = new SourceRecord(null, null, "topic", 0, null, "k", null, "v", Long.MAX_VALUE);
        assertEquals("999999999999999999", header(t.apply(huge), ZsyncHeaders.DEADLINE));
    }

    @Test
    void xorMaskTwiceRestoresTheBytesAndTurnsStringsIntoBytes() {
        XorMask.Value<SourceRecord> value = new XorMask.Value<>();
        value.configure(Map.of("key.hex", "5a3c0f"));
        byte[] data = new byte[1000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31);
        }
        SourceRecord masked = value.apply(source("k", data));
        byte[] maskedBytes = (byte[]) masked.value();
        assertEquals((byte) (data[1] ^ 0x3c), maskedBytes[1]);
        assertArrayEquals(data, (byte[]) value.apply(masked).value());
        assertEquals("k", masked.key(), "XorMask$Value leaves the key");

        SourceRecord text = new SourceRecord(null, null, "topic", 0, Schema.STRING_SCHEMA, "k",
                Schema.OPTIONAL_STRING_SCHEMA, "héllo", T0);
        SourceRecord maskedText = value.apply(text);
        assertEquals(Schema.OPTIONAL_BYTES_SCHEMA, maskedText.valueSchema());
        assertEquals("héllo", new String((byte[]) value.apply(maskedText).value(), StandardCharsets.UTF_8));

        XorMask.Key<SourceRecord> key = new XorMask.Key<>();
        key.configure(Map.of("key.hex", "ff"));
        SourceRecord keyMasked = key.apply(text);
        assertArrayEquals(new byte[] {(byte) ('k' ^ 0xff)}, (byte[]) keyMasked.key());
        assertEquals(Schema.Type.BYTES, keyMasked.keySchema().type());
        assertSame(text.value(), keyMasked.value());
        SourceRecord nullKey = source(null, "v");
        assertSame(nullKey, key.apply(nullKey), "a null key passes");
        SourceRecord tombstone = source("k", null);
        assertSame(tombstone, value.apply(tombstone), "a tombstone passes");
    }

    @Test
    void xorMaskRefusesBadKeysWithoutEchoingThemAndNonByteValuesWithADataException() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new XorMask.Value<SourceRecord>().configure(Map.of("key.hex", "secretzz")));
        assertTrue(e.getMessage().contains("key.hex") && !e.getMessage().contains("secretzz"), e.getMessage());
        XorMask.Value<SourceRecord> value = new XorMask.Value<>();
        value.configure(Map.of("key.hex", "01"));
        Schema schema = SchemaBuilder.struct().field("a", Schema.INT32_SCHEMA).build();
        DataException d = assertThrows(DataException.class,
                () -> value.apply(new SourceRecord(null, null, "t", 0, null, null, schema, new Struct(schema).put("a", 1))));
        assertTrue(d.getMessage().contains("Struct"), d.getMessage());
    }

    @Test
    void checksumWritesCrc32cAndVerifyAcceptsItButRejectsAChangedValue() {
        Checksum<SinkRecord> write = new Checksum<>();
        write.configure(Map.of());
        byte[] data = "payload".getBytes(StandardCharsets.UTF_8);
        CRC32C crc = new CRC32C();
        crc.update(data);
        SinkRecord written = write.apply(sink("k", data, new ConnectHeaders()));
        assertEquals(String.format("%08x", crc.getValue()), written.headers().lastWithName(ZsyncHeaders.CRC32C).value());

        Checksum<SinkRecord> verify = new Checksum<>();
        verify.configure(Map.of("verify", "true"));
        assertSame(written, verify.apply(written));
        SinkRecord changed = written.newRecord("topic", 0, null, "k", null, "payloaD".getBytes(StandardCharsets.UTF_8),
                T0, written.headers());
        DataException e = assertThrows(DataException.class, () -> verify.apply(changed));
        assertTrue(e.getMessage().contains(ZsyncHeaders.CRC32C), e.getMessage());
        assertThrows(DataException.class, () -> verify.apply(sink("k", data, new ConnectHeaders())), "no header");
        SinkRecord tombstone = sink("k", null, new ConnectHeaders());
        assertSame(tombstone, verify.apply(tombstone));
    }

    @Test
    void checksumVerifyReadsAHeaderThatTheConverterParsedAsANumber() {
        // SimpleHeaderConverter turns the text 00123456 into the integer 123456.
        byte[] data = null;
        for (int i = 0; data == null; i++) {
            byte[] candidate = ("v" + i).getBytes(StandardCharsets.UTF_8);
            CRC32C crc = new CRC32C();
            crc.update(candidate);
            if (String.format("%08x", crc.getValue()).matches("0[0-9]{7}")) {
                data = candidate;
            }
        }
        CRC32C crc = new CRC32C();
        crc.update(data);
        ConnectHeaders headers = new ConnectHeaders();
        headers.addInt(ZsyncHeaders.CRC32C, Integer.parseInt(String.format("%08x", crc.getValue())));
        Checksum<SinkRecord> verify = new Checksum<>();
        verify.configure(Map.of("verify", "true"));
        SinkRecord r = sink("k", data, headers);
        assertSame(r, verify.apply(r));
    }

    @Test
    void everyTransformDeclaresItsConfigAndAVersion() {
        for (Transformation<SourceRecord> t : List.<Transformation<SourceRecord>>of(new RateLimit<>(),
                new SetPriority<>(), new SetDeadline<>(), new XorMask.Key<>(), new XorMask.Value<>(), new Checksum<>())) {
            assertTrue(!t.config().names().isEmpty(), t.getClass().getName());
            assertTrue(t instanceof org.apache.kafka.connect.components.Versioned);
            assertTrue(((org.apache.kafka.connect.components.Versioned) t).version().startsWith("0."),
                    ((org.apache.kafka.connect.components.Versioned) t).version());
        }
    }
}

package io.zsync.connector.transforms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zsync.connector.HeaderConverters;
import io.zsync.kafka.ZsyncHeaders;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/**
 * A checksum written by a source connector's Checksum, carried through a worker's header converter and read
 * back by a sink connector's, verifies under every converter; one over a changed value fails under every
 * converter.
 */
class ChecksumHeaderConvertersTest {
    private static final String KEY = ZsyncHeaders.CRC32C;

    private final Checksum<SourceRecord> write = TransformsTest.configured(new Checksum<>(), Map.of());
    private final Checksum<SinkRecord> verify = new Checksum<>();

    ChecksumHeaderConvertersTest() {
        verify.configure(Map.of("verify", "true"));
    }

    /**
     * What the sink's transforms see of the header that the source's Checksum wrote over {@code value}: the
     * worker writes it with the converter and the sink's worker reads it with the same one. Kafka's
     * ByteArrayConverter cannot write it (documented on Checksum); a sink reading with it gets the UTF-8
     * text another converter wrote.
     */
    private SchemaAndValue carried(HeaderConverters.Case c, byte[] value) {
        Header written = write.apply(TransformsTest.source("k", value)).headers().lastWithName(KEY);
        if (!c.writesText()) {
            DataException e = assertThrows(DataException.class,
                    () -> c.converter().fromConnectHeader("topic", KEY, written.schema(), written.value()));
            assertTrue(e.getMessage().contains("ByteArrayConverter"), e.getMessage());
            return c.read(KEY, ((String) written.value()).getBytes(StandardCharsets.UTF_8));
        }
        byte[] wire = c.converter().fromConnectHeader("topic", KEY, written.schema(), written.value());
        return c.read(KEY, wire);
    }

    private static SinkRecord sinkRecord(byte[] value, SchemaAndValue header) {
        ConnectHeaders headers = new ConnectHeaders();
        headers.add(KEY, header);
        return TransformsTest.sink("k", value, headers);
    }

    @Test
    void theRowValueVerifiesUnderEveryConverter() {
        // Row a: order-91 has CRC32C 2129e761, which SimpleHeaderConverter reads as the decimal 2.129E+764.
        byte[] value = "order-91".getBytes(StandardCharsets.UTF_8);
        assertEquals("2129e761", write.apply(TransformsTest.source("k", value)).headers().lastWithName(KEY).value());
        for (HeaderConverters.Case c : HeaderConverters.all()) {
            SchemaAndValue header = carried(c, value);
            if (c.name().equals("SimpleHeaderConverter")) {
                assertEquals(new BigDecimal("2.129E+764"), header.value());
            }
            SinkRecord r = sinkRecord(value, header);
            assertSame(r, verify.apply(r), c.name());
            SinkRecord changed = sinkRecord("order-92".getBytes(StandardCharsets.UTF_8), header);
            DataException e = assertThrows(DataException.class, () -> verify.apply(changed), c.name());
            assertTrue(e.getMessage().contains("2129e761") || e.getMessage().contains("2.129E+764"), e.getMessage());
        }
    }

    @Test
    void correctChecksumsOfRandomValuesVerifyAndChangedOnesFailUnderEveryConverter() {
        Random random = new Random(91);
        Set<String> parsedAs = new TreeSet<>();
        java.util.List<HeaderConverters.Case> converters = HeaderConverters.all();
        HeaderConverters.Case simple = converters.get(0);
        int samples = 100_000;
        for (int i = 0; i < samples; i++) {
            byte[] value = new byte[random.nextInt(48)];
            random.nextBytes(value);
            byte[] changed = value.length == 0 ? new byte[] {0} : value.clone();
            if (value.length > 0) {
                int bit = random.nextInt(value.length * 8);
                changed[bit / 8] ^= (byte) (1 << (bit % 8));
            }
            for (HeaderConverters.Case c : converters) {
                SchemaAndValue header = carried(c, value);
                if (c == simple) {
                    parsedAs.add(header.value().getClass().getSimpleName());
                }
                SinkRecord r = sinkRecord(value, header);
                assertSame(r, verify.apply(r), () -> c.name() + " " + Arrays.toString(value) + " " + header);
                SinkRecord bad = sinkRecord(changed, header);
                assertThrows(DataException.class, () -> verify.apply(bad),
                        () -> c.name() + " accepted a changed value " + Arrays.toString(changed) + " " + header);
            }
        }
        // The sample holds every kind SimpleHeaderConverter makes of 8 hex digits, not just text.
        assertTrue(parsedAs.containsAll(Set.of("String", "Integer", "Long", "Float", "Double", "BigDecimal")),
                parsedAs.toString());
    }
}

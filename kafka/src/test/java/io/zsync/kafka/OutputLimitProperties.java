package io.zsync.kafka;

import io.zsync.schemas.ZsyncSerdes;
import io.zsync.stream.DeadLetterReason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.internal.AbstractRecords;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 18, row d: a record larger than the output accepts is {@code TOO_LARGE} ({@link RecordIntake}), and
 * its dead letter, however large the record, fits the same limit ({@link DeadLetters#letter}).
 */
class OutputLimitProperties {
    private static final long NOW_MS = 1_700_000_000_000L;
    private static final ZsyncConfig DEFAULTS = new ZsyncConfig(Map.of());

    @Test
    void shouldRefuseARecordJustOverTheOutputLimitAndAcceptOneAtIt() {
        byte[] key = "k".getBytes(StandardCharsets.UTF_8);
        byte[] value = new byte[1_500_000];
        Headers headers = new RecordHeaders().add("trace", new byte[] {1, 2, 3});
        long produced = RecordSize.produced(key, value, headers);

        RecordIntake at = new RecordIntake(DEFAULTS, produced, "target.max.message.bytes=" + produced);
        assertTrue(at.examine("orders", NOW_MS, key, value, headers), at.detail());
        assertEquals(RecordSize.of(key, value, headers), at.size());

        String limit = "target.max.message.bytes=" + (produced - 1);
        RecordIntake over = new RecordIntake(DEFAULTS, produced - 1, limit);
        assertFalse(over.examine("orders", NOW_MS, key, value, headers));
        assertEquals(DeadLetterReason.TOO_LARGE, over.failure());
        assertTrue(over.detail().contains(limit) && over.detail().contains(Long.toString(produced)), over.detail());
        assertEquals(0, over.size());
        // The next record is judged on its own.
        assertTrue(over.examine("orders", NOW_MS, key, new byte[10], headers), over.detail());
        assertNull(over.failure());
    }

    @Test
    void shouldKeepTheBufferLimitWithoutAnOutputLimit() {
        RecordIntake intake = new RecordIntake(new ZsyncConfig(Map.of("zsync.buffer.max.bytes", "100")));
        assertEquals(Long.MAX_VALUE, intake.outputMaxBytes());
        assertFalse(intake.examine("orders", NOW_MS, null, new byte[200], null));
        assertTrue(intake.detail().contains("zsync.buffer.max.bytes=100"), intake.detail());
    }

    @Test
    void shouldRefuseLimitsThatCannotHoldADeadLetter() {
        assertThrows(IllegalArgumentException.class, () -> new RecordIntake(DEFAULTS, 0, "x"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DeadLetters(DEFAULTS, DeadLetters.MIN_MAX_BYTES - 1));
        assertTrue(e.getMessage().contains("1024") && e.getMessage().contains("1023"), e.getMessage());
    }

    record Original(String topic, int partition, long offset, byte[] key, byte[] value, List<Header> headers) {
        Headers kafkaHeaders() {
            RecordHeaders h = new RecordHeaders();
            headers.forEach(h::add);
            return h;
        }
    }

    /**
     * Bounded dead letters never exceed their limit (as we size them and as Kafka's producer does), keep
     * reason and coordinates, say when they were cut and by how much, and are the unbounded dead letter
     * when that fits.
     */
    @Property(tries = 1_500)
    void deadLettersFitTheLimitAndSayWhenTheyWereCut(@ForAll("originals") Original r,
                                                      @ForAll boolean avro,
                                                      @ForAll("limits") long limit) {
        ZsyncConfig config = new ZsyncConfig(Map.of("zsync.dlq.format", avro ? "avro" : "raw"));
        DeadLetters bounded = new DeadLetters(config, limit);
        DeadLetters unbounded = new DeadLetters(config);
        DeadLetters.Letter whole = unbounded.letter(DeadLetterReason.TOO_LARGE, r.topic(), r.partition(), r.offset(),
                r.key(), r.value(), r.kafkaHeaders(), NOW_MS);
        DeadLetters.Letter letter = bounded.letter(DeadLetterReason.TOO_LARGE, r.topic(), r.partition(),
                r.offset(), r.key(), r.value(), r.kafkaHeaders(), NOW_MS);

        long size = RecordSize.produced(letter.key(), letter.value(), letter.headers());
        assertTrue(size <= limit, size + " > " + limit);
        assertTrue(AbstractRecords.estimateSizeInBytesUpperBound(RecordBatch.MAGIC_VALUE_V2, CompressionType.NONE,
                letter.key(), letter.value(), letter.headers().toArray()) <= limit);
        assertEquals("TOO_LARGE", text(letter.headers(), ZsyncHeaders.DLQ_REASON));
        assertEquals(r.topic(), text(letter.headers(), ZsyncHeaders.SOURCE_TOPIC));
        assertEquals(Integer.toString(r.partition()), text(letter.headers(), ZsyncHeaders.SOURCE_PARTITION));
        assertEquals(Long.toString(r.offset()), text(letter.headers(), ZsyncHeaders.SOURCE_OFFSET));
        assertEquals(Long.toString(NOW_MS), text(letter.headers(), ZsyncHeaders.DLQ_TIMESTAMP));

        boolean fits = RecordSize.produced(whole.key(), whole.value(), whole.headers()) <= limit;
        net.jqwik.api.statistics.Statistics.collect(avro ? "avro" : "raw", fits ? "whole"
                : String.valueOf(letter.headers().lastHeader(ZsyncHeaders.DLQ_DROPPED) == null ? "value cut"
                : text(letter.headers(), ZsyncHeaders.DLQ_DROPPED)));
        assertEquals(!fits, letter.truncated());
        if (fits) {
            assertArrayEquals(whole.key(), letter.key());
            assertArrayEquals(whole.value(), letter.value());
            assertEquals(whole.headers(), letter.headers());
            assertNull(letter.headers().lastHeader(ZsyncHeaders.DLQ_DROPPED));
            return;
        }
        assertEquals(Integer.toString(r.value() == null ? -1 : r.value().length),
                text(letter.headers(), ZsyncHeaders.DLQ_TRUNCATED));
        String dropped = text(letter.headers(), ZsyncHeaders.DLQ_DROPPED);
        boolean keptHeaders = dropped == null;
        boolean keptKey = !"headers,key".equals(dropped);
        assertTrue(dropped == null || dropped.equals("headers") || dropped.equals("headers,key"), dropped);
        if (keptKey) {
            assertArrayEquals(r.key(), letter.key());
        } else {
            assertNull(letter.key());
        }
        // The original headers come first, then the zsync ones: kept all, or none.
        int originals = 0;
        for (Header h : letter.headers()) {
            if (originals < r.headers().size() && keptHeaders) {
                assertEquals(r.headers().get(originals).key(), h.key());
                originals++;
            }
        }
        assertEquals(keptHeaders ? r.headers().size() : 0, originals);

        byte[] prefix;
        if (avro) {
            io.zsync.schemas.DeadLetter d = ZsyncSerdes.deadLetter().deserializer().deserialize("dlq", letter.value());
            assertEquals(r.topic(), d.getSourceTopic());
            assertEquals(r.partition(), d.getSourcePartition());
            assertEquals(r.offset(), d.getSourceOffset());
            assertEquals(keptHeaders ? r.headers().size() : 0, d.getHeaders().size());
            assertEquals(keptKey && r.key() != null, d.getKey() != null);
            prefix = bytes(d.getValue());
        } else {
            prefix = letter.value();
        }
        if (r.value() == null) {
            assertNull(prefix);
        } else {
            assertNotNull(prefix);
            assertArrayEquals(Arrays.copyOf(r.value(), prefix.length), prefix, "a prefix of the original value");
            if (!avro && keptHeaders && prefix.length < r.value().length) {
                // The longest prefix that fits: one byte more would not.
                byte[] longer = Arrays.copyOf(r.value(), prefix.length + 1);
                assertTrue(RecordSize.produced(letter.key(), longer, letter.headers()) > limit);
            }
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    private static String text(Headers headers, String key) {
        Header h = headers.lastHeader(key);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Provide
    Arbitrary<Long> limits() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.longs().between(DeadLetters.MIN_MAX_BYTES, 4_000)),
                Tuple.of(3, Arbitraries.longs().between(4_000, 40_000)),
                Tuple.of(1, Arbitraries.just(DeadLetters.MIN_MAX_BYTES)),
                Tuple.of(1, Arbitraries.just(1_048_576L)));
    }

    @Provide
    Arbitrary<Original> originals() {
        Arbitrary<String> topic = Arbitraries.strings().withChars("abcxyzABC019._-").ofMinLength(1).ofMaxLength(249);
        Arbitrary<Integer> partition = Arbitraries.integers().between(0, Integer.MAX_VALUE);
        Arbitrary<Long> offset = Arbitraries.longs().between(0, Long.MAX_VALUE);
        Arbitrary<List<Header>> headers = header().list().ofMaxSize(8);
        return Combinators.combine(topic, partition, offset, bytes(), bytes(), headers).as(Original::new);
    }

    /** Null, empty, small, and sizes around and far past the limits. */
    private static Arbitrary<byte[]> bytes() {
        return Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.just(null)),
                Tuple.of(1, Arbitraries.just(new byte[0])),
                Tuple.of(4, Arbitraries.bytes().array(byte[].class).ofMaxSize(200)),
                Tuple.of(4, Arbitraries.integers().between(200, 50_000).map(OutputLimitProperties::pattern)),
                Tuple.of(1, Arbitraries.integers().between(1_000_000, 1_600_000).map(OutputLimitProperties::pattern)));
    }

    private static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }

    private static Arbitrary<Header> header() {
        Arbitrary<String> key = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.strings().ofMinLength(1).ofMaxLength(30)),
                Tuple.of(1, Arbitraries.integers().between(500, 3_000).map(n -> "k\u00e9".repeat(n))));
        Arbitrary<byte[]> value = Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(null)),
                Tuple.of(4, Arbitraries.bytes().array(byte[].class).ofMaxSize(100)),
                Tuple.of(1, Arbitraries.integers().between(100, 5_000).map(OutputLimitProperties::pattern)));
        return Combinators.combine(key, value).as(RecordHeader::new);
    }
}

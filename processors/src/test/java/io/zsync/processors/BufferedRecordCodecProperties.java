package io.zsync.processors;

import io.zsync.stream.Priority;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The store codec over generated records: every length Kafka allows (header keys past 65,535 bytes, any
 * string a processor upstream may put in a name, lone surrogates included) reads back as written, and any
 * corruption of an entry is a {@link SerializationException}, never another exception.
 */
class BufferedRecordCodecProperties {

    @Property(tries = 3_000)
    void everyRecordReadsBackAsWritten(@ForAll("records") BufferedRecord r) {
        BufferedRecord back = BufferedRecordCodec.decode(BufferedRecordCodec.encode(r));
        assertEquals(new String(r.topic().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8), back.topic());
        assertEquals(r.partition(), back.partition());
        assertEquals(r.offset(), back.offset());
        assertEquals(r.timestamp(), back.timestamp());
        assertEquals(r.priority(), back.priority());
        assertEquals(r.deadlineMicros(), back.deadlineMicros());
        assertArrayEquals(r.key(), back.key());
        assertArrayEquals(r.value(), back.value());
        Header[] in = r.headers().toArray();
        Header[] out = back.headers().toArray();
        assertEquals(in.length, out.length);
        for (int i = 0; i < in.length; i++) {
            assertEquals(new String(in[i].key().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8), out[i].key());
            assertArrayEquals(in[i].value(), out[i].value());
        }
    }

    @Property(tries = 3_000)
    void aCorruptEntryIsASerializationExceptionAndItsSourceRecoverable(@ForAll("records") BufferedRecord r,
                                                                      @ForAll int position, @ForAll byte replacement,
                                                                      @ForAll int cut) {
        byte[] bytes = BufferedRecordCodec.encode(r);
        byte[] corrupt = Arrays.copyOf(bytes, Math.floorMod(cut, bytes.length + 1));
        if (corrupt.length > 0) {
            corrupt[Math.floorMod(position, corrupt.length)] = replacement;
        }
        try {
            BufferedRecordCodec.decode(corrupt);
        } catch (SerializationException expected) {
            // the one way a bad entry may fail
        }
        BufferedRecordCodec.recoverSource(corrupt);
    }

    @Provide
    Arbitrary<BufferedRecord> records() {
        Arbitrary<String> names = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.strings().ofMaxLength(30)),
                Tuple.of(2, Arbitraries.strings().withCharRange('\uD800', '\uDFFF').ofMaxLength(6)),
                Tuple.of(1, Arbitraries.integers().between(65_536, 70_000).map("k"::repeat)));
        Arbitrary<byte[]> bytes = Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(null)),
                Tuple.of(6, Arbitraries.bytes().array(byte[].class).ofMaxSize(64)),
                Tuple.of(1, Arbitraries.integers().between(65_536, 70_000).map(byte[]::new)));
        Arbitrary<List<Header>> headers = Combinators.combine(names, bytes).as((k, v) -> (Header) new RecordHeader(k, v))
                .list().ofMaxSize(4);
        return Combinators.combine(names, Arbitraries.integers(), Arbitraries.longs(), Arbitraries.longs(),
                        Arbitraries.of(Priority.values()), Arbitraries.longs(), bytes, Combinators.combine(bytes, headers)
                                .as(Tuple::of))
                .as((topic, partition, offset, timestamp, level, deadline, key, rest) -> new BufferedRecord(topic,
                        partition, offset, timestamp, level, deadline, key, rest.get1(),
                        new RecordHeaders(rest.get2().toArray(new Header[0]))));
    }
}

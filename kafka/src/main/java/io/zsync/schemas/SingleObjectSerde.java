package io.zsync.schemas;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Objects;

/**
 * A Kafka serde for one generated Avro class in Avro single-object encoding: two marker bytes, the
 * schema's 8-byte fingerprint, then the binary record. The fingerprint makes every record
 * self-identifying, so no schema registry is needed. Bytes that are not such a record (another format, a
 * different schema, truncated or corrupt) fail with a {@link SerializationException} that says which,
 * which the zsync processors turn into a {@code MALFORMED} dead letter. Null is passed through both ways
 * (tombstones). Thread-safe.
 *
 * <p>Decoding never allocates more than the record holds: Avro allocates a {@code bytes} or {@code string}
 * field by the length its prefix claims before it reads it, so a 20-byte value claiming a 1 GB payload
 * would take 1 GB of heap. Each record is therefore first walked with Avro's skipping reader, which moves
 * past every field without allocating and fails at the first length that runs past the end.
 *
 * @param <T> the generated record class
 */
public final class SingleObjectSerde<T> implements Serde<T>, Serializer<T>, Deserializer<T> {
    /** Two marker bytes and the 8-byte schema fingerprint (Avro specification, "Single-object encoding"). */
    private static final int HEADER_BYTES = 10;

    private final String typeName;
    private final Schema schema;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;

    /**
     * @param typeName the record's name, for error messages
     * @param schema   the generated class's {@code getClassSchema()}, the only schema it reads
     * @param encoder  the generated class's {@code getEncoder()}
     * @param decoder  the generated class's {@code getDecoder()}
     */
    public SingleObjectSerde(String typeName, Schema schema, BinaryMessageEncoder<T> encoder,
                             BinaryMessageDecoder<T> decoder) {
        this.typeName = Objects.requireNonNull(typeName, "typeName");
        this.schema = Objects.requireNonNull(schema, "schema");
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.decoder = Objects.requireNonNull(decoder, "decoder");
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        try {
            ByteBuffer encoded = encoder.encode(data);
            byte[] bytes = new byte[encoded.remaining()];
            encoded.get(bytes);
            return bytes;
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Cannot encode a " + typeName + " for topic " + topic + ": " + e.getMessage(), e);
        }
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        try {
            checkBounds(data);
            return decoder.decode(data);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Record of " + data.length + " bytes on topic " + topic
                    + " is not a " + typeName + " in Avro single-object encoding: " + describe(e), e);
        }
    }

    /**
     * Walks the record after its header without allocating: a length or count that runs past the end
     * fails here ({@code EOFException}), before the real decoder would allocate for it. A value too short
     * for the header is left to the decoder, which says what is missing.
     */
    private void checkBounds(byte[] data) throws IOException {
        if (data.length < HEADER_BYTES) {
            return;
        }
        BinaryDecoder in = DecoderFactory.get().binaryDecoder(data, HEADER_BYTES, data.length - HEADER_BYTES, null);
        GenericDatumReader.skip(schema, in);
    }

    private static String describe(Exception e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : " (" + message + ")");
    }

    @Override
    public Serializer<T> serializer() {
        return this;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        // Nothing to configure: the schema comes with the generated class.
    }

    @Override
    public void close() {
        // Nothing to release: encoder and decoder hold no resources.
    }

    @Override
    public String toString() {
        return "SingleObjectSerde[" + typeName + "]";
    }
}

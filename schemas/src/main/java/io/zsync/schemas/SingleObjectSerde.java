package io.zsync.schemas;

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
 * @param <T> the generated record class
 */
public final class SingleObjectSerde<T> implements Serde<T>, Serializer<T>, Deserializer<T> {
    private final String typeName;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;

    /**
     * @param typeName the record's name, for error messages
     * @param encoder  the generated class's {@code getEncoder()}
     * @param decoder  the generated class's {@code getDecoder()}
     */
    public SingleObjectSerde(String typeName, BinaryMessageEncoder<T> encoder, BinaryMessageDecoder<T> decoder) {
        this.typeName = Objects.requireNonNull(typeName, "typeName");
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
            return decoder.decode(data);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Record of " + data.length + " bytes on topic " + topic
                    + " is not a " + typeName + " in Avro single-object encoding: " + describe(e), e);
        }
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

package io.zsync.kafka;

import io.zsync.schemas.StreamMessage;
import io.zsync.schemas.ZsyncSerdes;
import io.zsync.stream.Priority;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

/**
 * Reads the priority and deadline of a {@link StreamMessage} envelope ({@code zsync.envelope=avro}) in
 * place: the single-object header (marker and the schema's fingerprint) is compared, {@code id},
 * {@code priority} and {@code deadline} are decoded, and {@code payload} and {@code headers} are skipped,
 * never materialised. So classifying an envelope allocates no more than a decoder, whatever lengths and
 * counts its bytes claim (a 20-byte value claiming a 1 GB payload, a 10 MB value with a million header
 * entries), and bytes that run out or lie are a {@link Envelope#failure()}, never an exception.
 *
 * <p>Field order and types are those of {@code StreamMessage.avsc} (Avro binary encoding, Avro 1.12
 * specification): the fingerprint guarantees the writer used exactly this schema.
 */
final class EnvelopeReader {
    /** Two marker bytes and the 8-byte CRC-64-AVRO fingerprint of StreamMessage's schema. */
    private static final byte[] HEADER = header();
    private static final Priority[] LEVELS = Priority.values();

    private EnvelopeReader() {
    }

    /** What an envelope says, or why it cannot be read. */
    record Envelope(Priority priority, long deadlineMicros, String failure) {
    }

    private static byte[] header() {
        byte[] any = ZsyncSerdes.streamMessage().serialize("", StreamMessage.newBuilder().setId(0)
                .setPayload(ByteBuffer.allocate(0)).build());
        return Arrays.copyOf(any, 10);
    }

    /**
     * @param value the record value, not null
     * @return the envelope's level and deadline (epoch µs, or {@code NO_DEADLINE}), or a failure
     */
    static Envelope read(byte[] value) {
        if (value.length < HEADER.length || !Arrays.equals(value, 0, HEADER.length, HEADER, 0, HEADER.length)) {
            return failed("a value of " + value.length + " bytes that does not start with StreamMessage's"
                    + " single-object header (marker C3 01 and the schema's fingerprint)");
        }
        BinaryDecoder in = DecoderFactory.get().binaryDecoder(value, HEADER.length, value.length - HEADER.length, null);
        try {
            in.readLong(); // id
            int level = in.readEnum();
            if (level < 0 || level >= LEVELS.length) {
                return failed("priority index " + level + " is not one of the 4 levels");
            }
            long deadline = io.zsync.stream.StreamMessage.NO_DEADLINE;
            int branch = in.readIndex();
            if (branch == 1) {
                deadline = in.readLong();
                if (deadline < 0) {
                    return failed("deadline " + deadline + " µs is before 1970-01-01");
                }
            } else if (branch != 0) {
                return failed("deadline union branch " + branch + " is neither null (0) nor long (1)");
            }
            in.skipBytes(); // payload
            for (long n = in.skipMap(); n != 0; n = in.skipMap()) {
                for (long i = 0; i < n; i++) {
                    in.skipString();
                    in.skipBytes();
                }
            }
            return new Envelope(LEVELS[level], deadline, null);
        } catch (IOException | AvroRuntimeException e) {
            // EOFException: a length or count runs past the end; AvroRuntimeException: a negative length.
            return failed("a StreamMessage whose bytes run out or lie about a length (" + e + ")");
        }
    }

    private static Envelope failed(String why) {
        return new Envelope(null, io.zsync.stream.StreamMessage.NO_DEADLINE, "not a StreamMessage envelope: " + why);
    }
}

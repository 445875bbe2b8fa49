package io.zsync.processors;

import io.zsync.stream.Priority;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The binary form of a {@link BufferedRecord}, the buffer store's value.
 *
 * <p>Version 2 (written): version byte, then a prefix every later version keeps (timestamp 8, partition 4,
 * offset 8, topic as int length + UTF-8), then priority 1, deadline 8, key and value (int length, -1 =
 * null, then bytes), header count 4, and each header as int key length + UTF-8 key and int value length +
 * value. Every length is an int: Kafka bounds none of a header key, a key or a value below that (a header
 * key of 70,000 bytes is legal; version 1 stored its length in 16 bits and could not read it back).
 *
 * <p>Version 1 (read only): timestamp, partition, offset, priority, deadline, topic and header keys
 * behind 16-bit lengths, key, value, headers.
 *
 * <p>An entry that does not decode (corrupt, truncated, or written by a newer release after a rollback)
 * throws {@link SerializationException}; {@link #recoverSource} then gives what its prefix still tells,
 * so the processor can dead-letter it instead of failing the task on every restart.
 */
public final class BufferedRecordCodec {
    /** The version this release writes. */
    static final byte VERSION = 2;
    private static final byte VERSION_1 = 1;
    private static final Priority[] LEVELS = Priority.values();
    /** Version, timestamp, partition, offset, topic length: the prefix of every version from 2 on. */
    private static final int PREFIX = 1 + 8 + 4 + 8 + 4;
    /** Priority, deadline, key length, value length, header count. */
    private static final int FIXED_REST = 1 + 8 + 4 + 4 + 4;
    /** The largest array a JVM allocates reliably. */
    static final long MAX_ENCODED = Integer.MAX_VALUE - 8;

    private BufferedRecordCodec() {
    }

    /**
     * Encodes {@code r} into a new array. Names are encoded before the array is sized: a string with a lone
     * surrogate (which a processor upstream may put in a header key) encodes to fewer bytes than its
     * UTF-8 length estimate.
     *
     * @throws IllegalArgumentException if it is larger than {@link #MAX_ENCODED}
     */
    public static byte[] encode(BufferedRecord r) {
        byte[] topic = r.topic().getBytes(StandardCharsets.UTF_8);
        int count = 0;
        if (r.headers() != null) {
            for (Header ignored : r.headers()) {
                count++;
            }
        }
        byte[][] keys = new byte[count][];
        long size = PREFIX + topic.length + FIXED_REST + len(r.key()) + len(r.value());
        int i = 0;
        if (r.headers() != null) {
            for (Header h : r.headers()) {
                keys[i] = h.key().getBytes(StandardCharsets.UTF_8);
                size += 4L + keys[i].length + 4 + len(h.value());
                i++;
            }
        }
        if (size > MAX_ENCODED) {
            throw new IllegalArgumentException("a record of " + size + " encoded bytes cannot be buffered");
        }
        ByteBuffer b = ByteBuffer.allocate((int) size);
        b.put(VERSION).putLong(r.timestamp()).putInt(r.partition()).putLong(r.offset());
        putBytes(b, topic);
        b.put((byte) r.priority().ordinal()).putLong(r.deadlineMicros());
        putBytes(b, r.key());
        putBytes(b, r.value());
        b.putInt(count);
        i = 0;
        if (r.headers() != null) {
            for (Header h : r.headers()) {
                putBytes(b, keys[i++]);
                putBytes(b, h.value());
            }
        }
        return b.array();
    }

    /**
     * Decodes a record from a whole array.
     *
     * @throws SerializationException if the bytes are not a record this release can read
     */
    public static BufferedRecord decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        try {
            byte version = b.get();
            BufferedRecord r;
            if (version == VERSION || version == VERSION_1) {
                r = decode(b, version == VERSION);
            } else {
                throw new SerializationException("buffered record has version " + version + "; this release reads "
                        + VERSION_1 + " and " + VERSION);
            }
            if (b.hasRemaining()) {
                throw new SerializationException("buffered record has " + b.remaining() + " bytes past its end");
            }
            return r;
        } catch (BufferUnderflowException | IndexOutOfBoundsException | NegativeArraySizeException
                 | IllegalArgumentException e) {
            throw new SerializationException("buffered record is truncated or corrupt: " + e, e);
        }
    }

    /**
     * Both versions: they differ only in where the topic stands (version 2 puts it in the prefix, version 1
     * after priority and deadline) and in the width of name lengths (32 against 16 bits).
     */
    private static BufferedRecord decode(ByteBuffer b, boolean v2) {
        long timestamp = b.getLong();
        int partition = b.getInt();
        long offset = b.getLong();
        String topic = v2 ? name(b, true) : null;
        Priority priority = level(b.get());
        long deadline = b.getLong();
        if (!v2) {
            topic = name(b, false);
        }
        byte[] key = getBytes(b);
        byte[] value = getBytes(b);
        int count = b.getInt();
        RecordHeaders headers = new RecordHeaders();
        for (int i = 0; i < count; i++) {
            String k = name(b, v2);
            headers.add(k, getBytes(b));
        }
        return new BufferedRecord(topic, partition, offset, timestamp, priority, deadline, key, value, headers);
    }

    private static String name(ByteBuffer b, boolean wide) {
        return text(wide ? getBytes(b) : getShortBytes(b));
    }

    /**
     * Where an entry that does not decode came from, as far as its bytes still tell: a version-1 entry and
     * a version-2 (or later) prefix give topic, partition, offset and timestamp. Never throws.
     *
     * @return the source, with {@code ""} / -1 for what cannot be read
     */
    static BufferedRecord recoverSource(byte[] bytes) {
        String topic = "";
        int partition = -1;
        long offset = -1;
        long timestamp = -1;
        if (bytes != null && bytes.length >= 1 + 8 + 4 + 8) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            byte version = b.get();
            if (version >= VERSION_1) {
                timestamp = b.getLong();
                partition = b.getInt();
                offset = b.getLong();
            }
            int n = -1;
            if (version == VERSION_1 && b.remaining() >= 1 + 8 + 2) {
                b.position(b.position() + 1 + 8); // priority, deadline
                n = b.getShort() & 0xFFFF;
            } else if (version >= VERSION && b.remaining() >= 4) {
                n = b.getInt();
            }
            // A topic name is at most 249 characters of ASCII (Kafka's rule); anything longer is not one.
            if (n >= 0 && n <= b.remaining() && n <= 249) {
                byte[] t = new byte[n];
                b.get(t);
                topic = new String(t, StandardCharsets.UTF_8);
            }
        }
        return new BufferedRecord(topic, partition, offset, timestamp, null, io.zsync.stream.StreamMessage.NO_DEADLINE,
                null, bytes, new RecordHeaders());
    }

    private static Priority level(byte ordinal) {
        if (ordinal < 0 || ordinal >= LEVELS.length) {
            throw new IllegalArgumentException("priority " + ordinal);
        }
        return LEVELS[ordinal];
    }

    private static void putBytes(ByteBuffer b, byte[] bytes) {
        if (bytes == null) {
            b.putInt(-1);
        } else {
            b.putInt(bytes.length).put(bytes);
        }
    }

    /** Length-prefixed bytes; a length beyond what is left is refused before anything is allocated. */
    private static byte[] getBytes(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0) {
            return null;
        }
        if (n > b.remaining()) {
            throw new BufferUnderflowException();
        }
        byte[] bytes = new byte[n];
        b.get(bytes);
        return bytes;
    }

    private static byte[] getShortBytes(ByteBuffer b) {
        int n = b.getShort() & 0xFFFF;
        if (n > b.remaining()) {
            throw new BufferUnderflowException();
        }
        byte[] bytes = new byte[n];
        b.get(bytes);
        return bytes;
    }

    private static String text(byte[] bytes) {
        if (bytes == null) {
            throw new IllegalArgumentException("a null name");
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static long len(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }

}

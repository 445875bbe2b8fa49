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
 * The binary form of a {@link BufferedRecord}, as the buffer store's value and the engine message's
 * payload. Fixed-width fields first, then length-prefixed topic, key, value and headers (-1 = null).
 * A leading version byte lets a later release read what an earlier one buffered.
 */
public final class BufferedRecordCodec {
    static final byte VERSION = 1;
    private static final Priority[] LEVELS = Priority.values();
    private static final int FIXED = 1 + 8 + 4 + 8 + 1 + 8;

    private BufferedRecordCodec() {
    }

    /**
     * The encoded size of a record, which is what the buffer's byte limit and the byte rate count.
     *
     * @return bytes
     */
    public static int sizeOf(String topic, byte[] key, byte[] value, Headers headers) {
        long size = FIXED + 2L + utf8Length(topic) + 4 + len(key) + 4 + len(value) + 4;
        if (headers != null) {
            for (Header h : headers) {
                size += 2 + utf8Length(h.key()) + 4 + len(h.value());
            }
        }
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("record of " + size + " bytes is too large to buffer");
        }
        return (int) size;
    }

    /** Encodes {@code r} into a new array. */
    public static byte[] encode(BufferedRecord r) {
        byte[] topic = r.topic().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(sizeOf(r.topic(), r.key(), r.value(), r.headers()));
        b.put(VERSION).putLong(r.timestamp()).putInt(r.partition()).putLong(r.offset())
                .put((byte) r.priority().ordinal()).putLong(r.deadlineMicros());
        b.putShort((short) topic.length).put(topic);
        putBytes(b, r.key());
        putBytes(b, r.value());
        int countAt = b.position();
        b.putInt(0);
        int count = 0;
        if (r.headers() != null) {
            for (Header h : r.headers()) {
                byte[] k = h.key().getBytes(StandardCharsets.UTF_8);
                b.putShort((short) k.length).put(k);
                putBytes(b, h.value());
                count++;
            }
        }
        b.putInt(countAt, count);
        return b.array();
    }

    /**
     * Decodes a record from {@code b}'s remaining bytes (its position moves to their end).
     *
     * @throws SerializationException if the bytes are not an encoded record
     */
    public static BufferedRecord decode(ByteBuffer b) {
        try {
            byte version = b.get();
            if (version != VERSION) {
                throw new SerializationException("buffered record has version " + version + "; this release reads "
                        + VERSION);
            }
            long timestamp = b.getLong();
            int partition = b.getInt();
            long offset = b.getLong();
            Priority priority = LEVELS[b.get()];
            long deadline = b.getLong();
            byte[] topic = new byte[b.getShort() & 0xFFFF];
            b.get(topic);
            byte[] key = getBytes(b);
            byte[] value = getBytes(b);
            int count = b.getInt();
            RecordHeaders headers = new RecordHeaders();
            for (int i = 0; i < count; i++) {
                byte[] k = new byte[b.getShort() & 0xFFFF];
                b.get(k);
                headers.add(new String(k, StandardCharsets.UTF_8), getBytes(b));
            }
            return new BufferedRecord(new String(topic, StandardCharsets.UTF_8), partition, offset, timestamp,
                    priority, deadline, key, value, headers);
        } catch (BufferUnderflowException | ArrayIndexOutOfBoundsException | NegativeArraySizeException e) {
            throw new SerializationException("buffered record is truncated or corrupt", e);
        }
    }

    /** Decodes a record from a whole array. */
    public static BufferedRecord decode(byte[] bytes) {
        return decode(ByteBuffer.wrap(bytes));
    }

    private static void putBytes(ByteBuffer b, byte[] bytes) {
        if (bytes == null) {
            b.putInt(-1);
        } else {
            b.putInt(bytes.length).put(bytes);
        }
    }

    private static byte[] getBytes(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0) {
            return null;
        }
        byte[] bytes = new byte[n];
        b.get(bytes);
        return bytes;
    }

    private static int len(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }

    private static int utf8Length(String s) {
        // Exact for what Kafka allows in topic and header names; measured, not estimated, when non-ASCII.
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return s.getBytes(StandardCharsets.UTF_8).length;
            }
        }
        return s.length();
    }
}

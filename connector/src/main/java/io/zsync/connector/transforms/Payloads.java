package io.zsync.connector.transforms;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.connect.errors.DataException;

/** The byte forms of a record's key or value that zsync's transforms work on: bytes, buffers and strings. */
final class Payloads {
    private Payloads() {
    }

    /**
     * The bytes of {@code v}: the array itself, a buffer's remaining bytes, a string's UTF-8.
     *
     * @param what "key" or "value", for the error message
     * @throws DataException for any other type, naming it
     */
    static byte[] bytes(Object v, String what, String transform) {
        if (v instanceof byte[] b) {
            return b;
        }
        if (v instanceof ByteBuffer b) {
            byte[] copy = new byte[b.remaining()];
            b.duplicate().get(copy);
            return copy;
        }
        if (v instanceof String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
        throw new DataException(transform + " works on bytes or strings, but the record's " + what + " is a "
                + v.getClass().getName() + "; use a ByteArrayConverter or StringConverter for it");
    }

    /** The size in bytes of {@code v} if it is bytes or a string (UTF-8), else 0 (it cannot be known here). */
    static long size(Object v) {
        if (v instanceof byte[] b) {
            return b.length;
        }
        if (v instanceof ByteBuffer b) {
            return b.remaining();
        }
        if (v instanceof String s) {
            return utf8Length(s);
        }
        return 0;
    }

    /**
     * The UTF-8 length of {@code s} as a long: Kafka's {@code Utils.utf8Length} counts in an int, which a
     * string of more than 715,827,882 three-byte characters overflows into a negative size.
     */
    static long utf8Length(String s) {
        long count = 0;
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                count++;
            } else if (c < 0x800) {
                count += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                count += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                count++;    // a lone surrogate, which the UTF-8 encoder replaces with '?'
            } else {
                count += 3;
            }
        }
        return count;
    }
}

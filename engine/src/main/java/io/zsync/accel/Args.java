package io.zsync.accel;

import java.nio.ByteBuffer;

/** Argument checks whose messages name the argument, its value and what is allowed. */
final class Args {
    private Args() {
    }

    static <T> T notNull(T value, String name) {
        if (value == null) {
            throw new NullPointerException(name + " must not be null");
        }
        return value;
    }

    /** Checks that {@code [offset, offset + length)} lies inside an array or buffer of {@code size} bytes. */
    static void range(String name, String offsetName, int offset, int length, int size) {
        if (length < 0) {
            throw new IndexOutOfBoundsException("length must not be negative, got " + length);
        }
        if (offset < 0 || offset > size) {
            throw new IndexOutOfBoundsException(offsetName + " must be in [0, " + size + "] for " + name + " of "
                    + size + " bytes, got " + offset);
        }
        if (length > size - offset) {
            throw new IndexOutOfBoundsException(offsetName + "=" + offset + " + length=" + length + " exceeds " + name
                    + "'s " + size + " bytes");
        }
    }

    static void writable(ByteBuffer buffer, String name) {
        if (buffer.isReadOnly()) {
            throw new IllegalArgumentException(name + " must be writable, but it is read-only: " + buffer);
        }
    }

    static int phase(int phase, XorKey key) {
        if (phase < 0) {
            throw new IllegalArgumentException("keyPhase must not be negative, got " + phase);
        }
        return phase % key.length();
    }
}

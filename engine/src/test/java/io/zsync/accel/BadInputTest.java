package io.zsync.accel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zsync.io.Io;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad arguments throw at once, naming the argument and its value, and touch nothing. */
class BadInputTest {
    private final HardwareAccel accel = HardwareAccel.init();
    private final Io io = Io.blocking();
    private final XorKey key = XorKey.of(new byte[] {1, 2, 3});

    private static void assertMessage(Class<? extends Throwable> type, String expected, Executable call) {
        Throwable thrown = assertThrows(type, call);
        assertTrue(thrown.getMessage().contains(expected),
                () -> "message '" + thrown.getMessage() + "' should contain '" + expected + "'");
    }

    @Test
    void nullsNameTheArgument() {
        byte[] bytes = new byte[4];
        assertMessage(NullPointerException.class, "dst must not be null",
                () -> accel.optimizedCopy(io, null, bytes));
        assertMessage(NullPointerException.class, "src must not be null",
                () -> accel.optimizedXor(io, bytes, 0, null, 0, 1, key, 0));
        assertMessage(NullPointerException.class, "key must not be null",
                () -> accel.optimizedXor(io, bytes, 0, bytes, 0, 1, null, 0));
        assertMessage(NullPointerException.class, "io must not be null",
                () -> accel.crc32c(null, bytes, 0, 1));
        assertMessage(NullPointerException.class, "b must not be null",
                () -> accel.optimizedCompare(io, ByteBuffer.allocate(1), null));
        assertMessage(NullPointerException.class, "key must not be null", () -> XorKey.of(null));
    }

    @Test
    void outOfRangeOffsetsAndLengthsNameTheValue() {
        byte[] ten = new byte[10];
        assertMessage(IndexOutOfBoundsException.class, "srcOffset=5 + length=6 exceeds src's 10 bytes",
                () -> accel.optimizedCopy(io, new byte[20], 0, ten, 5, 6));
        assertMessage(IndexOutOfBoundsException.class, "dstOffset must be in [0, 10] for dst of 10 bytes, got -1",
                () -> accel.optimizedXor(io, ten, -1, ten, 0, 1, key, 0));
        assertMessage(IndexOutOfBoundsException.class, "length must not be negative, got -2",
                () -> accel.optimizedCompare(io, ten, 0, ten, 0, -2));
        assertMessage(IndexOutOfBoundsException.class, "index=8 + length=3 exceeds data's 10 bytes",
                () -> accel.crc32c(io, ByteBuffer.allocateDirect(10), 8, 3));
    }

    @Test
    void aShortDestinationIsRefusedNotTruncated() {
        byte[] dst = new byte[3];
        assertMessage(IndexOutOfBoundsException.class, "length=5 exceeds dst's 3 bytes",
                () -> accel.optimizedCopy(io, dst, new byte[5]));
        assertMessage(IndexOutOfBoundsException.class, "src has 5 bytes remaining but dst only 3",
                () -> accel.optimizedXor(io, ByteBuffer.allocate(3), ByteBuffer.allocate(5), key, 0));
        assertEquals(0, dst[0] | dst[1] | dst[2]);
    }

    @Test
    void readOnlyDestinationsEmptyKeysAndBadPhasesAreRefused() {
        ByteBuffer readOnly = ByteBuffer.allocate(8).asReadOnlyBuffer();
        assertMessage(IllegalArgumentException.class, "dst must be writable, but it is read-only",
                () -> accel.optimizedXor(io, readOnly, 0, ByteBuffer.allocate(8), 0, 8, key, 0));
        assertMessage(IllegalArgumentException.class, "dst must be writable, but it is read-only",
                () -> accel.optimizedCopy(io, readOnly, ByteBuffer.allocate(8)));
        assertMessage(IllegalArgumentException.class, "key must have at least 1 byte, got 0",
                () -> XorKey.of(new byte[0]));
        assertMessage(IllegalArgumentException.class, "keyPhase must not be negative, got -1",
                () -> accel.optimizedXor(io, new byte[4], 0, new byte[4], 0, 4, key, -1));
        assertMessage(IllegalArgumentException.class, "got 'abc'", () -> XorKey.fromHex("abc"));
        assertMessage(IllegalArgumentException.class, "got 'zz'", () -> XorKey.fromHex("zz"));
        ByteBuffer same = ByteBuffer.allocate(4);
        assertMessage(IllegalArgumentException.class, "dst and src must be different buffer objects",
                () -> accel.optimizedCopy(io, same, same));
    }
}

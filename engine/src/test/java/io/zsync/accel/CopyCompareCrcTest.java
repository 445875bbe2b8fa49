package io.zsync.accel;

import static io.zsync.accel.Implementations.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.zsync.accel.Implementations.Memory;
import io.zsync.io.Io;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Copy, compare and CRC32C on every implementation and memory kind, against plain loops. */
class CopyCompareCrcTest {

    /** The CRC32C definition: reflected polynomial 0x82F63B78, initial and final XOR with all ones. */
    static long referenceCrc32c(byte[] data, int offset, int length) {
        int crc = 0xFFFFFFFF;
        for (int i = 0; i < length; i++) {
            crc ^= data[offset + i] & 0xff;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc >>> 1) ^ (0x82F63B78 & -(crc & 1));
            }
        }
        return ~crc & 0xFFFFFFFFL;
    }

    static int referenceMismatch(byte[] a, int aOffset, byte[] b, int bOffset, int length) {
        for (int i = 0; i < length; i++) {
            if (a[aOffset + i] != b[bOffset + i]) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void crc32cMatchesTheStandardCheckValue() {
        // The check value of CRC-32C (RFC 3720, appendix B.4) for the ASCII digits 1 to 9.
        byte[] digits = "123456789".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertEquals(0xE3069283L, Implementations.scalar().crc32c(Io.blocking(), digits));
        assertEquals(0xE3069283L, referenceCrc32c(digits, 0, digits.length));
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "vector"})
    void everyOperationMatchesItsReferenceOnArraysAndBuffers(String implementation) {
        HardwareAccel accel = Implementations.named(implementation);
        Random random = new Random(11);
        for (int length : Implementations.lengths()) {
            int aOffset = random.nextInt(70);
            int bOffset = random.nextInt(70);
            byte[] a = random(random, aOffset + length + random.nextInt(9));
            byte[] b = random(random, bOffset + length + random.nextInt(9));
            System.arraycopy(a, aOffset, b, bOffset, length);
            if (length > 0 && random.nextInt(4) != 0) {
                b[bOffset + random.nextInt(length)] ^= (byte) (1 + random.nextInt(255));
            }
            int mismatch = referenceMismatch(a, aOffset, b, bOffset, length);
            long crc = referenceCrc32c(a, aOffset, length);
            Memory memory = Memory.values()[length % Memory.values().length];
            ByteBuffer aBuffer = memory.wrap(a);
            ByteBuffer bBuffer = Memory.DIRECT.wrap(b);

            assertEquals(mismatch, accel.optimizedCompare(Io.blocking(), a, aOffset, b, bOffset, length));
            assertEquals(mismatch, accel.optimizedCompare(Io.blocking(), aBuffer, aOffset, bBuffer, bOffset, length));
            assertEquals(crc, accel.crc32c(Io.blocking(), a, aOffset, length));
            assertEquals(crc, accel.crc32c(Io.blocking(), aBuffer, aOffset, length));

            byte[] expected = b.clone();
            System.arraycopy(a, aOffset, expected, bOffset, length);
            byte[] copied = b.clone();
            accel.optimizedCopy(Io.blocking(), copied, bOffset, a, aOffset, length);
            assertArrayEquals(expected, copied);
            ByteBuffer copiedBuffer = Memory.DIRECT.wrap(b);
            accel.optimizedCopy(Io.blocking(), copiedBuffer, bOffset, aBuffer, aOffset, length);
            assertArrayEquals(expected, Implementations.contents(copiedBuffer), () -> memory + " length " + length);
        }
    }

    @Test
    void wholeArrayCompareFollowsArraysMismatch() {
        HardwareAccel accel = Implementations.scalar();
        assertEquals(-1, accel.optimizedCompare(Io.blocking(), new byte[] {1, 2, 3}, new byte[] {1, 2, 3}));
        assertEquals(2, accel.optimizedCompare(Io.blocking(), new byte[] {1, 2, 3}, new byte[] {1, 2}));
        assertEquals(1, accel.optimizedCompare(Io.blocking(), new byte[] {1, 2, 3}, new byte[] {1, 9, 3}));
        assertEquals(-1, accel.optimizedCompare(Io.blocking(), ByteBuffer.wrap(new byte[] {5, 1, 2}).position(1),
                ByteBuffer.allocateDirect(2).put(new byte[] {1, 2}).flip()));
    }

    @Test
    void copyWithinOneArrayOrDirectBufferIsAMemmove() {
        HardwareAccel accel = Implementations.scalar();
        Random random = new Random(12);
        for (int distance : new int[] {-100, -1, 1, 7, 100}) {
            byte[] array = random(random, 1000);
            byte[] expected = array.clone();
            System.arraycopy(array.clone(), 300, expected, 300 + distance, 500);
            byte[] inArray = array.clone();
            accel.optimizedCopy(Io.blocking(), inArray, 300 + distance, inArray, 300, 500);
            assertArrayEquals(expected, inArray, "array, distance " + distance);

            ByteBuffer direct = Memory.DIRECT.wrap(array);
            accel.optimizedCopy(Io.blocking(), direct, 300 + distance, direct.duplicate(), 300, 500);
            assertArrayEquals(expected, Implementations.contents(direct), "direct, distance " + distance);
        }
    }

    @Test
    void relativeFormsMoveThePositionsLikePut() {
        HardwareAccel accel = Implementations.scalar();
        ByteBuffer src = ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5}).position(1);
        ByteBuffer dst = ByteBuffer.allocateDirect(10).position(2);
        accel.optimizedCopy(Io.blocking(), dst, src);
        assertEquals(5, src.position());
        assertEquals(6, dst.position());
        assertArrayEquals(new byte[] {0, 0, 2, 3, 4, 5, 0, 0, 0, 0}, Implementations.contents(dst));

        ByteBuffer data = ByteBuffer.wrap("123456789".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(0xE3069283L, accel.crc32c(Io.blocking(), data));
        assertEquals(0, data.position(), "a checksum only reads");
    }
}

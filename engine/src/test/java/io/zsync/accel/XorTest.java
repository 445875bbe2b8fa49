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

/** XOR masking on every implementation and memory kind, byte for byte against a plain loop. */
class XorTest {
    private static final int[] KEY_LENGTHS = {1, 2, 3, 4, 7, 8, 13, 16, 31, 64, 100, 257};

    static void referenceXor(byte[] dst, int dstOffset, byte[] src, int srcOffset, int length, byte[] key, int phase) {
        for (int i = 0; i < length; i++) {
            dst[dstOffset + i] = (byte) (src[srcOffset + i] ^ key[(int) (((long) phase + i) % key.length)]);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "vector"})
    void arraysMatchTheReferenceForEveryLengthOffsetKeyAndPhase(String implementation) {
        HardwareAccel accel = Implementations.named(implementation);
        Random random = new Random(1);
        for (int length : Implementations.lengths()) {
            byte[] key = random(random, KEY_LENGTHS[length % KEY_LENGTHS.length]);
            int phase = random.nextInt(key.length * 3);
            int srcOffset = random.nextInt(70);
            int dstOffset = random.nextInt(70);
            byte[] src = random(random, srcOffset + length + random.nextInt(9));
            byte[] dst = random(random, dstOffset + length + random.nextInt(9));
            byte[] expected = dst.clone();
            referenceXor(expected, dstOffset, src, srcOffset, length, key, phase);

            int next = accel.optimizedXor(Io.blocking(), dst, dstOffset, src, srcOffset, length, XorKey.of(key), phase);

            assertArrayEquals(expected, dst, () -> implementation + " length " + length + " key " + key.length);
            assertEquals((phase + length) % key.length, next);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "vector"})
    void buffersMatchTheReferenceInEveryMemoryKind(String implementation) {
        HardwareAccel accel = Implementations.named(implementation);
        Random random = new Random(2);
        for (Memory dstMemory : Memory.values()) {
            for (Memory srcMemory : Memory.values()) {
                for (int length = 0; length <= 1100; length += 1 + random.nextInt(5)) {
                    checkBuffers(accel, random, dstMemory, srcMemory, length);
                }
                checkBuffers(accel, random, dstMemory, srcMemory, 1024 * 1024 + 5);
            }
        }
    }

    private static void checkBuffers(HardwareAccel accel, Random random, Memory dstMemory, Memory srcMemory,
                                     int length) {
        byte[] key = random(random, KEY_LENGTHS[random.nextInt(KEY_LENGTHS.length)]);
        int phase = random.nextInt(key.length);
        int srcIndex = random.nextInt(70);
        int dstIndex = random.nextInt(70);
        byte[] src = random(random, srcIndex + length + random.nextInt(9));
        byte[] dst = random(random, dstIndex + length + random.nextInt(9));
        byte[] expected = dst.clone();
        referenceXor(expected, dstIndex, src, srcIndex, length, key, phase);
        ByteBuffer dstBuffer = dstMemory.wrap(dst);
        ByteBuffer srcBuffer = srcMemory.wrap(src);
        // Positions past the indices: absolute indices below the position must still work.
        dstBuffer.position(Math.min(dstBuffer.limit(), dstIndex + 1));
        srcBuffer.position(Math.min(srcBuffer.limit(), srcIndex + 1));

        accel.optimizedXor(Io.blocking(), dstBuffer, dstIndex, srcBuffer, srcIndex, length, XorKey.of(key), phase);

        assertArrayEquals(expected, Implementations.contents(dstBuffer),
                () -> dstMemory + " <- " + srcMemory + " length " + length + " key " + key.length);
        assertEquals(Math.min(dstBuffer.limit(), dstIndex + 1), dstBuffer.position(), "position must not move");
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "vector"})
    void readOnlySourceBuffersAreRead(String implementation) {
        HardwareAccel accel = Implementations.named(implementation);
        Random random = new Random(3);
        byte[] src = random(random, 777);
        byte[] key = random(random, 5);
        byte[] expected = new byte[777];
        referenceXor(expected, 0, src, 0, 777, key, 2);
        for (Memory memory : Memory.values()) {
            ByteBuffer dst = ByteBuffer.allocateDirect(777);
            accel.optimizedXor(Io.blocking(), dst, 0, memory.wrap(src).asReadOnlyBuffer(), 0, 777, XorKey.of(key), 2);
            assertArrayEquals(expected, Implementations.contents(dst), memory::toString);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "vector"})
    void maskingAStreamInPiecesEqualsMaskingItWhole(String implementation) {
        HardwareAccel accel = Implementations.named(implementation);
        Random random = new Random(4);
        byte[] data = random(random, 10_000);
        XorKey key = XorKey.of(random(random, 37));
        byte[] whole = new byte[data.length];
        accel.optimizedXor(Io.blocking(), whole, data, key);

        byte[] pieces = new byte[data.length];
        int phase = 0;
        for (int at = 0; at < data.length; ) {
            int piece = Math.min(data.length - at, 1 + random.nextInt(300));
            phase = accel.optimizedXor(Io.blocking(), pieces, at, data, at, piece, key, phase);
            at += piece;
        }
        assertArrayEquals(whole, pieces);
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "vector"})
    void xorTwiceRestoresAndWorksInPlace(String implementation) {
        HardwareAccel accel = Implementations.named(implementation);
        Random random = new Random(5);
        byte[] original = random(random, 5000);
        XorKey key = XorKey.of(random(random, 11));
        for (Memory memory : Memory.values()) {
            ByteBuffer buffer = memory.wrap(original);
            accel.optimizedXor(Io.blocking(), buffer, buffer, key, 3);
            assertEquals(5000, buffer.position(), "in-place relative XOR advances the position once");
            buffer.flip();
            accel.optimizedXor(Io.blocking(), buffer, buffer, key, 3);
            assertArrayEquals(original, Implementations.contents(buffer), memory::toString);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "vector"})
    void overlappingRegionsOfOneArrayBehaveAsIfReadFirst(String implementation) {
        HardwareAccel accel = Implementations.named(implementation);
        Random random = new Random(6);
        for (int distance : new int[] {-300, -65, -64, -8, -1, 1, 3, 8, 63, 64, 65, 300}) {
            byte[] array = random(random, 3000);
            byte[] key = random(random, 7);
            int srcOffset = 500;
            int dstOffset = srcOffset + distance;
            int length = 1500;
            byte[] expected = array.clone();
            byte[] source = array.clone();
            referenceXor(expected, dstOffset, source, srcOffset, length, key, 4);

            accel.optimizedXor(Io.blocking(), array, dstOffset, array, srcOffset, length, XorKey.of(key), 4);
            assertArrayEquals(expected, array, "distance " + distance);

            ByteBuffer heap = ByteBuffer.wrap(source.clone());
            accel.optimizedXor(Io.blocking(), heap.duplicate(), dstOffset, heap, srcOffset, length, XorKey.of(key), 4);
            assertArrayEquals(expected, heap.array(), "heap buffers sharing an array, distance " + distance);
        }
    }

    @Test
    void keysParseFromHexAndHideTheirBytes() {
        XorKey key = XorKey.fromHex("5A3c00ff");
        assertArrayEquals(new byte[] {0x5a, 0x3c, 0x00, (byte) 0xff}, key.bytes());
        assertEquals("5a3c00ff", key.toHex());
        assertEquals("XorKey[4 bytes]", key.toString());
        assertEquals(XorKey.of(new byte[] {0x5a, 0x3c, 0x00, (byte) 0xff}), key);
    }
}

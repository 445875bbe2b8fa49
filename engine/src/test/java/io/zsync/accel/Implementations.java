package io.zsync.accel;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Assumptions;

/** The implementations and memory kinds the tests run every operation through. */
final class Implementations {
    private Implementations() {
    }

    static HardwareAccel scalar() {
        return HardwareAccel.with(ScalarPayloadOps.INSTANCE);
    }

    /** The Vector API implementation, forced whatever the width; skips the test without the module. */
    static HardwareAccel vector() {
        Assumptions.assumeTrue(PayloadOpsProvider.vectorModulePresent(),
                "jdk.incubator.vector is not present; the CI pass with --add-modules jdk.incubator.vector runs this");
        return HardwareAccel.with(PayloadOpsProvider.vector().orElseThrow());
    }

    static HardwareAccel named(String name) {
        return name.equals("vector") ? vector() : scalar();
    }

    /** Ways to hold payload bytes: a heap buffer, a direct one, and a heap buffer at a non-zero array offset. */
    enum Memory {
        HEAP(ByteBuffer::allocate),
        DIRECT(ByteBuffer::allocateDirect),
        HEAP_SLICE(size -> ByteBuffer.allocate(size + 7).position(7).slice());

        private final IntFunction<ByteBuffer> allocate;

        Memory(IntFunction<ByteBuffer> allocate) {
            this.allocate = allocate;
        }

        ByteBuffer wrap(byte[] bytes) {
            ByteBuffer buffer = allocate.apply(bytes.length);
            buffer.put(0, bytes);
            return buffer;
        }
    }

    static byte[] random(Random random, int size) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return bytes;
    }

    static byte[] contents(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.capacity()];
        buffer.get(0, bytes);
        return bytes;
    }

    static List<Integer> lengths() {
        List<Integer> lengths = new ArrayList<>();
        for (int i = 0; i <= 1100; i++) {
            lengths.add(i);
        }
        lengths.add(64 * 1024 + 3);
        lengths.add(1024 * 1024 + 61);
        return lengths;
    }
}

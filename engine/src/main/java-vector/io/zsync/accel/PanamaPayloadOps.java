package io.zsync.accel;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API implementation, compiled on its own against {@code jdk.incubator.vector} and loaded
 * reflectively by {@link PayloadOpsProvider} only when the module is present.
 *
 * <p>Arrays use {@code fromArray}/{@code intoArray}, which every JDK from 17 on has. Buffers are where
 * the incubating API changed: Java 17 and 18 load vectors from a {@code ByteBuffer}, Java 19 and later
 * only from a {@code MemorySegment}, which does not exist for a Java 17 compiler. So the buffer path
 * binds whichever pair the running JDK has into constant method handles, which C2 inlines like direct
 * calls; where neither is usable, buffers take the scalar path. (Measured on Java 17: calling
 * {@code fromByteBuffer} directly is no faster than through the handle; that JDK's buffer loads cost
 * about twice the array loads either way.)
 */
final class PanamaPayloadOps implements PayloadOps {
    private static final VectorSpecies<Byte> SPECIES = ByteVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    /** (ByteBuffer) -> memory: the buffer itself, or a MemorySegment viewing position..limit. */
    private static final MethodHandle MEMORY;
    /** (memory, long offset) -> ByteVector. */
    private static final MethodHandle LOAD;
    /** (ByteVector, memory, long offset) -> void. */
    private static final MethodHandle STORE;
    /** Whether offsets into MEMORY count from the buffer's position (segments) or from 0 (buffers). */
    private static final boolean FROM_POSITION;
    /** How buffers are vectorised, for the status line; null when they are not. */
    static final String BUFFER_ACCESS;

    static {
        MethodHandle[] handles = segmentAccess();
        boolean fromPosition = handles != null;
        String access = "MemorySegment";
        if (handles == null) {
            handles = byteBufferAccess();
            access = "ByteBuffer";
        }
        if (handles == null) {
            access = null;
            handles = new MethodHandle[3];
        }
        MEMORY = handles[0];
        LOAD = handles[1];
        STORE = handles[2];
        FROM_POSITION = fromPosition;
        BUFFER_ACCESS = access;
    }

    PanamaPayloadOps() {
    }

    /** The preferred species' width, which decides whether this implementation is worth using. */
    static int vectorBits() {
        return SPECIES.vectorBitSize();
    }

    @Override
    public String name() {
        return "vector(" + SPECIES.vectorBitSize() + "-bit)";
    }

    /**
     * Four blocks per iteration keep more loads in flight. The pattern holds the key repeated past four
     * vectors, so the four blocks' keys are one contiguous stretch starting at {@code kp}, and only one
     * wrap of {@code kp} is needed per iteration.
     */
    @Override
    public void xor(byte[] dst, int dstOffset, byte[] src, int srcOffset, int length, XorKey key, int phase) {
        byte[] pattern = key.pattern();
        int keyLength = key.length();
        int kp = phase;
        int i = 0;
        int step4 = (4 * LANES) % keyLength;
        int bound4 = length - 4 * LANES;
        for (; i <= bound4; i += 4 * LANES) {
            int s = srcOffset + i;
            int d = dstOffset + i;
            ByteVector.fromArray(SPECIES, src, s).lanewise(VectorOperators.XOR, ByteVector.fromArray(SPECIES, pattern, kp))
                    .intoArray(dst, d);
            ByteVector.fromArray(SPECIES, src, s + LANES)
                    .lanewise(VectorOperators.XOR, ByteVector.fromArray(SPECIES, pattern, kp + LANES))
                    .intoArray(dst, d + LANES);
            ByteVector.fromArray(SPECIES, src, s + 2 * LANES)
                    .lanewise(VectorOperators.XOR, ByteVector.fromArray(SPECIES, pattern, kp + 2 * LANES))
                    .intoArray(dst, d + 2 * LANES);
            ByteVector.fromArray(SPECIES, src, s + 3 * LANES)
                    .lanewise(VectorOperators.XOR, ByteVector.fromArray(SPECIES, pattern, kp + 3 * LANES))
                    .intoArray(dst, d + 3 * LANES);
            kp += step4;
            if (kp >= keyLength) {
                kp -= keyLength;
            }
        }
        int step = LANES % keyLength;
        int bound = length - LANES;
        for (; i <= bound; i += LANES) {
            ByteVector.fromArray(SPECIES, src, srcOffset + i)
                    .lanewise(VectorOperators.XOR, ByteVector.fromArray(SPECIES, pattern, kp))
                    .intoArray(dst, dstOffset + i);
            kp += step;
            if (kp >= keyLength) {
                kp -= keyLength;
            }
        }
        if (i < length) {
            ScalarPayloadOps.xorArrays(dst, dstOffset + i, src, srcOffset + i, length - i, pattern, keyLength, kp);
        }
    }

    @Override
    public void xor(ByteBuffer dst, int dstIndex, ByteBuffer src, int srcIndex, int length, XorKey key, int phase) {
        if (BUFFER_ACCESS == null) {
            ScalarPayloadOps.xorBuffers(dst, dstIndex, src, srcIndex, length, key.pattern(), key.length(), phase);
            return;
        }

        if (FROM_POSITION) {
            // A segment starts at the buffer's position; an absolute index below it needs a full view.
            if (dstIndex < dst.position()) {
                dst = dst.duplicate().position(0);
            }
            if (srcIndex < src.position()) {
                src = src.duplicate().position(0);
            }
        }
        byte[] pattern = key.pattern();
        int keyLength = key.length();
        int kp = phase;
        int i = 0;
        try {
            Object dstMemory = (Object) MEMORY.invokeExact(dst);
            Object srcMemory = (Object) MEMORY.invokeExact(src);
            long dstBase = FROM_POSITION ? (long) dstIndex - dst.position() : dstIndex;
            long srcBase = FROM_POSITION ? (long) srcIndex - src.position() : srcIndex;
            int step4 = (4 * LANES) % keyLength;
            int bound4 = length - 4 * LANES;
            for (; i <= bound4; i += 4 * LANES) {
                long s = srcBase + i;
                long d = dstBase + i;
                ByteVector v0 = (ByteVector) LOAD.invokeExact(srcMemory, s);
                ByteVector v1 = (ByteVector) LOAD.invokeExact(srcMemory, s + LANES);
                ByteVector v2 = (ByteVector) LOAD.invokeExact(srcMemory, s + 2 * LANES);
                ByteVector v3 = (ByteVector) LOAD.invokeExact(srcMemory, s + 3 * LANES);
                STORE.invokeExact(v0.lanewise(VectorOperators.XOR, ByteVector.fromArray(SPECIES, pattern, kp)),
                        dstMemory, d);
                STORE.invokeExact(v1.lanewise(VectorOperators.XOR, ByteVector.fromArray(SPECIES, pattern, kp + LANES)),
                        dstMemory, d + LANES);
                STORE.invokeExact(v2.lanewise(VectorOperators.XOR,
                        ByteVector.fromArray(SPECIES, pattern, kp + 2 * LANES)), dstMemory, d + 2 * LANES);
                STORE.invokeExact(v3.lanewise(VectorOperators.XOR,
                        ByteVector.fromArray(SPECIES, pattern, kp + 3 * LANES)), dstMemory, d + 3 * LANES);
                kp += step4;
                if (kp >= keyLength) {
                    kp -= keyLength;
                }
            }
            int step = LANES % keyLength;
            int bound = length - LANES;
            for (; i <= bound; i += LANES) {
                ByteVector v = (ByteVector) LOAD.invokeExact(srcMemory, srcBase + i);
                STORE.invokeExact(v.lanewise(VectorOperators.XOR, ByteVector.fromArray(SPECIES, pattern, kp)),
                        dstMemory, dstBase + i);
                kp += step;
                if (kp >= keyLength) {
                    kp -= keyLength;
                }
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("vector buffer access failed", t);
        }
        if (i < length) {
            ScalarPayloadOps.xorBuffers(dst, dstIndex + i, src, srcIndex + i, length - i, pattern, keyLength, kp);
        }
    }

    /** Java 19+: MemorySegment.ofBuffer with ByteVector.fromMemorySegment/intoMemorySegment. */
    private static MethodHandle[] segmentAccess() {
        try {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
            MethodHandle ofBuffer = lookup.findStatic(segment, "ofBuffer", MethodType.methodType(segment, Buffer.class));
            MethodHandle from = lookup.findStatic(ByteVector.class, "fromMemorySegment",
                    MethodType.methodType(ByteVector.class, VectorSpecies.class, segment, long.class, ByteOrder.class));
            MethodHandle into = lookup.findVirtual(ByteVector.class, "intoMemorySegment",
                    MethodType.methodType(void.class, segment, long.class, ByteOrder.class));
            MethodHandle memory = ofBuffer.asType(MethodType.methodType(Object.class, ByteBuffer.class));
            MethodHandle load = MethodHandles.insertArguments(MethodHandles.insertArguments(from, 3, ORDER), 0, SPECIES)
                    .asType(MethodType.methodType(ByteVector.class, Object.class, long.class));
            MethodHandle store = MethodHandles.insertArguments(into, 3, ORDER)
                    .asType(MethodType.methodType(void.class, ByteVector.class, Object.class, long.class));
            probe(memory, load, store);
            return new MethodHandle[] {memory, load, store};
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null; // not this JDK's API, or MemorySegment still in preview
        }
    }

    /** Java 17 and 18: ByteVector.fromByteBuffer/intoByteBuffer with int offsets. */
    private static MethodHandle[] byteBufferAccess() {
        try {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            MethodHandle from = lookup.findStatic(ByteVector.class, "fromByteBuffer",
                    MethodType.methodType(ByteVector.class, VectorSpecies.class, ByteBuffer.class, int.class,
                            ByteOrder.class));
            MethodHandle into = lookup.findVirtual(ByteVector.class, "intoByteBuffer",
                    MethodType.methodType(void.class, ByteBuffer.class, int.class, ByteOrder.class));
            MethodHandle toInt = MethodHandles.lookup().findStatic(PanamaPayloadOps.class, "toInt",
                    MethodType.methodType(int.class, long.class));
            MethodHandle memory = MethodHandles.identity(ByteBuffer.class)
                    .asType(MethodType.methodType(Object.class, ByteBuffer.class));
            MethodHandle load = MethodHandles.filterArguments(
                    MethodHandles.insertArguments(MethodHandles.insertArguments(from, 3, ORDER), 0, SPECIES), 1, toInt)
                    .asType(MethodType.methodType(ByteVector.class, Object.class, long.class));
            MethodHandle store = MethodHandles.filterArguments(MethodHandles.insertArguments(into, 3, ORDER), 2, toInt)
                    .asType(MethodType.methodType(void.class, ByteVector.class, Object.class, long.class));
            probe(memory, load, store);
            return new MethodHandle[] {memory, load, store};
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** Offsets are already checked against the buffer's int-sized limit. */
    private static int toInt(long offset) {
        return (int) offset;
    }

    /** Runs the handles once on a scratch buffer, so a JDK that links them but refuses them is caught here. */
    private static void probe(MethodHandle memory, MethodHandle load, MethodHandle store) {
        ByteBuffer scratch = ByteBuffer.allocateDirect(LANES);
        try {
            Object mem = (Object) memory.invokeExact(scratch);
            ByteVector v = (ByteVector) load.invokeExact(mem, 0L);
            store.invokeExact(v, mem, 0L);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}

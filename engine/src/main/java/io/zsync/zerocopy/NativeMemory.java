package io.zsync.zerocopy;

import java.lang.ref.Cleaner;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;

/**
 * Aligned off-heap allocations that can be freed deterministically.
 *
 * <p>Two strategies, chosen once per JVM. On Java 22+ each allocation is a shared FFM {@code Arena}
 * (looked up reflectively so this class compiles for release 17): freeing closes the arena, and any
 * later access through a buffer view fails with {@link IllegalStateException} instead of touching
 * freed memory. Before 22 it is {@link ByteBuffer#allocateDirect} trimmed to an aligned slice, freed
 * through the JDK's buffer cleaner ({@code sun.misc.Unsafe.invokeCleaner}, deprecated on 24+, which is
 * why 22+ takes the arena path). There a freed buffer is not access-checked, so callers free only
 * memory nobody can still reach (see {@link Allocation#accessChecked()}).
 */
abstract class NativeMemory {
    /** Every allocation starts on a cache line. */
    static final int ALIGNMENT = 64;

    /** Frees arenas whose allocation became unreachable without free(), as the GC does for direct buffers. */
    private static final Cleaner CLEANER = Cleaner.create();
    /** Initialized after CLEANER: selecting the arena strategy allocates a probe that registers with it. */
    private static final NativeMemory INSTANCE = select();

    static NativeMemory get() {
        return INSTANCE;
    }

    /** One region of native memory. */
    interface Allocation {
        /** The memory, {@code bytes} long, position 0, native order not set (big-endian). */
        ByteBuffer buffer();

        /** Its size in bytes. */
        int size();

        /** Frees the memory now. Idempotent. */
        void free();

        /** True when access after {@link #free()} throws instead of reading freed memory. */
        boolean accessChecked();
    }

    /**
     * Allocates {@code bytes} of memory aligned to {@link #ALIGNMENT}.
     *
     * @throws OutOfMemoryError if the JVM refuses the memory
     */
    abstract Allocation allocate(int bytes);

    /** A short description for logs: which strategy is in use. */
    abstract String describe();

    private static NativeMemory select() {
        if (Runtime.version().feature() >= 22) {
            try {
                return new ArenaMemory();
            } catch (ReflectiveOperationException | RuntimeException e) {
                // Fall through to the buffer path; it works on every JDK.
            }
        }
        return new DirectBufferMemory();
    }

    /** Java 22+: one shared arena per allocation. */
    private static final class ArenaMemory extends NativeMemory {
        private final Method ofShared;
        private final Method allocate;
        private final Method asByteBuffer;
        private final Method close;

        ArenaMemory() throws ReflectiveOperationException {
            Class<?> arena = Class.forName("java.lang.foreign.Arena");
            Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
            ofShared = arena.getMethod("ofShared");
            allocate = arena.getMethod("allocate", long.class, long.class);
            asByteBuffer = segment.getMethod("asByteBuffer");
            close = arena.getMethod("close");
            // Probe once so a JDK that hides the API fails here, not on the first acquire.
            allocate(ALIGNMENT).free();
        }

        @Override
        Allocation allocate(int bytes) {
            Object arena = invoke(ofShared, null);
            try {
                Object segment = invoke(allocate, arena, (long) bytes, (long) ALIGNMENT);
                ByteBuffer buffer = (ByteBuffer) invoke(asByteBuffer, segment);
                return new ArenaAllocation(arena, buffer);
            } catch (RuntimeException | Error e) {
                invoke(close, arena);
                throw e;
            }
        }

        @Override
        String describe() {
            return "FFM shared arenas (freed memory is access-checked)";
        }

        private final class ArenaAllocation implements Allocation {
            private final ByteBuffer buffer;
            private final Cleaner.Cleanable cleanable;

            ArenaAllocation(Object arena, ByteBuffer buffer) {
                this.buffer = buffer;
                // The action holds the arena, never this allocation, so it cannot keep it reachable.
                this.cleanable = CLEANER.register(this, new CloseArena(close, arena));
            }

            @Override
            public ByteBuffer buffer() {
                return buffer;
            }

            @Override
            public int size() {
                return buffer.capacity();
            }

            @Override
            public void free() {
                cleanable.clean();
            }

            @Override
            public boolean accessChecked() {
                return true;
            }
        }

        private static final class CloseArena implements Runnable {
            private final Method close;
            private final Object arena;

            CloseArena(Method close, Object arena) {
                this.close = close;
                this.arena = arena;
            }

            @Override
            public void run() {
                invoke(close, arena);
            }
        }

        private static Object invoke(Method method, Object target, Object... args) {
            try {
                return method.invoke(target, args);
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException) {
                    throw (RuntimeException) cause;
                }
                if (cause instanceof Error) {
                    throw (Error) cause;
                }
                throw new IllegalStateException("FFM call " + method.getName() + " failed", cause);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("FFM call " + method.getName() + " is not accessible", e);
            }
        }
    }

    /** Java 17-21: direct buffers, freed through the JDK's cleaner where it is reachable. */
    private static final class DirectBufferMemory extends NativeMemory {
        private final Object unsafe;
        private final Method invokeCleaner;

        DirectBufferMemory() {
            Object u = null;
            Method m = null;
            try {
                Class<?> type = Class.forName("sun.misc.Unsafe");
                Field field = type.getDeclaredField("theUnsafe");
                field.setAccessible(true);
                u = field.get(null);
                m = type.getMethod("invokeCleaner", ByteBuffer.class);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // Without jdk.unsupported the garbage collector frees the memory instead.
                u = null;
                m = null;
            }
            unsafe = u;
            invokeCleaner = m;
        }

        @Override
        Allocation allocate(int bytes) {
            // alignedSlice rounds both ends inward to the alignment, so pad to whole lines plus one.
            int lines = (bytes + ALIGNMENT - 1) & -ALIGNMENT;
            ByteBuffer raw = ByteBuffer.allocateDirect(lines + ALIGNMENT - 1);
            ByteBuffer aligned = raw.alignedSlice(ALIGNMENT).limit(bytes).slice();
            return new Allocation() {
                private boolean freed;

                @Override
                public ByteBuffer buffer() {
                    return aligned;
                }

                @Override
                public int size() {
                    return bytes;
                }

                @Override
                public synchronized void free() {
                    if (!freed && invokeCleaner != null) {
                        freed = true;
                        try {
                            invokeCleaner.invoke(unsafe, raw);
                        } catch (ReflectiveOperationException e) {
                            // Left to the garbage collector, which frees it when unreachable.
                        }
                    }
                }

                @Override
                public boolean accessChecked() {
                    return false;
                }
            };
        }

        @Override
        String describe() {
            return invokeCleaner != null
                    ? "direct buffers freed by the JDK cleaner"
                    : "direct buffers freed by the garbage collector";
        }
    }
}

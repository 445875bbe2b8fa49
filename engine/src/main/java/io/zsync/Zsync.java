package io.zsync;

import io.zsync.io.Io;
import io.zsync.zerocopy.BufferPool;
import io.zsync.zerocopy.FramedRingBuffer;
import io.zsync.zerocopy.ZeroCopyIo;
import io.zsync.zerocopy.ZeroCopyRingBuffer;

/**
 * Top-level entry points to the engine, one per feature, for callers who would rather not learn the
 * package layout. Each simply constructs the type it names.
 */
public final class Zsync {
    /** The library version, from the build. */
    public static final String VERSION = "0.3.1-SNAPSHOT";

    private Zsync() {
    }

    /** A buffer pool with default settings; see {@link BufferPool#builder()} for others. */
    public static BufferPool bufferPool() {
        return BufferPool.create();
    }

    /** Zero-copy channel I/O drawing buffers from {@code pool}. */
    public static ZeroCopyIo zeroCopyIo(BufferPool pool) {
        return new ZeroCopyIo(pool);
    }

    /** A byte ring of {@code capacity} bytes (a power of two). */
    public static ZeroCopyRingBuffer ringBuffer(int capacity) {
        return new ZeroCopyRingBuffer(capacity);
    }

    /** A ring of length-prefixed records of {@code capacity} bytes (a power of two). */
    public static FramedRingBuffer framedRingBuffer(int capacity) {
        return new FramedRingBuffer(capacity);
    }

    /** The blocking execution model: operations run on the caller's thread. */
    public static Io blockingIo() {
        return Io.blocking();
    }
}

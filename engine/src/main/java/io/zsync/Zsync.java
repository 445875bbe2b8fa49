package io.zsync;

import io.zsync.accel.AsyncHardwareOps;
import io.zsync.accel.HardwareAccel;
import io.zsync.io.Io;
import io.zsync.stream.RealtimeStream;
import io.zsync.stream.RealtimeStreams;
import io.zsync.stream.StreamBuilder;
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

    /** A thread-pool execution model with {@code threads} threads; close it when done. */
    public static Io threadPoolIo(int threads) {
        return Io.threadPool(threads);
    }

    /** The virtual-thread execution model (a logged pool fallback before Java 21); close it when done. */
    public static Io virtualThreadIo() {
        return Io.virtualThreads();
    }

    /** The JVM's hardware accelerator: CPU features and SIMD payload operations. */
    public static HardwareAccel hardwareAccel() {
        return HardwareAccel.init();
    }

    /** Settings for a new realtime stream, starting from the defaults. */
    public static StreamBuilder streamBuilder() {
        return new StreamBuilder();
    }

    /** The high-throughput stream preset; see {@link RealtimeStreams#highThroughput()}. */
    public static RealtimeStream highThroughputStream() {
        return RealtimeStreams.createHighThroughputStream();
    }

    /** The low-latency stream preset; see {@link RealtimeStreams#lowLatency()}. */
    public static RealtimeStream lowLatencyStream() {
        return RealtimeStreams.createLowLatencyStream();
    }

    /** The reliable stream preset; see {@link RealtimeStreams#reliable()}. */
    public static RealtimeStream reliableStream() {
        return RealtimeStreams.createReliableStream();
    }

    /** The accelerator's operations started asynchronously on {@code io}. */
    public static AsyncHardwareOps asyncHardwareOps(Io io) {
        return AsyncHardwareOps.init(io);
    }
}

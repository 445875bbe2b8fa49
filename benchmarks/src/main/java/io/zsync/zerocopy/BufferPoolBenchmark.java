package io.zsync.zerocopy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One acquire + one release of a 64 KiB direct buffer (touching one byte), single thread: zsync's
 * {@link BufferPool} against Netty's {@code PooledByteBufAllocator} as configured by default and
 * {@code ByteBuffer.allocateDirect} (released by the garbage collector). Netty with its thread cache
 * enabled for all threads runs in its own fork: {@link NettyThreadCacheBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:MaxDirectMemorySize=1g"})
@State(Scope.Thread)
public class BufferPoolBenchmark {
    static final int SIZE = 64 << 10;

    private BufferPool pool;
    private PooledByteBufAllocator netty;

    @Setup
    public void setUp() {
        pool = BufferPool.create();
        netty = PooledByteBufAllocator.DEFAULT;
    }

    @TearDown
    public void tearDown() {
        pool.close();
    }

    @Benchmark
    public byte zsyncPool() {
        try (PooledBuffer lease = pool.acquire(SIZE)) {
            ByteBuffer b = lease.buffer();
            b.put(0, (byte) 1);
            return b.get(1);
        }
    }

    @Benchmark
    public byte nettyPooledDefault() {
        ByteBuf buf = netty.directBuffer(SIZE);
        buf.setByte(0, 1);
        byte b = buf.getByte(1);
        buf.release();
        return b;
    }

    @Benchmark
    public byte allocateDirect() {
        ByteBuffer b = ByteBuffer.allocateDirect(SIZE);
        b.put(0, (byte) 1);
        return b.get(1);
    }
}

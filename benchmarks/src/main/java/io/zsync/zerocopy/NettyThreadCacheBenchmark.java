package io.zsync.zerocopy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Netty's pooled allocator with its thread cache on for every thread and 64 KiB buffers cacheable:
 * its fastest setting for this workload. Netty reads these properties once per JVM, hence a fork of
 * its own. Same work as {@link BufferPoolBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:MaxDirectMemorySize=1g",
    "-Dio.netty.allocator.useCacheForAllThreads=true", "-Dio.netty.allocator.maxCachedBufferCapacity=65536"})
@State(Scope.Thread)
public class NettyThreadCacheBenchmark {
    @Benchmark
    public byte nettyPooledThreadCache() {
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(BufferPoolBenchmark.SIZE);
        buf.setByte(0, 1);
        byte b = buf.getByte(1);
        buf.release();
        return b;
    }
}

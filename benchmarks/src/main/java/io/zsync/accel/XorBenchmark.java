package io.zsync.accel;

import io.zsync.io.Io;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * XOR masking with a 13-byte key (its period does not divide the vector, the general path): the
 * Vector API implementation, the scalar 8-bytes-at-a-time one, a plain byte loop, and a copy of the
 * same bytes as the memory-bandwidth reference ({@code System.arraycopy}, or an absolute bulk
 * {@code put} between direct buffers).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class XorBenchmark {
    static final byte[] KEY = {0x5a, 0x3c, 0x11, 0x7f, 0x01, (byte) 0x80, 0x42, 0x24, 0x18, (byte) 0xe7, 0x66, 0x0f,
        (byte) 0xf0};

    private HardwareAccel vector;
    private HardwareAccel scalar;
    private XorKey key;

    @Setup
    public void setUp() {
        vector = HardwareAccel.with(PayloadOpsProvider.vector()
                .orElseThrow(() -> new IllegalStateException("run with --add-modules jdk.incubator.vector")));
        scalar = HardwareAccel.with(ScalarPayloadOps.INSTANCE);
        key = XorKey.of(KEY);
    }

    @Benchmark
    public int vector(PayloadState p) {
        return p.heap
                ? vector.optimizedXor(Io.blocking(), p.dstArray, 0, p.srcArray, 0, p.size, key, 0)
                : vector.optimizedXor(Io.blocking(), p.dstBuffer, 0, p.srcBuffer, 0, p.size, key, 0);
    }

    @Benchmark
    public int scalarLong(PayloadState p) {
        return p.heap
                ? scalar.optimizedXor(Io.blocking(), p.dstArray, 0, p.srcArray, 0, p.size, key, 0)
                : scalar.optimizedXor(Io.blocking(), p.dstBuffer, 0, p.srcBuffer, 0, p.size, key, 0);
    }

    /** The loop anyone would write first: one byte at a time, the key index wrapping by compare. */
    @Benchmark
    public int byteLoop(PayloadState p) {
        byte[] k = KEY;
        int kp = 0;
        if (p.heap) {
            byte[] src = p.srcArray;
            byte[] dst = p.dstArray;
            for (int i = 0; i < p.size; i++) {
                dst[i] = (byte) (src[i] ^ k[kp]);
                if (++kp == k.length) {
                    kp = 0;
                }
            }
        } else {
            for (int i = 0; i < p.size; i++) {
                p.dstBuffer.put(i, (byte) (p.srcBuffer.get(i) ^ k[kp]));
                if (++kp == k.length) {
                    kp = 0;
                }
            }
        }
        return kp;
    }

    @Benchmark
    public int arraycopy(PayloadState p) {
        return p.jdkCopy();
    }
}

package io.zsync.accel;

import io.zsync.io.Io;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
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
 * zsync's copy, compare and CRC32C next to the JDK intrinsic each one stands on: the cost of zsync's
 * argument checks and execution-model dispatch. Compared payloads are equal, so the whole length is
 * scanned.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class CopyCompareCrcBenchmark {
    private final HardwareAccel accel = HardwareAccel.init();

    @Benchmark
    public int zsyncCopy(PayloadState p) {
        if (p.heap) {
            accel.optimizedCopy(Io.blocking(), p.dstArray, 0, p.srcArray, 0, p.size);
        } else {
            accel.optimizedCopy(Io.blocking(), p.dstBuffer, 0, p.srcBuffer, 0, p.size);
        }
        return p.size;
    }

    @Benchmark
    public int jdkCopy(PayloadState p) {
        return p.jdkCopy();
    }

    @Benchmark
    public int zsyncCompare(PayloadState p) {
        return p.heap
                ? accel.optimizedCompare(Io.blocking(), p.dstArray, p.srcArray)
                : accel.optimizedCompare(Io.blocking(), p.dstBuffer, p.srcBuffer);
    }

    @Benchmark
    public int jdkMismatch(PayloadState p) {
        return p.heap ? Arrays.mismatch(p.dstArray, p.srcArray) : p.dstBuffer.mismatch(p.srcBuffer);
    }

    @Benchmark
    public long zsyncCrc32c(PayloadState p) {
        return p.heap ? accel.crc32c(Io.blocking(), p.srcArray) : accel.crc32c(Io.blocking(), p.srcBuffer);
    }

    @Benchmark
    public long jdkCrc32c(PayloadState p) {
        CRC32C crc = new CRC32C();
        if (p.heap) {
            crc.update(p.srcArray, 0, p.size);
        } else {
            crc.update(p.srcBuffer.clear());
        }
        return crc.getValue();
    }
}

package io.zsync.accel;

import io.zsync.io.Io;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.IntUnaryOperator;
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
 * {@code parallelProcess} over 256 Ki ints with a CPU-bound function (64 rounds of an xorshift mix per
 * item), on one thread (the blocking model) and on a two-thread pool.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class ParallelProcessBenchmark {
    static final int ITEMS = 256 * 1024;
    static final IntUnaryOperator MIX = x -> {
        int h = x;
        for (int round = 0; round < 64; round++) {
            h ^= h << 13;
            h ^= h >>> 17;
            h ^= h << 5;
        }
        return h;
    };

    private int[] items;
    private Io pool;
    private AsyncHardwareOps oneThread;
    private AsyncHardwareOps twoThreads;

    @Setup
    public void setUp() {
        items = new int[ITEMS];
        Arrays.setAll(items, i -> i + 1);
        pool = Io.threadPool(2);
        oneThread = AsyncHardwareOps.init(Io.blocking());
        twoThreads = AsyncHardwareOps.init(pool);
    }

    @TearDown
    public void tearDown() {
        pool.close();
    }

    @Benchmark
    public int oneThread() {
        oneThread.parallelProcess(items, MIX);
        return items[0];
    }

    @Benchmark
    public int twoThreads() {
        twoThreads.parallelProcess(items, MIX);
        return items[0];
    }
}

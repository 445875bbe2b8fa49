package io.zsync.stream;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The cost of one rate-limit decision on one thread, clock read included: zsync's {@link TokenBucket}
 * (what the dispatcher calls per message) against Bucket4j's {@code tryConsume(1)}. Both buckets refill
 * 10<sup>9</sup> tokens per second, so nearly every call grants and the figure is the bookkeeping plus
 * the clock. {@code System.nanoTime()} alone costs about 20 ns on a VM, which is why the dispatcher reads
 * it once per batch.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class TokenBucketBenchmark {
    private static final long RATE = 1_000_000_000L;

    private final TokenBucket zsync = new TokenBucket(RATE, RATE / 10, System.nanoTime());
    private final Bucket bucket4j = Bucket.builder()
            .addLimit(Bandwidth.builder().capacity(RATE / 10).refillGreedy(RATE, Duration.ofSeconds(1)).build())
            .build();

    @Benchmark
    public boolean zsyncTryAcquire() {
        return zsync.tryAcquire(1, System.nanoTime());
    }

    /**
     * As the dispatcher uses it: one clock read per dispatch batch (up to 64 messages), so the clock's
     * cost is shared; Bucket4j reads the clock inside every call and has no such mode.
     */
    @Benchmark
    @OperationsPerInvocation(64)
    public int zsyncTryAcquireClockPerBatch() {
        long now = System.nanoTime();
        int granted = 0;
        for (int i = 0; i < 64; i++) {
            if (zsync.tryAcquire(1, now)) {
                granted++;
            }
        }
        return granted;
    }

    @Benchmark
    public boolean bucket4jTryConsume() {
        return bucket4j.tryConsume(1);
    }
}

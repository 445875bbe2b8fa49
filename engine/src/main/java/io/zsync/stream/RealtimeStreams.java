package io.zsync.stream;

import java.time.Duration;

/**
 * The reference design's three ready-made streams. Each {@code create…} method builds the stream; the
 * matching builder method returns the same settings to adjust first. The settings were chosen by the
 * benchmarks in {@code benchmarks/} ({@code StreamThroughputBenchmark}, {@code StreamLatencyBenchmark});
 * the README shows the figures.
 */
public final class RealtimeStreams {
    private RealtimeStreams() {
    }

    /**
     * Maximum bandwidth: batches of 256 moved per lock acquisition, callbacks on the dispatcher thread
     * (no second hand-off), parked waiting, latency recorded for one message in 16, a 64k-message buffer
     * and {@link Backpressure#BLOCK}, so that a fast sender is slowed rather than losing messages. In the
     * preset sweep ({@code StreamHarness.presets}) batches of 256 and 1024 were two to three times faster
     * than 16, and parking beat spinning on two cores, where a spinning dispatcher takes the sender's CPU.
     *
     * @return the settings
     */
    public static StreamBuilder highThroughput() {
        return new StreamBuilder()
                .withName("high-throughput")
                .withBufferSize(65_536, 256L << 20)
                .withBackpressure(Backpressure.BLOCK)
                .withBatchSize(256)
                .withDispatcherDelivery()
                .withLatencySampling(16)
                .withWaitStrategy(WaitStrategy.PARK);
    }

    /**
     * Minimal delay: callbacks on the dispatcher (no second hand-off), a dispatcher that spins and
     * yields before it sleeps, batches of 16 so that an urgent message waits behind few others, and
     * {@link Backpressure#DROP_OLDEST}, since for latency-bound data a stale message is worth less than a
     * new one. It does not ask for real-time scheduling: on the 2-core machine the benchmarks ran on, a
     * pinned SCHED_FIFO dispatcher starved the sender and the JIT, and p99 latency was four times worse
     * (add {@link StreamBuilder#withRealTimePriority()} where a core can be given to it).
     *
     * @return the settings
     */
    public static StreamBuilder lowLatency() {
        return new StreamBuilder()
                .withName("low-latency")
                .withBufferSize(8_192, 64L << 20)
                .withBackpressure(Backpressure.DROP_OLDEST)
                .withBatchSize(16)
                .withDispatcherDelivery()
                .withWaitStrategy(WaitStrategy.BACKOFF);
    }

    /**
     * Nothing dropped: {@link Backpressure#BLOCK} with a 60 s timeout, a delivery thread and queue per
     * subscriber (a slow one slows the senders, not the others), parked waiting, a 60 s graceful close.
     *
     * @return the settings
     */
    public static StreamBuilder reliable() {
        return new StreamBuilder()
                .withName("reliable")
                .withBufferSize(100_000, 256L << 20)
                .withBackpressure(Backpressure.BLOCK, Duration.ofSeconds(60))
                .withBatchSize(64)
                .withWaitStrategy(WaitStrategy.PARK)
                .withCloseTimeout(Duration.ofSeconds(60));
    }

    /** Builds {@link #highThroughput()}. */
    public static RealtimeStream createHighThroughputStream() {
        return highThroughput().build();
    }

    /** Builds {@link #lowLatency()}. */
    public static RealtimeStream createLowLatencyStream() {
        return lowLatency().build();
    }

    /** Builds {@link #reliable()}. */
    public static RealtimeStream createReliableStream() {
        return reliable().build();
    }
}

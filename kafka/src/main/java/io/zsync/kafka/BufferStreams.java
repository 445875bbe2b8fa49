package io.zsync.kafka;

import io.zsync.stream.Backpressure;
import io.zsync.stream.RealtimeStream;
import io.zsync.stream.StreamBuilder;
import io.zsync.stream.TimeSource;
import java.time.Duration;

/**
 * The engine stream behind one Kafka task's buffer, built the same way for a Streams processor and a
 * Connect bridge task: manual dispatch on the task's own thread, the {@code zsync.*} buffer, ordering and
 * rate settings, the task's share of an application-wide rate, and the deadline margin
 * ({@value ZsyncConfig#DEADLINE_MARGIN_MS_CONFIG}, resolved by the task against its producer's
 * {@code linger.ms}) as the engine's expiry margin.
 *
 * <p>A task dispatches when its thread gets to it, which while its input is quiet may be only once per
 * consumer poll (a Streams task: once per {@code poll.ms}, 100 ms by default). The rate limit makes up for
 * that time (see {@link StreamBuilder#withRateCatchUp}): records that waited leave at the configured rates
 * however the burst compares with the rate over one poll, up to {@link #catchUpWindow} of the rate at once.
 */
public final class BufferStreams {
    /** The shortest catch-up window, whatever the dispatch interval. */
    static final Duration MIN_CATCH_UP = Duration.ofSeconds(1);

    private BufferStreams() {
    }

    /**
     * The rate limit's catch-up window for a task that dispatches at least every {@code dispatchInterval}
     * while records wait: twice that (so a late poll loses nothing), at least 1 s. A task that did not
     * dispatch for longer (a stall) releases at most this window's worth of the rate at once, and does not
     * make up the rest of the stall.
     *
     * @param dispatchInterval the longest the task's thread may wait in a poll, not negative
     * @return the window
     */
    public static Duration catchUpWindow(Duration dispatchInterval) {
        Duration twice = dispatchInterval.multipliedBy(2);
        return twice.compareTo(MIN_CATCH_UP) > 0 ? twice : MIN_CATCH_UP;
    }

    /**
     * The catch-up window of a stream paced by a downstream group's lag ({@code zsync.lag.group}): 1.5
     * intervals, as long as one reading's room holds. A task whose thread stalled must not come back with a
     * second's worth of the room's rate (ten rooms at a 100 ms interval) and put the group far past its bound;
     * a task that dispatches less often than that releases less than its room, which errs on holding.
     *
     * @param flowIntervalMs {@code zsync.flow.interval.ms}
     * @return the window
     */
    static Duration lagCatchUpWindow(long flowIntervalMs) {
        return Duration.ofMillis(flowIntervalMs + flowIntervalMs / 2);
    }

    /**
     * Builds the stream.
     *
     * @param share            this task's share of the rate by input partitions ({@code zsync.rate.scope=application}:
     *                         the rates it starts with, empty, until its flow budget sets them), or null for all of it
     * @param deadlineMargin   a record is released only if its deadline is at least this far ahead, else it is
     *                         dead-lettered {@code EXPIRED} (see {@link ZsyncConfig#deadlineMarginMs})
     * @param dispatchInterval the longest the task's thread may go without dispatching while records wait
     *                         (a Streams task's {@code poll.ms}); sets the rate's {@link #catchUpWindow}
     * @param callbacks        where released, expired and dropped messages go; subscribed to the stream
     */
    public static RealtimeStream build(String name, ZsyncConfig config, TimeSource clock, RateShare share,
                                       Duration deadlineMargin, Duration dispatchInterval, EmitCallbacks callbacks) {
        Backpressure strategy = config.backpressure();
        StreamBuilder b = new StreamBuilder()
                .withName(name)
                .withBufferSize(config.bufferMaxRecords(), config.bufferMaxBytes())
                // A manual stream cannot block the thread that dispatches it: the task does block itself
                // (dispatching while it waits, or not reading its input while the buffer is full).
                .withBackpressure(strategy == Backpressure.BLOCK ? Backpressure.ERROR_ON_FULL : strategy)
                .withOrdering(config.ordering())
                .withClock(clock)
                .withExpiryMargin(deadlineMargin)
                .withManualDispatch()
                .withRateCatchUp(config.lagEnabled() ? lagCatchUpWindow(config.flowIntervalMs())
                        : catchUpWindow(dispatchInterval))
                .withDeadLetterListener(callbacks);
        long rate = share == null ? config.rateLimit() : share.apportion(config.rateLimit());
        long burst = share == null ? config.rateBurst() : share.apportion(config.rateBurst());
        long bytes = share == null ? config.rateBytes() : share.apportion(config.rateBytes());
        if (rate > 0) {
            b.withRateLimit(rate, burst);
        } else if (config.lagEnabled()) {
            // Paced by the downstream group's lag: a records bucket whose rate the flow budget sets (starting
            // empty, below), whatever it is built with.
            b.withRateLimit(io.zsync.kafka.flow.TaskFlow.MAX_RATE, 1);
        }
        if (share != null) {
            // One budget for the application: a task (re)start or rebalance must not add a burst each.
            b.withRateStartingEmpty();
        }
        if (bytes > 0) {
            b.withByteRateLimit(bytes);
        }
        RealtimeStream stream = b.build();
        stream.subscribe(callbacks);
        return stream;
    }
}

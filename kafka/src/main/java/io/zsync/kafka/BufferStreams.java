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
 */
public final class BufferStreams {

    private BufferStreams() {
    }

    /**
     * Builds the stream.
     *
     * @param share          this task's share of the rate ({@code zsync.rate.scope=application}), or null for all of it
     * @param deadlineMargin a record is released only if its deadline is at least this far ahead, else it is
     *                       dead-lettered {@code EXPIRED} (see {@link ZsyncConfig#deadlineMarginMs})
     * @param callbacks      where released, expired and dropped messages go; subscribed to the stream
     */
    public static RealtimeStream build(String name, ZsyncConfig config, TimeSource clock, RateShare share,
                                       Duration deadlineMargin, EmitCallbacks callbacks) {
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
                .withDeadLetterListener(callbacks);
        long rate = share == null ? config.rateLimit() : share.apportion(config.rateLimit());
        long burst = share == null ? config.rateBurst() : share.apportion(config.rateBurst());
        long bytes = share == null ? config.rateBytes() : share.apportion(config.rateBytes());
        if (rate > 0) {
            b.withRateLimit(rate, burst);
        }
        if (bytes > 0) {
            b.withByteRateLimit(bytes);
        }
        RealtimeStream stream = b.build();
        stream.subscribe(callbacks);
        return stream;
    }
}

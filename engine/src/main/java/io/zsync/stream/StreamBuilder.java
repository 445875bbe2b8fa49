package io.zsync.stream;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Settings for a new {@link RealtimeStream}, in the reference design's builder style:
 *
 * <pre>{@code
 * RealtimeStream stream = new StreamBuilder()
 *         .withBufferSize(64 * 1024)
 *         .withBackpressure(Backpressure.DROP_OLDEST)
 *         .withRateLimit(100_000)
 *         .withRealTimePriority()
 *         .build();
 * }</pre>
 *
 * <p>Defaults: a buffer of 10,000 messages and 64 MiB, {@link Backpressure#BLOCK} with a 30 s timeout,
 * no rate limit, {@link Ordering#FIFO}, {@link WaitStrategy#PARK}, batches of 64, the system clock, no
 * expiry margin. Every setter checks its value and names it when refusing.
 */
public final class StreamBuilder {
    private static final AtomicInteger NAMES = new AtomicInteger();
    /** The largest {@link #withExpiryMargin} accepts: far beyond any client's hold, small enough never to overflow a deadline. */
    static final Duration MAX_EXPIRY_MARGIN = Duration.ofHours(1);
    /** The default catch-up window of the rate limit: see {@link #withRateCatchUp}. */
    public static final Duration DEFAULT_RATE_CATCH_UP = Duration.ofSeconds(1);

    String name = "stream-" + NAMES.incrementAndGet();
    long maxRecords = 10_000;
    long maxBytes = 64L << 20;
    Backpressure backpressure = Backpressure.BLOCK;
    Duration blockTimeout = Duration.ofSeconds(30);
    long ratePerSecond;
    long burst;
    long bytesPerSecond;
    long bytesBurst;
    Duration rateCatchUp = DEFAULT_RATE_CATCH_UP;
    boolean rateStartsEmpty;
    boolean realtime;
    int cpu = -1;
    Ordering ordering = Ordering.FIFO;
    TimeSource clock = TimeSource.system();
    WaitStrategy waitStrategy = WaitStrategy.PARK;
    int batchSize = 64;
    int latencySampling = 1;
    boolean dispatcherDelivery;
    boolean manualDispatch;
    boolean startPaused;
    long expiryMarginMicros;
    DeadLetterListener deadLetterListener;
    SubscriberErrorHandler errorHandler;
    Duration closeTimeout = Duration.ofSeconds(30);

    /** Starts from the defaults. */
    public StreamBuilder() {
    }

    /**
     * Names the stream, for thread names, logs and error messages.
     *
     * @param name a short name
     * @return this builder
     */
    public StreamBuilder withName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        this.name = name;
        return this;
    }

    /**
     * Limits the buffer to {@code maxRecords} messages; the byte limit stays.
     *
     * @param maxRecords at least 1
     * @return this builder
     */
    public StreamBuilder withBufferSize(long maxRecords) {
        return withBufferSize(maxRecords, maxBytes);
    }

    /**
     * Limits the buffer to {@code maxRecords} messages and {@code maxBytes} payload bytes, both enforced.
     *
     * @param maxRecords at least 1
     * @param maxBytes   at least 1
     * @return this builder
     */
    public StreamBuilder withBufferSize(long maxRecords, long maxBytes) {
        if (maxRecords < 1) {
            throw new IllegalArgumentException("buffer maxRecords must be at least 1, was " + maxRecords);
        }
        if (maxBytes < 1) {
            throw new IllegalArgumentException("buffer maxBytes must be at least 1, was " + maxBytes);
        }
        this.maxRecords = maxRecords;
        this.maxBytes = maxBytes;
        return this;
    }

    /**
     * What happens when the buffer is full; {@link Backpressure#BLOCK} waits up to the block timeout.
     *
     * @param backpressure the strategy
     * @return this builder
     */
    public StreamBuilder withBackpressure(Backpressure backpressure) {
        this.backpressure = Objects.requireNonNull(backpressure, "backpressure must not be null");
        return this;
    }

    /**
     * {@link Backpressure#BLOCK} with its timeout: a sender waits at most this long for room, then gets
     * a {@link BufferFullException} and keeps its message.
     *
     * @param backpressure the strategy
     * @param blockTimeout positive
     * @return this builder
     */
    public StreamBuilder withBackpressure(Backpressure backpressure, Duration blockTimeout) {
        if (blockTimeout.isNegative() || blockTimeout.isZero()) {
            throw new IllegalArgumentException("blockTimeout must be positive, was " + blockTimeout);
        }
        this.blockTimeout = blockTimeout;
        return withBackpressure(backpressure);
    }

    /**
     * Limits dispatch to {@code perSecond} messages, with a burst of a tenth of a second's worth (at
     * least 1).
     *
     * @param perSecond messages per second; 0 for no limit
     * @return this builder
     */
    public StreamBuilder withRateLimit(long perSecond) {
        return withRateLimit(perSecond, Math.max(1, perSecond / 10));
    }

    /**
     * Limits dispatch to {@code perSecond} messages with bursts of up to {@code burst}.
     *
     * @param perSecond messages per second, 0 (no limit) to 10<sup>9</sup>
     * @param burst     messages dispatched back to back after a quiet period, 1 to 10<sup>9</sup>
     * @return this builder
     */
    public StreamBuilder withRateLimit(long perSecond, long burst) {
        checkRate("rate", perSecond, burst);
        this.ratePerSecond = perSecond;
        this.burst = burst;
        return this;
    }

    /**
     * Limits dispatch to {@code bytesPerSecond} payload bytes, with a burst of a tenth of a second's
     * worth; a message larger than the burst goes out alone once the bucket is full.
     *
     * @param bytesPerSecond bytes per second, 0 (no limit) to 10<sup>9</sup>
     * @return this builder
     */
    public StreamBuilder withByteRateLimit(long bytesPerSecond) {
        long b = Math.max(1, bytesPerSecond / 10);
        checkRate("bytes rate", bytesPerSecond, b);
        this.bytesPerSecond = bytesPerSecond;
        this.bytesBurst = b;
        return this;
    }

    /**
     * How long a wait the rate limit makes up for (1 s by default). The burst caps the tokens that accrue
     * while nothing waits; while messages wait and the dispatcher does not run (a manual owner that only
     * calls {@link RealtimeStream#dispatch} every 100 ms or every second, a starved dispatcher thread), the
     * tokens a continuously running dispatcher would have spent are credited, up to this window's worth. So
     * a backlog leaves at the configured rates (records and bytes) however rarely dispatch runs, as long as
     * it runs at least once per window; after a longer stall at most {@code rate × window} messages (and
     * {@code bytesRate × window} bytes) leave at once and the rest of the stall is not made up.
     * {@link Duration#ZERO} makes the burst cap everything (a classic token bucket).
     *
     * @param window not negative, at most a day
     * @return this builder
     */
    public StreamBuilder withRateCatchUp(Duration window) {
        if (window.isNegative() || window.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException("rate catch-up window must be 0 to 1 day, was " + window);
        }
        this.rateCatchUp = window;
        return this;
    }

    /**
     * Starts the rate limit's buckets (records and bytes) empty instead of full, so the first messages wait
     * for tokens to accrue rather than leaving as one burst. For a rate shared by many tasks of an
     * application, each stream holding its share ({@link RealtimeStream#setRateLimit}): a Kafka task that
     * restarts, or moves in a rebalance, builds a new stream, and a full start would add a burst to the
     * application's rate each time. No effect without {@link #withRateLimit} or {@link #withByteRateLimit}.
     *
     * @return this builder
     */
    public StreamBuilder withRateStartingEmpty() {
        this.rateStartsEmpty = true;
        return this;
    }

    private static void checkRate(String what, long perSecond, long burst) {
        if (perSecond < 0 || perSecond > 1_000_000_000L) {
            throw new IllegalArgumentException(what + " must be 0 (no limit) to 1000000000 per second, was " + perSecond);
        }
        if (perSecond > 0 && (burst < 1 || burst > 1_000_000_000L)) {
            throw new IllegalArgumentException(what + " burst must be 1 to 1000000000, was " + burst);
        }
    }

    /**
     * Runs the dispatcher as a real-time thread: maximum Java priority, spin-then-yield waiting, and on
     * Linux pinned to the last CPU under SCHED_FIFO where the OS grants it (one log line says what was
     * granted).
     *
     * @return this builder
     */
    public StreamBuilder withRealTimePriority() {
        this.realtime = true;
        this.waitStrategy = WaitStrategy.BACKOFF;
        return this;
    }

    /**
     * Like {@link #withRealTimePriority()}, pinned to the given CPU.
     *
     * @param cpu the CPU number, from 0
     * @return this builder
     */
    public StreamBuilder withRealTimePriority(int cpu) {
        if (cpu < 0 || cpu >= 1024) {
            throw new IllegalArgumentException("cpu must be 0 to 1023, was " + cpu);
        }
        this.cpu = cpu;
        return withRealTimePriority();
    }

    /**
     * The order within one priority level.
     *
     * @param ordering FIFO or earliest deadline first
     * @return this builder
     */
    public StreamBuilder withOrdering(Ordering ordering) {
        this.ordering = Objects.requireNonNull(ordering, "ordering must not be null");
        return this;
    }

    /**
     * Keeps back messages that could arrive late downstream: a message is dead-lettered as
     * {@link DeadLetterReason#EXPIRED} unless its deadline is at least {@code margin} after now, checked when
     * it is sent and again when it is dispatched (and, with subscription threads, when it is delivered). Set
     * it to the longest a subscriber's own client may hold a message after the callback has taken it, such as
     * a Kafka producer's {@code linger.ms} plus the send: then a message that is released also reaches its
     * destination by its deadline. Without a margin (the default) a message is deliverable up to and at its
     * deadline.
     *
     * @param margin 0 to 1 hour; rounded up to whole microseconds
     * @return this builder
     */
    public StreamBuilder withExpiryMargin(Duration margin) {
        Objects.requireNonNull(margin, "margin must not be null");
        if (margin.isNegative() || margin.compareTo(MAX_EXPIRY_MARGIN) > 0) {
            throw new IllegalArgumentException("expiry margin must be 0 to " + MAX_EXPIRY_MARGIN + ", was " + margin);
        }
        long nanos = margin.toNanos();
        this.expiryMarginMicros = nanos / 1_000 + (nanos % 1_000 == 0 ? 0 : 1);
        return this;
    }

    /**
     * The clock for deadlines, rates and latencies; a {@link ManualTimeSource} makes tests deterministic.
     *
     * @param clock the time source
     * @return this builder
     */
    public StreamBuilder withClock(TimeSource clock) {
        this.clock = Objects.requireNonNull(clock, "clock must not be null");
        return this;
    }

    /**
     * How idle threads wait for work.
     *
     * @param waitStrategy park, back off or spin
     * @return this builder
     */
    public StreamBuilder withWaitStrategy(WaitStrategy waitStrategy) {
        this.waitStrategy = Objects.requireNonNull(waitStrategy, "waitStrategy must not be null");
        return this;
    }

    /**
     * How many messages the dispatcher and each delivery thread move per lock acquisition. Larger
     * batches raise throughput; a higher-priority message may wait behind at most one batch.
     *
     * @param batchSize 1 to 65536
     * @return this builder
     */
    public StreamBuilder withBatchSize(int batchSize) {
        if (batchSize < 1 || batchSize > 65_536) {
            throw new IllegalArgumentException("batchSize must be 1 to 65536, was " + batchSize);
        }
        this.batchSize = batchSize;
        return this;
    }

    /**
     * Records the send-to-deliver latency of one message in {@code everyN} (by send order) instead of
     * every one. A clock read and a histogram update cost about as much as the rest of a delivery at
     * millions of messages per second; the percentiles of a sample are as good for monitoring.
     *
     * @param everyN a power of two, 1 (every message, the default) to 1024
     * @return this builder
     */
    public StreamBuilder withLatencySampling(int everyN) {
        if (everyN < 1 || everyN > 1024 || Integer.bitCount(everyN) != 1) {
            throw new IllegalArgumentException("latency sampling must be a power of two from 1 to 1024, was " + everyN);
        }
        this.latencySampling = everyN;
        return this;
    }

    /**
     * Runs subscriber callbacks on the dispatcher thread instead of one delivery thread per
     * subscription: one hand-off fewer, so lower latency and higher throughput, but a slow callback
     * delays every subscriber, and {@code maxQueueSize} is unused. For one or a few fast subscribers.
     *
     * @return this builder
     */
    public StreamBuilder withDispatcherDelivery() {
        this.dispatcherDelivery = true;
        return this;
    }

    /**
     * No dispatcher thread: the owner calls {@link RealtimeStream#dispatch(int)}, and callbacks run on
     * the calling thread, in priority order, at the rate limit. For hosts that must deliver on their own
     * thread, such as a Kafka Streams processor (which may only forward on its stream thread), and for
     * fully deterministic tests. Implies {@link #withDispatcherDelivery()}.
     *
     * @return this builder
     */
    public StreamBuilder withManualDispatch() {
        this.manualDispatch = true;
        this.dispatcherDelivery = true;
        return this;
    }

    /**
     * Starts with dispatch paused until {@link RealtimeStream#resume()}, so a burst can be buffered first.
     *
     * @return this builder
     */
    public StreamBuilder startPaused() {
        this.startPaused = true;
        return this;
    }

    /**
     * Receives every message that was not delivered. Without one, each reason is logged once and then
     * only counted.
     *
     * @param listener the listener, thread-safe
     * @return this builder
     */
    public StreamBuilder withDeadLetterListener(DeadLetterListener listener) {
        this.deadLetterListener = Objects.requireNonNull(listener, "listener must not be null");
        return this;
    }

    /**
     * Receives callback failures. Without one, the first per subscription is logged.
     *
     * @param handler the handler, thread-safe
     * @return this builder
     */
    public StreamBuilder withErrorHandler(SubscriberErrorHandler handler) {
        this.errorHandler = Objects.requireNonNull(handler, "handler must not be null");
        return this;
    }

    /**
     * How long {@link RealtimeStream#close()} lets delivery go on before stopping.
     *
     * @param timeout not negative
     * @return this builder
     */
    public StreamBuilder withCloseTimeout(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("closeTimeout must not be negative, was " + timeout);
        }
        this.closeTimeout = timeout;
        return this;
    }

    long burst() {
        return burst;
    }

    long bytesBurst() {
        return bytesBurst;
    }

    long rateCatchUpNanos() {
        return rateCatchUp.toNanos();
    }

    /**
     * Creates the stream and starts its dispatcher.
     *
     * @return a running stream; close it when done
     */
    public RealtimeStream build() {
        if (manualDispatch && realtime) {
            throw new IllegalArgumentException("withRealTimePriority() needs the dispatcher thread; it cannot be"
                    + " combined with withManualDispatch(), where the caller's thread dispatches");
        }
        return new RealtimeStream(this);
    }
}

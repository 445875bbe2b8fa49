package io.zsync.stream;

import io.zsync.io.Io;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An in-process publish/subscribe stream with priorities, deadlines, a token-bucket rate limit and a
 * {@link Backpressure} strategy. Build one with {@link StreamBuilder} or take a preset from
 * {@link RealtimeStreams}.
 *
 * <p>Senders put messages into the stream's buffer; one dispatcher thread takes them out, highest
 * priority first, as fast as the rate limit allows, and fans each out to the subscriptions whose mask and
 * filter accept it. Each subscription has its own queue and delivery thread. A message past its deadline
 * is never delivered: it goes to the {@link DeadLetterListener} as {@link DeadLetterReason#EXPIRED},
 * as does every message that backpressure drops, so nothing vanishes. With an expiry margin
 * ({@link StreamBuilder#withExpiryMargin}) a message is also expired when its deadline is less than the
 * margin away, at admission and at dispatch alike, so that a subscriber's client that holds it for up to
 * the margin still passes it on by its deadline.
 *
 * <p>Thread-safe: any number of threads may send, subscribe and unsubscribe concurrently, and
 * {@link #close()} while others send is safe (they get an {@link IllegalStateException} and keep their
 * message).
 */
public final class RealtimeStream implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RealtimeStream.class.getName());
    private static final int RUNNING = 0;
    private static final int DRAINING = 1;
    private static final int STOPPED = 2;
    private static final long MAX_RATE_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long JOIN_MILLIS = 10_000;
    private static final long PURGE_INTERVAL_MICROS = 1_000;

    final String name;
    final TimeSource clock;
    final Backpressure backpressure;
    final Ordering ordering;
    final WaitStrategy waitStrategy;
    final int batchSize;
    final long latencySampleMask;
    private final long blockTimeoutNanos;
    /** A message is released only if its deadline is at least this many µs after now (0: up to its deadline). */
    private final long expiryMarginMicros;
    private final long maxRecords;
    private final long maxBytes;
    private final RateLimit rateLimit;
    private final boolean realtime;
    private final int cpu;
    private final boolean dispatcherDelivery;
    private final boolean manualDispatch;
    // Manual dispatch: one caller at a time owns the rate limit and these scratch lists.
    private final java.util.concurrent.atomic.AtomicBoolean dispatching = new java.util.concurrent.atomic.AtomicBoolean();
    private final StreamMessage[] manualBatch;
    private final List<DeadLetter> manualExpired = new ArrayList<>();
    private final List<DeadLetter> manualDropped = new ArrayList<>();
    private final long[] manualRateWait = new long[1];
    private final DeadLetterListener deadLetterListener;
    private final SubscriberErrorHandler errorHandler;
    private final Duration closeTimeout;

    // Guards buffer, held*, sequence, accepted and state transitions. Senders and the dispatcher take it
    // once per send or per batch; everything the dispatcher reads of a message was written under it.
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private final MessageQueue buffer;
    private long heldRecords;
    private long heldBytes;
    private long sequence;
    private int blockedSenders;
    private boolean dispatcherSleeping;
    private boolean paused;
    private long earliestDeadlineHint = StreamMessage.NO_DEADLINE;
    private long nextPurgeMicros = Long.MIN_VALUE;
    private final long[] accepted = new long[Priority.COUNT];
    // Mirrors buffer.size() for the dispatcher's lock-free "anything to do?" check while spinning.
    private volatile int bufferedHint;
    private volatile int state = RUNNING;

    private final Object subscriptionsLock = new Object();
    // Copy-on-write: the dispatcher reads the array once per batch without locking.
    private volatile Subscription[] subscriptions = new Subscription[0];
    private final AtomicLong subscriptionIds = new AtomicLong();

    private final AtomicLongArray deadLetters = new AtomicLongArray(DeadLetterReason.values().length);
    private final AtomicLong callbackFailures = new AtomicLong();
    private final AtomicLongArray departedDelivered = new AtomicLongArray(Priority.COUNT);
    private final Histogram[] latencyTotals = new Histogram[Priority.COUNT];
    private final boolean[] firstDeadLetterLogged = new boolean[DeadLetterReason.values().length];

    private final Thread dispatcher;
    private final CountDownLatch dispatcherReady = new CountDownLatch(1);
    private final Object closeLock = new Object();
    private CloseReport closeReport;

    RealtimeStream(StreamBuilder b) {
        this.name = b.name;
        this.clock = b.clock;
        this.backpressure = b.backpressure;
        this.ordering = b.ordering;
        this.waitStrategy = b.waitStrategy;
        this.batchSize = b.batchSize;
        this.latencySampleMask = b.latencySampling - 1;
        this.blockTimeoutNanos = b.blockTimeout.toNanos();
        this.expiryMarginMicros = b.expiryMarginMicros;
        this.maxRecords = b.maxRecords;
        this.maxBytes = b.maxBytes;
        long now = clock.nanoTime();
        long catchUp = b.rateCatchUpNanos();
        boolean full = !b.rateStartsEmpty;
        TokenBucket records = b.ratePerSecond > 0
                ? new TokenBucket(b.ratePerSecond, b.burst(), catchUp, now, full) : null;
        TokenBucket bytes = b.bytesPerSecond > 0
                ? new TokenBucket(b.bytesPerSecond, b.bytesBurst(), catchUp, now, full) : null;
        this.rateLimit = records == null && bytes == null ? null : new RateLimit(records, bytes);
        this.realtime = b.realtime;
        this.cpu = b.cpu;
        this.dispatcherDelivery = b.dispatcherDelivery;
        this.manualDispatch = b.manualDispatch;
        this.manualBatch = manualDispatch ? new StreamMessage[batchSize] : null;
        this.deadLetterListener = b.deadLetterListener;
        this.errorHandler = b.errorHandler;
        this.closeTimeout = b.closeTimeout;
        this.buffer = new MessageQueue(ordering);
        for (int i = 0; i < Priority.COUNT; i++) {
            latencyTotals[i] = new Histogram(3);
        }
        this.paused = b.startPaused;
        if (manualDispatch) {
            this.dispatcher = null;
            return;
        }
        this.dispatcher = new Thread(this::dispatchLoop, "zsync-" + name + "-dispatcher");
        dispatcher.setDaemon(true);
        dispatcher.setPriority(realtime ? Thread.MAX_PRIORITY : Thread.NORM_PRIORITY);
        dispatcher.start();
        // The stream is returned ready: a real-time dispatcher has loaded JNA and asked for its
        // scheduling before the first message could wait behind that.
        boolean interrupted = false;
        while (true) {
            try {
                dispatcherReady.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ sending

    /**
     * Sends {@code message} under the execution model {@code io}: the message is accepted into the
     * buffer, or dead-lettered, or refused with an exception, as the backpressure strategy says. The
     * stream takes its own reference; the caller still closes the message.
     *
     * @param io      the execution model to send under ({@link Io#blocking()} sends on this thread)
     * @param message a message not sent before
     * @return true if the message was buffered for dispatch; false if it went to the dead-letter listener
     *         instead (dropped by backpressure, already expired, or larger than the buffer)
     * @throws BufferFullException    under {@link Backpressure#ERROR_ON_FULL} when the buffer is full, or
     *                                under {@link Backpressure#BLOCK} after the block timeout
     * @throws InterruptedIOException if interrupted while blocked
     * @throws IllegalStateException  if the stream is closed or the message was already sent or released
     * @throws IOException            if the execution model fails the operation
     */
    public boolean send(Io io, StreamMessage message) throws IOException {
        Objects.requireNonNull(message, "message must not be null");
        if (io.runsInline()) {
            return offer(message);
        }
        return io.call(() -> offer(message));
    }

    /**
     * Sends {@code count} messages from {@code messages[from]} on, each exactly as {@link #send} would,
     * taking the buffer's lock once for as many as fit without waiting.
     *
     * @return how many were buffered; the others went to the dead-letter listener
     */
    public int sendBatch(Io io, StreamMessage[] messages, int from, int count) throws IOException {
        Objects.checkFromIndexSize(from, count, messages.length);
        if (io.runsInline()) {
            return offerBatch(messages, from, count);
        }
        return io.call(() -> offerBatch(messages, from, count));
    }

    private int offerBatch(StreamMessage[] messages, int from, int count) throws InterruptedIOException {
        int accepted = 0;
        int i = from;
        int end = from + count;
        while (i < end) {
            lock.lock();
            try {
                // Fast path: everything that simply fits, under one lock.
                long nowMicros = Long.MIN_VALUE;
                // One clock read per lock hold: the batch was sent at one moment.
                long nowNanos = clock.nanoTime();
                while (i < end) {
                    StreamMessage m = Objects.requireNonNull(messages[i], "messages[" + i + "] must not be null");
                    checkSendable(m);
                    if (!fits(m)) {
                        break;
                    }
                    if (m.hasDeadline()) {
                        if (nowMicros == Long.MIN_VALUE) {
                            nowMicros = clock.epochMicros();
                        }
                        if (m.isExpiredAt(expiryCutoff(nowMicros))) {
                            break;
                        }
                    }
                    accept(m, nowNanos);
                    accepted++;
                    i++;
                }
            } finally {
                lock.unlock();
            }
            if (i < end) {
                // The slow path for the one that did not simply fit.
                if (offer(messages[i])) {
                    accepted++;
                }
                i++;
            }
        }
        return accepted;
    }

    private boolean offer(StreamMessage m) throws InterruptedIOException {
        List<DeadLetter> dead = null;
        boolean accepted = false;
        lock.lock();
        try {
            checkSendable(m);
            long nowMicros = m.hasDeadline() ? clock.epochMicros() : 0;
            if (m.hasDeadline() && m.isExpiredAt(expiryCutoff(nowMicros))) {
                dead = deadList(dead, m, DeadLetterReason.EXPIRED, nowMicros, null);
            } else if (m.length() > maxBytes) {
                dead = deadList(dead, m, DeadLetterReason.TOO_LARGE, clock.epochMicros(),
                        new BufferFullException("Message " + m.id() + " has " + m.length()
                                + " bytes, more than the stream's buffer holds: maxBytes=" + maxBytes));
            } else {
                if (!fits(m)) {
                    dead = purgeExpired(dead);
                }
                if (!fits(m)) {
                    switch (backpressure) {
                        case BLOCK:
                            awaitRoom(m);
                            break;
                        case ERROR_ON_FULL:
                            throw full(m, "error_on_full");
                        case DROP_NEWEST:
                            dead = deadList(dead, m, DeadLetterReason.DROPPED_NEWEST, clock.epochMicros(), null);
                            break;
                        case DROP_OLDEST:
                            dead = dropOldest(m, dead);
                            break;
                        default:
                            throw new AssertionError(backpressure);
                    }
                }
                if (fits(m)) {
                    // The send time only feeds the latency sample, so unsampled messages skip the clock.
                    accept(m, (sequence & latencySampleMask) == 0 ? clock.nanoTime() : 0);
                    accepted = true;
                }
            }
        } finally {
            lock.unlock();
            // Expired messages purged before a refusal are reported too.
            if (dead != null) {
                reportDeadLetters(dead);
            }
        }
        return accepted;
    }

    private void checkSendable(StreamMessage m) {
        if (state != RUNNING) {
            throw new IllegalStateException("Stream '" + name + "' is closed; message " + m.id() + " was not sent");
        }
        if (m.sent) {
            throw new IllegalStateException("StreamMessage " + m.id() + " was already sent; create one message per send");
        }
        if (m.refCount() <= 0) {
            throw new IllegalStateException("StreamMessage " + m.id() + " was closed before it was sent");
        }
    }

    private boolean fits(StreamMessage m) {
        return heldRecords < maxRecords && heldBytes + m.length() <= maxBytes;
    }

    private void accept(StreamMessage m, long nowNanos) {
        m.retainForStream(1);
        if (backpressure == Backpressure.BLOCK) {
            // The buffer's placement; it passes to the dispatcher and is released after the fan-out.
            m.placements(1);
        }
        m.sent = true;
        m.sequence = sequence++;
        m.sendNanos = nowNanos;
        if (m.deadline() < earliestDeadlineHint) {
            earliestDeadlineHint = m.deadline();
        }
        buffer.add(m);
        heldRecords++;
        heldBytes += m.length();
        accepted[m.priority().ordinal()]++;
        bufferedHint = buffer.size();
        if (dispatcherSleeping) {
            notEmpty.signal();
        }
    }

    private void awaitRoom(StreamMessage m) throws InterruptedIOException {
        long nanos = blockTimeoutNanos;
        blockedSenders++;
        try {
            while (true) {
                // The state is checked after every wake-up, even one that found room: a message accepted
                // after close began could land behind a dispatcher that has already finished.
                if (state != RUNNING) {
                    throw new IllegalStateException("Stream '" + name + "' closed while message " + m.id()
                            + " waited for room; it was not sent");
                }
                if (fits(m)) {
                    return;
                }
                if (nanos <= 0) {
                    throw full(m, "block, waited " + TimeUnit.NANOSECONDS.toMillis(blockTimeoutNanos) + " ms");
                }
                nanos = notFull.awaitNanos(nanos);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            InterruptedIOException ie = new InterruptedIOException("Interrupted while message " + m.id()
                    + " waited for room in stream '" + name + "'; it was not sent");
            ie.initCause(e);
            throw ie;
        } finally {
            blockedSenders--;
        }
    }

    private BufferFullException full(StreamMessage m, String strategy) {
        return new BufferFullException("Stream '" + name + "' buffer is full: " + heldRecords + " of maxRecords="
                + maxRecords + " messages, " + heldBytes + " of maxBytes=" + maxBytes + " bytes; message " + m.id()
                + " (" + m.length() + " bytes) was not sent (backpressure " + strategy + ")");
    }

    private List<DeadLetter> dropOldest(StreamMessage incoming, List<DeadLetter> dead) {
        long now = clock.epochMicros();
        while (!fits(incoming)) {
            StreamMessage victim = buffer.pollOldestAtOrBelow(incoming.priority().ordinal());
            if (victim == null) {
                return deadList(dead, incoming, DeadLetterReason.DROPPED_NEWEST, now, null);
            }
            released(victim);
            // The victim keeps the buffer's reference until it has been reported.
            dead = deadList(dead, victim, DeadLetterReason.DROPPED_OLDEST, now, null);
        }
        bufferedHint = buffer.size();
        return dead;
    }

    /**
     * Dead-letters every expired buffered message (its deadline less than the expiry margin away), if any
     * can have expired, at most once per {@value #PURGE_INTERVAL_MICROS} µs: a full buffer under steady
     * expiry would otherwise be rescanned on every send. Under the lock.
     */
    private List<DeadLetter> purgeExpired(List<DeadLetter> dead) {
        long now = clock.epochMicros();
        long cutoff = expiryCutoff(now);
        if (earliestDeadlineHint >= cutoff || now < nextPurgeMicros) {
            return dead;
        }
        nextPurgeMicros = now + PURGE_INTERVAL_MICROS;
        List<DeadLetter> expired = dead == null ? new ArrayList<>() : dead;
        // The exact earliest remaining deadline becomes the hint, so a full buffer of live messages is not
        // rescanned on every send.
        earliestDeadlineHint = buffer.removeExpired(cutoff, m -> {
            released(m);
            expired.add(new DeadLetter(m, DeadLetterReason.EXPIRED, DeadLetter.STREAM, now, null));
        });
        bufferedHint = buffer.size();
        return expired;
    }

    /**
     * The instant a message's deadline must not be before for it to be admitted or released at
     * {@code nowMicros}: now plus the expiry margin (saturating, so a clock near the end of time expires
     * everything with a deadline rather than nothing).
     */
    long expiryCutoff(long nowMicros) {
        long cutoff = nowMicros + expiryMarginMicros;
        return cutoff < nowMicros ? Long.MAX_VALUE : cutoff;
    }

    /** A message left the buffer: under every strategy but BLOCK its room is free again. Under the lock. */
    private void released(StreamMessage m) {
        if (backpressure != Backpressure.BLOCK) {
            heldRecords--;
            heldBytes -= m.length();
        } else if (m.releasePlacement()) {
            heldRecords--;
            heldBytes -= m.length();
        }
    }

    private static List<DeadLetter> deadList(List<DeadLetter> dead, StreamMessage m, DeadLetterReason reason,
                                             long nowMicros, Throwable cause) {
        List<DeadLetter> list = dead == null ? new ArrayList<>(2) : dead;
        // An incoming message is not the stream's yet: take a reference so every entry is released alike.
        if (!m.sent) {
            m.retainForStream(1);
        }
        list.add(new DeadLetter(m, reason, DeadLetter.STREAM, nowMicros, cause));
        return list;
    }

    // ------------------------------------------------------------------ dispatching

    private void dispatchLoop() {
        onDispatcherStart();
        StreamMessage[] batch = new StreamMessage[batchSize];
        List<DeadLetter> expired = new ArrayList<>();
        List<DeadLetter> dropped = new ArrayList<>();
        long[] rateWait = new long[1];
        int idle = 0;
        while (true) {
            int n;
            lock.lock();
            try {
                if (state == STOPPED) {
                    return;
                }
                if (buffer.isEmpty() || paused) {
                    if (state == DRAINING && buffer.isEmpty()) {
                        return;
                    }
                    if (!waitStrategy.idle(idle) && state == RUNNING) {
                        dispatcherSleeping = true;
                        notEmpty.awaitUninterruptibly();
                        dispatcherSleeping = false;
                        idle = 0;
                        continue;
                    }
                    n = -1;
                } else {
                    n = takeBatch(batch, expired, rateWait);
                }
            } finally {
                lock.unlock();
            }
            if (n < 0) {
                // Spinning: wait for the hint outside the lock so senders are not slowed by it.
                while (bufferedHint == 0 && state == RUNNING && waitStrategy.idle(idle)) {
                    idle++;
                }
                idle++;
                continue;
            }
            idle = 0;
            if (!expired.isEmpty()) {
                reportDeadLetters(expired);
                expired.clear();
            }
            if (n > 0) {
                fanOut(batch, n, dropped);
            } else if (rateWait[0] > 0) {
                waitStrategy.pause(Math.min(rateWait[0], MAX_RATE_PAUSE_NANOS));
            }
        }
    }

    /** Takes up to a batch of deliverable messages, dead-lettering expired ones. Under the lock. */
    private int takeBatch(StreamMessage[] batch, List<DeadLetter> expired, long[] rateWait) {
        return takeBatch(batch, batch.length, expired, rateWait);
    }

    private int takeBatch(StreamMessage[] batch, int limit, List<DeadLetter> expired, long[] rateWait) {
        long nowMicros = clock.epochMicros();
        long cutoff = expiryCutoff(nowMicros);
        long nowNanos = rateLimit == null ? 0 : clock.nanoTime();
        rateWait[0] = 0;
        int n = 0;
        StreamMessage m;
        while (n < limit && (m = buffer.peek()) != null) {
            if (m.isExpiredAt(cutoff)) {
                buffer.poll();
                released(m);
                expired.add(new DeadLetter(m, DeadLetterReason.EXPIRED, DeadLetter.STREAM, nowMicros, null));
                continue;
            }
            if (rateLimit != null && !rateLimit.tryAcquire(m.length(), nowNanos)) {
                // Long.MAX_VALUE while a rate is 0: every user caps it (MAX_RATE_PAUSE_NANOS), none adds it
                // to a time, so a raise is seen within one capped pause.
                rateWait[0] = Math.max(1, rateLimit.nanosUntilAvailable(m.length(), nowNanos));
                break;
            }
            buffer.poll();
            if (backpressure != Backpressure.BLOCK) {
                heldRecords--;
                heldBytes -= m.length();
            }
            batch[n++] = m;
        }
        if (rateLimit != null && n == limit && rateWait[0] == 0 && !buffer.isEmpty()) {
            // Stopped by the caller's limit with messages left: they wait as much as refused ones do.
            rateLimit.markWaiting(nowNanos);
        }
        bufferedHint = buffer.size();
        if (blockedSenders > 0 && (n > 0 || !expired.isEmpty())) {
            notFull.signalAll();
        }
        return n;
    }

    private void fanOut(StreamMessage[] batch, int n, List<DeadLetter> dropped) {
        Subscription[] subs = subscriptions;
        if (dispatcherDelivery) {
            for (int i = 0; i < n; i++) {
                StreamMessage m = batch[i];
                for (Subscription s : subs) {
                    if (s.matches(m)) {
                        s.deliver(m);
                    }
                }
            }
        } else {
            for (Subscription s : subs) {
                s.offer(batch, n, dropped);
            }
            if (!dropped.isEmpty()) {
                reportDeadLetters(dropped);
                dropped.clear();
            }
        }
        long heldRecordsFreed = 0;
        long heldBytesFreed = 0;
        for (int i = 0; i < n; i++) {
            StreamMessage m = batch[i];
            batch[i] = null;
            if (backpressure == Backpressure.BLOCK && m.releasePlacement()) {
                heldRecordsFreed++;
                heldBytesFreed += m.length();
            }
            m.release();
        }
        releaseHeld(heldRecordsFreed, heldBytesFreed);
    }

    /**
     * Dispatches on the calling thread (streams built {@link StreamBuilder#withManualDispatch()}): up to
     * {@code maxMessages} messages, highest priority first, as far as the rate limit allows, each handed
     * to the matching subscriptions' callbacks before this returns. Expired messages met on the way are
     * dead-lettered. One thread at a time. Calls may be far apart: while messages wait between two calls,
     * the rate limit makes up for the time (up to {@link StreamBuilder#withRateCatchUp its window}), so a
     * backlog leaves at the configured rates however rarely this is called.
     *
     * @param maxMessages the most messages to dispatch, at least 1
     * @return how many were dispatched (not counting expired ones); 0 when the buffer is empty, paused
     *         or waiting for the rate limit
     * @throws IllegalStateException if the stream has its own dispatcher thread, or another thread is
     *                               dispatching
     */
    public int dispatch(int maxMessages) {
        if (!manualDispatch) {
            throw new IllegalStateException("Stream '" + name + "' dispatches on its own thread; build it"
                    + " withManualDispatch() to call dispatch()");
        }
        if (maxMessages < 1) {
            throw new IllegalArgumentException("maxMessages must be at least 1, was " + maxMessages);
        }
        if (!dispatching.compareAndSet(false, true)) {
            throw new IllegalStateException("Stream '" + name + "' is already dispatching on another thread");
        }
        try {
            int total = 0;
            while (total < maxMessages) {
                int n;
                lock.lock();
                try {
                    if (state == STOPPED || paused || buffer.isEmpty()) {
                        break;
                    }
                    n = takeBatch(manualBatch, Math.min(manualBatch.length, maxMessages - total), manualExpired,
                            manualRateWait);
                } finally {
                    lock.unlock();
                }
                if (!manualExpired.isEmpty()) {
                    reportDeadLetters(manualExpired);
                }
                if (n == 0) {
                    if (manualRateWait[0] > 0) {
                        break;
                    }
                    continue;
                }
                fanOut(manualBatch, n, manualDropped);
                total += n;
            }
            return total;
        } finally {
            dispatching.set(false);
        }
    }

    /**
     * How long until {@link #dispatch(int)} could dispatch the next message: 0 if it could now, the
     * rate limit's wait otherwise, or -1 if nothing is buffered (or dispatch is paused). Lets a manual
     * owner schedule its next call. While a rate is 0 ({@link #setRateLimit}) and messages wait, this is
     * {@link Long#MAX_VALUE}: until the rate is raised, which no clock can say; cap it by how often the owner
     * wants to look again, and never add it to a time. A stream with its own dispatcher thread answers 0
     * whenever something is buffered: the thread waits for the rate limit by itself.
     *
     * @return nanoseconds, or -1
     */
    public long nanosUntilDispatchable() {
        lock.lock();
        try {
            StreamMessage m = buffer.peek();
            if (m == null || paused) {
                return -1;
            }
            if (rateLimit == null || !manualDispatch) {
                return 0;
            }
            return rateLimit.nanosUntilAvailable(m.length(), clock.nanoTime());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Changes the rate limit of the running stream, from the next dispatch on: the records bucket gets
     * {@code recordsPerSecond} and {@code burst}, the bytes bucket {@code bytesPerSecond} with a burst of a
     * tenth of a second's worth, as {@link StreamBuilder#withByteRateLimit} sets it. Only the limits the
     * stream was built with change: a value for one it lacks is ignored. What the buckets hold after the
     * change is at most the new burst, and a wait for tokens restarts at the new rate (see
     * {@link TokenBucket#setRate}); setting the rates the stream already has changes nothing. A rate of 0
     * holds every message in the buffer (the buffer's backpressure then applies to senders) until it is
     * raised; it is not "no limit". Time is read from the stream's clock. While a graceful {@link #close()}
     * drains the buffer the new rates apply to the drain (at rate 0 the close waits out its timeout, so raise
     * the rate first); once the stream has stopped this does nothing.
     *
     * <p>Thread-safe: it takes the stream's lock, as the dispatcher does for each batch, so any thread may
     * call it (an application-wide coordinator handing out shares of a rate). A dispatcher thread waiting for
     * tokens looks again within a millisecond; a manual owner sees the new rates at its next
     * {@link #dispatch} or {@link #nanosUntilDispatchable}.
     *
     * @param recordsPerSecond messages per second, 0 (nothing passes until raised) to 10<sup>9</sup>
     * @param burst            messages dispatched back to back after a quiet period, 1 to 10<sup>9</sup>
     * @param bytesPerSecond   payload bytes per second, 0 (nothing passes until raised) to 10<sup>9</sup>
     * @throws IllegalArgumentException if a value for a limit the stream has is out of range, naming it;
     *                                  nothing changes then
     * @throws IllegalStateException    if the stream was built without a rate limit: build it
     *                                  {@link StreamBuilder#withRateLimit} or
     *                                  {@link StreamBuilder#withByteRateLimit} to change it later
     */
    public void setRateLimit(long recordsPerSecond, long burst, long bytesPerSecond) {
        if (rateLimit == null) {
            throw new IllegalStateException("Stream '" + name + "' has no rate limit to change; build it"
                    + " withRateLimit(...) or withByteRateLimit(...) to set its rates while it runs");
        }
        lock.lock();
        try {
            if (state == STOPPED) {
                // Nothing will be dispatched at any rate any more.
                return;
            }
            rateLimit.setRates(recordsPerSecond, burst, bytesPerSecond, clock.nanoTime());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Fills in, per priority level (index {@link Priority#ordinal()}), how many messages are buffered and not
     * yet dispatched and how many bytes ({@link StreamMessage#length()}) they hold. Messages already handed
     * to subscriptions are not counted. Takes the stream's lock, so any thread may call it; allocates
     * nothing, so an owner may call it on every round.
     *
     * @param records receives the messages per level; length {@link Priority#COUNT}
     * @param bytes   receives the bytes per level; length {@link Priority#COUNT}
     * @throws IllegalArgumentException if an array does not have length {@link Priority#COUNT}
     */
    public void pending(long[] records, long[] bytes) {
        if (records.length != Priority.COUNT || bytes.length != Priority.COUNT) {
            throw new IllegalArgumentException("pending needs two arrays of length Priority.COUNT=" + Priority.COUNT
                    + ", was " + records.length + " and " + bytes.length);
        }
        lock.lock();
        try {
            buffer.countsByLevel(records, bytes);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Fills, for each priority level ({@link Priority#ordinal()}), how many messages the stream has accepted
     * since it was built: the figure {@link StreamMetrics#accepted} has, without the rest of a metrics
     * snapshot. Takes the lock and allocates nothing, so an owner can sample it often (an arrival rate).
     *
     * @param out receives the counts; length {@link Priority#COUNT}
     * @throws IllegalArgumentException if {@code out} does not have length {@link Priority#COUNT}
     */
    public void accepted(long[] out) {
        if (out.length != Priority.COUNT) {
            throw new IllegalArgumentException("accepted needs an array of length Priority.COUNT=" + Priority.COUNT
                    + ", was " + out.length);
        }
        lock.lock();
        try {
            System.arraycopy(accepted, 0, out, 0, Priority.COUNT);
        } finally {
            lock.unlock();
        }
    }

    /** A subscription queues {@code m}: one more reference, and under BLOCK one more placement. */
    void holdForSubscriber(StreamMessage m) {
        m.retainForStream(1);
        if (backpressure == Backpressure.BLOCK) {
            m.addPlacement();
        }
    }

    /** A subscription is done with {@code m}; true if that freed its room in the buffer (BLOCK only). */
    boolean releaseHold(StreamMessage m) {
        return backpressure == Backpressure.BLOCK && m.releasePlacement();
    }

    /** Frees room that subscriptions gave back under BLOCK, waking blocked senders. */
    void releaseHeld(long records, long bytes) {
        if (records == 0) {
            return;
        }
        lock.lock();
        try {
            heldRecords -= records;
            heldBytes -= bytes;
            if (blockedSenders > 0) {
                notFull.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    private void onDispatcherStart() {
        try {
            if (realtime) {
                RealtimeScheduling.applyToCurrentThread(name, cpu);
            }
        } finally {
            dispatcherReady.countDown();
        }
    }

    // ------------------------------------------------------------------ dead letters, callbacks, metrics

    void deadLetter(DeadLetter dl) {
        deadLetters.getAndIncrement(dl.reason().ordinal());
        try {
            if (deadLetterListener != null) {
                deadLetterListener.onDeadLetter(dl);
            } else {
                logFirstDeadLetter(dl);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Dead-letter listener of stream '" + name + "' threw on message "
                    + dl.message().id() + " (" + dl.reason() + "); the message is counted as dead-lettered", e);
        }
    }

    private void logFirstDeadLetter(DeadLetter dl) {
        int r = dl.reason().ordinal();
        synchronized (firstDeadLetterLogged) {
            if (firstDeadLetterLogged[r]) {
                return;
            }
            firstDeadLetterLogged[r] = true;
        }
        LOG.log(System.Logger.Level.WARNING, "Stream '" + name + "' dead-lettered message " + dl.message().id()
                + " (" + dl.reason() + ") with no dead-letter listener set; further " + dl.reason()
                + " messages are only counted. Set one with StreamBuilder.withDeadLetterListener");
    }

    /** Reports each dead letter, then releases the reference it carried. */
    private void reportDeadLetters(List<DeadLetter> dead) {
        for (DeadLetter dl : dead) {
            deadLetter(dl);
            dl.message().release();
        }
        dead.clear();
    }

    void callbackFailed(Subscription s, StreamMessage m, Throwable t) {
        callbackFailures.incrementAndGet();
        if (errorHandler != null) {
            try {
                errorHandler.onError(s.id, m, t);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "Error handler of stream '" + name + "' threw", e);
            }
        } else if (s.firstError()) {
            LOG.log(System.Logger.Level.WARNING, "Subscription " + s.id + " of stream '" + name
                    + "' threw on message " + m.id() + "; delivery goes on, further failures are only counted", t);
        }
    }

    /** Folds what a subscription recorded since the last call into the stream's latency totals. */
    private void collectLatency(Subscription s) {
        synchronized (latencyTotals) {
            s.addLatencyTo(latencyTotals);
        }
    }

    // ------------------------------------------------------------------ subscriptions

    /**
     * Subscribes {@code handler} to the messages whose priority is in {@code priorityMask} and that
     * {@code filter} accepts.
     *
     * @param handler      the callback, run on the subscription's own thread
     * @param priorityMask bit {@code 1 << ordinal} per level, {@link Priority#ALL} for every level
     * @param maxQueueSize messages this subscription may hold before the stream's backpressure strategy
     *                     applies to it (under {@link Backpressure#BLOCK} what it holds beyond counts against
     *                     the stream's buffer)
     * @param filter       decides per message; null for all
     * @return the subscription's id, for {@link #unsubscribe}
     */
    public long subscribe(MessageHandler handler, int priorityMask, int maxQueueSize, MessageFilter filter) {
        Objects.requireNonNull(handler, "handler must not be null");
        if ((priorityMask & 0xF) == 0) {
            throw new IllegalArgumentException("priorityMask 0x" + Integer.toHexString(priorityMask)
                    + " selects no level; use bits 0x1 (LOW) to 0x8 (CRITICAL), or 0xFF for all");
        }
        if (maxQueueSize < 1) {
            throw new IllegalArgumentException("maxQueueSize must be at least 1, was " + maxQueueSize);
        }
        synchronized (subscriptionsLock) {
            if (state != RUNNING) {
                throw new IllegalStateException("Stream '" + name + "' is closed; cannot subscribe");
            }
            long id = subscriptionIds.incrementAndGet();
            Subscription s = new Subscription(id, this, handler, priorityMask, maxQueueSize,
                    filter == null ? MessageFilter.ALL : filter);
            if (!dispatcherDelivery) {
                s.start("zsync-" + name + "-subscription-" + id, Thread.NORM_PRIORITY);
            }
            Subscription[] next = Arrays.copyOf(subscriptions, subscriptions.length + 1);
            next[next.length - 1] = s;
            subscriptions = next;
            return id;
        }
    }

    /**
     * Subscribes to every message with a queue of 1024.
     *
     * @param handler the callback
     * @return the subscription's id
     */
    public long subscribe(MessageHandler handler) {
        return subscribe(handler, Priority.ALL, 1024, null);
    }

    /**
     * Ends a subscription at once: its callback in progress finishes, what is still queued for it is
     * released undelivered. Safe from the subscription's own callback.
     *
     * @param subscriptionId an id from {@link #subscribe}
     * @return how many queued messages it did not receive, or -1 if there is no such subscription
     */
    public int unsubscribe(long subscriptionId) {
        Subscription s = removeSubscription(subscriptionId);
        if (s == null) {
            return -1;
        }
        List<StreamMessage> undelivered = s.stopNow(JOIN_MILLIS);
        for (StreamMessage m : undelivered) {
            releaseUndelivered(m);
        }
        // Counted once its thread has stopped, so no delivery is missed or counted twice.
        for (Priority p : Priority.values()) {
            departedDelivered.addAndGet(p.ordinal(), s.delivered(p));
        }
        collectLatency(s);
        return undelivered.size();
    }

    private Subscription removeSubscription(long id) {
        synchronized (subscriptionsLock) {
            Subscription[] current = subscriptions;
            for (int i = 0; i < current.length; i++) {
                if (current[i].id == id) {
                    Subscription s = current[i];
                    Subscription[] next = new Subscription[current.length - 1];
                    System.arraycopy(current, 0, next, 0, i);
                    System.arraycopy(current, i + 1, next, i, current.length - i - 1);
                    subscriptions = next;
                    return s;
                }
            }
            return null;
        }
    }

    private void releaseUndelivered(StreamMessage m) {
        if (releaseHold(m)) {
            releaseHeld(1, m.length());
        }
        m.release();
    }

    // ------------------------------------------------------------------ control and metrics

    /** Stops dispatching; sends are still buffered (and backpressure applies). */
    public void pause() {
        lock.lock();
        try {
            paused = true;
        } finally {
            lock.unlock();
        }
    }

    /** Resumes dispatching after {@link #pause()}. */
    public void resume() {
        lock.lock();
        try {
            paused = false;
            bufferedHint = buffer.size();
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    /** The stream's name, used in thread names and messages. */
    public String name() {
        return name;
    }

    /** Whether {@link #close()} or {@link #closeNow()} was called. */
    public boolean isClosed() {
        return state != RUNNING;
    }

    /**
     * A snapshot of the counters, depths and latencies.
     *
     * @return the metrics
     */
    public StreamMetrics metrics() {
        long[] acc;
        long records;
        long bytes;
        lock.lock();
        try {
            acc = accepted.clone();
            records = heldRecords;
            bytes = heldBytes;
        } finally {
            lock.unlock();
        }
        long[] delivered = new long[Priority.COUNT];
        Map<Long, Integer> depths = new LinkedHashMap<>();
        for (Subscription s : subscriptions) {
            for (Priority p : Priority.values()) {
                delivered[p.ordinal()] += s.delivered(p);
            }
            depths.put(s.id, s.queueDepth());
        }
        for (int i = 0; i < Priority.COUNT; i++) {
            delivered[i] += departedDelivered.get(i);
        }
        long[] dead = new long[deadLetters.length()];
        for (int i = 0; i < dead.length; i++) {
            dead[i] = deadLetters.get(i);
        }
        LatencySummary[] latency = new LatencySummary[Priority.COUNT];
        synchronized (latencyTotals) {
            for (Subscription s : subscriptions) {
                collectLatency(s);
            }
            for (int i = 0; i < Priority.COUNT; i++) {
                Histogram total = latencyTotals[i];
                latency[i] = total.getTotalCount() == 0 ? LatencySummary.EMPTY
                        : new LatencySummary(total.getTotalCount(), total.getValueAtPercentile(50),
                        total.getValueAtPercentile(99), total.getValueAtPercentile(99.9), total.getMaxValue());
            }
        }
        return new StreamMetrics(acc, delivered, dead, callbackFailures.get(), records, bytes, depths, latency);
    }

    // ------------------------------------------------------------------ closing

    /**
     * Closes gracefully: no new sends; what is buffered and queued is delivered (at the rate limit, if
     * any), then the threads stop. Waits up to the builder's close timeout, then stops as
     * {@link #closeNow()} does. Blocked senders are woken and fail. Idempotent.
     */
    @Override
    public void close() {
        close(closeTimeout);
    }

    /**
     * Closes gracefully, waiting at most {@code timeout} for delivery to finish.
     *
     * @param timeout how long to let delivery go on
     * @return what was not delivered in time
     */
    public CloseReport close(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            if (state == RUNNING) {
                state = DRAINING;
                paused = false;
                notEmpty.signal();
                notFull.signalAll();
            }
        } finally {
            lock.unlock();
        }
        synchronized (closeLock) {
            if (closeReport != null) {
                return closeReport;
            }
            boolean drained = manualDispatch ? drainOnCaller(deadline)
                    : join(dispatcher, Subscription.millisLeft(deadline));
            Subscription[] subs = subscriptions;
            if (drained) {
                for (Subscription s : subs) {
                    s.drain();
                }
                for (Subscription s : subs) {
                    drained &= s.join(Subscription.millisLeft(deadline));
                }
            }
            closeReport = stopAll(drained);
            return closeReport;
        }
    }

    /**
     * Stops at once: callbacks in progress finish, nothing more is delivered. Every buffered and queued
     * message is released and listed in the report. Blocked senders are woken and fail. Idempotent.
     *
     * @return what was not delivered
     */
    public CloseReport closeNow() {
        lock.lock();
        try {
            state = STOPPED;
            notEmpty.signal();
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
        synchronized (closeLock) {
            if (closeReport == null) {
                closeReport = stopAll(false);
            }
            return closeReport;
        }
    }

    /** Manual dispatch: the closing thread delivers what is buffered, until empty or the deadline. */
    private boolean drainOnCaller(long deadlineNanos) {
        while (System.nanoTime() < deadlineNanos) {
            if (dispatch(Integer.MAX_VALUE) == 0) {
                long wait = nanosUntilDispatchable();
                if (wait < 0) {
                    return true;
                }
                waitStrategy.pause(Math.min(Math.max(wait, 1), MAX_RATE_PAUSE_NANOS));
            }
        }
        return nanosUntilDispatchable() < 0;
    }

    private CloseReport stopAll(boolean drained) {
        lock.lock();
        try {
            state = STOPPED;
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
        if (dispatcher != null) {
            join(dispatcher, JOIN_MILLIS);
        }
        List<CloseReport.Undelivered> undelivered = new ArrayList<>();
        List<StreamMessage> stoppedBuffer = new ArrayList<>();
        lock.lock();
        try {
            buffer.drain(stoppedBuffer::add);
            bufferedHint = 0;
        } finally {
            lock.unlock();
        }
        for (StreamMessage m : stoppedBuffer) {
            undelivered.add(new CloseReport.Undelivered(m.id(), m.priority(), DeadLetter.STREAM));
            releaseUndelivered(m);
        }
        Subscription[] subs;
        synchronized (subscriptionsLock) {
            subs = subscriptions;
        }
        for (Subscription s : subs) {
            for (StreamMessage m : s.stopNow(JOIN_MILLIS)) {
                undelivered.add(new CloseReport.Undelivered(m.id(), m.priority(), s.id));
                releaseUndelivered(m);
            }
        }
        if (!undelivered.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "Stream '" + name + "' stopped with " + undelivered.size()
                    + " undelivered (message, subscription) pairs");
        }
        return new CloseReport(drained && undelivered.isEmpty(), List.copyOf(undelivered));
    }

    private static boolean join(Thread t, long millis) {
        if (t == Thread.currentThread()) {
            return false;
        }
        try {
            t.join(Math.max(1, millis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !t.isAlive();
    }

    @Override
    public String toString() {
        String rates = "";
        if (rateLimit != null) {
            // The rates change under the lock (setRateLimit), so they are read under it.
            lock.lock();
            try {
                rates = ", rate=" + rateLimit;
            } finally {
                lock.unlock();
            }
        }
        return "RealtimeStream[" + name + ", backpressure=" + backpressure.configValue() + ", buffer=" + maxRecords
                + " records/" + maxBytes + " bytes, ordering=" + ordering
                + rates
                + (expiryMarginMicros == 0 ? "" : ", expiryMargin=" + expiryMarginMicros + "us")
                + (realtime ? ", realtime" : "") + "]";
    }
}

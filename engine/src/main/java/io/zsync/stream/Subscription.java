package io.zsync.stream;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One subscriber: its mask, filter and callback, its own priority-ordered queue and the delivery thread
 * that empties it, so that a slow subscriber only fills its own queue.
 *
 * <p>The dispatcher adds under {@link #lock}; the delivery thread takes a batch under it and runs the
 * callbacks outside it. The lock gives the happens-before edge that publishes each message's fields
 * (set by the sender under the stream's lock, which the dispatcher acquired since) to this thread.
 */
final class Subscription implements Runnable {
    final long id;
    private final RealtimeStream stream;
    private final MessageHandler handler;
    private final int mask;
    private final MessageFilter filter;
    private final int maxQueueSize;
    private final boolean bounded;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final MessageQueue queue;
    // Mirrors queue.size() for a lock-free "anything to do?" check while spinning.
    private volatile int queuedHint;
    private boolean sleeping;
    // Set under the lock: no more adds; the thread finishes the queue (draining) or stops at once.
    private boolean draining;
    private volatile boolean stopped;
    private final List<StreamMessage> leftovers = new ArrayList<>();

    private final AtomicLongArray delivered = new AtomicLongArray(Priority.COUNT);
    // One writer per subscription (its delivery thread, or the dispatcher), so the single-writer recorder
    // records with plain stores; readers swap its interval histogram out.
    private final SingleWriterRecorder[] latency = new SingleWriterRecorder[Priority.COUNT];
    private volatile Thread thread;
    private boolean errorLogged;

    Subscription(long id, RealtimeStream stream, MessageHandler handler, int mask, int maxQueueSize,
                 MessageFilter filter) {
        this.id = id;
        this.stream = stream;
        this.handler = handler;
        this.mask = mask;
        this.filter = filter;
        this.maxQueueSize = maxQueueSize;
        this.bounded = stream.backpressure != Backpressure.BLOCK;
        this.queue = new MessageQueue(stream.ordering);
        for (int i = 0; i < latency.length; i++) {
            latency[i] = new SingleWriterRecorder(3);
        }
    }

    /** Adds the latencies recorded since the last call to {@code totals}, by priority ordinal. */
    void addLatencyTo(Histogram[] totals) {
        for (int i = 0; i < latency.length; i++) {
            totals[i].add(latency[i].getIntervalHistogram());
        }
    }

    void start(String threadName, int threadPriority) {
        Thread t = new Thread(this, threadName);
        t.setDaemon(true);
        t.setPriority(threadPriority);
        thread = t;
        t.start();
    }

    /** Whether this subscription takes {@code m}; a filter that throws says no. */
    boolean matches(StreamMessage m) {
        if ((mask & m.priority().mask()) == 0) {
            return false;
        }
        try {
            return filter.accept(m);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Queues the matching messages of a dispatched batch; runs on the dispatcher.
     *
     * @param deadLetters collects what a full queue dropped, each message with a reference of its own
     *                    that the caller releases after reporting it
     */
    void offer(StreamMessage[] batch, int n, List<DeadLetter> deadLetters) {
        lock.lock();
        try {
            if (draining || stopped) {
                return;
            }
            for (int i = 0; i < n; i++) {
                StreamMessage m = batch[i];
                if (!matches(m)) {
                    continue;
                }
                if (bounded && queue.size() >= maxQueueSize && !makeRoom(m, deadLetters)) {
                    continue;
                }
                stream.holdForSubscriber(m);
                queue.add(m);
            }
            queuedHint = queue.size();
            if (sleeping) {
                notEmpty.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Applies the stream's strategy to this full queue; true if {@code incoming} may be added. */
    private boolean makeRoom(StreamMessage incoming, List<DeadLetter> deadLetters) {
        long now = stream.clock.epochMicros();
        switch (stream.backpressure) {
            case DROP_OLDEST: {
                StreamMessage victim = queue.pollOldestAtOrBelow(incoming.priority().ordinal());
                if (victim != null) {
                    // The victim carries this queue's reference; the caller releases it after reporting.
                    deadLetters.add(new DeadLetter(victim, DeadLetterReason.DROPPED_OLDEST, id, now, null));
                    return true;
                }
                incoming.retainForStream(1);
                deadLetters.add(new DeadLetter(incoming, DeadLetterReason.DROPPED_NEWEST, id, now, null));
                return false;
            }
            case ERROR_ON_FULL:
                incoming.retainForStream(1);
                deadLetters.add(new DeadLetter(incoming, DeadLetterReason.DROPPED_NEWEST, id, now,
                        new BufferFullException("Subscription " + id + " of stream '" + stream.name
                                + "' is full: maxQueueSize=" + maxQueueSize + " messages (backpressure error_on_full)")));
                return false;
            default:
                incoming.retainForStream(1);
                deadLetters.add(new DeadLetter(incoming, DeadLetterReason.DROPPED_NEWEST, id, now, null));
                return false;
        }
    }

    @Override
    public void run() {
        StreamMessage[] local = new StreamMessage[stream.batchSize];
        WaitStrategy wait = stream.waitStrategy;
        while (true) {
            int idle = 0;
            while (queuedHint == 0 && !stopped && wait.idle(idle)) {
                idle++;
            }
            int n = 0;
            lock.lock();
            try {
                while (queue.isEmpty()) {
                    if (draining || stopped) {
                        return;
                    }
                    if (wait == WaitStrategy.SPIN) {
                        break;
                    }
                    sleeping = true;
                    notEmpty.awaitUninterruptibly();
                    sleeping = false;
                }
                StreamMessage m;
                while (n < local.length && (m = queue.poll()) != null) {
                    local[n++] = m;
                }
                queuedHint = queue.size();
            } finally {
                lock.unlock();
            }
            deliverBatch(local, n);
        }
    }

    private void deliverBatch(StreamMessage[] local, int n) {
        long heldRecords = 0;
        long heldBytes = 0;
        for (int i = 0; i < n; i++) {
            StreamMessage m = local[i];
            local[i] = null;
            if (stopped) {
                synchronized (leftovers) {
                    leftovers.add(m);
                }
                continue;
            }
            deliver(m);
            if (stream.releaseHold(m)) {
                heldRecords++;
                heldBytes += m.length();
            }
            m.release();
        }
        stream.releaseHeld(heldRecords, heldBytes);
    }

    /**
     * Hands {@code m} to the callback unless it expired; on the dispatcher with dispatcher delivery, on
     * the delivery thread otherwise. The caller keeps its reference.
     */
    void deliver(StreamMessage m) {
        if (m.hasDeadline()) {
            long now = stream.clock.epochMicros();
            if (m.isExpiredAt(stream.expiryCutoff(now))) {
                stream.deadLetter(new DeadLetter(m, DeadLetterReason.EXPIRED, id, now, null));
                return;
            }
        }
        try {
            handler.onMessage(m);
        } catch (Throwable t) {
            stream.callbackFailed(this, m, t);
            if (t instanceof Error && !(t instanceof AssertionError) && !(t instanceof StackOverflowError)) {
                throw (Error) t;
            }
            return;
        }
        int p = m.priority().ordinal();
        if ((m.sequence & stream.latencySampleMask) == 0) {
            latency[p].recordValue(Math.max(0, stream.clock.nanoTime() - m.sendNanos));
        }
        // Single writer per subscription; the ordered store publishes the count to metric readers.
        delivered.lazySet(p, delivered.get(p) + 1);
    }

    boolean firstError() {
        if (errorLogged) {
            return false;
        }
        errorLogged = true;
        return true;
    }

    /** Stops taking messages; the thread delivers what is queued, then ends. */
    void drain() {
        lock.lock();
        try {
            draining = true;
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops at once: the callback in progress finishes, nothing more is delivered.
     *
     * @return what was queued and not delivered, each still holding this subscription's reference
     */
    List<StreamMessage> stopNow(long joinMillis) {
        lock.lock();
        try {
            draining = true;
            stopped = true;
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
        join(joinMillis);
        List<StreamMessage> undelivered = new ArrayList<>();
        synchronized (leftovers) {
            undelivered.addAll(leftovers);
            leftovers.clear();
        }
        lock.lock();
        try {
            queue.drain(undelivered::add);
            queuedHint = 0;
        } finally {
            lock.unlock();
        }
        return undelivered;
    }

    /** Waits for the delivery thread to end; false if it is still running after {@code millis}. */
    boolean join(long millis) {
        Thread t = thread;
        if (t == null || t == Thread.currentThread()) {
            return t == null;
        }
        try {
            t.join(Math.max(1, millis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !t.isAlive();
    }

    int queueDepth() {
        return queuedHint;
    }

    long delivered(Priority p) {
        return delivered.get(p.ordinal());
    }

    static long millisLeft(long deadlineNanos) {
        return TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
    }

    @Override
    public String toString() {
        return "Subscription[id=" + id + ", mask=0x" + Integer.toHexString(mask) + ", maxQueueSize=" + maxQueueSize + "]";
    }
}

package io.zsync.stream;

import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Iterator;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.function.Consumer;

/**
 * Buffered messages in dispatch order: one queue per priority level, the highest non-empty level first;
 * within a level arrival order ({@link ArrayDeque}) or earliest deadline first ({@link PriorityQueue},
 * ties in arrival order). Neither allocates per message once grown. Not thread-safe: the owner's lock
 * guards it.
 */
final class MessageQueue {
    private static final Comparator<StreamMessage> BY_DEADLINE = (a, b) -> {
        int c = Long.compare(a.deadline(), b.deadline());
        return c != 0 ? c : Long.compare(a.sequence, b.sequence);
    };

    private final Queue<StreamMessage>[] levels;
    private int size;
    private long bytes;
    /** The bytes ({@link StreamMessage#length()}) buffered per level; kept on every path that adds or removes. */
    private final long[] levelBytes = new long[Priority.COUNT];
    // Bit i set while level i is not empty: the highest level is one numberOfLeadingZeros away.
    private int nonEmpty;

    @SuppressWarnings("unchecked")
    MessageQueue(Ordering ordering) {
        levels = new Queue[Priority.COUNT];
        for (int i = 0; i < levels.length; i++) {
            levels[i] = ordering == Ordering.DEADLINE ? new PriorityQueue<>(64, BY_DEADLINE) : new ArrayDeque<>(64);
        }
    }

    void add(StreamMessage m) {
        int level = m.priority().ordinal();
        levels[level].add(m);
        nonEmpty |= 1 << level;
        size++;
        bytes += m.length();
        levelBytes[level] += m.length();
    }

    /** The next message to dispatch, or null. */
    StreamMessage peek() {
        return nonEmpty == 0 ? null : levels[highestLevel()].peek();
    }

    /** Removes and returns the next message to dispatch, or null. */
    StreamMessage poll() {
        if (nonEmpty == 0) {
            return null;
        }
        int level = highestLevel();
        Queue<StreamMessage> q = levels[level];
        StreamMessage m = q.poll();
        removed(level, q, m);
        return m;
    }

    /**
     * Removes the oldest message of the lowest non-empty level at or below {@code level}: the victim of
     * {@link Backpressure#DROP_OLDEST}.
     *
     * @return the victim, or null if every buffered message is above {@code level}
     */
    StreamMessage pollOldestAtOrBelow(int level) {
        int candidates = nonEmpty & ((2 << level) - 1);
        if (candidates == 0) {
            return null;
        }
        int lowest = Integer.numberOfTrailingZeros(candidates);
        Queue<StreamMessage> q = levels[lowest];
        StreamMessage victim;
        if (q instanceof ArrayDeque) {
            victim = q.poll();
        } else {
            victim = null;
            for (StreamMessage m : q) {
                if (victim == null || m.sequence < victim.sequence) {
                    victim = m;
                }
            }
            q.remove(victim);
        }
        removed(lowest, q, victim);
        return victim;
    }

    /**
     * Removes every message whose deadline is before {@code cutoffEpochMicros} (now, plus the stream's
     * expiry margin), handing each to {@code sink}.
     *
     * @return the earliest deadline among the messages that remain
     */
    long removeExpired(long cutoffEpochMicros, Consumer<StreamMessage> sink) {
        long earliest = StreamMessage.NO_DEADLINE;
        for (int level = 0; level < levels.length; level++) {
            Queue<StreamMessage> q = levels[level];
            for (Iterator<StreamMessage> it = q.iterator(); it.hasNext(); ) {
                StreamMessage m = it.next();
                if (m.isExpiredAt(cutoffEpochMicros)) {
                    it.remove();
                    size--;
                    bytes -= m.length();
                    levelBytes[level] -= m.length();
                    sink.accept(m);
                } else if (m.deadline() < earliest) {
                    earliest = m.deadline();
                }
            }
            if (q.isEmpty()) {
                nonEmpty &= ~(1 << level);
            }
        }
        return earliest;
    }

    /** Removes everything, highest level first, handing each message to {@code sink}. */
    void drain(Consumer<StreamMessage> sink) {
        StreamMessage m;
        while ((m = poll()) != null) {
            sink.accept(m);
        }
    }

    int size() {
        return size;
    }

    long bytes() {
        return bytes;
    }

    /**
     * Copies the messages and bytes buffered per level (by {@link Priority#ordinal()}) into the arrays,
     * allocating nothing.
     */
    void countsByLevel(long[] records, long[] bytes) {
        for (int level = 0; level < levels.length; level++) {
            records[level] = levels[level].size();
            bytes[level] = levelBytes[level];
        }
    }

    boolean isEmpty() {
        return size == 0;
    }

    private int highestLevel() {
        return 31 - Integer.numberOfLeadingZeros(nonEmpty);
    }

    private void removed(int level, Queue<StreamMessage> q, StreamMessage m) {
        size--;
        bytes -= m.length();
        levelBytes[level] -= m.length();
        if (q.isEmpty()) {
            nonEmpty &= ~(1 << level);
        }
    }
}

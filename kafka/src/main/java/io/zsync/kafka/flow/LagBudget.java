package io.zsync.kafka.flow;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * Turns readings of a downstream consumer group's offsets into the records/s an application may release to
 * the output: a window, as TCP's, of {@code maxRecords} records not yet consumed. Pure logic on the
 * coordinator's thread, on an injected monotonic clock (ns); not thread-safe.
 *
 * <p><b>The rule.</b> At each reading, lag = Σ over the output partitions of (end offset − committed
 * offset). The room left, {@code max(0, bound − lag)}, may be released over the next interval: the budget is
 * {@code room × (1 s / interval)} records/s. If the group consumes {@code c} records per interval, the lag
 * settles near {@code bound − c} and the release near {@code c}: release follows consumption without
 * measuring it. A reading older than 1.5 intervals gives 0 (its room is spent), so a lag that cannot be read
 * holds the output rather than release blind.
 *
 * <p><b>Room granted, not yet used.</b> The tasks' token buckets may still hold part of the last room when
 * the next reading comes (a task that dispatches rarely catches up on its rate), and would release it on top
 * of the new room. So the part of the last room that the output's end offsets show was not used
 * ({@code max(0, last room − records appended since)}) is taken off the new room: what the group has waiting,
 * what was granted but not used, and what is granted now add up to at most the bound.
 *
 * <p><b>No committed offset.</b> A partition where the group has none (a group not started yet, deleted, or
 * reset without a commit) counts its lag from the end offset when that was first seen: the application then
 * releases at most the bound there until the group commits. Nothing is lost either way: held records stay in
 * the tasks' buffers.
 *
 * <p><b>Age.</b> With {@code maxAgeMs}, the bound is at most the group's consumption rate (committed
 * offsets per second over the last {@value #RATE_WINDOW_MS} ms) times the age, unless the group has caught
 * up (lag 0): then the whole bound, so a group idle for want of records always gets some.
 */
final class LagBudget {
    /** How far back the consumption rate is measured, ms. */
    static final long RATE_WINDOW_MS = 5_000;

    private final long maxRecords;
    private final long maxAgeMs;
    private final long intervalNanos;
    private final Map<TopicPartition, Long> baselines = new HashMap<>();
    /** (time ns, Σ committed) of recent readings, oldest first, for the consumption rate. */
    private final ArrayDeque<long[]> history = new ArrayDeque<>();
    private Set<TopicPartition> committedBefore = Set.of();

    private long lag = -1;
    /** Σ end offsets at the last reading, and over which partitions, for what was appended since. */
    private long endSum;
    private Set<TopicPartition> endsBefore = Set.of();
    private long room;
    /** The part of the room actually granted: less when a configured rate capped the budget. */
    private long granted;
    private long readAtNanos;
    private int uncommitted;

    LagBudget(long maxRecords, long maxAgeMs, long intervalNanos) {
        this.maxRecords = maxRecords;
        this.maxAgeMs = maxAgeMs;
        this.intervalNanos = intervalNanos;
    }

    /**
     * Takes one reading.
     *
     * @param nowNanos  when it was read, on the monotonic clock {@link #budget} is given
     * @param ends      the end offset of every output partition
     * @param committed the group's committed offset per partition; a partition without one is missing
     */
    void reading(long nowNanos, Map<TopicPartition, Long> ends, Map<TopicPartition, Long> committed) {
        long total = 0;
        long committedSum = 0;
        int missing = 0;
        for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
            TopicPartition tp = e.getKey();
            long end = e.getValue();
            Long c = committed.get(tp);
            if (c == null) {
                missing++;
                c = baselines.computeIfAbsent(tp, k -> end);
            } else {
                baselines.remove(tp);
                committedSum += c;
            }
            // A committed offset past the end (a topic deleted and created again) is no lag.
            total += Math.max(0, end - c);
        }
        baselines.keySet().retainAll(ends.keySet());
        Set<TopicPartition> withCommit = new HashSet<>(committed.keySet());
        withCommit.retainAll(ends.keySet());
        long[] last = history.peekLast();
        if (!withCommit.equals(committedBefore) || (last != null && committedSum < last[1])) {
            // Another set of partitions, or a reset backwards: the earlier sums measure something else.
            history.clear();
        }
        committedBefore = withCommit;
        history.addLast(new long[] {nowNanos, committedSum});
        while (history.size() > 2 && nowNanos - history.peekFirst()[0] > RATE_WINDOW_MS * 1_000_000L) {
            history.pollFirst();
        }
        long ends0 = 0;
        for (long end : ends.values()) {
            ends0 += end;
        }
        long appended = ends.keySet().equals(endsBefore) ? Math.max(0, ends0 - endSum) : room;
        long unused = Math.max(0, granted - appended);
        endSum = ends0;
        endsBefore = Set.copyOf(ends.keySet());
        lag = total;
        uncommitted = missing;
        room = Math.max(0, bound() - total - unused);
        granted = room;
        readAtNanos = nowNanos;
    }

    /** The bound now: {@code maxRecords}, or less under an age bound (see the class comment). */
    private long bound() {
        if (maxAgeMs == 0 || lag == 0) {
            return maxRecords;
        }
        long rate = consumptionRate();
        if (rate < 0) {
            return maxRecords;
        }
        return Math.min(maxRecords, rate * maxAgeMs / 1_000);
    }

    /**
     * The group's consumption rate, records/s (committed offsets per second over the window), or -1 while
     * the window covers less than a second.
     */
    long consumptionRate() {
        if (history.size() < 2) {
            return -1;
        }
        long[] first = history.peekFirst();
        long[] last = history.peekLast();
        long elapsed = last[0] - first[0];
        if (elapsed < 1_000_000_000L) {
            return -1;
        }
        return (last[1] - first[1]) * 1_000_000_000L / elapsed;
    }

    /**
     * What the application may release now, records/s: the room of the last reading spread over an
     * interval, or 0 when there is no reading or it is older than 1.5 intervals.
     *
     * @param nowNanos    now, on the clock {@link #reading} was given
     * @param capPerSecond a configured rate that caps the budget (records/s), 0 for none: only the capped part
     *                    of the room counts as granted
     * @return records/s
     */
    long budget(long nowNanos, long capPerSecond) {
        if (lag < 0 || nowNanos - readAtNanos > intervalNanos + intervalNanos / 2) {
            return 0;
        }
        long perSecond = Math.min(room * 1_000_000_000L / intervalNanos, FlowAllocation.MAX_BUDGET);
        if (capPerSecond > 0 && capPerSecond < perSecond) {
            // The cap times an interval: at most 10^9 x 6 x 10^10 ns, within a long.
            granted = Math.min(granted, capPerSecond * intervalNanos / 1_000_000_000L);
            return capPerSecond;
        }
        return perSecond;
    }

    /** Until when the last reading's room may be released (1.5 intervals after it), on its clock. */
    long validUntilNanos() {
        return readAtNanos + intervalNanos + intervalNanos / 2;
    }

    /** The lag at the last reading, records; -1 before the first. */
    long lag() {
        return lag;
    }

    /** How many output partitions had no committed offset at the last reading. */
    int uncommitted() {
        return uncommitted;
    }
}

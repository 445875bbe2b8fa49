package io.zsync.kafka.flow;

import io.zsync.stream.Priority;
import io.zsync.stream.RealtimeStream;

/**
 * One task's membership in an application-wide flow budget ({@code zsync.rate.scope=application}): the task
 * measures what it wants and applies what it is allowed; its {@link FlowCoordinator} publishes the one and
 * computes the other.
 *
 * <p><b>Demand.</b> Every half interval the task's thread measures, per priority level, the records (and
 * bytes) that arrived per second since the last measurement, plus those waiting in its buffer as if to be
 * released within one interval: {@code demand = arrivals/s + waiting × (1 s / interval)}. Arrivals keep a
 * task that keeps up from reporting nothing (and losing its allowance); the waiting records let a backlog
 * claim unused budget. Draining the waiting records within an interval rather than a second keeps the tail
 * of a backlog from leaving ever more slowly while the budget goes to tasks that have nothing to send.
 *
 * <p><b>Threads and memory ordering.</b> Two threads share this object: the task's own thread (Kafka
 * Streams' stream thread, or Connect's task thread), which calls {@link #update}, and the coordinator's
 * thread. They exchange only immutable objects ({@link FlowReport}, {@link Allowance}) through volatile
 * fields, each with a single writer: the task thread writes {@code demand}, the coordinator writes
 * {@code allowance}. A volatile write happens-before every read that sees it, so a reader sees a fully
 * built object; a reader that sees an older one acts on an interval-old figure, which the design allows.
 * Everything else is confined to the task thread.
 */
public final class TaskFlow {
    /** The highest rate a stream's bucket takes, records/s or bytes/s: a larger share is no limit in practice. */
    public static final long MAX_RATE = 1_000_000_000L;
    /** Tells the coordinator a task left, so its tombstone goes out now; nothing for a fixed flow. */
    private final Runnable onLeave;
    private final String key;
    private final String scope;
    private final long budgetRecords;
    private final long budgetBytes;
    private final long budgetBurst;
    private final Allowance fallback;
    private final long measureIntervalNanos;
    /** How many intervals fit in a second, at least 1: what a waiting record counts for in records/s. */
    private final long intervalsPerSecond;

    private volatile FlowReport demand;
    private volatile Allowance allowance = Allowance.WAITING;
    private volatile boolean left;
    /** The downstream group's lag at the coordinator's last reading, records; -1 without one (single writer). */
    private volatile long downstreamLag = -1;

    // Task thread only.
    private Allowance applied;
    /** Whether the applied allowance's end has passed, so no records are released under it. */
    private boolean holding;
    private long measuredAtNanos;
    private boolean measured;
    private final long[] accepted = new long[Priority.COUNT];
    private final long[] acceptedBefore = new long[Priority.COUNT];
    private final long[] pendingRecords = new long[Priority.COUNT];
    private final long[] pendingBytes = new long[Priority.COUNT];
    private final long[] averageBytes = new long[Priority.COUNT];

    TaskFlow(Runnable onLeave, String key, String scope, long budgetRecords, long budgetBytes,
             long budgetBurst, Allowance fallback, long intervalNanos) {
        this.onLeave = onLeave;
        this.key = key;
        this.scope = scope;
        this.budgetRecords = budgetRecords;
        this.budgetBytes = budgetBytes;
        this.budgetBurst = budgetBurst;
        this.fallback = fallback;
        this.measureIntervalNanos = Math.max(1, intervalNanos / 2);
        this.intervalsPerSecond = Math.max(1, 1_000_000_000L / Math.max(1, intervalNanos));
        this.demand = FlowReport.idle(scope, budgetRecords, budgetBytes);
    }

    /**
     * A flow that nobody coordinates: the task keeps {@code allowance}. For tests and harnesses without a
     * control topic.
     *
     * @param scope     the budget's scope
     * @param task      the task's id (part of its key)
     * @param allowance what the task may release
     * @return the flow
     */
    public static TaskFlow fixed(String scope, String task, Allowance allowance) {
        // Its own budget, with the default burst (a tenth of a second's worth), so burstFor has a base.
        TaskFlow flow = new TaskFlow(() -> { }, "fixed/" + scope + "/" + task, scope, allowance.records(),
                allowance.bytes(), Math.max(1, allowance.records() / 10), allowance, 1_000_000_000L);
        flow.allow(allowance);
        return flow;
    }

    /**
     * On the task's thread, before it dispatches: measures demand when due and applies a new allowance to
     * the stream's rate limit. Allocates only when it measures (twice per interval).
     *
     * @param stream   the task's stream, built with a rate limit for every budget this flow has
     * @param nowNanos the stream clock's monotonic time
     */
    public void update(RealtimeStream stream, long nowNanos) {
        if (!measured || nowNanos - measuredAtNanos >= measureIntervalNanos) {
            measure(stream, nowNanos);
        }
        Allowance a = allowance;
        // Only an allowance with an end (a downstream group's room) needs the coordinator's clock.
        boolean expired = a.recordsUntilNanos() != Long.MAX_VALUE && a.recordsExpired(System.nanoTime());
        if (a != applied) {
            applied = a;
            holding = expired;
            stream.setRateLimit(expired ? 0 : Math.min(a.records(), MAX_RATE), burstFor(a.records()),
                    Math.min(a.bytes(), MAX_RATE));
        } else if (expired && !holding) {
            // Not renewed in time (its coordinator stalled, or the lag cannot be read): no records until it is.
            holding = true;
            stream.setRateLimit(0, burstFor(a.records()), a.bytes());
        }
    }

    private void measure(RealtimeStream stream, long nowNanos) {
        stream.accepted(accepted);
        stream.pending(pendingRecords, pendingBytes);
        long elapsed = nowNanos - measuredAtNanos;
        long[] records = new long[Priority.COUNT];
        long[] bytes = new long[Priority.COUNT];
        for (int level = 0; level < Priority.COUNT; level++) {
            if (pendingRecords[level] > 0) {
                averageBytes[level] = pendingBytes[level] / pendingRecords[level];
            }
            long arrivals = measured && elapsed > 0
                    ? Math.max(0, accepted[level] - acceptedBefore[level]) * 1_000_000_000L / elapsed : 0;
            records[level] = Math.min(FlowAllocation.MAX_BUDGET,
                    arrivals + saturatedProduct(pendingRecords[level], intervalsPerSecond));
            bytes[level] = Math.min(FlowAllocation.MAX_BUDGET, saturatedProduct(arrivals, averageBytes[level])
                    + saturatedProduct(pendingBytes[level], intervalsPerSecond));
            acceptedBefore[level] = accepted[level];
        }
        measured = true;
        measuredAtNanos = nowNanos;
        demand = new FlowReport(scope, budgetRecords, budgetBytes, records, bytes);
    }

    /** {@code a × b} for non-negative factors, at most {@link FlowAllocation#MAX_BUDGET}. */
    private static long saturatedProduct(long a, long b) {
        return a == 0 || b <= FlowAllocation.MAX_BUDGET / a ? Math.min(FlowAllocation.MAX_BUDGET, a * b)
                : FlowAllocation.MAX_BUDGET;
    }

    /**
     * The burst that goes with {@code records}/s: the configured burst's share in proportion, at least 1,
     * so the tasks' bursts add up to about the application's.
     */
    long burstFor(long records) {
        if (budgetRecords == 0 || records == 0) {
            return 1;
        }
        // burst and records are at most 10^9 each: the product fits in a long.
        return Math.max(1, budgetBurst * Math.min(records, budgetRecords) / budgetRecords);
    }

    /** Leaves the budget: the coordinator writes this task's tombstone, and its allowance goes to the others. */
    public void leave() {
        left = true;
        onLeave.run();
    }

    /** What this task may release now (its rate limit follows on the task's next {@link #update}). */
    public Allowance allowance() {
        return allowance;
    }

    /** What this task reported last. */
    public FlowReport demand() {
        return demand;
    }

    /** The task's key on the control topic. */
    public String key() {
        return key;
    }

    String scope() {
        return scope;
    }

    long budgetRecords() {
        return budgetRecords;
    }

    long budgetBytes() {
        return budgetBytes;
    }

    Allowance fallback() {
        return fallback;
    }

    boolean hasLeft() {
        return left;
    }

    /** The downstream group's lag as last read ({@code zsync.lag.group}), records; -1 when not read. */
    public long downstreamLag() {
        return downstreamLag;
    }

    void downstreamLag(long records) {
        downstreamLag = records;
    }

    void allow(Allowance a) {
        allowance = a;
    }
}

package io.zsync.kafka.flow;

import io.zsync.stream.Priority;
import java.util.Arrays;

/**
 * Turns one application-wide rate budget into per-task allowances, from what each task wants per priority
 * level: the rule every member of an application computes from the same view, so that all of them arrive
 * at the same split without talking to each other beyond publishing their demand.
 *
 * <p>The rule (issue 20):
 * <ol>
 *   <li>Levels are served from {@link Priority#CRITICAL} down to {@link Priority#LOW}: no record/s of a
 *       level is allowed anywhere while a higher level anywhere wants more than it gets.</li>
 *   <li>Within the level where the budget runs out, tasks get shares in proportion to their demand at that
 *       level (largest-remainder rounding, ties to the lower task index, so the result is exact and the
 *       same everywhere).</li>
 *   <li>Whatever no task wants is spread evenly over all tasks, so a task that was idle in the last round can
 *       start releasing before the next one; the allowances always add up to the whole budget, never more.</li>
 * </ol>
 *
 * <p>Units are whatever the caller uses for both inputs (records/s, or bytes/s); a demand above the budget
 * counts as the budget. Pure and allocation-light: one result array per call. {@link FlowTable} feeds it
 * every member's latest demand from the control topic.
 */
public final class FlowAllocation {
    /** How many levels a demand row has: one per {@link Priority}, indexed by {@link Priority#ordinal()}. */
    public static final int LEVELS = Priority.values().length;
    /** The largest budget: about 1.1 &times; 10<sup>12</sup>/s, far above any record or byte rate of one application. */
    public static final long MAX_BUDGET = 1L << 40;
    /** The most tasks: with {@link #MAX_BUDGET}, every sum of capped demands fits in a long. */
    public static final int MAX_TASKS = 1 << 20;

    private FlowAllocation() {
    }

    /**
     * Splits {@code budget} among tasks.
     *
     * @param budget  the application's budget, 0 to {@link #MAX_BUDGET} (records/s or bytes/s)
     * @param demands one row per task, each of {@link #LEVELS} non-negative entries indexed by
     *                {@link Priority#ordinal()}: what the task wants at that level, in the budget's unit
     * @return the allowance per task, in the budget's unit, in the order of {@code demands}; they add up to
     *         {@code budget} exactly when there is at least one task
     * @throws IllegalArgumentException if the budget is out of range, a demand is negative, there are more
     *                                  than {@link #MAX_TASKS} tasks, or a row is not {@link #LEVELS} long
     */
    public static long[] allocate(long budget, long[][] demands) {
        if (budget < 0 || budget > MAX_BUDGET) {
            throw new IllegalArgumentException("budget must be between 0 and " + MAX_BUDGET + ", was " + budget);
        }
        int tasks = demands.length;
        if (tasks > MAX_TASKS) {
            throw new IllegalArgumentException("at most " + MAX_TASKS + " tasks, were " + tasks);
        }
        for (int t = 0; t < tasks; t++) {
            if (demands[t] == null || demands[t].length != LEVELS) {
                throw new IllegalArgumentException("task " + t + ": a demand row has " + LEVELS + " levels (LOW to"
                        + " CRITICAL), was " + (demands[t] == null ? "null" : Arrays.toString(demands[t])));
            }
            for (long d : demands[t]) {
                if (d < 0) {
                    throw new IllegalArgumentException("task " + t + ": demands must be at least 0, were "
                            + Arrays.toString(demands[t]));
                }
            }
        }
        long[] allowances = new long[tasks];
        if (tasks == 0) {
            return allowances;
        }
        long remaining = budget;
        long[] wants = new long[tasks];
        for (int level = LEVELS - 1; level >= 0 && remaining > 0; level--) {
            long total = 0;
            for (int t = 0; t < tasks; t++) {
                // Capped at what is left: a single task cannot use more, and the sum stays below
                // MAX_TASKS x MAX_BUDGET = 2^60.
                wants[t] = Math.min(demands[t][level], remaining);
                total += wants[t];
            }
            if (total <= remaining) {
                for (int t = 0; t < tasks; t++) {
                    allowances[t] += wants[t];
                }
                remaining -= total;
            } else {
                share(remaining, wants, total, allowances);
                remaining = 0;
            }
        }
        // Nobody wants the rest: an even spread, the first tasks taking one more until it is all given.
        long each = remaining / tasks;
        long extra = remaining % tasks;
        for (int t = 0; t < tasks; t++) {
            allowances[t] += each + (t < extra ? 1 : 0);
        }
        return allowances;
    }

    /**
     * Adds to {@code allowances} shares of {@code amount} in proportion to {@code wants} (which add up to
     * {@code total} &gt; {@code amount}), by the largest-remainder method: each gets the floor of its exact
     * share, and the units left go to the largest fractional parts, ties to the lower index.
     */
    private static void share(long amount, long[] wants, long total, long[] allowances) {
        int tasks = wants.length;
        long[] floors = new long[tasks];
        long[] remainders = new long[tasks];
        long given = 0;
        for (int t = 0; t < tasks; t++) {
            // amount x wants[t] / total: the product fits in a long unless both are above 2^31 or so.
            long high = Math.multiplyHigh(amount, wants[t]);
            long low = amount * wants[t];
            if (high == 0 && low >= 0) {
                floors[t] = low / total;
                remainders[t] = low % total;
            } else {
                java.math.BigInteger[] qr = java.math.BigInteger.valueOf(amount)
                        .multiply(java.math.BigInteger.valueOf(wants[t]))
                        .divideAndRemainder(java.math.BigInteger.valueOf(total));
                floors[t] = qr[0].longValueExact();
                remainders[t] = qr[1].longValueExact();
            }
            given += floors[t];
        }
        long left = amount - given;
        // left < tasks: hand one unit each to the largest remainders.
        for (long i = 0; i < left; i++) {
            int best = -1;
            for (int t = 0; t < tasks; t++) {
                if (remainders[t] >= 0 && (best < 0 || remainders[t] > remainders[best])) {
                    best = t;
                }
            }
            floors[best]++;
            remainders[best] = -1;
        }
        for (int t = 0; t < tasks; t++) {
            allowances[t] += floors[t];
        }
    }
}

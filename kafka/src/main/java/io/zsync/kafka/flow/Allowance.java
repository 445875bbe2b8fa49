package io.zsync.kafka.flow;

/**
 * What one task may release, set by its coordinator every interval and applied by the task's own thread to
 * its rate limit. Immutable, so publishing it through a volatile field is safe (see {@link TaskFlow}).
 *
 * @param records          records/s this task may release (meaningful only when the budget has a records limit)
 * @param bytes            bytes/s likewise
 * @param mode             where the figures come from
 * @param recordsUntilNanos until when {@code records} holds, on {@link System#nanoTime()}; after that the task
 *                         releases no records until a newer allowance comes ({@link Long#MAX_VALUE}: no end). A
 *                         budget paced by a downstream group's lag is good for one reading's room only, and a
 *                         coordinator that stalls must not leave it running.
 */
public record Allowance(long records, long bytes, Mode mode, long recordsUntilNanos) {
    /** An allowance without an end. */
    public Allowance(long records, long bytes, Mode mode) {
        this(records, bytes, mode, Long.MAX_VALUE);
    }

    /** Whether {@code records} no longer holds at {@code nowNanos} ({@link System#nanoTime()}). */
    public boolean recordsExpired(long nowNanos) {
        return recordsUntilNanos != Long.MAX_VALUE && nowNanos - recordsUntilNanos > 0;
    }

    /** Where an allowance comes from. */
    public enum Mode {
        /** No allocation yet (the task just joined): it releases nothing, so a new task adds no burst. */
        WAITING,
        /** This interval's share of the application's budget, computed from every member's demand. */
        COORDINATED,
        /** The control topic cannot be reached: the task's share by input partitions, as before coordination. */
        FALLBACK
    }

    /** Nothing yet. */
    public static final Allowance WAITING = new Allowance(0, 0, Mode.WAITING);
}

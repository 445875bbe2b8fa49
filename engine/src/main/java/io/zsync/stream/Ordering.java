package io.zsync.stream;

/** The order of messages within one priority level. Across levels, the higher level always goes first. */
public enum Ordering {
    /** Arrival order. */
    FIFO,
    /** Earliest deadline first; messages without a deadline after every one with, in arrival order. */
    DEADLINE
}

package io.zsync.stream;

/**
 * Why a message was not delivered. The Kafka layers write it to the {@code zsync.dlq.reason} header;
 * the stream engine itself produces the first three.
 */
public enum DeadLetterReason {
    /** Its deadline passed before it could be delivered. */
    EXPIRED,
    /** A full buffer or queue made room for a message of the same or a higher level. */
    DROPPED_OLDEST,
    /** A full buffer or queue refused it. */
    DROPPED_NEWEST,
    /** A {@code zsync.*} header could not be parsed (Kafka layers). */
    INVALID_HEADER,
    /** The record's bytes could not be decoded (Kafka layers). */
    MALFORMED,
    /** The record is larger than the buffer's byte limit (Kafka layers and {@link RealtimeStream#send}). */
    TOO_LARGE,
    /**
     * Kafka Connect reported the record not written (Kafka layers): a transform or predicate dropped it, or
     * {@code errors.tolerance=all} skipped its failed conversion or send.
     */
    NOT_WRITTEN
}

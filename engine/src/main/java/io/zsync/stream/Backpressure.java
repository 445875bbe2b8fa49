package io.zsync.stream;

import java.util.Locale;

/**
 * What {@link RealtimeStream#send} does when the stream's buffer is full, and what the dispatcher does
 * when a subscriber's queue is full. Every message that is not delivered reaches the stream's
 * {@link DeadLetterListener} with its {@link DeadLetterReason}.
 */
public enum Backpressure {
    /**
     * Nothing is dropped: the sender waits for room, up to the stream's block timeout, then gets a
     * {@link BufferFullException} and keeps its message. A subscriber whose queue is full keeps
     * receiving, but what it holds beyond its queue size counts against the stream's buffer, so a slow
     * subscriber slows the senders instead of the other subscribers.
     */
    BLOCK,
    /**
     * The oldest message of the lowest buffered level not above the incoming one is dead-lettered
     * ({@link DeadLetterReason#DROPPED_OLDEST}); if every buffered message outranks the incoming one,
     * the incoming one is ({@link DeadLetterReason#DROPPED_NEWEST}).
     */
    DROP_OLDEST,
    /** The incoming message is dead-lettered ({@link DeadLetterReason#DROPPED_NEWEST}). */
    DROP_NEWEST,
    /**
     * The sender gets a {@link BufferFullException} naming the limit and keeps its message. A full
     * subscriber queue cannot throw to anyone, so the message is dead-lettered for that subscriber
     * ({@link DeadLetterReason#DROPPED_NEWEST}) with the exception as the cause.
     */
    ERROR_ON_FULL;

    /**
     * Parses the configuration form, such as {@code drop_oldest}, ignoring case.
     *
     * @param value the value
     * @return the strategy
     * @throws IllegalArgumentException naming the value and the allowed ones
     */
    public static Backpressure parse(String value) {
        if (value != null) {
            String upper = value.trim().toUpperCase(Locale.ROOT);
            for (Backpressure b : values()) {
                if (b.name().equals(upper)) {
                    return b;
                }
            }
        }
        throw new IllegalArgumentException("Unknown backpressure '" + value
                + "'; allowed: block, drop_oldest, drop_newest, error_on_full");
    }

    /** The configuration form: the name in lower case, such as {@code drop_oldest}. */
    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}

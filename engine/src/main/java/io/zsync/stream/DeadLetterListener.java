package io.zsync.stream;

/**
 * Receives every message a stream did not deliver: dropped by backpressure, expired, or too large. It
 * runs on whichever thread found the message undeliverable (a sender, the dispatcher or a subscription's
 * delivery thread), outside the stream's locks, so it must be thread-safe and should be quick.
 */
@FunctionalInterface
public interface DeadLetterListener {
    /**
     * @param deadLetter the message and its reason
     */
    void onDeadLetter(DeadLetter deadLetter);
}

package io.zsync.stream;

/**
 * Decides, on the dispatcher thread, whether a subscription receives a message that its priority mask
 * already lets through. Keep it cheap and free of side effects; an exception counts as "no".
 */
@FunctionalInterface
public interface MessageFilter {
    /** Takes every message. */
    MessageFilter ALL = message -> true;

    /**
     * @param message the message, read-only
     * @return true to deliver it to this subscription
     */
    boolean accept(StreamMessage message);
}

package io.zsync.stream;

/** Told when a subscriber's callback throws. It runs on the thread that ran the callback. */
@FunctionalInterface
public interface SubscriberErrorHandler {
    /**
     * @param subscriptionId the subscription whose callback failed
     * @param message        the message it was given, valid during this call
     * @param error          what the callback threw
     */
    void onError(long subscriptionId, StreamMessage message, Throwable error);
}

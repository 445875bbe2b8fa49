package io.zsync.stream;

/**
 * A subscriber's callback. It runs on the subscription's own delivery thread (or on the dispatcher,
 * with {@link StreamBuilder#withDispatcherDelivery()}), one message at a time, in priority order. The
 * message is valid until the callback returns; call {@link StreamMessage#retain()} to keep it longer.
 * An exception thrown here is counted and reported to the stream's {@link SubscriberErrorHandler}; the
 * subscription goes on with the next message.
 */
@FunctionalInterface
public interface MessageHandler {
    /**
     * Handles one message.
     *
     * @param message the message; do not close it
     * @throws Exception anything; it does not stop delivery
     */
    void onMessage(StreamMessage message) throws Exception;
}

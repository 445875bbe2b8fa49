package io.zsync.stream;

/**
 * A message that was not delivered, and why. The message is valid only while the
 * {@link DeadLetterListener} runs; retain it to keep it longer.
 *
 * @param message        the message
 * @param reason         why it was not delivered
 * @param subscriptionId the subscription that did not get it, or {@link #STREAM} when no subscription
 *                       did (it never left the stream's buffer)
 * @param epochMicros    when it was dead-lettered, by the stream's clock
 * @param cause          the exception behind the reason, such as a {@link BufferFullException} under
 *                       {@link Backpressure#ERROR_ON_FULL}; null if none
 */
public record DeadLetter(StreamMessage message, DeadLetterReason reason, long subscriptionId, long epochMicros,
                         Throwable cause) {
    /** {@link #subscriptionId()} of a message dead-lettered before it reached any subscription. */
    public static final long STREAM = -1;
}

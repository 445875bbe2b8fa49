package io.zsync.stream;

import java.util.List;

/**
 * What a closing stream did not deliver.
 *
 * @param drained      true if every buffered message was delivered (or dead-lettered) before the stream
 *                     stopped
 * @param undelivered  messages left in the stream's buffer or in a subscription's queue when it stopped:
 *                     one entry per message and subscription that did not get it
 */
public record CloseReport(boolean drained, List<Undelivered> undelivered) {

    /**
     * One message one subscription (or the stream's buffer) still held.
     *
     * @param messageId      the message's id
     * @param priority       its priority
     * @param subscriptionId the subscription, or {@link DeadLetter#STREAM} for the stream's buffer
     */
    public record Undelivered(long messageId, Priority priority, long subscriptionId) {
    }

    /** The number of undelivered (message, subscription) pairs. */
    public int undeliveredCount() {
        return undelivered.size();
    }
}

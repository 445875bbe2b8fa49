package io.zsync.stream;

import java.util.Map;

/**
 * A snapshot of a stream's counters. Counters written by other threads are read without stopping them,
 * so a snapshot taken during traffic is approximate; at rest it is exact.
 *
 * @param accepted         messages accepted by {@code send}, by priority ordinal
 * @param delivered        callbacks completed without an exception, by priority ordinal, summed over
 *                         subscriptions
 * @param deadLetters      dead letters by {@link DeadLetterReason} ordinal
 * @param callbackFailures callbacks that threw
 * @param bufferedRecords  messages in the stream's buffer (under {@link Backpressure#BLOCK}: every
 *                         message not yet delivered to all its subscribers)
 * @param bufferedBytes    their payload bytes
 * @param queueDepths      messages waiting in each subscription's queue, by subscription id
 * @param latency          send-to-deliver latency, by priority ordinal
 */
public record StreamMetrics(long[] accepted, long[] delivered, long[] deadLetters, long callbackFailures,
                            long bufferedRecords, long bufferedBytes, Map<Long, Integer> queueDepths,
                            LatencySummary[] latency) {

    /** Messages accepted at {@code p}. */
    public long accepted(Priority p) {
        return accepted[p.ordinal()];
    }

    /** All accepted messages. */
    public long acceptedTotal() {
        return sum(accepted);
    }

    /** Deliveries at {@code p}. */
    public long delivered(Priority p) {
        return delivered[p.ordinal()];
    }

    /** All deliveries. */
    public long deliveredTotal() {
        return sum(delivered);
    }

    /** Dead letters for {@code reason}. */
    public long deadLetters(DeadLetterReason reason) {
        return deadLetters[reason.ordinal()];
    }

    /** All dead letters. */
    public long deadLettersTotal() {
        return sum(deadLetters);
    }

    /** Expired messages: dead letters with reason {@link DeadLetterReason#EXPIRED}. */
    public long expired() {
        return deadLetters(DeadLetterReason.EXPIRED);
    }

    /** Send-to-deliver latency at {@code p}. */
    public LatencySummary latency(Priority p) {
        return latency[p.ordinal()];
    }

    private static long sum(long[] values) {
        long s = 0;
        for (long v : values) {
            s += v;
        }
        return s;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("StreamMetrics[accepted=").append(acceptedTotal())
                .append(", delivered=").append(deliveredTotal()).append(", deadLetters={");
        String sep = "";
        for (DeadLetterReason r : DeadLetterReason.values()) {
            if (deadLetters[r.ordinal()] > 0) {
                sb.append(sep).append(r).append('=').append(deadLetters[r.ordinal()]);
                sep = ", ";
            }
        }
        sb.append("}, callbackFailures=").append(callbackFailures).append(", buffered=").append(bufferedRecords)
                .append(" (").append(bufferedBytes).append(" B), queues=").append(queueDepths).append(']');
        return sb.toString();
    }
}

package io.zsync.kafka;

import io.zsync.stream.DeadLetterReason;
import io.zsync.stream.Priority;
import io.zsync.stream.StreamMessage;

/**
 * What {@link RecordClassifier} made of a record: its priority and deadline, or why it must be
 * dead-lettered instead.
 *
 * @param priority       the level; null when {@code failure} is set
 * @param deadlineMicros the deadline in epoch microseconds, or {@link StreamMessage#NO_DEADLINE}
 * @param failure        null for a good record, else {@link DeadLetterReason#INVALID_HEADER} or
 *                       {@link DeadLetterReason#MALFORMED}
 * @param detail         for a failure, what was wrong, for logs and the dead letter
 */
public record Classification(Priority priority, long deadlineMicros, DeadLetterReason failure, String detail) {

    static Classification of(Priority priority, long deadlineMicros) {
        return new Classification(priority, deadlineMicros, null, null);
    }

    static Classification failed(DeadLetterReason reason, String detail) {
        return new Classification(null, StreamMessage.NO_DEADLINE, reason, detail);
    }

    /** Whether the record can go into the stream. */
    public boolean isValid() {
        return failure == null;
    }
}

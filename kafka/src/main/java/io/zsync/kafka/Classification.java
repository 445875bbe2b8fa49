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

    /** One per level for records without a deadline, the common case: classifying those allocates nothing. */
    private static final Classification[] WITHOUT_DEADLINE = withoutDeadline();

    static Classification of(Priority priority, long deadlineMicros) {
        if (deadlineMicros == StreamMessage.NO_DEADLINE) {
            return WITHOUT_DEADLINE[priority.ordinal()];
        }
        return new Classification(priority, deadlineMicros, null, null);
    }

    private static Classification[] withoutDeadline() {
        Priority[] levels = Priority.values();
        Classification[] shared = new Classification[levels.length];
        for (Priority p : levels) {
            shared[p.ordinal()] = new Classification(p, StreamMessage.NO_DEADLINE, null, null);
        }
        return shared;
    }

    static Classification failed(DeadLetterReason reason, String detail) {
        return new Classification(null, StreamMessage.NO_DEADLINE, reason, detail);
    }

    /** Whether the record can go into the stream. */
    public boolean isValid() {
        return failure == null;
    }
}

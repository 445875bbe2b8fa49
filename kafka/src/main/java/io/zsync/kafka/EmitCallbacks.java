package io.zsync.kafka;

import io.zsync.stream.DeadLetter;
import io.zsync.stream.DeadLetterListener;
import io.zsync.stream.DeadLetterReason;
import io.zsync.stream.MessageHandler;
import io.zsync.stream.StreamMessage;

/**
 * The engine's two callbacks for one Kafka task, with the task's failure policy. A manual-dispatch stream
 * calls them on the task's own thread, inside {@code send} or {@code dispatch}, and would only count an
 * exception they throw. But a failed emit (the producer failed, the task migrated) must fail the task, and
 * nothing after it may be emitted, so that the records not emitted stay where a restart finds them (the
 * Streams store, the uncommitted source offsets). So the first exception is kept, every later callback of
 * the same engine call is skipped, and the engine call's caller rethrows it with {@link #rethrow()}.
 *
 * <p>Not thread-safe: one per task, used on the task's thread.
 */
public final class EmitCallbacks implements MessageHandler, DeadLetterListener {

    /** Where a task emits what the engine releases; ids are the ones the task gave the engine. */
    public interface Emitter {
        /** Emits the record with this id to the output. */
        void deliver(long id);

        /** Emits the record with this id to the dead-letter topic with this reason. */
        void deadLetter(long id, DeadLetterReason reason);
    }

    private final Emitter emitter;
    private RuntimeException failure;
    /** Ids whose callback was skipped after the failure: the engine counts them as emitted, and they were not. */
    private long[] skipped = new long[16];
    private int skippedCount;

    /** @param emitter the task's emit functions */
    public EmitCallbacks(Emitter emitter) {
        this.emitter = emitter;
    }

    @Override
    public void onMessage(StreamMessage message) {
        if (failure != null) {
            skip(message.id());
            return;
        }
        try {
            emitter.deliver(message.id());
        } catch (RuntimeException e) {
            failure = e;
        }
    }

    @Override
    public void onDeadLetter(DeadLetter deadLetter) {
        if (failure != null) {
            skip(deadLetter.message().id());
            return;
        }
        try {
            emitter.deadLetter(deadLetter.message().id(), deadLetter.reason());
        } catch (RuntimeException e) {
            failure = e;
        }
    }

    /**
     * Throws the first exception a callback caught, if any, once: the task must fail with it. It is
     * forgotten as it is thrown, so a host that catches it and goes on (a Streams
     * {@code processing.exception.handler} that continues) is not failed again by it on every later call;
     * the records whose emit was skipped are still where a restart finds them.
     */
    public void rethrow() {
        RuntimeException f = failure;
        if (f != null) {
            failure = null;
            throw f;
        }
    }

    private void skip(long id) {
        if (skippedCount == skipped.length) {
            skipped = java.util.Arrays.copyOf(skipped, skippedCount * 2);
        }
        skipped[skippedCount++] = id;
    }

    /**
     * Hands over, and forgets, the ids whose callback was skipped after a failure, in the order the engine
     * released them. The engine no longer holds them; a host that goes on after the failure (a Streams
     * {@code processing.exception.handler} that continues) must hand them to the engine again, or they would
     * wait, unreleased, until the task restarts.
     *
     * @param sink receives each id
     */
    public void takeSkipped(java.util.function.LongConsumer sink) {
        for (int i = 0; i < skippedCount; i++) {
            sink.accept(skipped[i]);
        }
        skippedCount = 0;
    }

    /** Forgets a kept failure and the skipped ids, for a task initialised again. */
    public void reset() {
        failure = null;
        skippedCount = 0;
    }
}

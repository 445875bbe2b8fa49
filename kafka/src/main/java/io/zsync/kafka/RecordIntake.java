package io.zsync.kafka;

import io.zsync.io.Io;
import io.zsync.stream.BufferFullException;
import io.zsync.stream.DeadLetterReason;
import io.zsync.stream.Priority;
import io.zsync.stream.RealtimeStream;
import io.zsync.stream.StreamMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;
import org.apache.kafka.common.header.Headers;

/**
 * Where a Kafka record enters one task's buffer, the same for the Streams processor and the Connect bridge:
 * {@link #examine} classifies it ({@link RecordClassifier}) and sizes it ({@link RecordSize}) once, and
 * tells whether it may be buffered or must be dead-lettered, and why ({@code INVALID_HEADER},
 * {@code MALFORMED}, {@code TOO_LARGE}); {@link #offer} then hands it to the engine. No record, however
 * strange, makes either throw: only a full buffer is reported, and the task's backpressure decides.
 *
 * <p>{@code TOO_LARGE} has two limits: the buffer's ({@code zsync.buffer.max.bytes}, against
 * {@link RecordSize#of}) and the output's (the largest record the producer and the output topic accept,
 * against {@link RecordSize#produced}), so that a record that could never be written is dead-lettered
 * instead of failing its task at every restart.
 *
 * <p>Not thread-safe: one per task. {@link #examine} keeps its verdict in this object, so examining a
 * valid record allocates nothing.
 */
public final class RecordIntake {
    private final RecordClassifier classifier;
    private final long bufferMaxBytes;
    private final long outputMaxBytes;
    private final String outputLimit;
    private final Io io = Io.blocking();

    private Priority priority;
    private long deadlineMicros;
    private long size;
    private DeadLetterReason failure;
    private String detail;
    private BufferFullException refusal;

    /**
     * An intake with no output limit: only {@code zsync.buffer.max.bytes} makes a record {@code TOO_LARGE}.
     *
     * @param config the task's settings
     */
    public RecordIntake(ZsyncConfig config) {
        this(config, Long.MAX_VALUE, "no output limit");
    }

    /**
     * @param config         the task's settings
     * @param outputMaxBytes the largest record the output accepts, in bytes as {@link RecordSize#produced}
     *                       counts them; {@code Long.MAX_VALUE} for none
     * @param outputLimit    where that limit comes from, for the {@code TOO_LARGE} detail (e.g.
     *                       {@code "target.max.message.bytes=1048576"})
     * @throws IllegalArgumentException if {@code outputMaxBytes} is not positive
     */
    public RecordIntake(ZsyncConfig config, long outputMaxBytes, String outputLimit) {
        if (outputMaxBytes <= 0) {
            throw new IllegalArgumentException("outputMaxBytes must be positive (Long.MAX_VALUE for none), was "
                    + outputMaxBytes);
        }
        this.classifier = new RecordClassifier(config);
        this.bufferMaxBytes = config.bufferMaxBytes();
        this.outputMaxBytes = outputMaxBytes;
        this.outputLimit = Objects.requireNonNull(outputLimit, "outputLimit");
    }

    /**
     * Examines one record; the getters then describe it.
     *
     * @param topic       where it was read from
     * @param timestampMs its timestamp, epoch ms, negative if none
     * @param key         its key, or null
     * @param value       its value, or null
     * @param headers     its headers, or null
     * @return true if it may be buffered; false if it must be dead-lettered with {@link #failure()}
     */
    public boolean examine(String topic, long timestampMs, byte[] key, byte[] value, Headers headers) {
        Classification c = classifier.classify(topic, timestampMs, headers, value);
        if (!c.isValid()) {
            return fail(c.failure(), c.detail());
        }
        priority = c.priority();
        deadlineMicros = c.deadlineMicros();
        // One pass over the headers gives both sizes.
        long fields = RecordSize.fields(key, value, headers);
        size = RecordSize.ofFields(fields);
        if (size > bufferMaxBytes) {
            return fail(DeadLetterReason.TOO_LARGE, "record of " + size + " bytes is larger than "
                    + ZsyncConfig.BUFFER_MAX_BYTES_CONFIG + "=" + bufferMaxBytes);
        }
        long produced = RecordSize.producedOfFields(fields);
        if (produced > outputMaxBytes) {
            return fail(DeadLetterReason.TOO_LARGE, "record of " + produced + " bytes as produced (in a record"
                    + " batch) is larger than the output accepts: " + outputLimit);
        }
        failure = null;
        detail = null;
        return true;
    }

    private boolean fail(DeadLetterReason reason, String why) {
        failure = reason;
        detail = why;
        priority = null;
        deadlineMicros = StreamMessage.NO_DEADLINE;
        size = 0;
        return false;
    }

    /** The examined record's level; null if it failed. */
    public Priority priority() {
        return priority;
    }

    /** The examined record's deadline in epoch µs, or {@link StreamMessage#NO_DEADLINE}. */
    public long deadlineMicros() {
        return deadlineMicros;
    }

    /** The largest record the output accepts, bytes as {@link RecordSize#produced} counts them; {@code Long.MAX_VALUE} if none. */
    public long outputMaxBytes() {
        return outputMaxBytes;
    }

    /** The examined record's size in bytes ({@link RecordSize}); 0 if it failed. */
    public long size() {
        return size;
    }

    /** Why the examined record must be dead-lettered; null if it may be buffered. */
    public DeadLetterReason failure() {
        return failure;
    }

    /** What was wrong with the examined record, for logs; null if nothing. */
    public String detail() {
        return detail;
    }

    /**
     * Whether the examined record's deadline is before {@code cutoffMicros} (epoch µs): pass now plus the
     * task's deadline margin, as the engine checks it ({@code StreamBuilder.withExpiryMargin}).
     */
    public boolean expiredAt(long cutoffMicros) {
        return deadlineMicros != StreamMessage.NO_DEADLINE && deadlineMicros < cutoffMicros;
    }

    /** {@link #offer(RealtimeStream, long, Priority, long, long)} for the examined record. */
    public boolean offer(RealtimeStream stream, long id) {
        return offer(stream, id, priority, deadlineMicros, size);
    }

    /**
     * Hands a record to the engine under the id the task finds it by. Under {@code drop_oldest} and
     * {@code drop_newest} the engine may dead-letter this or another record through the task's
     * {@link EmitCallbacks} before this returns.
     *
     * @param size bytes, as {@link RecordSize} counts them
     * @return false if the buffer is full (under {@code block} or {@code error_on_full}); the caller waits
     *         or fails as its strategy says
     */
    public boolean offer(RealtimeStream stream, long id, Priority priority, long deadlineMicros, long size) {
        try (StreamMessage m = StreamMessage.detached((int) Math.min(size, Integer.MAX_VALUE))) {
            m.id(id).priority(priority);
            if (deadlineMicros != StreamMessage.NO_DEADLINE) {
                m.deadline(deadlineMicros);
            }
            stream.send(io, m);
            return true;
        } catch (BufferFullException full) {
            refusal = full;
            return false;
        } catch (IOException e) {
            // Io.blocking() runs inline and raises only InterruptedIOException while blocked, which a
            // task's stream, built never to block (BufferStreams), never is.
            throw new UncheckedIOException(e);
        }
    }

    /** The engine's refusal behind the last {@link #offer} that returned false, the cause a task fails with. */
    public BufferFullException refusal() {
        return refusal;
    }

    /**
     * What a task fails with under {@code error_on_full}, the same in both products.
     *
     * @param where the record's coordinates, {@code topic-partition@offset}
     */
    public static String errorOnFullMessage(ZsyncConfig config, String where) {
        return "zsync.backpressure=error_on_full: the buffer is full (" + ZsyncConfig.BUFFER_MAX_RECORDS_CONFIG + "="
                + config.bufferMaxRecords() + ", " + ZsyncConfig.BUFFER_MAX_BYTES_CONFIG + "=" + config.bufferMaxBytes()
                + "); the record at " + where + " is not committed and is read again after a restart";
    }
}

package io.zsync.stream;

import io.zsync.zerocopy.BufferPool;
import io.zsync.zerocopy.PooledBuffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A message for a {@link RealtimeStream}: a payload copied once into a pooled off-heap buffer, shared by
 * every subscriber without further copies, plus a priority, an optional deadline, an id and headers.
 *
 * <pre>{@code
 * try (StreamMessage message = StreamMessage.copyOf(pool, bytes)
 *         .priority(Priority.HIGH)
 *         .deadline(clock.epochMicros() + 1_000)) {
 *     stream.send(io, message);
 * }
 * }</pre>
 *
 * <p>The message is reference counted. Its creator holds one reference and gives it up with
 * {@link #close()}; the stream holds its own for as long as any subscriber still has the message
 * queued, so closing right after {@code send} is correct. The buffer goes back to the pool when the last
 * reference is released. A subscriber callback may use the message only while it runs, unless it calls
 * {@link #retain()} and later {@link #release()}.
 *
 * <p>Priority, deadline, id and headers may be set until the message is sent; after that it is
 * immutable, and every subscriber reads the same payload concurrently through {@link #payload()}.
 */
public final class StreamMessage implements AutoCloseable {

    /** {@link #deadline()} of a message without one. */
    public static final long NO_DEADLINE = Long.MAX_VALUE;

    private static final AtomicLong IDS = new AtomicLong();
    private static final VarHandle REFS;
    private static final VarHandle CREATOR_CLOSED;
    private static final VarHandle PLACEMENTS;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            REFS = lookup.findVarHandle(StreamMessage.class, "refs", int.class);
            CREATOR_CLOSED = lookup.findVarHandle(StreamMessage.class, "creatorClosed", boolean.class);
            PLACEMENTS = lookup.findVarHandle(StreamMessage.class, "placements", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final PooledBuffer lease;
    private final int length;
    private long id;
    private Priority priority = Priority.NORMAL;
    private long deadline = NO_DEADLINE;
    private List<Header> headers;
    private Object attachment;

    // Reference count; updated with CAS so that a retain can never revive a message already at zero.
    private volatile int refs = 1;
    private volatile boolean creatorClosed;

    // Set by the stream on send, under its lock, before the message is visible to any other thread of
    // the stream; every later reader acquires that lock or a subscriber's queue lock first.
    boolean sent;
    long sequence;
    long sendNanos;
    // Under Backpressure.BLOCK: how many subscriber queues still hold the message.
    private volatile int placements;

    private StreamMessage(PooledBuffer lease, int length) {
        this.lease = lease;
        this.length = length;
        this.id = IDS.incrementAndGet();
    }

    /**
     * Copies {@code payload} into a buffer from {@code pool}.
     *
     * @param pool    the pool to take the buffer from
     * @param payload the bytes; not kept
     * @return a new message, priority {@link Priority#NORMAL}, no deadline, a fresh id
     * @throws IllegalArgumentException if the payload is larger than the pool's largest buffer
     */
    public static StreamMessage copyOf(BufferPool pool, byte[] payload) {
        return copyOf(pool, payload, 0, Objects.requireNonNull(payload, "payload must not be null").length);
    }

    /**
     * Copies {@code length} bytes of {@code payload} from {@code offset} into a buffer from {@code pool}.
     *
     * @param pool    the pool to take the buffer from
     * @param payload the bytes; not kept
     * @param offset  the first byte to copy
     * @param length  the number of bytes
     * @return a new message
     * @throws IndexOutOfBoundsException if the range is outside {@code payload}
     */
    public static StreamMessage copyOf(BufferPool pool, byte[] payload, int offset, int length) {
        Objects.requireNonNull(pool, "pool must not be null");
        Objects.requireNonNull(payload, "payload must not be null");
        Objects.checkFromIndexSize(offset, length, payload.length);
        PooledBuffer lease = pool.acquire(length);
        lease.buffer().put(0, payload, offset, length);
        return new StreamMessage(lease, length);
    }

    /**
     * A message without a payload of its own, standing for {@code length} bytes its sender keeps elsewhere
     * (a state store, a file). Buffer and byte-rate limits count those bytes; no pool buffer is taken, so
     * a buffered message costs only this object. Its payload accessors throw: the subscriber finds the
     * bytes by the message's {@link #id(long) id} or {@link #attach(Object) attachment}.
     *
     * @param length the size the message stands for, at least 0
     * @return a new message, priority {@link Priority#NORMAL}, no deadline, a fresh id
     */
    public static StreamMessage detached(int length) {
        if (length < 0) {
            throw new IllegalArgumentException("length must be at least 0, was " + length);
        }
        return new StreamMessage(null, length);
    }

    /**
     * Copies the remaining bytes of {@code payload} into a buffer from {@code pool}; the source's position
     * does not move.
     *
     * @param pool    the pool to take the buffer from
     * @param payload the bytes between position and limit; not kept
     * @return a new message
     */
    public static StreamMessage copyOf(BufferPool pool, ByteBuffer payload) {
        Objects.requireNonNull(pool, "pool must not be null");
        Objects.requireNonNull(payload, "payload must not be null");
        int length = payload.remaining();
        PooledBuffer lease = pool.acquire(length);
        lease.buffer().put(0, payload, payload.position(), length);
        return new StreamMessage(lease, length);
    }

    /**
     * Sets the priority; {@link Priority#NORMAL} by default.
     *
     * @param priority the level
     * @return this message
     * @throws IllegalStateException if the message was already sent
     */
    public StreamMessage priority(Priority priority) {
        checkNotSent();
        this.priority = Objects.requireNonNull(priority, "priority must not be null");
        return this;
    }

    /**
     * Sets the deadline: the message is never delivered after it.
     *
     * @param epochMicros absolute time in microseconds since the epoch, or {@link #NO_DEADLINE}
     * @return this message
     * @throws IllegalStateException if the message was already sent
     */
    public StreamMessage deadline(long epochMicros) {
        checkNotSent();
        this.deadline = epochMicros;
        return this;
    }

    /**
     * Replaces the generated id, for example with a Kafka offset.
     *
     * @param id any value; ids need not be unique to the stream
     * @return this message
     */
    public StreamMessage id(long id) {
        checkNotSent();
        this.id = id;
        return this;
    }

    /**
     * Adds a header; keys may repeat, as in Kafka.
     *
     * @param key   the key
     * @param value the value, kept as given (may be null)
     * @return this message
     */
    public StreamMessage header(String key, byte[] value) {
        checkNotSent();
        if (headers == null) {
            headers = new ArrayList<>(4);
        }
        headers.add(new Header(Objects.requireNonNull(key, "header key must not be null"), value));
        return this;
    }

    /**
     * Attaches an object that travels with the message to subscribers and dead-letter listeners, such as
     * the Kafka record the message came from. The stream never looks at it.
     *
     * @param attachment anything, or null
     * @return this message
     */
    public StreamMessage attach(Object attachment) {
        checkNotSent();
        this.attachment = attachment;
        return this;
    }

    /** The id: generated, unique in this JVM, unless set with {@link #id(long)}. */
    public long id() {
        return id;
    }

    /** The priority. */
    public Priority priority() {
        return priority;
    }

    /** The deadline in epoch microseconds, or {@link #NO_DEADLINE}. */
    public long deadline() {
        return deadline;
    }

    /** Whether a deadline is set. */
    public boolean hasDeadline() {
        return deadline != NO_DEADLINE;
    }

    /**
     * Whether the deadline has passed at {@code nowEpochMicros}: a message is still deliverable at its
     * deadline and not after it.
     */
    public boolean isExpiredAt(long nowEpochMicros) {
        return deadline < nowEpochMicros;
    }

    /** The headers in the order they were added; empty if none. */
    public List<Header> headers() {
        return headers == null ? List.of() : Collections.unmodifiableList(headers);
    }

    /**
     * The last value of the header {@code key}.
     *
     * @param key the key
     * @return its value, or null if absent (or set to null)
     */
    public byte[] lastHeader(String key) {
        if (headers != null) {
            for (int i = headers.size() - 1; i >= 0; i--) {
                Header h = headers.get(i);
                if (h.key().equals(key)) {
                    return h.value();
                }
            }
        }
        return null;
    }

    /** What {@link #attach(Object)} set, or null. */
    public Object attachment() {
        return attachment;
    }

    /** Whether the message has no payload of its own ({@link #detached}). */
    public boolean isDetached() {
        return lease == null;
    }

    /** The payload's size in bytes (for a detached message, the size it stands for). */
    public int length() {
        return length;
    }

    /**
     * A read-only view of the payload, position 0, limit {@link #length()}. Each call returns a new view,
     * so subscribers on different threads never share a position.
     *
     * @return the payload
     * @throws IllegalStateException if every reference was released, or the message is detached
     */
    public ByteBuffer payload() {
        checkLive();
        return lease.buffer().asReadOnlyBuffer().limit(length);
    }

    /**
     * One payload byte, read without allocating.
     *
     * @param index 0 to {@link #length()} - 1
     * @return the byte
     */
    public byte get(int index) {
        Objects.checkIndex(index, length);
        checkLive();
        return lease.buffer().get(index);
    }

    /**
     * Eight payload bytes as a big-endian long, read without allocating.
     *
     * @param index 0 to {@link #length()} - 8
     * @return the value
     */
    public long getLong(int index) {
        Objects.checkFromIndexSize(index, Long.BYTES, length);
        checkLive();
        return lease.buffer().getLong(index);
    }

    /**
     * Copies payload bytes into {@code dst} without allocating.
     *
     * @param index  the first payload byte
     * @param dst    the destination
     * @param offset where in {@code dst}
     * @param count  how many bytes
     */
    public void copyTo(int index, byte[] dst, int offset, int count) {
        Objects.checkFromIndexSize(index, count, length);
        checkLive();
        lease.buffer().get(index, dst, offset, count);
    }

    /**
     * Copies the payload into a new array.
     *
     * @return the payload's bytes
     */
    public byte[] payloadBytes() {
        checkLive();
        byte[] copy = new byte[length];
        lease.buffer().get(0, copy, 0, length);
        return copy;
    }

    /**
     * Takes one more reference, so the message outlives a subscriber callback; give it up with
     * {@link #release()}.
     *
     * @return this message
     * @throws IllegalStateException if every reference was already released
     */
    public StreamMessage retain() {
        int r;
        do {
            r = refs;
            if (r <= 0) {
                throw new IllegalStateException("StreamMessage " + id + " was already released; it cannot be retained");
            }
        } while (!REFS.compareAndSet(this, r, r + 1));
        return this;
    }

    /**
     * Gives up one reference taken with {@link #retain()}; the buffer goes back to the pool with the
     * last one.
     *
     * @throws IllegalStateException if there is no reference left to give up
     */
    public void release() {
        int r = (int) REFS.getAndAdd(this, -1);
        if (r == 1) {
            if (lease != null) {
                lease.release();
            }
        } else if (r <= 0) {
            REFS.getAndAdd(this, 1);
            throw new IllegalStateException("StreamMessage " + id + " was released more often than retained");
        }
    }

    /** The current number of references; 0 once the buffer is back in the pool. */
    public int refCount() {
        return refs;
    }

    /** Gives up the creator's reference. Closing twice is harmless. */
    @Override
    public void close() {
        if (CREATOR_CLOSED.compareAndSet(this, false, true)) {
            release();
        }
    }

    /** Whether the message was sent to a stream. */
    public boolean isSent() {
        return sent;
    }

    void retainForStream(int count) {
        int r;
        do {
            r = refs;
            if (r <= 0) {
                throw new IllegalStateException("StreamMessage " + id + " was closed before it was sent");
            }
        } while (!REFS.compareAndSet(this, r, r + count));
    }

    void placements(int count) {
        PLACEMENTS.setRelease(this, count);
    }

    void addPlacement() {
        PLACEMENTS.getAndAdd(this, 1);
    }

    /** @return true when this was the last placement */
    boolean releasePlacement() {
        return (int) PLACEMENTS.getAndAdd(this, -1) == 1;
    }

    private void checkNotSent() {
        if (sent) {
            throw new IllegalStateException("StreamMessage " + id + " was already sent; it can no longer change");
        }
    }

    private void checkLive() {
        if (lease == null) {
            throw new IllegalStateException("StreamMessage " + id + " is detached: it has no payload of its own");
        }
        if (refs <= 0) {
            throw new IllegalStateException("StreamMessage " + id + " was released; its payload is back in the pool");
        }
    }

    @Override
    public String toString() {
        return "StreamMessage[id=" + id + ", priority=" + priority
                + (hasDeadline() ? ", deadline=" + deadline : "") + ", length=" + length + ", refs=" + refs + "]";
    }

    /**
     * A header: a key and a value, as in a Kafka record.
     *
     * @param key   the key
     * @param value the value, possibly null
     */
    public record Header(String key, byte[] value) {
    }
}

package io.zsync.zerocopy;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/*
 * Field layout for the single-producer single-consumer rings. HotSpot lays out superclass fields
 * before subclass fields, so padding classes in the hierarchy keep the producer's fields, the
 * consumer's fields and the read-mostly fields on separate cache lines (128 bytes apart, covering
 * adjacent-line prefetch), the way JCTools pads its queues.
 */

@SuppressWarnings("unused")
abstract class RingPadHead {
    long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
}

/** Written by the producer only. */
abstract class RingProducerFields extends RingPadHead {
    /** Bytes ever published; read by the consumer with acquire, written here with release. */
    long tail;
    /** The producer's last view of {@code head}: it re-reads the real one only when this says full. */
    long headCache;
    /** Bytes handed out by the last writable slice and not yet committed. */
    int writeGrant;
}

@SuppressWarnings("unused")
abstract class RingPadMiddle extends RingProducerFields {
    long p20, p21, p22, p23, p24, p25, p26, p27, p28, p29, p30, p31, p32, p33, p34, p35;
}

/** Written by the consumer only. */
abstract class RingConsumerFields extends RingPadMiddle {
    /** Bytes ever consumed; read by the producer with acquire, written here with release. */
    long head;
    /** The consumer's last view of {@code tail}: it re-reads the real one only when this says empty. */
    long tailCache;
    /** Bytes handed out by the last readable slice and not yet committed. */
    int readGrant;
}

@SuppressWarnings("unused")
abstract class RingPadTail extends RingConsumerFields {
    long p40, p41, p42, p43, p44, p45, p46, p47, p48, p49, p50, p51, p52, p53, p54, p55;
}

/**
 * The indices of an SPSC ring and the accessors both sides use.
 *
 * <p>Memory ordering: the producer writes bytes with plain stores and then publishes {@code tail} with
 * a release store; the consumer reads {@code tail} with an acquire load before reading those bytes, so
 * it sees them whole. Symmetrically the consumer releases {@code head} after its last read of a region
 * and the producer acquires {@code head} before overwriting it, so no byte is overwritten while still
 * being read. The producer reads {@code head} only when its cached copy says there is no room; the
 * consumer reads {@code tail} at most once per batch, so cross-core traffic on the indices is one
 * cache-line transfer per batch, not per byte or record.
 */
abstract class SpscRingIndices extends RingPadTail implements AutoCloseable {
    static final VarHandle TAIL;
    static final VarHandle HEAD;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            TAIL = lookup.findVarHandle(RingProducerFields.class, "tail", long.class);
            HEAD = lookup.findVarHandle(RingConsumerFields.class, "head", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final int capacity;
    final int mask;
    /** The ring's memory: {@code capacity} bytes, cache-line aligned. */
    final NativeMemory.Allocation allocation;

    SpscRingIndices(int capacity, int minCapacity) {
        if (capacity < minCapacity || capacity > (1 << 30) || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("Ring capacity must be a power of two between " + minCapacity
                    + " and " + (1 << 30) + " bytes, was " + capacity);
        }
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.allocation = NativeMemory.get().allocate(capacity);
    }

    /**
     * Frees the ring's memory where later access is checked (Java 22+); otherwise the garbage
     * collector frees it once the ring is unreachable. Call only after both sides have stopped.
     */
    @Override
    public void close() {
        if (allocation.accessChecked()) {
            allocation.free();
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[capacity=" + capacity + ", size=" + size() + "]";
    }

    final long acquireHead() {
        return (long) HEAD.getAcquire(this);
    }

    final long acquireTail() {
        return (long) TAIL.getAcquire(this);
    }

    final void releaseHead(long value) {
        HEAD.setRelease(this, value);
    }

    final void releaseTail(long value) {
        TAIL.setRelease(this, value);
    }

    /** Bytes published and not yet consumed; exact only when neither side is moving. */
    public int size() {
        long h = acquireHead();
        long t = acquireTail();
        return (int) Math.max(0, Math.min(capacity, t - h));
    }

    /** Whether nothing is waiting to be read; exact only when neither side is moving. */
    public boolean isEmpty() {
        return size() == 0;
    }

    /** The ring's capacity in bytes. */
    public int capacity() {
        return capacity;
    }
}

package io.zsync.zerocopy;

/**
 * Layout of a {@link FramedRingBuffer} record: a 4-byte header holding the payload length, then the
 * payload, padded so the next header starts on an 8-byte boundary. A header of {@link #PADDING}
 * means "the rest of the ring up to the wrap point is unused": written when a record would otherwise
 * straddle the wrap point, so every record is contiguous in memory.
 */
final class FramedRingDescriptor {
    static final int HEADER_LENGTH = 4;
    static final int RECORD_ALIGNMENT = 8;
    static final int PADDING = -1;

    private FramedRingDescriptor() {
    }

    /** Bytes a record of {@code length} payload bytes occupies in the ring. */
    static int recordSize(int length) {
        return (HEADER_LENGTH + length + RECORD_ALIGNMENT - 1) & -RECORD_ALIGNMENT;
    }

    /** The largest payload a ring of {@code capacity} takes: its record fills half the ring. */
    static int maxPayload(int capacity) {
        return capacity / 2 - HEADER_LENGTH;
    }
}

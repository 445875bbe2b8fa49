package io.zsync.zerocopy;

import java.nio.ByteBuffer;

/**
 * Receives records read from a {@link FramedRingBuffer}, in place.
 */
@FunctionalInterface
public interface RecordHandler {
    /**
     * Called once per record. The bytes are valid only during the call: copy what must outlive it.
     *
     * @param buffer the ring's memory, read-only, native byte order; use absolute gets
     * @param offset where the record's bytes start in {@code buffer}
     * @param length the record's length in bytes
     */
    void onRecord(ByteBuffer buffer, int offset, int length);
}

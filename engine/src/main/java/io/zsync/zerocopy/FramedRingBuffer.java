package io.zsync.zerocopy;

import static io.zsync.zerocopy.FramedRingDescriptor.HEADER_LENGTH;
import static io.zsync.zerocopy.FramedRingDescriptor.PADDING;
import static io.zsync.zerocopy.FramedRingDescriptor.recordSize;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * A lock-free single-producer single-consumer ring of length-prefixed records in off-heap memory:
 * the framed variant of {@link ZeroCopyRingBuffer}. The producer {@link #write writes} whole records;
 * the consumer {@link #read reads} them in batches through a {@link RecordHandler} that sees each
 * record in place, contiguous (records never straddle the wrap point; see
 * {@link FramedRingDescriptor}).
 *
 * <p>Compared with a ring that publishes every record header with an ordered store and zeroes what it
 * consumed, this one publishes only the tail (one release store per write) and the head (one release
 * store per batch), and never zeroes memory: the consumer trusts exactly the bytes between head and
 * the tail it acquired. Exactly one producer thread and one consumer thread.
 */
public final class FramedRingBuffer extends SpscRingIndices {
    private final ByteBuffer memory;
    private final ByteBuffer readView;
    private final int maxPayload;

    /**
     * @param capacity bytes, a power of two from 16 to 2^30; a record's payload may be up to half of it
     *                 less its 4-byte header
     * @throws IllegalArgumentException if {@code capacity} is not such a power of two
     */
    public FramedRingBuffer(int capacity) {
        super(capacity, 16);
        this.memory = allocation.buffer().duplicate().order(ByteOrder.nativeOrder());
        this.readView = allocation.buffer().asReadOnlyBuffer().order(ByteOrder.nativeOrder());
        this.maxPayload = FramedRingDescriptor.maxPayload(capacity);
    }

    /** The largest record payload this ring takes. */
    public int maxRecordLength() {
        return maxPayload;
    }

    /**
     * Producer: appends one record.
     *
     * @param src    the record's bytes
     * @param offset where they start in {@code src}
     * @param length how many, 0 to {@link #maxRecordLength()}
     * @return false if the ring has no room for it now (nothing is written)
     * @throws IndexOutOfBoundsException if offset and length do not fit {@code src}
     * @throws IllegalArgumentException  if {@code length} is above {@link #maxRecordLength()}
     */
    public boolean write(byte[] src, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, src.length);
        int index = claim(length);
        if (index < 0) {
            return false;
        }
        memory.put(index + HEADER_LENGTH, src, offset, length);
        publish(index, length);
        return true;
    }

    /**
     * Producer: appends one record holding all of {@code src}.
     *
     * @param src the record's bytes
     * @return false if the ring has no room for it now
     */
    public boolean write(byte[] src) {
        return write(src, 0, src.length);
    }

    /**
     * Producer: appends one record holding {@code src}'s remaining bytes. {@code src}'s position is not
     * changed, so one payload can be written to several rings.
     *
     * @param src the record's bytes, from position to limit
     * @return false if the ring has no room for it now
     * @throws IllegalArgumentException if the record is above {@link #maxRecordLength()}
     */
    public boolean write(ByteBuffer src) {
        int length = src.remaining();
        int index = claim(length);
        if (index < 0) {
            return false;
        }
        memory.put(index + HEADER_LENGTH, src, src.position(), length);
        publish(index, length);
        return true;
    }

    /**
     * Consumer: hands every readable record to {@code handler}, in order, up to {@code maxRecords}, then
     * frees their space with one release store. If the handler throws, the records handed out so far
     * (including the one that threw) count as consumed.
     *
     * @param handler    receives each record in place
     * @param maxRecords the most records to read in this batch, at least 1
     * @return the number of records read
     */
    public int read(RecordHandler handler, int maxRecords) {
        if (maxRecords < 1) {
            throw new IllegalArgumentException("maxRecords must be at least 1, was " + maxRecords);
        }
        long h = head;
        // One acquire per batch: it sees every record published before this call, and costs one
        // transfer of the producer's cache line, however many records follow.
        long available = acquireTail() - h;
        if (available == 0) {
            return 0;
        }
        int records = 0;
        long consumed = 0;
        try {
            while (consumed < available && records < maxRecords) {
                int index = (int) (h + consumed) & mask;
                int length = memory.getInt(index);
                if (length == PADDING) {
                    consumed += capacity - index;
                    continue;
                }
                consumed += recordSize(length);
                records++;
                handler.onRecord(readView, index + HEADER_LENGTH, length);
            }
        } finally {
            // Release: the handler's reads of these bytes happen before the producer may reuse them.
            releaseHead(h + consumed);
        }
        return records;
    }

    /**
     * Consumer: reads every record available now.
     *
     * @param handler receives each record in place
     * @return the number of records read
     */
    public int read(RecordHandler handler) {
        return read(handler, Integer.MAX_VALUE);
    }


    /** Finds room for a record, writing a padding header at the wrap point if needed; -1 when full. */
    private int claim(int length) {
        if (length < 0 || length > maxPayload) {
            throw new IllegalArgumentException("Record of " + length + " bytes does not fit: this ring of "
                    + capacity + " bytes takes records of 0 to " + maxPayload + " bytes");
        }
        int required = recordSize(length);
        long t = tail;
        int index = (int) t & mask;
        int toEnd = capacity - index;
        int padding = required > toEnd ? toEnd : 0;
        long needed = (long) padding + required;
        if (needed > capacity - (t - headCache)) {
            headCache = acquireHead();
            if (needed > capacity - (t - headCache)) {
                return -1;
            }
        }
        if (padding != 0) {
            // Published together with the record by publish()'s single tail release.
            memory.putInt(index, PADDING);
            return 0;
        }
        return index;
    }

    private void publish(int index, int length) {
        memory.putInt(index, length);
        long t = tail;
        int tailIndex = (int) t & mask;
        // A record placed at 0 while the tail is elsewhere sits behind a padding run to the wrap point.
        long padding = index != tailIndex ? capacity - tailIndex : 0;
        // Release: padding, header and payload stores above are visible before the consumer sees the tail.
        releaseTail(t + padding + recordSize(length));
    }
}

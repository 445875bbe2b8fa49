package io.zsync.zerocopy;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A lock-free single-producer single-consumer byte ring in off-heap memory, used without copies: the
 * producer asks for a {@link #writableSlice()}, fills it in place and {@link #commitWrite commits} what
 * it wrote; the consumer takes a {@link #readableSlice()}, reads it in place and
 * {@link #commitRead commits} what it consumed.
 *
 * <pre>{@code
 * ByteBuffer out = ring.writableSlice();      // producer thread
 * int n = channel.read(out);
 * ring.commitWrite(n);
 *
 * ByteBuffer in = ring.readableSlice();       // consumer thread
 * int m = socket.write(in);
 * ring.commitRead(m);
 * }</pre>
 *
 * <p>A slice never straddles the wrap point, so it may be shorter than the free (or readable) space:
 * ask again after committing. An empty slice ({@code remaining() == 0}) means full (or empty). Each
 * side's slice is one reused view object, so the calls allocate nothing; a view is valid until that
 * side's next slice call. Committing more than the current slice handed out throws.
 *
 * <p>Exactly one producer thread and one consumer thread; see {@link SpscRingIndices} for the memory
 * ordering argument. For length-prefixed records use {@link FramedRingBuffer}.
 */
public final class ZeroCopyRingBuffer extends SpscRingIndices {
    private final ByteBuffer producerView;
    private final ByteBuffer consumerView;

    /**
     * @param capacity bytes, a power of two from 8 to 2^30
     * @throws IllegalArgumentException if {@code capacity} is not such a power of two
     */
    public ZeroCopyRingBuffer(int capacity) {
        super(capacity, 8);
        this.producerView = allocation.buffer().duplicate();
        this.consumerView = allocation.buffer().asReadOnlyBuffer();
    }

    /**
     * Producer: the free space after the last committed byte, up to the wrap point.
     *
     * @return a view positioned at the free space; empty when the ring is full
     */
    public ByteBuffer writableSlice() {
        return writableSlice(1);
    }

    /**
     * Producer: like {@link #writableSlice()}, but re-reads the consumer's position when fewer than
     * {@code minBytes} are known to be free. The slice can still be shorter than {@code minBytes} when
     * the ring is that full or the wrap point is nearer.
     *
     * @param minBytes the bytes the caller would like, at least 1
     * @return a view positioned at the free space
     */
    public ByteBuffer writableSlice(int minBytes) {
        if (minBytes < 1) {
            throw new IllegalArgumentException("minBytes must be at least 1, was " + minBytes);
        }
        long t = tail;
        int index = (int) t & mask;
        int toEnd = capacity - index;
        long free = capacity - (t - headCache);
        if (free < Math.min(minBytes, toEnd)) {
            headCache = acquireHead();
            free = capacity - (t - headCache);
        }
        int length = (int) Math.min(free, toEnd);
        writeGrant = length;
        ByteBuffer view = producerView;
        view.limit(index + length);
        view.position(index);
        return view;
    }

    /**
     * Producer: publishes {@code bytes} written at the start of the current writable slice. The rest of
     * the slice stays handed out, so it can be filled and committed next.
     *
     * @param bytes 0 to what the slice handed out and is not yet committed
     * @throws IllegalArgumentException if {@code bytes} is negative or more than was handed out
     */
    public void commitWrite(int bytes) {
        if (bytes < 0 || bytes > writeGrant) {
            throw new IllegalArgumentException("commitWrite(" + bytes + ") exceeds the " + writeGrant
                    + " bytes handed out by writableSlice() and not yet committed");
        }
        writeGrant -= bytes;
        releaseTail(tail + bytes);
    }

    /**
     * Consumer: the published bytes after the last consumed one, up to the wrap point. Read-only.
     *
     * @return a view positioned at the readable bytes; empty when the ring is empty
     */
    public ByteBuffer readableSlice() {
        long h = head;
        long available = tailCache - h;
        if (available == 0) {
            tailCache = acquireTail();
            available = tailCache - h;
        }
        int index = (int) h & mask;
        int length = (int) Math.min(available, capacity - index);
        readGrant = length;
        ByteBuffer view = consumerView;
        view.limit(index + length);
        view.position(index);
        return view;
    }

    /**
     * Consumer: frees {@code bytes} at the start of the current readable slice for the producer.
     *
     * @param bytes 0 to what the slice handed out and is not yet committed
     * @throws IllegalArgumentException if {@code bytes} is negative or more than was handed out
     */
    public void commitRead(int bytes) {
        if (bytes < 0 || bytes > readGrant) {
            throw new IllegalArgumentException("commitRead(" + bytes + ") exceeds the " + readGrant
                    + " bytes handed out by readableSlice() and not yet committed");
        }
        readGrant -= bytes;
        releaseHead(head + bytes);
    }

    /**
     * Producer convenience: copies as much of {@code src} as fits (one or two slices, across the wrap
     * point) and commits it.
     *
     * @param src bytes to copy; its position advances by the bytes taken
     * @return bytes copied, 0 when full
     */
    public int write(ByteBuffer src) {
        Objects.requireNonNull(src, "src");
        int total = 0;
        for (int pass = 0; pass < 2 && src.hasRemaining(); pass++) {
            ByteBuffer slice = writableSlice(src.remaining());
            int n = Math.min(slice.remaining(), src.remaining());
            if (n == 0) {
                break;
            }
            slice.put(slice.position(), src, src.position(), n);
            src.position(src.position() + n);
            commitWrite(n);
            total += n;
        }
        return total;
    }

    /**
     * Consumer convenience: copies as many readable bytes as fit into {@code dst} and commits them.
     *
     * @param dst destination; its position advances by the bytes copied
     * @return bytes copied, 0 when empty
     */
    public int read(ByteBuffer dst) {
        Objects.requireNonNull(dst, "dst");
        int total = 0;
        for (int pass = 0; pass < 2 && dst.hasRemaining(); pass++) {
            ByteBuffer slice = readableSlice();
            int n = Math.min(slice.remaining(), dst.remaining());
            if (n == 0) {
                break;
            }
            dst.put(dst.position(), slice, slice.position(), n);
            dst.position(dst.position() + n);
            commitRead(n);
            total += n;
        }
        return total;
    }

}

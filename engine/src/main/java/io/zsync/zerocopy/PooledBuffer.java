package io.zsync.zerocopy;

import java.nio.ByteBuffer;

/**
 * A buffer on loan from a {@link BufferPool}: off-heap, 64-byte aligned, at least as large as asked.
 * Give it back with {@link #release()} or by closing it, typically in try-with-resources:
 *
 * <pre>{@code
 * try (PooledBuffer lease = pool.acquire(64 * 1024)) {
 *     ByteBuffer buffer = lease.buffer();
 *     ...
 * }
 * }</pre>
 *
 * <p>Each {@code acquire} returns a new lease, so releasing one twice, or releasing a stale lease whose
 * memory has since gone to someone else, throws {@link IllegalStateException} instead of freeing another
 * holder's buffer. The {@link ByteBuffer} itself must not be used after release.
 */
public final class PooledBuffer implements AutoCloseable {
    final BufferPool pool;
    Block block;

    PooledBuffer(BufferPool pool) {
        this.pool = pool;
    }

    /**
     * The leased memory. Position 0, limit the size asked for, capacity the size class, big-endian.
     *
     * @return the buffer
     * @throws IllegalStateException if this lease was already released
     */
    public ByteBuffer buffer() {
        Block b = block;
        if (b == null) {
            throw new IllegalStateException("This PooledBuffer was already released; acquire a new one");
        }
        return b.buffer;
    }

    /**
     * The size class this buffer belongs to: its capacity, a power of two.
     *
     * @return the capacity in bytes
     */
    public int capacity() {
        return buffer().capacity();
    }

    /** Whether {@link #release()} has been called on this lease. */
    public boolean isReleased() {
        return block == null;
    }

    /**
     * Gives the buffer back to its pool.
     *
     * @throws IllegalStateException if this lease was already released
     */
    public void release() {
        pool.release(this);
    }

    /** Same as {@link #release()}: releasing twice, by any path, throws. */
    @Override
    public void close() {
        pool.release(this);
    }

    @Override
    public String toString() {
        Block b = block;
        return b == null ? "PooledBuffer[released]" : "PooledBuffer[capacity=" + b.buffer.capacity() + "]";
    }
}

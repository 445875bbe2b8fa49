package io.zsync.zerocopy;

import io.zsync.io.Io;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * Channel I/O that avoids copies: reads land in pooled off-heap buffers, file-to-socket and
 * file-to-file moves go through {@link FileChannel#transferTo}/{@link FileChannel#transferFrom} (the
 * kernel's sendfile/copy_file_range path, where the OS has one), and files can be read through a
 * memory mapping.
 *
 * <p>Every operation loops over partial reads, writes and transfers until the whole count is done.
 * End of stream before that is an {@link EOFException} saying how many bytes arrived; a closed channel
 * is an {@link IOException} naming the operation. Channels must be in blocking mode. Each call runs
 * under the given {@link Io} execution model.
 */
public final class ZeroCopyIo {
    private final BufferPool pool;

    /**
     * @param pool where {@link #readZeroCopy} takes its buffers
     */
    public ZeroCopyIo(BufferPool pool) {
        this.pool = Objects.requireNonNull(pool, "pool");
    }

    /** The pool read buffers come from. */
    public BufferPool pool() {
        return pool;
    }

    /**
     * Reads exactly {@code size} bytes into a pooled buffer.
     *
     * @param io      the execution model
     * @param channel a blocking channel
     * @param size    bytes to read, 0 to the pool's largest buffer
     * @return a lease on a buffer holding the bytes from position 0 to {@code size}; release it
     * @throws EOFException if the channel ends first (the buffer is released)
     * @throws IOException  if the channel fails or is closed
     */
    public PooledBuffer readZeroCopy(Io io, ReadableByteChannel channel, int size) throws IOException {
        Objects.requireNonNull(io, "io");
        requireBlocking(channel, "readZeroCopy");
        return io.call(() -> {
            PooledBuffer lease = pool.acquire(size);
            try {
                ByteBuffer buffer = lease.buffer();
                readFully(channel, buffer, "readZeroCopy");
                buffer.flip();
                return lease;
            } catch (IOException | RuntimeException e) {
                lease.release();
                throw e;
            }
        });
    }

    /**
     * Writes all of {@code buffer}'s remaining bytes; its position advances to its limit.
     *
     * @param io      the execution model
     * @param channel a blocking channel
     * @param buffer  the bytes, from position to limit
     * @return the number of bytes written
     * @throws IOException if the channel fails or is closed
     */
    public int writeZeroCopy(Io io, WritableByteChannel channel, ByteBuffer buffer) throws IOException {
        Objects.requireNonNull(io, "io");
        Objects.requireNonNull(buffer, "buffer");
        requireBlocking(channel, "writeZeroCopy");
        return io.call(() -> {
            int total = 0;
            try {
                while (buffer.hasRemaining()) {
                    total += channel.write(buffer);
                }
            } catch (ClosedChannelException e) {
                throw closed("writeZeroCopy", channel, total, total + buffer.remaining(), e);
            }
            return total;
        });
    }

    /**
     * Writes the remaining bytes of a leased buffer; see {@link #writeZeroCopy(Io, WritableByteChannel,
     * ByteBuffer)}. The lease stays yours to release.
     */
    public int writeZeroCopy(Io io, WritableByteChannel channel, PooledBuffer buffer) throws IOException {
        return writeZeroCopy(io, channel, buffer.buffer());
    }

    /**
     * Sends {@code count} bytes of a file, from {@code position}, to a channel (a socket or another
     * file) through {@link FileChannel#transferTo}.
     *
     * @return {@code count}
     * @throws EOFException if the file holds fewer than {@code position + count} bytes
     * @throws IOException  if a channel fails or is closed
     */
    public long transferTo(Io io, FileChannel source, long position, long count, WritableByteChannel target)
            throws IOException {
        Objects.requireNonNull(io, "io");
        Objects.requireNonNull(source, "source");
        requireRange(position, count);
        requireBlocking(target, "transferTo");
        return io.call(() -> {
            long done = 0;
            try {
                while (done < count) {
                    long n = source.transferTo(position + done, count - done, target);
                    if (n <= 0) {
                        if (position + done >= source.size()) {
                            throw new EOFException("transferTo: the source file ended after " + done + " of "
                                    + count + " bytes (file size " + source.size() + ", from position "
                                    + position + ")");
                        }
                        // The kernel moved nothing this time (a full socket buffer); copy one chunk by hand.
                        done += copyChunk(source, position + done, count - done, target);
                    } else {
                        done += n;
                    }
                }
            } catch (ClosedChannelException e) {
                throw closed("transferTo", source.isOpen() ? target : source, done, count, e);
            }
            return count;
        });
    }

    /**
     * Receives {@code count} bytes from a channel (a socket or another file) into a file at
     * {@code position} through {@link FileChannel#transferFrom}.
     *
     * @return {@code count}
     * @throws EOFException if the source ends first
     * @throws IOException  if a channel fails or is closed
     */
    public long transferFrom(Io io, ReadableByteChannel source, FileChannel target, long position, long count)
            throws IOException {
        Objects.requireNonNull(io, "io");
        Objects.requireNonNull(target, "target");
        requireRange(position, count);
        requireBlocking(source, "transferFrom");
        return io.call(() -> {
            long done = 0;
            try {
                while (done < count) {
                    long n = target.transferFrom(source, position + done, count - done);
                    if (n > 0) {
                        done += n;
                    } else {
                        // transferFrom says 0 both for "source ended" and "nothing now": a plain read tells.
                        done += readChunk(source, target, position + done, count - done, done, count);
                    }
                }
            } catch (ClosedChannelException e) {
                throw closed("transferFrom", target.isOpen() ? source : target, done, count, e);
            }
            return count;
        });
    }

    /**
     * Copies a whole file to a new or truncated file through the kernel's transfer path.
     *
     * @return the number of bytes copied
     * @throws IOException if either file cannot be opened, read or written
     */
    public long copyFile(Io io, Path source, Path target) throws IOException {
        try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     StandardOpenOption.TRUNCATE_EXISTING)) {
            return transferTo(io, in, 0, in.size(), out);
        }
    }

    /**
     * Maps {@code size} bytes of a file read-only, from {@code position}. The mapping stays valid after
     * the channel is closed and is unmapped by the garbage collector.
     *
     * @param size 0 to {@link Integer#MAX_VALUE}
     * @throws EOFException if the file is shorter than {@code position + size}
     * @throws IOException  if the file cannot be mapped
     */
    public MappedByteBuffer mapReadOnly(Io io, FileChannel file, long position, long size) throws IOException {
        Objects.requireNonNull(io, "io");
        Objects.requireNonNull(file, "file");
        requireRange(position, size);
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("A mapping holds at most " + Integer.MAX_VALUE + " bytes, asked for "
                    + size + "; map the file in pieces");
        }
        return io.call(() -> {
            try {
                long fileSize = file.size();
                if (position + size > fileSize) {
                    throw new EOFException("mapReadOnly: the file holds " + fileSize + " bytes, asked for "
                            + size + " from position " + position);
                }
                return file.map(FileChannel.MapMode.READ_ONLY, position, size);
            } catch (ClosedChannelException e) {
                throw closed("mapReadOnly", file, 0, size, e);
            }
        });
    }

    // ---------------------------------------------------------------------------------------------

    private static void readFully(ReadableByteChannel channel, ByteBuffer buffer, String op) throws IOException {
        int wanted = buffer.remaining();
        try {
            while (buffer.hasRemaining()) {
                if (channel.read(buffer) < 0) {
                    int got = wanted - buffer.remaining();
                    throw new EOFException(op + ": the channel ended after " + got + " of " + wanted + " bytes");
                }
            }
        } catch (ClosedChannelException e) {
            throw closed(op, channel, wanted - buffer.remaining(), wanted, e);
        }
    }

    private long copyChunk(FileChannel source, long position, long remaining, WritableByteChannel target)
            throws IOException {
        try (PooledBuffer lease = pool.acquire((int) Math.min(remaining, 64 << 10))) {
            ByteBuffer buffer = lease.buffer();
            int n = source.read(buffer, position);
            if (n <= 0) {
                return 0;
            }
            buffer.flip();
            while (buffer.hasRemaining()) {
                target.write(buffer);
            }
            return n;
        }
    }

    private long readChunk(ReadableByteChannel source, FileChannel target, long position, long remaining,
                           long done, long count) throws IOException {
        try (PooledBuffer lease = pool.acquire((int) Math.min(remaining, 64 << 10))) {
            ByteBuffer buffer = lease.buffer();
            int n = source.read(buffer);
            if (n < 0) {
                throw new EOFException("transferFrom: the source ended after " + done + " of " + count + " bytes");
            }
            buffer.flip();
            long at = position;
            while (buffer.hasRemaining()) {
                at += target.write(buffer, at);
            }
            return n;
        }
    }

    private static void requireBlocking(Object channel, String op) {
        Objects.requireNonNull(channel, "channel");
        if (channel instanceof SelectableChannel && !((SelectableChannel) channel).isBlocking()) {
            throw new IllegalArgumentException(op + " needs a channel in blocking mode; " + channel
                    + " is non-blocking (configureBlocking(true), or drive it with a selector)");
        }
    }

    private static void requireRange(long position, long count) {
        if (position < 0) {
            throw new IllegalArgumentException("position must be 0 or more, was " + position);
        }
        if (count < 0) {
            throw new IllegalArgumentException("count must be 0 or more, was " + count);
        }
    }

    private static IOException closed(String op, Object channel, long done, long wanted, ClosedChannelException e) {
        return new IOException(op + ": channel " + channel + " is closed (" + done + " of " + wanted
                + " bytes done)", e);
    }
}

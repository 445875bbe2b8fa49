package io.zsync.accel;

import io.zsync.io.Io;
import io.zsync.io.IoCallable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * Payload operations on the fastest path this JVM offers: copy, compare, XOR masking and CRC32C on
 * {@code byte[]}, heap and direct {@link ByteBuffer}s.
 *
 * <p>Copy, compare and CRC32C use the JDK's intrinsics ({@code System.arraycopy}, {@code Arrays.mismatch},
 * {@link CRC32C}), which HotSpot already compiles to vector instructions; the benchmarks in
 * {@code zsync-benchmarks} measure them. XOR runs on the Vector API when {@code jdk.incubator.vector}
 * is present and the vectors are at least 128 bits wide, otherwise eight bytes at a time; the choice
 * is logged once, and {@link #features()} says which path is active and why.
 *
 * <p>Every operation takes the {@link Io} it runs under. Under {@link Io#blocking()} it runs inline
 * and allocates nothing; under a pool or virtual threads the call is handed to the model and waited for.
 *
 * <p>Methods with offsets leave buffer positions alone. Methods without them work on the buffers'
 * remaining bytes and advance positions like {@link ByteBuffer#put(ByteBuffer)} (except the compare
 * and checksum, which only read). Bad arguments throw at once with the argument's name and value.
 * Instances are immutable and thread-safe.
 */
public final class HardwareAccel {
    private static final System.Logger LOG = System.getLogger(HardwareAccel.class.getName());

    private final PayloadOps ops;
    private final CpuFeatures features;

    private HardwareAccel(PayloadOps ops, CpuFeatures features) {
        this.ops = ops;
        this.features = features;
    }

    /** Detection runs once per JVM, on first use. */
    private static final class Default {
        static final HardwareAccel INSTANCE = detect();
    }

    /**
     * The shared instance for this JVM: CPU features detected and the implementation chosen on the first
     * call, with one log line saying which path XOR takes.
     *
     * @return the shared instance
     */
    public static HardwareAccel init() {
        return Default.INSTANCE;
    }

    private static HardwareAccel detect() {
        PayloadOpsProvider.Selection selection = PayloadOpsProvider.select();
        CpuFeatures features = detectFeatures(selection);
        if (selection.vectorActive) {
            LOG.log(Level.INFO, "zsync hardware acceleration: Vector API active ({0}); CPU {1}",
                    selection.status, features.all());
        } else {
            LOG.log(Level.INFO, "zsync hardware acceleration: Vector API not used ({0}); XOR runs 8 bytes at a "
                    + "time, copy/compare/CRC32C on the JDK intrinsics", selection.status);
        }
        return new HardwareAccel(selection.ops, features);
    }

    /** An instance on the given implementation, for tests and benchmarks that force one. */
    static HardwareAccel with(PayloadOps ops) {
        return new HardwareAccel(ops, init().features);
    }

    static CpuFeatures detectFeatures(PayloadOpsProvider.Selection selection) {
        String arch = System.getProperty("os.arch", "unknown");
        Set<CpuFeature> found = null;
        String source = "JVM flags";
        Path cpuInfo = Path.of("/proc/cpuinfo");
        if (Files.isReadable(cpuInfo)) {
            try {
                List<String> lines = Files.readAllLines(cpuInfo);
                found = CpuFeatures.parseCpuInfo(lines);
                source = "/proc/cpuinfo";
            } catch (IOException | RuntimeException e) {
                found = null;
            }
        }
        if (found == null) {
            found = CpuFeatures.fromJvmFlags(arch, JvmFlags::get);
        }
        int bits = selection.vectorBits;
        String bitsSource = "Vector API preferred species";
        if (bits <= 0) {
            bits = CpuFeatures.intFlag(JvmFlags::get, "MaxVectorSize", 0) * 8;
            bitsSource = bits > 0 ? "HotSpot MaxVectorSize" : "unknown (the JVM does not say)";
        }
        return new CpuFeatures(arch, found, source, bits, bitsSource, selection.vectorActive, selection.status);
    }

    /**
     * What the CPU and JVM offer, and whether the Vector API path is active.
     *
     * @return the detected features
     */
    public CpuFeatures features() {
        return features;
    }

    /**
     * The XOR implementation in use: {@code scalar} or {@code vector(N-bit)}.
     *
     * @return its name
     */
    public String implementation() {
        return ops.name();
    }

    // ---------------------------------------------------------------- copy

    /**
     * Copies all of {@code src} to the start of {@code dst}.
     *
     * @param io  the execution model
     * @param dst the destination, at least as long as {@code src}
     * @param src the source
     * @throws IndexOutOfBoundsException if {@code dst} is shorter than {@code src}
     */
    public void optimizedCopy(Io io, byte[] dst, byte[] src) {
        Args.notNull(dst, "dst");
        optimizedCopy(io, dst, 0, Args.notNull(src, "src"), 0, src.length);
    }

    /**
     * Copies {@code length} bytes; overlapping regions of one array behave as if copied through a
     * temporary (memmove).
     *
     * @param io        the execution model
     * @param dst       the destination
     * @param dstOffset where to write in {@code dst}
     * @param src       the source
     * @param srcOffset where to read in {@code src}
     * @param length    how many bytes
     */
    public void optimizedCopy(Io io, byte[] dst, int dstOffset, byte[] src, int srcOffset, int length) {
        Args.notNull(io, "io");
        Args.range("dst", "dstOffset", dstOffset, length, Args.notNull(dst, "dst").length);
        Args.range("src", "srcOffset", srcOffset, length, Args.notNull(src, "src").length);
        if (io.runsInline()) {
            System.arraycopy(src, srcOffset, dst, dstOffset, length);
        } else {
            run(io, () -> {
                System.arraycopy(src, srcOffset, dst, dstOffset, length);
                return null;
            });
        }
    }

    /**
     * Copies {@code src}'s remaining bytes into {@code dst} at its position and advances both positions,
     * like {@link ByteBuffer#put(ByteBuffer)}.
     *
     * @param io  the execution model
     * @param dst the destination, writable, with room for all of {@code src}'s remaining bytes
     * @param src the source, a different buffer object (it may share memory with {@code dst})
     */
    public void optimizedCopy(Io io, ByteBuffer dst, ByteBuffer src) {
        Args.notNull(dst, "dst");
        Args.notNull(src, "src");
        if (dst == src) {
            throw new IllegalArgumentException("dst and src must be different buffer objects for a relative copy; "
                    + "use the form with indices to copy within one buffer");
        }
        int length = src.remaining();
        if (length > dst.remaining()) {
            throw new IndexOutOfBoundsException("src has " + length + " bytes remaining but dst only "
                    + dst.remaining() + ": " + dst);
        }
        int dstIndex = dst.position();
        optimizedCopy(io, dst, dstIndex, src, src.position(), length);
        src.position(src.position() + length);
        dst.position(dstIndex + length);
    }

    /**
     * Copies {@code length} bytes between absolute indices (below each limit); positions do not move.
     * Overlapping memory behaves as if copied through a temporary (memmove).
     *
     * @param io       the execution model
     * @param dst      the destination, writable
     * @param dstIndex where to write in {@code dst}
     * @param src      the source
     * @param srcIndex where to read in {@code src}
     * @param length   how many bytes
     */
    public void optimizedCopy(Io io, ByteBuffer dst, int dstIndex, ByteBuffer src, int srcIndex, int length) {
        Args.notNull(io, "io");
        Args.notNull(dst, "dst");
        Args.notNull(src, "src");
        if (io.runsInline()) {
            copyBuffers(dst, dstIndex, src, srcIndex, length);
        } else {
            run(io, () -> copyBuffers(dst, dstIndex, src, srcIndex, length));
        }
    }

    /**
     * The bulk put checks the same bounds and writability itself, before it moves a byte; checking them
     * here first cost a tenth of a 1 KiB direct copy. So the checks that name the argument run only
     * when the put refuses.
     */
    private static ByteBuffer copyBuffers(ByteBuffer dst, int dstIndex, ByteBuffer src, int srcIndex, int length) {
        try {
            return dst.put(dstIndex, src, srcIndex, length);
        } catch (IndexOutOfBoundsException | ReadOnlyBufferException e) {
            Args.range("dst", "dstIndex", dstIndex, length, dst.limit());
            Args.range("src", "srcIndex", srcIndex, length, src.limit());
            Args.writable(dst, "dst");
            throw e;
        }
    }

    // ---------------------------------------------------------------- compare

    /**
     * Compares two arrays whole, as {@link Arrays#mismatch(byte[], byte[])} does.
     *
     * @param io the execution model
     * @param a  one array
     * @param b  the other
     * @return -1 if equal in length and content, else the first index where they differ (the shorter
     *         length if one is a prefix of the other)
     */
    public int optimizedCompare(Io io, byte[] a, byte[] b) {
        Args.notNull(a, "a");
        Args.notNull(b, "b");
        Args.notNull(io, "io");
        if (io.runsInline()) {
            return Arrays.mismatch(a, b);
        }
        return run(io, () -> Arrays.mismatch(a, b));
    }

    /**
     * Compares {@code length} bytes of two arrays.
     *
     * @param io      the execution model
     * @param a       one array
     * @param aOffset where to start in {@code a}
     * @param b       the other
     * @param bOffset where to start in {@code b}
     * @param length  how many bytes
     * @return -1 if equal, else the first differing index relative to the offsets
     */
    public int optimizedCompare(Io io, byte[] a, int aOffset, byte[] b, int bOffset, int length) {
        Args.notNull(io, "io");
        Args.range("a", "aOffset", aOffset, length, Args.notNull(a, "a").length);
        Args.range("b", "bOffset", bOffset, length, Args.notNull(b, "b").length);
        if (io.runsInline()) {
            return Arrays.mismatch(a, aOffset, aOffset + length, b, bOffset, bOffset + length);
        }
        return run(io, () -> Arrays.mismatch(a, aOffset, aOffset + length, b, bOffset, bOffset + length));
    }

    /**
     * Compares the remaining bytes of two buffers, as {@link ByteBuffer#mismatch(ByteBuffer)} does;
     * positions do not move.
     *
     * @param io the execution model
     * @param a  one buffer
     * @param b  the other
     * @return -1 if equal in length and content, else the first differing index relative to the positions
     */
    public int optimizedCompare(Io io, ByteBuffer a, ByteBuffer b) {
        Args.notNull(a, "a");
        Args.notNull(b, "b");
        Args.notNull(io, "io");
        if (io.runsInline()) {
            return a.mismatch(b);
        }
        return run(io, () -> a.mismatch(b));
    }

    /**
     * Compares {@code length} bytes at absolute indices; positions do not move.
     *
     * @param io     the execution model
     * @param a      one buffer
     * @param aIndex where to start in {@code a}
     * @param b      the other
     * @param bIndex where to start in {@code b}
     * @param length how many bytes
     * @return -1 if equal, else the first differing index relative to the indices
     */
    public int optimizedCompare(Io io, ByteBuffer a, int aIndex, ByteBuffer b, int bIndex, int length) {
        Args.notNull(io, "io");
        Args.range("a", "aIndex", aIndex, length, Args.notNull(a, "a").limit());
        Args.range("b", "bIndex", bIndex, length, Args.notNull(b, "b").limit());
        if (io.runsInline()) {
            return mismatch(a, aIndex, b, bIndex, length);
        }
        return run(io, () -> mismatch(a, aIndex, b, bIndex, length));
    }

    private static int mismatch(ByteBuffer a, int aIndex, ByteBuffer b, int bIndex, int length) {
        if (a.hasArray() && b.hasArray()) {
            int aFrom = a.arrayOffset() + aIndex;
            int bFrom = b.arrayOffset() + bIndex;
            return Arrays.mismatch(a.array(), aFrom, aFrom + length, b.array(), bFrom, bFrom + length);
        }
        return a.slice(aIndex, length).mismatch(b.slice(bIndex, length));
    }

    // ---------------------------------------------------------------- xor

    /**
     * XORs all of {@code src} with the repeating key, starting at key byte 0, into the start of {@code dst}.
     *
     * @param io  the execution model
     * @param dst the destination, at least as long as {@code src}; may be {@code src} itself
     * @param src the source
     * @param key the key
     * @return the key phase after the last byte, to continue the stream with
     */
    public int optimizedXor(Io io, byte[] dst, byte[] src, XorKey key) {
        Args.notNull(dst, "dst");
        return optimizedXor(io, dst, 0, Args.notNull(src, "src"), 0, src.length, key, 0);
    }

    /**
     * XORs {@code length} bytes: {@code dst[dstOffset + i] = src[srcOffset + i] ^ key[(keyPhase + i) % key.length()]}.
     * The regions may be the same (masking in place) or overlap in either direction.
     *
     * @param io        the execution model
     * @param dst       the destination
     * @param dstOffset where to write in {@code dst}
     * @param src       the source
     * @param srcOffset where to read in {@code src}
     * @param length    how many bytes
     * @param key       the key
     * @param keyPhase  the key byte that pairs with {@code src[srcOffset]}, taken modulo the key length
     * @return {@code (keyPhase + length) % key.length()}: the phase to continue the stream with
     */
    public int optimizedXor(Io io, byte[] dst, int dstOffset, byte[] src, int srcOffset, int length,
                            XorKey key, int keyPhase) {
        Args.notNull(io, "io");
        Args.range("dst", "dstOffset", dstOffset, length, Args.notNull(dst, "dst").length);
        Args.range("src", "srcOffset", srcOffset, length, Args.notNull(src, "src").length);
        int phase = Args.phase(keyPhase, Args.notNull(key, "key"));
        if (io.runsInline()) {
            xorArrays(dst, dstOffset, src, srcOffset, length, key, phase);
        } else {
            run(io, () -> {
                xorArrays(dst, dstOffset, src, srcOffset, length, key, phase);
                return null;
            });
        }
        return nextPhase(phase, length, key);
    }

    /**
     * XORs {@code src}'s remaining bytes into {@code dst} at its position and advances both positions (once,
     * when {@code dst == src}, which masks in place).
     *
     * @param io       the execution model
     * @param dst      the destination, writable, with room for all of {@code src}'s remaining bytes
     * @param src      the source
     * @param key      the key
     * @param keyPhase the key byte that pairs with the first byte
     * @return the phase to continue the stream with
     */
    public int optimizedXor(Io io, ByteBuffer dst, ByteBuffer src, XorKey key, int keyPhase) {
        Args.notNull(dst, "dst");
        Args.notNull(src, "src");
        int length = src.remaining();
        if (length > dst.remaining()) {
            throw new IndexOutOfBoundsException("src has " + length + " bytes remaining but dst only "
                    + dst.remaining() + ": " + dst);
        }
        int dstIndex = dst.position();
        int next = optimizedXor(io, dst, dstIndex, src, src.position(), length, key, keyPhase);
        if (src != dst) {
            src.position(src.position() + length);
        }
        dst.position(dstIndex + length);
        return next;
    }

    /**
     * XORs {@code length} bytes between absolute indices; positions do not move. Regions may be the
     * same; for heap buffers sharing an array they may also overlap in either direction. Direct buffers
     * that view overlapping memory at different addresses are not supported.
     *
     * @param io       the execution model
     * @param dst      the destination, writable
     * @param dstIndex where to write in {@code dst}
     * @param src      the source
     * @param srcIndex where to read in {@code src}
     * @param length   how many bytes
     * @param key      the key
     * @param keyPhase the key byte that pairs with the first byte
     * @return the phase to continue the stream with
     */
    public int optimizedXor(Io io, ByteBuffer dst, int dstIndex, ByteBuffer src, int srcIndex, int length,
                            XorKey key, int keyPhase) {
        Args.notNull(io, "io");
        Args.range("dst", "dstIndex", dstIndex, length, Args.notNull(dst, "dst").limit());
        Args.range("src", "srcIndex", srcIndex, length, Args.notNull(src, "src").limit());
        Args.writable(dst, "dst");
        int phase = Args.phase(keyPhase, Args.notNull(key, "key"));
        if (io.runsInline()) {
            xorBuffers(dst, dstIndex, src, srcIndex, length, key, phase);
        } else {
            run(io, () -> {
                xorBuffers(dst, dstIndex, src, srcIndex, length, key, phase);
                return null;
            });
        }
        return nextPhase(phase, length, key);
    }

    private static int nextPhase(int phase, int length, XorKey key) {
        return (int) (((long) phase + length) % key.length());
    }

    private void xorBuffers(ByteBuffer dst, int dstIndex, ByteBuffer src, int srcIndex, int length, XorKey key,
                            int phase) {
        if (dst.hasArray() && src.hasArray()) {
            xorArrays(dst.array(), dst.arrayOffset() + dstIndex, src.array(), src.arrayOffset() + srcIndex, length,
                    key, phase);
        } else {
            ops.xor(dst, dstIndex, src, srcIndex, length, key, phase);
        }
    }

    /**
     * The kernels read ahead of where they write, which is safe unless the destination starts inside
     * the source. Then the work goes backwards in pieces no longer than the distance, so each piece's
     * source is read before anything writes over it.
     */
    private void xorArrays(byte[] dst, int dstOffset, byte[] src, int srcOffset, int length, XorKey key,
                           int phase) {
        int distance = dstOffset - srcOffset;
        if (dst != src || distance <= 0 || distance >= length) {
            ops.xor(dst, dstOffset, src, srcOffset, length, key, phase);
            return;
        }
        for (int end = length; end > 0; end -= distance) {
            int start = Math.max(0, end - distance);
            int piecePhase = (int) (((long) phase + start) % key.length());
            ops.xor(dst, dstOffset + start, src, srcOffset + start, end - start, key, piecePhase);
        }
    }

    // ---------------------------------------------------------------- crc32c

    /**
     * The CRC32C (Castagnoli) checksum of a whole array.
     *
     * @param io   the execution model
     * @param data the bytes
     * @return the checksum, an unsigned 32-bit value as {@link CRC32C#getValue()} returns it
     */
    public long crc32c(Io io, byte[] data) {
        return crc32c(io, Args.notNull(data, "data"), 0, data.length);
    }

    /**
     * The CRC32C checksum of {@code length} bytes of an array.
     *
     * @param io     the execution model
     * @param data   the bytes
     * @param offset where to start
     * @param length how many bytes
     * @return the checksum
     */
    public long crc32c(Io io, byte[] data, int offset, int length) {
        Args.notNull(io, "io");
        Args.range("data", "offset", offset, length, Args.notNull(data, "data").length);
        if (io.runsInline()) {
            return crc(data, offset, length);
        }
        return run(io, () -> crc(data, offset, length));
    }

    /**
     * The CRC32C checksum of a buffer's remaining bytes; the position does not move.
     *
     * @param io   the execution model
     * @param data the bytes
     * @return the checksum
     */
    public long crc32c(Io io, ByteBuffer data) {
        Args.notNull(data, "data");
        return crc32c(io, data, data.position(), data.remaining());
    }

    /**
     * The CRC32C checksum of {@code length} bytes at an absolute index; the position does not move.
     *
     * @param io     the execution model
     * @param data   the bytes
     * @param index  where to start
     * @param length how many bytes
     * @return the checksum
     */
    public long crc32c(Io io, ByteBuffer data, int index, int length) {
        Args.notNull(io, "io");
        Args.range("data", "index", index, length, Args.notNull(data, "data").limit());
        if (io.runsInline()) {
            return crc(data, index, length);
        }
        return run(io, () -> crc(data, index, length));
    }

    private static long crc(byte[] data, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(data, offset, length);
        return crc.getValue();
    }

    private static long crc(ByteBuffer data, int index, int length) {
        CRC32C crc = new CRC32C();
        if (data.hasArray()) {
            crc.update(data.array(), data.arrayOffset() + index, length);
        } else {
            // update(ByteBuffer) reads position..limit and moves the position, so give it a view.
            crc.update(data.slice(index, length));
        }
        return crc.getValue();
    }

    /** Hands an operation to a non-inline model and waits; these operations never throw IOException. */
    private static <T> T run(Io io, IoCallable<T> operation) {
        try {
            return io.call(operation);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return "HardwareAccel[" + ops.name() + ", " + features + "]";
    }
}

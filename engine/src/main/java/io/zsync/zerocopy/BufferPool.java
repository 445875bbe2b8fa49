package io.zsync.zerocopy;

import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A pool of off-heap buffers in power-of-two size classes, 64-byte aligned, from
 * {@value #MIN_BUFFER_SIZE} bytes up to a configurable maximum (16 MiB by default).
 *
 * <p>Buffers below {@value #SLAB_SIZE} bytes are carved from 64 KiB slabs; larger ones are allocated
 * one by one. Each thread keeps a small stash of free buffers per class (up to
 * {@link Builder#threadCacheMaxBufferSize}), so an uncontended acquire and release touch no lock and
 * no shared counter, only one CAS on the buffer's ownership word. Stashes refill from, and spill to,
 * per-class shared free lists; a dead thread's stash is reclaimed when memory runs short.
 *
 * <p>The pool never holds more than {@link Builder#maxReservedBytes} of native memory. When a request
 * would pass it, idle large buffers are freed to make room; if that is not enough, {@code acquire}
 * fails with {@link PoolExhaustedException} or, with {@link WhenExhausted#WAIT}, waits for a release up
 * to {@link Builder#maxWait}.
 *
 * <p>{@link #close()} frees every idle buffer at once. Buffers still on loan are freed when they are
 * released; until then their memory stays valid, so a late user never touches freed memory.
 */
public final class BufferPool implements AutoCloseable {
    /** The smallest size class, in bytes: one cache line. */
    public static final int MIN_BUFFER_SIZE = 64;
    /** The largest size class the pool can be configured with (1 GiB). */
    public static final int MAX_BUFFER_SIZE_LIMIT = 1 << 30;
    /** Default largest size class (16 MiB). */
    public static final int DEFAULT_MAX_BUFFER_SIZE = 16 << 20;
    /** Default ceiling on reserved native memory (256 MiB). */
    public static final long DEFAULT_MAX_RESERVED_BYTES = 256L << 20;
    /** Buffers smaller than this are carved from slabs of this size. */
    static final int SLAB_SIZE = 64 << 10;

    private static final int MIN_SHIFT = Integer.numberOfTrailingZeros(MIN_BUFFER_SIZE);
    private static final System.Logger LOG = System.getLogger(BufferPool.class.getName());

    /** What {@code acquire} does when the ceiling on reserved bytes is reached. */
    public enum WhenExhausted {
        /** Throw {@link PoolExhaustedException} at once. */
        FAIL,
        /** Wait up to {@code maxWait} for a release, then throw {@link PoolExhaustedException}. */
        WAIT
    }

    private final int maxBufferSize;
    private final long maxReservedBytes;
    private final WhenExhausted whenExhausted;
    private final long maxWaitNanos;
    private final int[] threadCacheCapacities;
    private final NativeMemory memory = NativeMemory.get();

    private final SharedFreeList[] freeLists;
    private final ThreadLocal<ThreadCache> threadCache = ThreadLocal.withInitial(this::registerThreadCache);

    /** Guards reservation, the slab set, the registry of thread caches and the wait condition. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition releasedToShared = lock.newCondition();
    private final Set<Block.Slab> slabs = new LinkedHashSet<>();
    private final List<ThreadCache> threadCaches = new ArrayList<>();
    private final long[] deadHits;
    private final long[] deadMisses;
    private final long[] deadAcquired;
    private final long[] deadReleased;
    private long reservedBytes;
    /** Read on every release: while someone waits, releases go to the shared lists so they can be seen. */
    private volatile int waiters;
    private volatile boolean closed;

    private BufferPool(Builder b) {
        this.maxBufferSize = b.maxBufferSize;
        this.maxReservedBytes = b.maxReservedBytes;
        this.whenExhausted = b.whenExhausted;
        this.maxWaitNanos = b.maxWait.toNanos();
        int classes = classOf(maxBufferSize) + 1;
        this.freeLists = new SharedFreeList[classes];
        this.threadCacheCapacities = new int[classes];
        for (int c = 0; c < classes; c++) {
            freeLists[c] = new SharedFreeList();
            int size = bufferSizeOfClass(c);
            threadCacheCapacities[c] = size <= b.threadCacheMaxBufferSize
                    ? (int) Math.max(2, Math.min(64, b.threadCacheBytesPerClass / size))
                    : 0;
        }
        deadHits = new long[classes];
        deadMisses = new long[classes];
        deadAcquired = new long[classes];
        deadReleased = new long[classes];
    }

    /** A pool with the default settings: 16 MiB largest class, 256 MiB ceiling, fail when exhausted. */
    public static BufferPool create() {
        return builder().build();
    }

    /** Settings for a new pool. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Lends a buffer of at least {@code size} bytes: position 0, limit {@code size}, capacity the
     * power-of-two size class, big-endian. Its contents are whatever the previous holder left.
     *
     * @param size the bytes needed, 0 to the pool's largest size class
     * @return a lease on the buffer; release it exactly once
     * @throws IllegalArgumentException if {@code size} is negative or above the largest class
     * @throws PoolExhaustedException   if the ceiling on reserved bytes is reached (after waiting,
     *                                  with {@link WhenExhausted#WAIT})
     * @throws IllegalStateException    if the pool is closed
     */
    public PooledBuffer acquire(int size) {
        int c = sizeClassFor(size);
        ThreadCache cache = threadCache.get();
        Block block = cache.pop(c);
        if (block != null) {
            ThreadCache.increment(cache.hits, c);
        } else {
            block = acquireShared(cache, c);
        }
        PooledBuffer lease = new PooledBuffer(this);
        if (!block.lease(lease)) {
            throw closedException();
        }
        ThreadCache.increment(cache.acquired, c);
        lease.block = block;
        ByteBuffer buffer = block.buffer;
        buffer.clear().limit(size);
        buffer.order(ByteOrder.BIG_ENDIAN);
        return lease;
    }

    /**
     * Takes a buffer back. Same as {@link PooledBuffer#release()}.
     *
     * @param lease a lease from this pool, not yet released
     * @throws IllegalArgumentException if the lease comes from another pool
     * @throws IllegalStateException    if the lease was already released
     */
    public void release(PooledBuffer lease) {
        if (lease.pool != this) {
            throw new IllegalArgumentException("Cannot release " + lease + " to " + this
                    + ": it was acquired from another pool (" + lease.pool + ")");
        }
        Block block = lease.block;
        // The CAS decides a race between two releases of the same lease: exactly one wins.
        if (block == null || !block.unlease(lease)) {
            throw new IllegalStateException("Buffer released twice: this PooledBuffer was already released");
        }
        lease.block = null;
        ThreadCache cache = threadCache.get();
        ThreadCache.increment(cache.released, block.sizeClass);
        // Dekker pairing with close(): our CAS above precedes this volatile read; close() writes
        // `closed` before retiring blocks. Either close() saw the block free and retired it, or we
        // see `closed` here and retire it ourselves.
        if (closed) {
            retireAfterClose(block);
            return;
        }
        if (waiters == 0 && cache.push(block)) {
            return;
        }
        releaseShared(cache, block);
    }

    /**
     * The buffer size {@code acquire(size)} hands out: {@code size} rounded up to a power of two, at
     * least {@value #MIN_BUFFER_SIZE}.
     *
     * @param size the bytes needed
     * @return the capacity of the buffer that would be lent
     * @throws IllegalArgumentException if {@code size} is negative or above the largest class
     */
    public int bufferSizeFor(int size) {
        return bufferSizeOfClass(sizeClassFor(size));
    }

    /** The largest buffer this pool lends. */
    public int maxBufferSize() {
        return maxBufferSize;
    }

    /** The ceiling on reserved native memory. */
    public long maxReservedBytes() {
        return maxReservedBytes;
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /** Counters and memory held, per size class. */
    public BufferPoolStats stats() {
        int classes = freeLists.length;
        long reserved;
        List<ThreadCache> caches;
        long[] hits = new long[classes];
        long[] misses = new long[classes];
        long[] inUse = new long[classes];
        lock.lock();
        try {
            reserved = reservedBytes;
            caches = new ArrayList<>(threadCaches);
            for (int c = 0; c < classes; c++) {
                hits[c] = deadHits[c];
                misses[c] = deadMisses[c];
                inUse[c] = deadAcquired[c] - deadReleased[c];
            }
        } finally {
            lock.unlock();
        }
        for (ThreadCache cache : caches) {
            for (int c = 0; c < classes; c++) {
                hits[c] += ThreadCache.read(cache.hits, c);
                misses[c] += ThreadCache.read(cache.misses, c);
                inUse[c] += ThreadCache.read(cache.acquired, c) - ThreadCache.read(cache.released, c);
            }
        }
        List<BufferPoolStats.SizeClass> perClass = new ArrayList<>(classes);
        long inUseBytes = 0;
        for (int c = 0; c < classes; c++) {
            int size = bufferSizeOfClass(c);
            perClass.add(new BufferPoolStats.SizeClass(size, hits[c], misses[c], inUse[c]));
            inUseBytes += inUse[c] * size;
        }
        return new BufferPoolStats(reserved, maxReservedBytes, inUseBytes, List.copyOf(perClass));
    }

    /**
     * Frees every idle buffer now. Buffers still on loan stay valid and are freed as they are released.
     * Later {@code acquire} calls throw {@link IllegalStateException}. Idempotent.
     */
    @Override
    public void close() {
        int outstanding = 0;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (Iterator<Block.Slab> it = slabs.iterator(); it.hasNext(); ) {
                Block.Slab slab = it.next();
                boolean allRetired = true;
                for (Block b : slab.blocks) {
                    if (!b.retire()) {
                        allRetired = false;
                        outstanding++;
                    }
                }
                if (allRetired) {
                    freeSlab(slab);
                    it.remove();
                }
            }
            releasedToShared.signalAll();
        } finally {
            lock.unlock();
        }
        if (outstanding > 0) {
            LOG.log(Level.WARNING, "BufferPool closed with {0} buffer(s) still on loan; they are freed when released",
                    outstanding);
        }
    }

    @Override
    public String toString() {
        return "BufferPool@" + Integer.toHexString(System.identityHashCode(this))
                + "[maxBufferSize=" + maxBufferSize + ", maxReservedBytes=" + maxReservedBytes + "]";
    }

    // ---------------------------------------------------------------------------------------------

    private int sizeClassFor(int size) {
        if (size < 0 || size > maxBufferSize) {
            throw new IllegalArgumentException("Buffer size " + size + " is out of range: this pool lends 0 to "
                    + maxBufferSize + " bytes (raise it with BufferPool.builder().maxBufferSize(...), up to "
                    + MAX_BUFFER_SIZE_LIMIT + ")");
        }
        return classOf(size);
    }

    private static int classOf(int size) {
        if (size <= MIN_BUFFER_SIZE) {
            return 0;
        }
        return 32 - Integer.numberOfLeadingZeros(size - 1) - MIN_SHIFT;
    }

    private static int bufferSizeOfClass(int c) {
        return MIN_BUFFER_SIZE << c;
    }

    private Block acquireShared(ThreadCache cache, int c) {
        int batch = Math.max(1, cache.capacity(c) / 2);
        Block block = freeLists[c].popBatch(cache, batch);
        if (block != null) {
            ThreadCache.increment(cache.hits, c);
            return block;
        }
        return reserveOrWait(cache, c);
    }

    private Block reserveOrWait(ThreadCache cache, int c) {
        long deadline = System.nanoTime() + maxWaitNanos;
        lock.lock();
        try {
            while (true) {
                if (closed) {
                    throw closedException();
                }
                Block block = freeLists[c].pop();
                if (block != null) {
                    ThreadCache.increment(cache.hits, c);
                    return block;
                }
                int bytes = Math.max(SLAB_SIZE, bufferSizeOfClass(c));
                if (reservedBytes + bytes > maxReservedBytes) {
                    reclaimDeadThreadCaches();
                    block = freeLists[c].pop();
                    if (block != null) {
                        ThreadCache.increment(cache.hits, c);
                        return block;
                    }
                    freeIdleLargeBuffers(bytes);
                }
                if (reservedBytes + bytes <= maxReservedBytes) {
                    ThreadCache.increment(cache.misses, c);
                    return reserveSlab(c, bytes);
                }
                long remaining = deadline - System.nanoTime();
                if (whenExhausted == WhenExhausted.FAIL || remaining <= 0) {
                    throw exhausted(c, bytes);
                }
                waiters++;
                try {
                    releasedToShared.awaitNanos(remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new PoolExhaustedException("Interrupted while waiting for a " + bufferSizeOfClass(c)
                            + "-byte buffer from " + this, e);
                } finally {
                    waiters--;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private PoolExhaustedException exhausted(int c, int bytes) {
        long inUse = stats().inUseBytes();
        String waited = whenExhausted == WhenExhausted.WAIT
                ? " after waiting " + TimeUnit.NANOSECONDS.toMillis(maxWaitNanos) + " ms"
                : " (whenExhausted=FAIL; use WAIT to wait for releases)";
        return new PoolExhaustedException("BufferPool exhausted" + waited + ": a " + bufferSizeOfClass(c)
                + "-byte buffer needs " + bytes + " more bytes but " + reservedBytes + " of maxReservedBytes="
                + maxReservedBytes + " are reserved (" + inUse + " in use)");
    }

    /** Caller holds the lock. */
    private Block reserveSlab(int c, int bytes) {
        NativeMemory.Allocation allocation;
        try {
            allocation = memory.allocate(bytes);
        } catch (OutOfMemoryError e) {
            throw new PoolExhaustedException("The JVM refused " + bytes + " bytes of native memory for " + this
                    + " with " + reservedBytes + " reserved; raise -XX:MaxDirectMemorySize or lower maxReservedBytes",
                    e);
        }
        int size = bufferSizeOfClass(c);
        int count = bytes / size;
        Block.Slab slab = new Block.Slab(allocation);
        Block[] blocks = new Block[count];
        ByteBuffer whole = allocation.buffer();
        for (int i = 0; i < count; i++) {
            blocks[i] = new Block(whole.slice(i * size, size), c, slab);
        }
        slab.blocks = blocks;
        slabs.add(slab);
        reservedBytes += bytes;
        for (int i = 1; i < count; i++) {
            freeLists[c].push(blocks[i]);
        }
        return blocks[0];
    }

    /** Caller holds the lock. Frees idle one-buffer slabs, largest first, until {@code bytes} fit. */
    private void freeIdleLargeBuffers(int bytes) {
        for (int c = freeLists.length - 1; c >= 0 && bufferSizeOfClass(c) >= SLAB_SIZE; c--) {
            while (reservedBytes + bytes > maxReservedBytes) {
                Block b = freeLists[c].pop();
                if (b == null) {
                    break;
                }
                if (b.retire()) {
                    slabs.remove(b.slab);
                    freeSlab(b.slab);
                }
            }
        }
    }

    /** Caller holds the lock. Moves the stashes of dead threads to the shared lists. */
    private void reclaimDeadThreadCaches() {
        for (Iterator<ThreadCache> it = threadCaches.iterator(); it.hasNext(); ) {
            ThreadCache cache = it.next();
            if (!cache.isOwnerDead()) {
                continue;
            }
            for (int c = 0; c < freeLists.length; c++) {
                for (Block b = cache.pop(c); b != null; b = cache.pop(c)) {
                    freeLists[c].push(b);
                }
                deadHits[c] += cache.hits[c];
                deadMisses[c] += cache.misses[c];
                deadAcquired[c] += cache.acquired[c];
                deadReleased[c] += cache.released[c];
            }
            it.remove();
        }
    }

    private void releaseShared(ThreadCache cache, Block block) {
        int c = block.sizeClass;
        // The stash is full (or not used for this class): spill half of it with this block.
        freeLists[c].pushSpill(cache, block, cache.capacity(c) / 2);
        if (waiters > 0) {
            lock.lock();
            try {
                releasedToShared.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private void retireAfterClose(Block block) {
        lock.lock();
        try {
            block.retire();
            Block.Slab slab = block.slab;
            if (slab.freed) {
                return;
            }
            for (Block b : slab.blocks) {
                if (!b.retire()) {
                    return;
                }
            }
            slabs.remove(slab);
            freeSlab(slab);
        } finally {
            lock.unlock();
        }
    }

    /** Caller holds the lock; every block of the slab is retired. */
    private void freeSlab(Block.Slab slab) {
        if (!slab.freed) {
            slab.freed = true;
            reservedBytes -= slab.memory.size();
            slab.memory.free();
        }
    }

    private ThreadCache registerThreadCache() {
        ThreadCache cache = new ThreadCache(Thread.currentThread(), threadCacheCapacities);
        lock.lock();
        try {
            if (threadCaches.size() >= 64) {
                // Thread churn: keep the registry bounded by folding in caches of dead threads.
                reclaimDeadThreadCaches();
            }
            threadCaches.add(cache);
        } finally {
            lock.unlock();
        }
        return cache;
    }

    private IllegalStateException closedException() {
        return new IllegalStateException(this + " is closed");
    }

    /** The shared free blocks of one size class. */
    private static final class SharedFreeList {
        private Block[] blocks = new Block[16];
        private int size;

        synchronized void push(Block b) {
            if (size == blocks.length) {
                blocks = java.util.Arrays.copyOf(blocks, size * 2);
            }
            blocks[size++] = b;
        }

        synchronized Block pop() {
            if (size == 0) {
                return null;
            }
            Block b = blocks[--size];
            blocks[size] = null;
            return b;
        }

        /** Pops up to {@code batch} blocks: returns one, stashes the rest in {@code cache}. */
        synchronized Block popBatch(ThreadCache cache, int batch) {
            if (size == 0) {
                return null;
            }
            Block first = blocks[--size];
            blocks[size] = null;
            for (int i = 1; i < batch && size > 0; i++) {
                Block b = blocks[size - 1];
                if (!cache.push(b)) {
                    break;
                }
                blocks[--size] = null;
            }
            return first;
        }

        /** Pushes {@code block} and moves up to {@code count} blocks out of {@code cache}. */
        synchronized void pushSpill(ThreadCache cache, Block block, int count) {
            push(block);
            int c = block.sizeClass;
            for (int i = 0; i < count; i++) {
                Block b = cache.pop(c);
                if (b == null) {
                    break;
                }
                push(b);
            }
        }
    }

    /** Settings for a {@link BufferPool}; every setter validates its argument. */
    public static final class Builder {
        private int maxBufferSize = DEFAULT_MAX_BUFFER_SIZE;
        private long maxReservedBytes = DEFAULT_MAX_RESERVED_BYTES;
        private WhenExhausted whenExhausted = WhenExhausted.FAIL;
        private Duration maxWait = Duration.ofSeconds(30);
        private int threadCacheMaxBufferSize = 64 << 10;
        private long threadCacheBytesPerClass = 512 << 10;

        private Builder() {
        }

        /**
         * The largest buffer the pool lends; rounded up to a power of two.
         *
         * @param bytes {@value BufferPool#MIN_BUFFER_SIZE} to {@value BufferPool#MAX_BUFFER_SIZE_LIMIT}
         *              (default 16 MiB)
         * @return this builder
         */
        public Builder maxBufferSize(int bytes) {
            if (bytes < MIN_BUFFER_SIZE || bytes > MAX_BUFFER_SIZE_LIMIT) {
                throw new IllegalArgumentException("maxBufferSize must be between " + MIN_BUFFER_SIZE + " and "
                        + MAX_BUFFER_SIZE_LIMIT + " bytes, was " + bytes);
            }
            this.maxBufferSize = bufferSizeOfClass(classOf(bytes));
            return this;
        }

        /**
         * The ceiling on native memory the pool reserves, idle or in use.
         *
         * @param bytes at least {@value BufferPool#SLAB_SIZE} (default 256 MiB)
         * @return this builder
         */
        public Builder maxReservedBytes(long bytes) {
            if (bytes < SLAB_SIZE) {
                throw new IllegalArgumentException("maxReservedBytes must be at least " + SLAB_SIZE
                        + " (one slab), was " + bytes);
            }
            this.maxReservedBytes = bytes;
            return this;
        }

        /**
         * What {@code acquire} does at the ceiling.
         *
         * @param whenExhausted {@code FAIL} (default) or {@code WAIT}
         * @return this builder
         */
        public Builder whenExhausted(WhenExhausted whenExhausted) {
            if (whenExhausted == null) {
                throw new IllegalArgumentException("whenExhausted must be FAIL or WAIT, was null");
            }
            this.whenExhausted = whenExhausted;
            return this;
        }

        /**
         * How long {@code acquire} waits at the ceiling with {@link WhenExhausted#WAIT}.
         *
         * @param maxWait positive (default 30 s)
         * @return this builder
         */
        public Builder maxWait(Duration maxWait) {
            if (maxWait == null || maxWait.isNegative() || maxWait.isZero()) {
                throw new IllegalArgumentException("maxWait must be a positive duration, was " + maxWait);
            }
            this.maxWait = maxWait;
            return this;
        }

        /**
         * Buffers up to this size are stashed per thread for lock-free reuse; 0 turns stashing off.
         *
         * @param bytes 0 to the largest class (default 64 KiB)
         * @return this builder
         */
        public Builder threadCacheMaxBufferSize(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("threadCacheMaxBufferSize must be 0 or more, was " + bytes);
            }
            this.threadCacheMaxBufferSize = bytes;
            return this;
        }

        /**
         * Bytes a thread may stash per size class (at least 2 and at most 64 buffers).
         *
         * @param bytes positive (default 512 KiB)
         * @return this builder
         */
        public Builder threadCacheBytesPerClass(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("threadCacheBytesPerClass must be positive, was " + bytes);
            }
            this.threadCacheBytesPerClass = bytes;
            return this;
        }

        /** Builds the pool. It reserves nothing until the first acquire. */
        public BufferPool build() {
            return new BufferPool(this);
        }
    }
}

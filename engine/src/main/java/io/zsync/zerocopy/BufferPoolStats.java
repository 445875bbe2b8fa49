package io.zsync.zerocopy;

import java.util.List;

/**
 * A point-in-time view of a {@link BufferPool}. Counters from other threads are read without
 * stopping them, so a snapshot taken during traffic is approximate; at rest it is exact.
 *
 * @param reservedBytes    native memory the pool holds, in use or idle
 * @param maxReservedBytes the ceiling on {@code reservedBytes}
 * @param inUseBytes       bytes of the buffers currently leased (whole size classes)
 * @param sizeClasses      one entry per size class, smallest first
 */
public record BufferPoolStats(long reservedBytes, long maxReservedBytes, long inUseBytes,
                              List<SizeClass> sizeClasses) {

    /**
     * Counters of one size class.
     *
     * @param bufferSize the class's buffer size, a power of two
     * @param hits       acquires served by a recycled buffer
     * @param misses     acquires that had to reserve new memory
     * @param inUse      buffers currently leased
     */
    public record SizeClass(int bufferSize, long hits, long misses, long inUse) {
    }

    /** Hits over all classes. */
    public long hits() {
        return sizeClasses.stream().mapToLong(SizeClass::hits).sum();
    }

    /** Misses over all classes. */
    public long misses() {
        return sizeClasses.stream().mapToLong(SizeClass::misses).sum();
    }

    /**
     * The counters of the class that holds buffers of {@code bufferSize}.
     *
     * @param bufferSize an exact class size
     * @return its counters
     * @throws IllegalArgumentException if no class has that size
     */
    public SizeClass sizeClass(int bufferSize) {
        for (SizeClass c : sizeClasses) {
            if (c.bufferSize == bufferSize) {
                return c;
            }
        }
        throw new IllegalArgumentException("No size class of " + bufferSize + " bytes; classes are powers of two from "
                + sizeClasses.get(0).bufferSize + " to " + sizeClasses.get(sizeClasses.size() - 1).bufferSize);
    }
}

package io.zsync.zerocopy;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;

/**
 * One thread's stash of free blocks per size class, and its counters. Only the owning thread touches
 * the stacks while it lives; the pool takes them over once the thread is dead (termination
 * happens-before {@code isAlive()} returning false).
 *
 * <p>The counters are written by the owner alone with opaque stores and read by {@code stats()} with
 * opaque loads: no fences on the hot path, and no torn longs in a snapshot.
 */
final class ThreadCache {
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private final WeakReference<Thread> owner;
    private final Block[][] stacks;
    private final int[] sizes;
    final long[] hits;
    final long[] misses;
    final long[] acquired;
    final long[] released;

    ThreadCache(Thread owner, int[] capacities) {
        this.owner = new WeakReference<>(owner);
        int classes = capacities.length;
        stacks = new Block[classes][];
        for (int c = 0; c < classes; c++) {
            stacks[c] = new Block[capacities[c]];
        }
        sizes = new int[classes];
        hits = new long[classes];
        misses = new long[classes];
        acquired = new long[classes];
        released = new long[classes];
    }

    Block pop(int sizeClass) {
        int n = sizes[sizeClass];
        if (n == 0) {
            return null;
        }
        Block[] stack = stacks[sizeClass];
        Block b = stack[--n];
        stack[n] = null;
        sizes[sizeClass] = n;
        return b;
    }

    /** False when the class's stack is full (or the class is not cached). */
    boolean push(Block b) {
        int c = b.sizeClass;
        Block[] stack = stacks[c];
        int n = sizes[c];
        if (n == stack.length) {
            return false;
        }
        stack[n] = b;
        sizes[c] = n + 1;
        return true;
    }

    int capacity(int sizeClass) {
        return stacks[sizeClass].length;
    }

    boolean isOwnerDead() {
        Thread t = owner.get();
        return t == null || !t.isAlive();
    }

    static void increment(long[] counters, int sizeClass) {
        LONGS.setOpaque(counters, sizeClass, counters[sizeClass] + 1);
    }

    static long read(long[] counters, int sizeClass) {
        return (long) LONGS.getOpaque(counters, sizeClass);
    }
}

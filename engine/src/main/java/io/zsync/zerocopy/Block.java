package io.zsync.zerocopy;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * One pooled buffer: a fixed 64-byte-aligned region of a size class, recycled from lease to lease.
 *
 * <p>{@code owner} is the ownership word: {@code null} while free, the current {@link PooledBuffer}
 * lease while acquired, {@link #RETIRED} once its memory is freed or about to be. Every transition is a
 * CAS, so a double or stale release and a race between {@code acquire} and {@code close} each have
 * exactly one winner.
 */
final class Block {
    /** Owner value of a block whose memory the pool has freed (or is freeing) on close. */
    static final Object RETIRED = new Object();

    private static final VarHandle OWNER;

    static {
        try {
            OWNER = MethodHandles.lookup().findVarHandle(Block.class, "owner", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final ByteBuffer buffer;
    final int sizeClass;
    final Slab slab;
    @SuppressWarnings("unused") // accessed through OWNER
    private volatile Object owner;

    Block(ByteBuffer buffer, int sizeClass, Slab slab) {
        this.buffer = buffer;
        this.sizeClass = sizeClass;
        this.slab = slab;
    }

    /** Free → owned by {@code lease}; fails only if the block was retired by {@code close}. */
    boolean lease(PooledBuffer lease) {
        return OWNER.compareAndSet(this, null, lease);
    }

    /** Owned by {@code lease} → free; fails if {@code lease} no longer owns it. */
    boolean unlease(PooledBuffer lease) {
        return OWNER.compareAndSet(this, lease, null);
    }

    /** Free → retired; fails if the block is leased. */
    boolean retire() {
        return OWNER.compareAndSet(this, null, RETIRED) || OWNER.get(this) == RETIRED;
    }

    /** A region of native memory and the blocks carved from it; freed as a whole. */
    static final class Slab {
        final NativeMemory.Allocation memory;
        Block[] blocks;
        boolean freed;

        Slab(NativeMemory.Allocation memory) {
            this.memory = memory;
        }
    }
}

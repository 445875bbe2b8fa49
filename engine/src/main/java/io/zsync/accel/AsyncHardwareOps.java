package io.zsync.accel;

import io.zsync.io.Io;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntUnaryOperator;
import java.util.function.LongUnaryOperator;
import java.util.function.UnaryOperator;

/**
 * {@link HardwareAccel}'s operations started on an {@link Io} without waiting, and data-parallel work
 * split over it.
 *
 * <p>The async methods check their arguments when they run: bad arguments complete the future
 * exceptionally with the exception the synchronous method would throw. Under {@link Io#blocking()}
 * they run before returning, so the future is already complete.
 *
 * <p>{@code parallelProcess} splits an array into one chunk per unit of the model's
 * {@linkplain Io#parallelism() parallelism}, each a whole number of 64-byte lines of elements, so
 * neighbouring chunks share at most the line at their boundary.
 */
public final class AsyncHardwareOps {
    private static final int CACHE_LINE = 64;
    /** How often a chunk looks whether another chunk failed. */
    private static final int CANCEL_CHECK_INTERVAL = 64;

    private final Io io;
    private final HardwareAccel accel;

    private AsyncHardwareOps(Io io, HardwareAccel accel) {
        this.io = Args.notNull(io, "io");
        this.accel = Args.notNull(accel, "accel");
    }

    /**
     * Async operations on {@code io} with the JVM's shared {@link HardwareAccel}.
     *
     * @param io the execution model the operations run on
     * @return the operations
     */
    public static AsyncHardwareOps init(Io io) {
        return new AsyncHardwareOps(io, HardwareAccel.init());
    }

    /**
     * Async operations on {@code io} with a given {@link HardwareAccel}.
     *
     * @param io    the execution model
     * @param accel the accelerator to run
     * @return the operations
     */
    public static AsyncHardwareOps init(Io io, HardwareAccel accel) {
        return new AsyncHardwareOps(io, accel);
    }

    /**
     * The execution model the operations run on.
     *
     * @return the model
     */
    public Io io() {
        return io;
    }

    /**
     * Starts {@link HardwareAccel#optimizedCopy(Io, byte[], byte[])}.
     *
     * @param dst the destination
     * @param src the source
     * @return completed when the copy is done
     */
    public CompletableFuture<Void> asyncCopy(byte[] dst, byte[] src) {
        return io.submit(() -> {
            accel.optimizedCopy(Io.blocking(), dst, src);
            return null;
        });
    }

    /**
     * Starts {@link HardwareAccel#optimizedCopy(Io, byte[], int, byte[], int, int)}.
     *
     * @param dst       the destination
     * @param dstOffset where to write
     * @param src       the source
     * @param srcOffset where to read
     * @param length    how many bytes
     * @return completed when the copy is done
     */
    public CompletableFuture<Void> asyncCopy(byte[] dst, int dstOffset, byte[] src, int srcOffset, int length) {
        return io.submit(() -> {
            accel.optimizedCopy(Io.blocking(), dst, dstOffset, src, srcOffset, length);
            return null;
        });
    }

    /**
     * Starts {@link HardwareAccel#optimizedCopy(Io, ByteBuffer, int, ByteBuffer, int, int)}.
     *
     * @param dst      the destination
     * @param dstIndex where to write
     * @param src      the source
     * @param srcIndex where to read
     * @param length   how many bytes
     * @return completed when the copy is done
     */
    public CompletableFuture<Void> asyncCopy(ByteBuffer dst, int dstIndex, ByteBuffer src, int srcIndex, int length) {
        return io.submit(() -> {
            accel.optimizedCopy(Io.blocking(), dst, dstIndex, src, srcIndex, length);
            return null;
        });
    }

    /**
     * Starts {@link HardwareAccel#optimizedXor(Io, byte[], byte[], XorKey)}.
     *
     * @param dst the destination
     * @param src the source
     * @param key the key
     * @return completed with the key phase to continue with
     */
    public CompletableFuture<Integer> asyncXor(byte[] dst, byte[] src, XorKey key) {
        return io.submit(() -> accel.optimizedXor(Io.blocking(), dst, src, key));
    }

    /**
     * Starts {@link HardwareAccel#optimizedXor(Io, byte[], int, byte[], int, int, XorKey, int)}.
     *
     * @param dst       the destination
     * @param dstOffset where to write
     * @param src       the source
     * @param srcOffset where to read
     * @param length    how many bytes
     * @param key       the key
     * @param keyPhase  the key byte paired with the first byte
     * @return completed with the key phase to continue with
     */
    public CompletableFuture<Integer> asyncXor(byte[] dst, int dstOffset, byte[] src, int srcOffset, int length,
                                               XorKey key, int keyPhase) {
        return io.submit(() -> accel.optimizedXor(Io.blocking(), dst, dstOffset, src, srcOffset, length, key,
                keyPhase));
    }

    /**
     * Starts {@link HardwareAccel#optimizedXor(Io, ByteBuffer, int, ByteBuffer, int, int, XorKey, int)}.
     *
     * @param dst      the destination
     * @param dstIndex where to write
     * @param src      the source
     * @param srcIndex where to read
     * @param length   how many bytes
     * @param key      the key
     * @param keyPhase the key byte paired with the first byte
     * @return completed with the key phase to continue with
     */
    public CompletableFuture<Integer> asyncXor(ByteBuffer dst, int dstIndex, ByteBuffer src, int srcIndex,
                                               int length, XorKey key, int keyPhase) {
        return io.submit(() -> accel.optimizedXor(Io.blocking(), dst, dstIndex, src, srcIndex, length, key,
                keyPhase));
    }

    /**
     * Replaces every item with {@code fn(item)}, in parallel chunks, and returns when all are done.
     *
     * @param items the items, updated in place
     * @param fn    the function; it must be safe to call from several threads
     * @throws ParallelProcessException if {@code fn} threw; the other chunks were cancelled
     */
    public void parallelProcess(int[] items, IntUnaryOperator fn) {
        Args.notNull(items, "items");
        Args.notNull(fn, "fn");
        run(items.length, Integer.BYTES, i -> items[i] = fn.applyAsInt(items[i]));
    }

    /**
     * Replaces every item with {@code fn(item)}, in parallel chunks, and returns when all are done.
     *
     * @param items the items, updated in place
     * @param fn    the function; it must be safe to call from several threads
     * @throws ParallelProcessException if {@code fn} threw; the other chunks were cancelled
     */
    public void parallelProcess(long[] items, LongUnaryOperator fn) {
        Args.notNull(items, "items");
        Args.notNull(fn, "fn");
        run(items.length, Long.BYTES, i -> items[i] = fn.applyAsLong(items[i]));
    }

    /**
     * Replaces every item with {@code fn(item)}, in parallel chunks, and returns when all are done.
     *
     * @param items the items, updated in place
     * @param fn    the function; it must be safe to call from several threads
     * @param <T>   the item type
     * @throws ParallelProcessException if {@code fn} threw; the other chunks were cancelled
     */
    public <T> void parallelProcess(T[] items, UnaryOperator<T> fn) {
        Args.notNull(items, "items");
        Args.notNull(fn, "fn");
        // References are 4 or 8 bytes; 16 of them fill whole lines either way.
        run(items.length, 4, i -> items[i] = fn.apply(items[i]));
    }

    /** Replaces the item at one index. */
    private interface Item {
        void process(int index);
    }

    private void run(int count, int elementBytes, Item item) {
        if (count == 0) {
            return;
        }
        int perLine = CACHE_LINE / elementBytes;
        int lines = (count + perLine - 1) / perLine;
        int chunks = Math.max(1, Math.min(io.parallelism(), lines));
        int chunkSize = (lines + chunks - 1) / chunks * perLine;
        AtomicBoolean cancelled = new AtomicBoolean();
        AtomicReference<ParallelProcessException> failure = new AtomicReference<>();
        @SuppressWarnings("unchecked")
        CompletableFuture<Object>[] futures = new CompletableFuture[chunks];
        int started = 0;
        for (int c = 0; c < chunks; c++) {
            int from = c * chunkSize;
            int to = Math.min(count, from + chunkSize);
            if (from >= to) {
                break;
            }
            int number = c;
            futures[started++] = io.submit(() -> {
                processChunk(number, from, to, item, cancelled, failure);
                return null;
            });
        }
        RuntimeException notRun = awaitAll(futures, started, cancelled);
        ParallelProcessException failed = failure.get();
        if (failed != null) {
            throw failed;
        }
        if (notRun != null) {
            throw notRun;
        }
    }

    /** Processes [from, to) unless another chunk failed; on the first failure, records it and stops all. */
    private static void processChunk(int number, int from, int to, Item item, AtomicBoolean cancelled,
                                     AtomicReference<ParallelProcessException> failure) {
        for (int i = from; i < to; i++) {
            if ((i - from) % CANCEL_CHECK_INTERVAL == 0 && cancelled.get()) {
                return;
            }
            try {
                item.process(i);
            } catch (RuntimeException | Error e) {
                cancelled.set(true);
                failure.compareAndSet(null, new ParallelProcessException(number, from, to, i, e));
                return;
            }
        }
    }

    /**
     * Waits for every chunk, so none is still writing into the array afterwards; returns why a chunk did
     * not run. Ordering: a chunk's plain writes to the array happen before it completes its future, and
     * {@code get()} returning happens after that completion, so the caller sees every item written.
     */
    private RuntimeException awaitAll(CompletableFuture<Object>[] futures, int count, AtomicBoolean cancelled) {
        boolean interrupted = false;
        RuntimeException other = null;
        for (int i = 0; i < count; i++) {
            while (true) {
                try {
                    futures[i].get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                    cancelled.set(true); // stop the chunks early, then keep waiting for them to return
                } catch (ExecutionException e) {
                    if (other == null) {
                        other = new IllegalStateException("parallelProcess could not run a chunk on " + io,
                                e.getCause());
                    }
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
            if (other == null) {
                other = new IllegalStateException("parallelProcess was interrupted; the remaining items were skipped");
            }
        }
        return other;
    }
}

package io.zsync.io;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * The execution model an operation runs under: zsync's "colorblind" I/O. Every engine operation takes
 * an {@code Io}, so the same calling code runs inline, on a thread pool or on virtual threads without
 * being rewritten.
 *
 * <p>{@link #call} runs an operation to completion and hands its result to the caller, whatever thread
 * actually ran it; {@link #submit} starts it and returns at once. Exceptions keep their type:
 * an {@link IOException} thrown by the operation is thrown by {@code call} and completes the future of
 * {@code submit} exceptionally.
 */
public interface Io extends AutoCloseable {

    /**
     * Runs {@code operation} under this model and returns its result.
     *
     * @param operation the operation to run
     * @param <T>       the result type
     * @return the operation's result
     * @throws IOException if the operation throws one
     */
    <T> T call(IoCallable<T> operation) throws IOException;

    /**
     * Starts {@code operation} under this model.
     *
     * @param operation the operation to run
     * @param <T>       the result type
     * @return a future completed with the result, or exceptionally with what the operation threw
     */
    <T> CompletableFuture<T> submit(IoCallable<T> operation);

    /**
     * A short name for logs and reports, such as {@code blocking}.
     *
     * @return the model's name
     */
    String name();

    /**
     * How many operations this model runs at the same time: 1 for the blocking model, the thread count
     * for a pool, the processor count for virtual threads. Work splitters size their chunks by it.
     *
     * @return the parallelism, at least 1
     */
    int parallelism();

    /**
     * Whether {@link #call} runs the operation on the calling thread. Callers may then skip wrapping
     * their work in a callable, which keeps the blocking path free of allocation.
     *
     * @return true for the blocking model
     */
    default boolean runsInline() {
        return false;
    }

    /** Releases the model's threads, if it has any. Operations already started complete. */
    @Override
    void close();

    /**
     * The blocking model: every operation runs inline on the calling thread. It holds no resources.
     *
     * @return the shared blocking model
     */
    static Io blocking() {
        return BlockingIo.INSTANCE;
    }

    /**
     * The thread-pool model: operations run on {@code threads} daemon platform threads. {@link #call}
     * from one of the pool's own threads runs inline, so nested calls cannot deadlock the pool.
     *
     * @param threads the number of threads, at least 1
     * @return a new pool; close it when done
     * @throws IllegalArgumentException if {@code threads} is below 1
     */
    static Io threadPool(int threads) {
        return new ThreadPoolIo(threads);
    }

    /**
     * The virtual-thread model: each operation runs on a new virtual thread (Java 21 and later). On an
     * older JDK this logs once and returns a thread pool with one thread per processor instead, named
     * {@code virtual-threads(fallback: thread-pool)}.
     *
     * @return a new model; close it when done
     */
    static Io virtualThreads() {
        return VirtualThreadIo.create();
    }

    /**
     * Whether this JDK has virtual threads (Java 21 and later).
     *
     * @return true if {@link #virtualThreads()} really uses virtual threads
     */
    static boolean virtualThreadsAvailable() {
        return VirtualThreadIo.AVAILABLE;
    }
}

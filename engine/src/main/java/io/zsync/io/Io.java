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
}

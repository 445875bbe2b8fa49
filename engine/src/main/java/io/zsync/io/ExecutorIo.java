package io.zsync.io;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * An execution model backed by an {@link ExecutorService}: {@code submit} hands the operation to the
 * executor, {@code call} does the same and waits. Exceptions reach the caller with their own type.
 */
abstract class ExecutorIo implements Io {
    private final ExecutorService executor;
    private final String name;
    private final int parallelism;

    ExecutorIo(ExecutorService executor, String name, int parallelism) {
        this.executor = executor;
        this.name = name;
        this.parallelism = parallelism;
    }

    /** True when the calling thread belongs to this model, so waiting on it could deadlock. */
    abstract boolean isOwnThread(Thread thread);

    @Override
    public <T> T call(IoCallable<T> operation) throws IOException {
        if (operation == null) {
            throw new NullPointerException("operation must not be null");
        }
        if (isOwnThread(Thread.currentThread())) {
            return operation.call();
        }
        CompletableFuture<T> future = submit(operation);
        try {
            return future.get();
        } catch (InterruptedException e) {
            future.cancel(false);
            Thread.currentThread().interrupt();
            InterruptedIOException interrupted =
                    new InterruptedIOException("interrupted while waiting for an operation on " + this);
            interrupted.initCause(e);
            throw interrupted;
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    @Override
    public <T> CompletableFuture<T> submit(IoCallable<T> operation) {
        if (operation == null) {
            throw new NullPointerException("operation must not be null");
        }
        CompletableFuture<T> future = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                if (future.isDone()) {
                    return; // cancelled before it started
                }
                try {
                    future.complete(operation.call());
                } catch (Throwable t) {
                    future.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException e) {
            future.completeExceptionally(new IllegalStateException(this + " is closed", e));
        }
        return future;
    }

    /** Rethrows what an operation threw, keeping its type: IOException, RuntimeException or Error. */
    private static IOException rethrow(Throwable cause) throws IOException {
        if (cause instanceof IOException) {
            throw (IOException) cause;
        }
        if (cause instanceof RuntimeException) {
            throw (RuntimeException) cause;
        }
        if (cause instanceof Error) {
            throw (Error) cause;
        }
        throw new CompletionException(cause);
    }

    @Override
    public int parallelism() {
        return parallelism;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void close() {
        executor.shutdown();
    }

    @Override
    public String toString() {
        return "Io[" + name + ", parallelism=" + parallelism + "]";
    }
}

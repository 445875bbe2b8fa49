package io.zsync.io;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/** Runs every operation inline on the caller's thread. */
final class BlockingIo implements Io {
    static final BlockingIo INSTANCE = new BlockingIo();

    private BlockingIo() {
    }

    @Override
    public <T> T call(IoCallable<T> operation) throws IOException {
        return operation.call();
    }

    @Override
    public <T> CompletableFuture<T> submit(IoCallable<T> operation) {
        try {
            return CompletableFuture.completedFuture(operation.call());
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public int parallelism() {
        return 1;
    }

    @Override
    public boolean runsInline() {
        return true;
    }

    @Override
    public String name() {
        return "blocking";
    }

    @Override
    public void close() {
        // Nothing to release: no threads of its own.
    }

    @Override
    public String toString() {
        return "Io[blocking]";
    }
}

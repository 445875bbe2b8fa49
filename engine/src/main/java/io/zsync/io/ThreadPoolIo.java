package io.zsync.io;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Runs operations on a fixed number of daemon platform threads. */
final class ThreadPoolIo extends ExecutorIo {
    private static final AtomicInteger POOLS = new AtomicInteger();

    /** Identifies this pool's threads; a thread of another pool may wait on this one safely. */
    private final Object token;

    ThreadPoolIo(int threads) {
        this(threads, "thread-pool");
    }

    ThreadPoolIo(int threads, String name) {
        this(checkThreads(threads), name, new Object());
    }

    private ThreadPoolIo(int threads, String name, Object token) {
        super(executor(threads, token), name, threads);
        this.token = token;
    }

    private static int checkThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        return threads;
    }

    private static ThreadPoolExecutor executor(int threads, Object token) {
        int pool = POOLS.incrementAndGet();
        AtomicInteger count = new AtomicInteger();
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                task -> {
                    Thread thread = new PoolThread(task, "zsync-io-" + pool + "-" + count.incrementAndGet(), token);
                    thread.setDaemon(true);
                    return thread;
                });
    }

    @Override
    boolean isOwnThread(Thread thread) {
        return thread instanceof PoolThread && ((PoolThread) thread).token == token;
    }

    /** A pool thread that remembers which pool it belongs to. */
    private static final class PoolThread extends Thread {
        final Object token;

        PoolThread(Runnable task, String name, Object token) {
            super(task, name);
            this.token = token;
        }
    }
}

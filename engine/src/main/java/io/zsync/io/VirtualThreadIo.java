package io.zsync.io;

import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Runs each operation on a new virtual thread. Virtual threads arrived in Java 21 and the build
 * targets 17, so the executor is found reflectively; on older JDKs {@link #create()} falls back to a
 * thread pool and says so once.
 */
final class VirtualThreadIo extends ExecutorIo {
    private static final System.Logger LOG = System.getLogger(VirtualThreadIo.class.getName());
    private static final MethodHandle NEW_EXECUTOR = findExecutorFactory();
    private static final MethodHandle IS_VIRTUAL = findIsVirtual();
    static final boolean AVAILABLE = NEW_EXECUTOR != null && IS_VIRTUAL != null;
    private static volatile boolean fallbackLogged;

    private VirtualThreadIo(ExecutorService executor) {
        super(executor, "virtual-threads", Runtime.getRuntime().availableProcessors());
    }

    static Io create() {
        if (AVAILABLE) {
            try {
                return new VirtualThreadIo((ExecutorService) NEW_EXECUTOR.invoke());
            } catch (Throwable t) {
                throw new IllegalStateException("could not create a virtual-thread executor", t);
            }
        }
        int threads = Runtime.getRuntime().availableProcessors();
        if (!fallbackLogged) {
            fallbackLogged = true;
            LOG.log(Level.INFO, "Virtual threads need Java 21 or later; this is Java {0}, so "
                    + "Io.virtualThreads() runs on a thread pool of {1} threads instead.",
                    Runtime.version().feature(), threads);
        }
        return new ThreadPoolIo(threads, "virtual-threads(fallback: thread-pool)");
    }

    @Override
    boolean isOwnThread(Thread thread) {
        // Each operation has a thread of its own and blocking a virtual thread is cheap, so a nested
        // call never starves the executor: always hand it over.
        return false;
    }

    private static MethodHandle findExecutorFactory() {
        try {
            return MethodHandles.publicLookup().findStatic(Executors.class, "newVirtualThreadPerTaskExecutor",
                    MethodType.methodType(ExecutorService.class));
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }

    private static MethodHandle findIsVirtual() {
        try {
            return MethodHandles.publicLookup().findVirtual(Thread.class, "isVirtual",
                    MethodType.methodType(boolean.class));
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }

    /** Whether {@code thread} is a virtual thread; false on JDKs without them. */
    static boolean isVirtual(Thread thread) {
        if (IS_VIRTUAL == null) {
            return false;
        }
        try {
            return (boolean) IS_VIRTUAL.invokeExact(thread);
        } catch (Throwable t) {
            return false;
        }
    }
}

package io.zsync.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The thread-pool and virtual-thread models: where operations run and how their failures come back. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ExecutionModelsTest {

    @Test
    void aThreadPoolRunsOperationsOnItsOwnThreads() throws IOException {
        try (Io io = Io.threadPool(2)) {
            Thread caller = Thread.currentThread();
            Thread ran = io.call(Thread::currentThread);
            assertNotSame(caller, ran);
            assertTrue(ran.getName().startsWith("zsync-io-"), ran.getName());
            assertTrue(ran.isDaemon());
            assertEquals(2, io.parallelism());
            assertFalse(io.runsInline());
            assertEquals("thread-pool", io.name());
        }
    }

    @Test
    void aNestedCallOnAOneThreadPoolRunsInlineInsteadOfDeadlocking() throws IOException {
        try (Io io = Io.threadPool(1)) {
            int result = io.call(() -> io.call(() -> io.call(() -> 42)));
            assertEquals(42, result);
        }
    }

    @Test
    void failuresKeepTheirType() {
        try (Io io = Io.threadPool(1)) {
            IOException io1 = assertThrows(IOException.class, () -> io.call(() -> {
                throw new IOException("disk gone");
            }));
            assertEquals("disk gone", io1.getMessage());
            IllegalStateException state = assertThrows(IllegalStateException.class, () -> io.call(() -> {
                throw new IllegalStateException("bad state");
            }));
            assertEquals("bad state", state.getMessage());
            CompletionException failed = assertThrows(CompletionException.class, () -> io.submit(() -> {
                throw new IOException("later");
            }).join());
            assertInstanceOf(IOException.class, failed.getCause());
        }
    }

    @Test
    void aClosedModelRefusesNewWorkClearly() {
        Io io = Io.threadPool(1);
        io.close();
        CompletionException failed = assertThrows(CompletionException.class, () -> io.submit(() -> 1).join());
        assertInstanceOf(IllegalStateException.class, failed.getCause());
        assertTrue(failed.getCause().getMessage().contains("is closed"), failed.getCause()::getMessage);
    }

    @Test
    void virtualThreadsWhereTheJdkHasThemElseALoggedPool() throws IOException {
        try (Io io = Io.virtualThreads()) {
            Thread ran = io.call(Thread::currentThread);
            assertNotSame(Thread.currentThread(), ran);
            assertEquals(Runtime.getRuntime().availableProcessors(), io.parallelism());
            if (Runtime.version().feature() >= 21) {
                assertTrue(Io.virtualThreadsAvailable());
                assertTrue(VirtualThreadIo.isVirtual(ran), ran::toString);
                assertEquals("virtual-threads", io.name());
            } else {
                assertFalse(Io.virtualThreadsAvailable());
                assertFalse(VirtualThreadIo.isVirtual(ran));
                assertEquals("virtual-threads(fallback: thread-pool)", io.name());
            }
            assertEquals(7, io.call(() -> io.call(() -> 7)), "nested calls complete");
        }
    }

    @Test
    void theBlockingModelRunsInline() throws IOException {
        Io io = Io.blocking();
        assertSame(Thread.currentThread(), io.call(Thread::currentThread));
        assertTrue(io.runsInline());
        assertEquals(1, io.parallelism());
    }

    @Test
    void badThreadCountsAreRefused() {
        IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, () -> Io.threadPool(0));
        assertEquals("threads must be at least 1, got 0", thrown.getMessage());
    }
}

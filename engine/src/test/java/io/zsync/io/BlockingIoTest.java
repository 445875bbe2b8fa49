package io.zsync.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.Test;

class BlockingIoTest {
    private final Io io = Io.blocking();

    @Test
    void shouldRunOperationsInlineOnTheCallersThread() throws Exception {
        Thread caller = Thread.currentThread();
        assertSame(caller, io.call(Thread::currentThread));
        CompletableFuture<Thread> f = io.submit(Thread::currentThread);
        assertTrue(f.isDone(), "blocking submit completes before returning");
        assertSame(caller, f.get());
        assertEquals("blocking", io.name());
    }

    @Test
    void shouldKeepExceptionTypes() {
        IOException boom = new IOException("disk gone");
        assertSame(boom, assertThrows(IOException.class, () -> io.call(() -> {
            throw boom;
        })));
        ExecutionException e = assertThrows(ExecutionException.class, () -> io.submit(() -> {
            throw boom;
        }).get());
        assertSame(boom, e.getCause());
        IllegalStateException bad = new IllegalStateException("bad");
        assertSame(bad, assertThrows(IllegalStateException.class, () -> io.call(() -> {
            throw bad;
        })));
        io.close();
    }
}

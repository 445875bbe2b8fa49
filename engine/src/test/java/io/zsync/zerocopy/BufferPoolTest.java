package io.zsync.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BufferPoolTest {
    private final List<BufferPool> pools = new ArrayList<>();

    private BufferPool pool(BufferPool.Builder builder) {
        BufferPool pool = builder.build();
        pools.add(pool);
        return pool;
    }

    @AfterEach
    void closePools() {
        pools.forEach(BufferPool::close);
    }

    @Test
    void shouldHandOutAlignedDirectBuffersOfThePowerOfTwoClass() {
        BufferPool pool = pool(BufferPool.builder());
        int[][] cases = {{0, 64}, {1, 64}, {64, 64}, {65, 128}, {1000, 1024}, {65_536, 65_536}, {65_537, 131_072},
            {16 << 20, 16 << 20}};
        for (int[] c : cases) {
            try (PooledBuffer lease = pool.acquire(c[0])) {
                ByteBuffer b = lease.buffer();
                assertEquals(c[1], b.capacity(), "capacity for " + c[0]);
                assertEquals(c[0], b.limit(), "limit for " + c[0]);
                assertEquals(0, b.position());
                assertTrue(b.isDirect());
                assertEquals(ByteOrder.BIG_ENDIAN, b.order());
                assertEquals(0, b.alignmentOffset(0, 64), "64-byte alignment for " + c[0]);
                assertEquals(c[1], pool.bufferSizeFor(c[0]));
            }
        }
    }

    @Test
    void shouldRejectSizesOutsideTheClassesNamingTheRange() {
        BufferPool pool = pool(BufferPool.builder());
        IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class,
                () -> pool.acquire((16 << 20) + 1));
        assertTrue(tooBig.getMessage().contains("16777217") && tooBig.getMessage().contains("0 to 16777216"),
                tooBig.getMessage());
        assertThrows(IllegalArgumentException.class, () -> pool.acquire(-1));
        BufferPool big = pool(BufferPool.builder().maxBufferSize(64 << 20).maxReservedBytes(256L << 20));
        try (PooledBuffer lease = big.acquire(40 << 20)) {
            assertEquals(64 << 20, lease.capacity());
        }
    }

    @Test
    void shouldRecycleReleasedBuffersAsHits() {
        BufferPool pool = pool(BufferPool.builder());
        PooledBuffer first = pool.acquire(1000);
        ByteBuffer memory = first.buffer();
        memory.position(10).limit(20).order(ByteOrder.LITTLE_ENDIAN);
        first.release();
        PooledBuffer second = pool.acquire(700);
        assertSame(memory, second.buffer(), "the same block comes back from the thread's stash");
        assertEquals(0, second.buffer().position(), "position reset");
        assertEquals(700, second.buffer().limit(), "limit is the new size");
        assertEquals(ByteOrder.BIG_ENDIAN, second.buffer().order(), "order reset");
        second.release();
        BufferPoolStats.SizeClass kib = pool.stats().sizeClass(1024);
        assertEquals(1, kib.misses());
        assertEquals(1, kib.hits());
        assertEquals(0, kib.inUse());
    }

    @Test
    void shouldReportReservedInUseAndPerClassCounters() {
        BufferPool pool = pool(BufferPool.builder());
        PooledBuffer small = pool.acquire(64);
        PooledBuffer large = pool.acquire(1 << 20);
        BufferPoolStats stats = pool.stats();
        assertEquals(BufferPool.SLAB_SIZE + (1 << 20), stats.reservedBytes(), "one slab for 64 B, one 1 MiB buffer");
        assertEquals(64 + (1 << 20), stats.inUseBytes());
        assertEquals(1, stats.sizeClass(64).inUse());
        assertEquals(1, stats.sizeClass(1 << 20).misses());
        assertEquals(2, stats.misses());
        assertEquals(19, stats.sizeClasses().size(), "64 B .. 16 MiB");
        small.release();
        large.release();
        assertEquals(0, pool.stats().inUseBytes());
        assertThrows(IllegalArgumentException.class, () -> stats.sizeClass(100));
    }

    @Test
    void shouldRefuseADoubleReleaseSayingSo() {
        BufferPool pool = pool(BufferPool.builder());
        PooledBuffer lease = pool.acquire(128);
        lease.release();
        IllegalStateException e = assertThrows(IllegalStateException.class, lease::release);
        assertTrue(e.getMessage().contains("released twice"), e.getMessage());
        assertThrows(IllegalStateException.class, lease::close);
        assertThrows(IllegalStateException.class, lease::buffer);
        assertTrue(lease.isReleased());
    }

    @Test
    void shouldNotLetAStaleLeaseReleaseTheNextHoldersBuffer() {
        BufferPool pool = pool(BufferPool.builder());
        PooledBuffer stale = pool.acquire(128);
        ByteBuffer memory = stale.buffer();
        stale.release();
        PooledBuffer current = pool.acquire(128);
        assertSame(memory, current.buffer(), "same memory, new lease");
        assertThrows(IllegalStateException.class, stale::release);
        assertFalse(current.isReleased(), "the new holder keeps its buffer");
        assertEquals(1, pool.stats().sizeClass(128).inUse());
        current.release();
    }

    @Test
    void shouldRefuseABufferFromAnotherPool() {
        BufferPool a = pool(BufferPool.builder());
        BufferPool b = pool(BufferPool.builder());
        PooledBuffer lease = a.acquire(64);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.release(lease));
        assertTrue(e.getMessage().contains("another pool"), e.getMessage());
        assertFalse(lease.isReleased(), "still owned, still releasable to its own pool");
        a.release(lease);
    }

    @Test
    void shouldFailClearlyAtTheCeilingWhenConfiguredToFail() {
        BufferPool pool = pool(BufferPool.builder().maxReservedBytes(256 << 10));
        PooledBuffer a = pool.acquire(128 << 10);
        PooledBuffer b = pool.acquire(128 << 10);
        PoolExhaustedException e = assertThrows(PoolExhaustedException.class, () -> pool.acquire(64));
        assertTrue(e.getMessage().contains("maxReservedBytes=262144"), e.getMessage());
        assertTrue(e.getMessage().contains("262144 in use"), e.getMessage());
        a.release();
        b.release();
        try (PooledBuffer c = pool.acquire(64)) {
            assertEquals(64, c.capacity(), "idle large buffers were freed to make room");
        }
    }

    @Test
    void shouldWaitForAReleaseAtTheCeilingWhenConfiguredToWait() throws Exception {
        BufferPool pool = pool(BufferPool.builder().maxReservedBytes(128 << 10)
                .whenExhausted(BufferPool.WhenExhausted.WAIT).maxWait(Duration.ofSeconds(30)));
        PooledBuffer held = pool.acquire(128 << 10);
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            CountDownLatch started = new CountDownLatch(1);
            Future<Integer> waiter = executor.submit(() -> {
                started.countDown();
                try (PooledBuffer lease = pool.acquire(100 << 10)) {
                    return lease.capacity();
                }
            });
            started.await();
            Thread.sleep(100);
            assertFalse(waiter.isDone(), "the acquire waits at the ceiling");
            held.release();
            assertEquals(128 << 10, waiter.get(10, TimeUnit.SECONDS));
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void shouldGiveUpWaitingAfterMaxWait() {
        BufferPool pool = pool(BufferPool.builder().maxReservedBytes(64 << 10)
                .whenExhausted(BufferPool.WhenExhausted.WAIT).maxWait(Duration.ofMillis(50)));
        PooledBuffer held = pool.acquire(64 << 10);
        PoolExhaustedException e = assertThrows(PoolExhaustedException.class, () -> pool.acquire(64 << 10));
        assertTrue(e.getMessage().contains("after waiting 50 ms"), e.getMessage());
        held.release();
    }

    @Test
    void shouldReclaimTheStashOfADeadThread() throws Exception {
        BufferPool pool = pool(BufferPool.builder().maxReservedBytes(64 << 10));
        Thread t = new Thread(() -> pool.acquire(1024).release());
        t.start();
        t.join();
        // The dead thread's stash holds 1 KiB buffers of the only slab; a 64 KiB request needs its memory,
        // and a 1 KiB request must be served from the reclaimed stash without new memory.
        try (PooledBuffer lease = pool.acquire(1024)) {
            assertEquals(1, pool.stats().sizeClass(1024).misses(), "no second slab was reserved");
            assertEquals(64 << 10, pool.stats().reservedBytes());
        }
    }

    @Test
    void shouldValidateSettingsNamingTheValue() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BufferPool.builder().maxReservedBytes(10))
                .getMessage().contains("was 10"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BufferPool.builder().maxBufferSize(Integer.MAX_VALUE))
                .getMessage().contains("maxBufferSize"));
        assertThrows(IllegalArgumentException.class, () -> BufferPool.builder().maxWait(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> BufferPool.builder().whenExhausted(null));
        assertThrows(IllegalArgumentException.class, () -> BufferPool.builder().threadCacheMaxBufferSize(-1));
        assertThrows(IllegalArgumentException.class, () -> BufferPool.builder().threadCacheBytesPerClass(0));
    }

    @Test
    void shouldFreeIdleMemoryOnCloseAndOutstandingBuffersOnTheirRelease() {
        BufferPool pool = pool(BufferPool.builder());
        pool.acquire(1 << 20).release();
        PooledBuffer outstanding = pool.acquire(256 << 10);
        outstanding.buffer().put(0, (byte) 7);
        pool.close();
        assertTrue(pool.isClosed());
        assertEquals(256 << 10, pool.stats().reservedBytes(), "only the leased buffer is still reserved");
        assertEquals(7, outstanding.buffer().get(0), "a leased buffer stays valid after close");
        outstanding.release();
        assertEquals(0, pool.stats().reservedBytes(), "freed on release");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.acquire(64));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        pool.close();
    }

    @Test
    void shouldNeverHandOneBufferToTwoThreadsUnderContention() throws Exception {
        BufferPool pool = pool(BufferPool.builder().threadCacheBytesPerClass(4096));
        int threads = 4;
        int rounds = 20_000;
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                byte id = (byte) (t + 1);
                results.add(executor.submit(() -> {
                    int corrupt = 0;
                    List<PooledBuffer> held = new ArrayList<>();
                    for (int i = 0; i < rounds; i++) {
                        PooledBuffer lease = pool.acquire(64 << (i % 6));
                        ByteBuffer b = lease.buffer();
                        for (int j = 0; j < 64; j++) {
                            b.put(j, id);
                        }
                        held.add(lease);
                        if (held.size() > 8 || i % 3 == 0) {
                            PooledBuffer old = held.remove(0);
                            for (int j = 0; j < 64; j++) {
                                corrupt += old.buffer().get(j) == id ? 0 : 1;
                            }
                            old.release();
                        }
                    }
                    held.forEach(PooledBuffer::release);
                    return corrupt;
                }));
            }
            for (Future<Integer> r : results) {
                assertEquals(0, r.get(60, TimeUnit.SECONDS), "bytes overwritten by another holder");
            }
        } finally {
            executor.shutdown();
        }
        BufferPoolStats stats = pool.stats();
        assertEquals(0, stats.inUseBytes());
        assertEquals((long) threads * rounds, stats.hits() + stats.misses());
    }

    @Test
    void shouldHandOutDistinctBuffersWhileHeld() {
        BufferPool pool = pool(BufferPool.builder());
        IdentityHashMap<ByteBuffer, Boolean> seen = new IdentityHashMap<>();
        List<PooledBuffer> held = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            PooledBuffer lease = pool.acquire(64);
            assertTrue(seen.put(lease.buffer(), Boolean.TRUE) == null, "buffer handed out twice");
            held.add(lease);
        }
        assertNotSame(held.get(0).buffer(), held.get(1).buffer());
        held.forEach(PooledBuffer::release);
        assertEquals(0, pool.stats().inUseBytes());
    }
}

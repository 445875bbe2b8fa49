package io.zsync.accel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zsync.io.Io;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The async operations and parallelProcess, the same calling code under every execution model. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AsyncHardwareOpsTest {

    static List<Supplier<Io>> models() {
        return List.of(Io::blocking, () -> Io.threadPool(2), Io::virtualThreads);
    }

    @ParameterizedTest
    @MethodSource("models")
    void asyncCopyAndXorGiveTheSynchronousResults(Supplier<Io> model) throws Exception {
        try (Io io = model.get()) {
            AsyncHardwareOps ops = AsyncHardwareOps.init(io);
            Random random = new Random(21);
            byte[] src = new byte[70_001];
            random.nextBytes(src);
            XorKey key = XorKey.of(new byte[] {9, 8, 7, 6, 5});

            byte[] copy = new byte[src.length];
            ops.asyncCopy(copy, src).get(30, TimeUnit.SECONDS);
            assertArrayEquals(src, copy);

            ByteBuffer direct = ByteBuffer.allocateDirect(src.length);
            ops.asyncCopy(direct, 0, ByteBuffer.wrap(src), 0, src.length).get(30, TimeUnit.SECONDS);
            assertEquals(-1, direct.mismatch(ByteBuffer.wrap(src)));

            byte[] masked = new byte[src.length];
            byte[] expected = new byte[src.length];
            XorTest.referenceXor(expected, 0, src, 0, src.length, key.bytes(), 0);
            assertEquals(src.length % 5, ops.asyncXor(masked, src, key).get(30, TimeUnit.SECONDS));
            assertArrayEquals(expected, masked);

            ByteBuffer maskedDirect = ByteBuffer.allocateDirect(src.length);
            ops.asyncXor(maskedDirect, 0, direct, 0, src.length, key, 0).get(30, TimeUnit.SECONDS);
            assertEquals(-1, maskedDirect.mismatch(ByteBuffer.wrap(expected)));
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void badArgumentsFailTheFuture(Supplier<Io> model) {
        try (Io io = model.get()) {
            CompletableFuture<Void> future = AsyncHardwareOps.init(io).asyncCopy(new byte[2], new byte[3]);
            CompletionException failed = assertThrows(CompletionException.class, future::join);
            assertInstanceOf(IndexOutOfBoundsException.class, failed.getCause());
            assertTrue(failed.getCause().getMessage().contains("exceeds dst's 2 bytes"));
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void parallelProcessTouchesEveryItemOnce(Supplier<Io> model) {
        try (Io io = model.get()) {
            AsyncHardwareOps ops = AsyncHardwareOps.init(io);
            for (int size : new int[] {0, 1, 15, 16, 17, 1000, 100_003}) {
                int[] ints = new int[size];
                Arrays.setAll(ints, i -> i);
                ops.parallelProcess(ints, x -> x * 3 + 1);
                for (int i = 0; i < size; i++) {
                    assertEquals(i * 3 + 1, ints[i]);
                }
                long[] longs = new long[size];
                Arrays.setAll(longs, i -> i);
                ops.parallelProcess(longs, x -> -x);
                for (int i = 0; i < size; i++) {
                    assertEquals(-i, longs[i]);
                }
                String[] strings = new String[size];
                Arrays.setAll(strings, Integer::toString);
                ops.parallelProcess(strings, s -> s + "!");
                for (int i = 0; i < size; i++) {
                    assertEquals(i + "!", strings[i]);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void aFailingChunkSurfacesOnceAndStopsTheOthers(Supplier<Io> model) {
        try (Io io = model.get()) {
            AsyncHardwareOps ops = AsyncHardwareOps.init(io);
            int size = 1_000_000;
            int poisoned = 1000;
            AtomicInteger processed = new AtomicInteger();
            CountDownLatch failed = new CountDownLatch(1);
            int[] items = new int[size];
            ParallelProcessException thrown = assertThrows(ParallelProcessException.class,
                    () -> ops.parallelProcess(items, x -> {
                        int n = processed.incrementAndGet();
                        if (n == poisoned) {
                            failed.countDown();
                            throw new IllegalStateException("poisoned item");
                        }
                        return x + 1;
                    }));
            assertInstanceOf(IllegalStateException.class, thrown.getCause());
            assertTrue(thrown.getMessage().contains("failed at item " + thrown.item()), thrown::getMessage);
            assertTrue(thrown.getMessage().contains("the other chunks were cancelled"), thrown::getMessage);
            assertTrue(processed.get() < size, "the remaining items were skipped, not all processed");
            assertEquals(0, failed.getCount());
        }
    }
}

package io.zsync.demo;

import io.zsync.Zsync;
import io.zsync.accel.AsyncHardwareOps;
import io.zsync.accel.HardwareAccel;
import io.zsync.accel.XorKey;
import io.zsync.io.Io;
import io.zsync.zerocopy.BufferPool;
import io.zsync.zerocopy.BufferPoolStats;
import io.zsync.zerocopy.FramedRingBuffer;
import io.zsync.zerocopy.PooledBuffer;
import io.zsync.zerocopy.ZeroCopyIo;
import io.zsync.zerocopy.ZeroCopyRingBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

/**
 * Walks through the engine's features with live output, as the reference design's demo does. Today
 * covers all three groups: zero-copy (the buffer pool, zero-copy file I/O, both rings moving data
 * between two threads), hardware acceleration (CPU features, SIMD XOR and CRC32C under each execution
 * model, parallelProcess) and realtime streams (priorities under overload, deadlines, the rate limit,
 * fan-out, every backpressure strategy, the presets). Runs in a few seconds; {@code --seconds N} lengthens the ring run.
 */
public final class EngineDemo {
    private EngineDemo() {
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length == 2 && args[0].equals("--seconds") ? Double.parseDouble(args[1]) : 3;
        System.out.println("zsync " + Zsync.VERSION + " engine demo on Java " + Runtime.version());
        Io io = Zsync.blockingIo();
        try (BufferPool pool = BufferPool.builder().maxReservedBytes(64 << 20).build()) {
            poolDemo(pool);
            fileDemo(io, pool);
            byteRingDemo(seconds / 2);
            framedRingDemo(seconds / 2);
            accelDemo();
            StreamDemo.run(pool, seconds);
            System.out.println("\nDone. Pool after close of every lease: " + describe(pool.stats()));
        }
    }

    private static void poolDemo(BufferPool pool) {
        System.out.println("\n1. BufferPool: off-heap, 64-byte aligned, power-of-two classes");
        for (int size : new int[] {1, 100, 4096, 65_537, 1 << 20}) {
            try (PooledBuffer lease = pool.acquire(size)) {
                ByteBuffer b = lease.buffer();
                System.out.printf("   acquire(%,9d) -> capacity %,9d, direct=%b, aligned=%b%n", size, b.capacity(),
                        b.isDirect(), b.alignmentOffset(0, 64) == 0);
            }
        }
        for (int i = 0; i < 100_000; i++) {
            pool.acquire(1024).release();
        }
        System.out.println("   100,000 acquire/release of 1 KiB: " + describe(pool.stats()));
        PooledBuffer lease = pool.acquire(64);
        lease.release();
        try {
            lease.release();
        } catch (IllegalStateException e) {
            System.out.println("   releasing twice is caught: " + e.getMessage());
        }
    }

    private static void fileDemo(Io io, BufferPool pool) throws IOException {
        System.out.println("\n2. ZeroCopyIo: pooled reads, kernel transfers, memory mapping");
        ZeroCopyIo zio = new ZeroCopyIo(pool);
        Path dir = Files.createTempDirectory("zsync-demo");
        Path source = dir.resolve("source.bin");
        byte[] data = new byte[8 << 20];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31 + (i >>> 9));
        }
        Files.write(source, data);
        long start = System.nanoTime();
        Path copy = dir.resolve("copy.bin");
        long copied = zio.copyFile(io, source, copy);
        System.out.printf("   copyFile (transferTo) %,d bytes in %.2f ms, identical=%b%n", copied,
                (System.nanoTime() - start) / 1e6, crc(Files.readAllBytes(copy)) == crc(data));
        try (FileChannel ch = FileChannel.open(source, StandardOpenOption.READ);
             PooledBuffer lease = zio.readZeroCopy(io, ch, 1 << 20)) {
            System.out.printf("   readZeroCopy 1 MiB into a pooled direct buffer: first bytes %02x %02x %02x%n",
                    lease.buffer().get(0), lease.buffer().get(1), lease.buffer().get(2));
            var mapped = zio.mapReadOnly(io, ch, 0, ch.size());
            System.out.printf("   mapReadOnly %,d bytes, byte[1000] = %02x (file has %02x)%n", mapped.capacity(),
                    mapped.get(1000), data[1000]);
        }
        Files.delete(copy);
        Files.delete(source);
        Files.delete(dir);
    }

    private static void byteRingDemo(double seconds) throws InterruptedException {
        System.out.println("\n3. ZeroCopyRingBuffer: SPSC bytes, slices filled and read in place");
        ZeroCopyRingBuffer ring = new ZeroCopyRingBuffer(1 << 16);
        AtomicLong consumed = new AtomicLong();
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        CRC32C produced = new CRC32C();
        CRC32C received = new CRC32C();
        Thread consumer = new Thread(() -> {
            while (true) {
                ByteBuffer in = ring.readableSlice();
                int n = in.remaining();
                if (n == 0) {
                    if (Thread.currentThread().isInterrupted() && ring.isEmpty()) {
                        return;
                    }
                    Thread.onSpinWait();
                    continue;
                }
                received.update(in);
                ring.commitRead(n);
                consumed.addAndGet(n);
            }
        }, "demo-consumer");
        consumer.start();
        byte counter = 0;
        long produced0 = 0;
        while (System.nanoTime() < deadline) {
            ByteBuffer out = ring.writableSlice();
            int n = Math.min(out.remaining(), 1500);
            for (int i = 0; i < n; i++) {
                out.put(counter++);
            }
            out.position(out.position() - n);
            produced.update(out.slice(out.position(), n));
            ring.commitWrite(n);
            produced0 += n;
        }
        consumer.interrupt();
        consumer.join();
        System.out.printf("   moved %,d bytes in %.1f s (%.0f MB/s), checksums match=%b%n", produced0, seconds,
                produced0 / seconds / 1e6, produced.getValue() == received.getValue() && consumed.get() == produced0);
        ring.close();
    }

    private static void framedRingDemo(double seconds) throws InterruptedException {
        System.out.println("\n4. FramedRingBuffer: length-prefixed records, batch reads in place");
        FramedRingBuffer ring = new FramedRingBuffer(1 << 16);
        byte[] message = "64 bytes of payload: zsync moves messages between Kafka topics!!".getBytes(
                StandardCharsets.US_ASCII);
        long[] received = new long[1];
        long[] badRecords = new long[1];
        Thread consumer = new Thread(() -> {
            while (true) {
                int n = ring.read((buffer, offset, length) -> {
                    if (length != message.length || buffer.get(offset) != message[0]) {
                        badRecords[0]++;
                    }
                }, 256);
                received[0] += n;
                if (n == 0) {
                    if (Thread.currentThread().isInterrupted() && ring.isEmpty()) {
                        return;
                    }
                    Thread.onSpinWait();
                }
            }
        }, "demo-consumer");
        consumer.start();
        long sent = 0;
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < 1000; i++) {
                while (!ring.write(message)) {
                    Thread.onSpinWait();
                }
            }
            sent += 1000;
        }
        consumer.interrupt();
        consumer.join();
        System.out.printf("   %,d records of %d bytes in %.1f s (%.1f M records/s), received %,d, corrupt %d%n", sent,
                message.length, seconds, sent / seconds / 1e6, received[0], badRecords[0]);
        ring.close();
    }

    private static void accelDemo() throws Exception {
        System.out.println("\n5. HardwareAccel: CPU features, SIMD XOR, CRC32C, the same code under every Io");
        HardwareAccel accel = Zsync.hardwareAccel();
        System.out.println("   " + accel.features());
        byte[] original = new byte[16 << 20];
        new java.util.Random(7).nextBytes(original);
        long expectedCrc = crc(original);
        XorKey key = XorKey.fromHex("5a3c117f0180422418");
        boolean allIdentical = true;
        for (Io io : new Io[] {Io.blocking(), Io.threadPool(2), Io.virtualThreads()}) {
            try (io) {
                byte[] data = original.clone();
                double maskMs = Double.MAX_VALUE;
                boolean masked = true;
                for (int round = 0; round < 5; round++) { // best of five: the first rounds include JIT work
                    long start = System.nanoTime();
                    accel.optimizedXor(io, data, data, key);
                    maskMs = Math.min(maskMs, (System.nanoTime() - start) / 1e6);
                    masked &= accel.optimizedCompare(io, data, original) >= 0;
                    accel.optimizedXor(io, data, data, key);
                }
                boolean identical = accel.optimizedCompare(io, data, original) == -1
                        && accel.crc32c(io, data) == expectedCrc;
                allIdentical &= masked && identical;
                System.out.printf("   %-40s XOR 16 MiB in place with %s, best of 5: %6.2f ms, unmasked identical=%b%n",
                        io.name(), accel.implementation(), maskMs, identical);
            }
        }
        try (Io pool = Io.threadPool(2)) {
            int[] items = new int[1 << 20];
            java.util.Arrays.setAll(items, i -> i);
            AsyncHardwareOps.init(pool).parallelProcess(items, x -> x * 2 + 1);
            boolean right = true;
            for (int i = 0; i < items.length; i++) {
                right &= items[i] == i * 2 + 1;
            }
            System.out.printf("   parallelProcess of %,d ints on %s: every item mapped=%b%n", items.length,
                    pool, right);
            allIdentical &= right;
        }
        System.out.println("   every model gave the same bytes=" + allIdentical);
    }

    private static String describe(BufferPoolStats s) {
        return String.format("reserved %,d B, in use %,d B, hits %,d, misses %,d", s.reservedBytes(), s.inUseBytes(),
                s.hits(), s.misses());
    }

    private static long crc(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return crc.getValue();
    }
}

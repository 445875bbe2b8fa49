package io.zsync.demo;

import io.zsync.Zsync;
import io.zsync.accel.HardwareAccel;
import io.zsync.accel.XorKey;
import io.zsync.io.Io;
import io.zsync.stream.Backpressure;
import io.zsync.stream.CloseReport;
import io.zsync.stream.DeadLetterReason;
import io.zsync.stream.Priority;
import io.zsync.stream.RealtimeStream;
import io.zsync.stream.RealtimeStreams;
import io.zsync.stream.StreamBuilder;
import io.zsync.stream.StreamMessage;
import io.zsync.stream.StreamMetrics;
import io.zsync.zerocopy.BufferPool;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Section 6 of the engine demo: the realtime stream. Priorities under overload, deadlines, a rate limit,
 * fan-out of one pooled payload with masks and filters, the four backpressure strategies, and the three
 * presets, each with the stream's own metrics.
 */
final class StreamDemo {
    private StreamDemo() {
    }

    static void run(BufferPool pool, double seconds) throws Exception {
        System.out.println("\n6. Realtime streams: priorities, deadlines, rate limit, backpressure");
        overloadDemo(pool, seconds);
        fanOutDemo(pool);
        backpressureDemo(pool);
        presetDemo(pool, seconds);
    }

    /** A flood of LOW with a trickle of CRITICAL through a rate limit: urgent messages are not drowned. */
    private static void overloadDemo(BufferPool pool, double seconds) throws Exception {
        long rate = 20_000;
        AtomicLong expired = new AtomicLong();
        try (RealtimeStream stream = Zsync.streamBuilder().withName("overload")
                .withBufferSize(2_000).withBackpressure(Backpressure.DROP_OLDEST).withRateLimit(rate)
                .withRealTimePriority()
                .withDeadLetterListener(dl -> {
                    if (dl.reason() == DeadLetterReason.EXPIRED) {
                        expired.incrementAndGet();
                    }
                })
                .build()) {
            AtomicLong delivered = new AtomicLong();
            stream.subscribe(m -> delivered.incrementAndGet());
            long start = System.nanoTime();
            long duration = (long) (seconds * 0.4e9);
            long sent = 0;
            byte[] payload = new byte[64];
            Io io = Zsync.blockingIo();
            long elapsed;
            while ((elapsed = System.nanoTime() - start) < duration) {
                // Twice the limit, so the buffer stays full and backpressure decides who goes.
                if (sent > elapsed * 2 * rate / 1_000_000_000L) {
                    Thread.onSpinWait();
                    continue;
                }
                Priority p = sent % 50 == 0 ? Priority.CRITICAL : Priority.LOW;
                try (StreamMessage m = StreamMessage.copyOf(pool, payload).priority(p)) {
                    if (p == Priority.LOW && sent % 7 == 0) {
                        // Every 7th LOW carries a 20 ms deadline; under overload it waits longer and expires.
                        m.deadline(System.currentTimeMillis() * 1000 + 20_000);
                    }
                    stream.send(io, m);
                }
                sent++;
            }
            CloseReport report = stream.close(Duration.ofSeconds(5));
            StreamMetrics metrics = stream.metrics();
            System.out.printf("   %s: %,d sent at 2x the limit, %,d delivered, drained on close=%s%n", stream, sent,
                    metrics.deliveredTotal(), report.drained());
            System.out.printf("   dead letters: dropped oldest %,d, dropped newest %,d, expired %,d (listener saw %,d)%n",
                    metrics.deadLetters(DeadLetterReason.DROPPED_OLDEST),
                    metrics.deadLetters(DeadLetterReason.DROPPED_NEWEST), metrics.expired(), expired.get());
            System.out.printf("   CRITICAL: %,d of %,d delivered, latency %s%n", metrics.delivered(Priority.CRITICAL),
                    metrics.accepted(Priority.CRITICAL), metrics.latency(Priority.CRITICAL));
            System.out.printf("   LOW:      %,d of %,d delivered, latency %s%n", metrics.delivered(Priority.LOW),
                    metrics.accepted(Priority.LOW), metrics.latency(Priority.LOW));
        }
    }

    /** One payload, copied once into the pool, masked with SIMD XOR, seen by three subscribers. */
    private static void fanOutDemo(BufferPool pool) throws Exception {
        HardwareAccel accel = Zsync.hardwareAccel();
        XorKey key = XorKey.fromHex("5a17c0de");
        AtomicLong urgent = new AtomicLong();
        AtomicLong tagged = new AtomicLong();
        AtomicLong unmaskedOk = new AtomicLong();
        try (RealtimeStream stream = Zsync.streamBuilder().withName("fan-out").build()) {
            stream.subscribe(m -> urgent.incrementAndGet(), Priority.maskOf(Priority.HIGH, Priority.CRITICAL), 256, null);
            stream.subscribe(m -> tagged.incrementAndGet(), Priority.ALL, 256, m -> m.lastHeader("tag") != null);
            stream.subscribe(m -> {
                ByteBuffer copy = ByteBuffer.allocate(m.length());
                accel.optimizedXor(Io.blocking(), copy, m.payload(), key, 0);
                if (new String(copy.array(), java.nio.charset.StandardCharsets.UTF_8).startsWith("reading ")) {
                    unmaskedOk.incrementAndGet();
                }
            });
            for (int i = 0; i < 1_000; i++) {
                byte[] text = ("reading " + i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                accel.optimizedXor(Io.blocking(), text, text, key);
                try (StreamMessage m = StreamMessage.copyOf(pool, text).priority(Priority.of(i & 3))) {
                    if (i % 10 == 0) {
                        m.header("tag", new byte[] {1});
                    }
                    stream.send(Zsync.blockingIo(), m);
                }
            }
            CloseReport report = stream.close(Duration.ofSeconds(10));
            System.out.printf("   fan-out: 1,000 XOR-masked messages, one pooled copy each, three subscribers:%n"
                            + "     HIGH|CRITICAL mask got %d, header filter got %d, unmasking subscriber read %d intact;"
                            + " drained=%s, pool in use %d B%n",
                    urgent.get(), tagged.get(), unmaskedOk.get(), report.drained(), pool.stats().inUseBytes());
        }
    }

    /** The same burst against a paused stream of 100 under each strategy. */
    private static void backpressureDemo(BufferPool pool) throws Exception {
        System.out.println("   backpressure: 150 messages (mixed levels) into a buffer of 100 while dispatch is paused");
        for (Backpressure strategy : Backpressure.values()) {
            AtomicLong delivered = new AtomicLong();
            long refused = 0;
            StreamBuilder builder = Zsync.streamBuilder().withName(strategy.configValue()).withBufferSize(100)
                    .withBackpressure(strategy, Duration.ofMillis(5)).startPaused().withDeadLetterListener(dl -> { });
            try (RealtimeStream stream = builder.build()) {
                stream.subscribe(m -> delivered.incrementAndGet());
                for (int i = 0; i < 150; i++) {
                    try (StreamMessage m = StreamMessage.copyOf(pool, new byte[16]).priority(Priority.of(i % 4))) {
                        stream.send(Zsync.blockingIo(), m);
                    } catch (RuntimeException e) {
                        refused++;
                    }
                }
                stream.resume();
                stream.close(Duration.ofSeconds(10));
                StreamMetrics mt = stream.metrics();
                System.out.printf("     %-13s delivered %3d, dropped oldest %2d, dropped newest %2d, sender got an"
                                + " exception %2d times (CRITICAL delivered %d of %d)%n", strategy.configValue(),
                        delivered.get(), mt.deadLetters(DeadLetterReason.DROPPED_OLDEST),
                        mt.deadLetters(DeadLetterReason.DROPPED_NEWEST), refused, mt.delivered(Priority.CRITICAL),
                        mt.accepted(Priority.CRITICAL) + (strategy == Backpressure.DROP_OLDEST ? 0 : 0));
            }
        }
    }

    /** Each preset moving 64-byte messages from one sender to one subscriber. */
    private static void presetDemo(BufferPool pool, double seconds) throws Exception {
        String[] names = {"createHighThroughputStream", "createLowLatencyStream", "createReliableStream"};
        for (int k = 0; k < 3; k++) {
            AtomicLong delivered = new AtomicLong();
            RealtimeStream stream = k == 0 ? RealtimeStreams.createHighThroughputStream()
                    : k == 1 ? RealtimeStreams.createLowLatencyStream() : RealtimeStreams.createReliableStream();
            stream.subscribe(m -> delivered.incrementAndGet());
            byte[] payload = new byte[64];
            StreamMessage[] batch = new StreamMessage[64];
            long start = System.nanoTime();
            long end = start + (long) (seconds * 0.1e9);
            long sent = 0;
            while (System.nanoTime() < end) {
                for (int i = 0; i < batch.length; i++) {
                    batch[i] = StreamMessage.copyOf(pool, payload);
                }
                stream.sendBatch(Zsync.blockingIo(), batch, 0, batch.length);
                for (StreamMessage m : batch) {
                    m.close();
                }
                sent += batch.length;
            }
            CloseReport report = stream.close(Duration.ofSeconds(10));
            double secs = (System.nanoTime() - start) / 1e9;
            System.out.printf("   %-27s %,12.0f msg/s through one subscriber (%,d sent, %,d delivered, drained=%s), %s%n",
                    names[k] + "()", delivered.get() / secs, sent, delivered.get(), report.drained(),
                    stream.metrics().latency(Priority.NORMAL));
        }
    }
}

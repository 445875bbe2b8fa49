package io.zsync.stream;

import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.YieldingWaitStrategy;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import com.lmax.disruptor.util.DaemonThreadFactory;
import io.zsync.io.Io;
import io.zsync.zerocopy.BufferPool;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Paced measurements that JMH's modes do not express: send-to-deliver latency at a fixed rate, latency
 * per priority under overload, and the delivered rate under a limit. Each sender stamps
 * {@link System#nanoTime()} into the payload just before sending; the receiver records the difference
 * in an HdrHistogram, so zsync and the Disruptor are measured the same way.
 */
public final class StreamHarness {
    private static final int MESSAGE = 64;

    private StreamHarness() {
    }

    /** Latency at half of the low-latency preset's measured maximum rate, next to the Disruptor's. */
    public static String latency(boolean quick) throws Exception {
        int seconds = quick ? 3 : 10;
        double max = maxRate(quick ? 2 : 5);
        long rate = (long) (max / 2);
        Histogram zsync = zsyncLatency(rate, seconds);
        Histogram disruptor = disruptorLatency(rate, seconds);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%nSend-to-deliver latency, 1 sender -> 1 subscriber, 64-byte payloads, paced at"
                + " %,d msg/s (half of the low-latency preset's measured maximum, %,.0f msg/s), %d s (µs)%n", rate, max, seconds));
        sb.append(String.format(Locale.ROOT, "  %-34s %10s %10s %10s %10s%n", "", "p50", "p99", "p999", "max"));
        row(sb, "zsync createLowLatencyStream", zsync);
        row(sb, "disruptor (yielding wait)", disruptor);
        sb.append(String.format(Locale.ROOT, "  p99 ratio zsync/disruptor: %.2fx (target <= 1.5x)%n",
                (double) zsync.getValueAtPercentile(99) / disruptor.getValueAtPercentile(99)));
        return sb.toString();
    }

    private static void row(StringBuilder sb, String name, Histogram h) {
        sb.append(String.format(Locale.ROOT, "  %-34s %10.1f %10.1f %10.1f %10.1f%n", name, h.getValueAtPercentile(50) / 1e3,
                h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3));
    }

    private static double maxRate(int seconds) throws IOException {
        AtomicLong delivered = new AtomicLong();
        try (BufferPool pool = BufferPool.create();
             RealtimeStream stream = RealtimeStreams.lowLatency().withBackpressure(Backpressure.BLOCK).build()) {
            stream.subscribe(m -> delivered.lazySet(delivered.get() + 1));
            byte[] payload = new byte[MESSAGE];
            long warmEnd = System.nanoTime() + 1_000_000_000L;
            long start = 0;
            long startCount = 0;
            long end = Long.MAX_VALUE;
            while (System.nanoTime() < end) {
                try (StreamMessage m = StreamMessage.copyOf(pool, payload)) {
                    stream.send(Io.blocking(), m);
                }
                if (start == 0 && System.nanoTime() > warmEnd) {
                    start = System.nanoTime();
                    startCount = delivered.get();
                    end = start + seconds * 1_000_000_000L;
                }
            }
            return (delivered.get() - startCount) / ((System.nanoTime() - start) / 1e9);
        }
    }

    private static Histogram zsyncLatency(long rate, int seconds) throws IOException {
        Histogram histogram = new Histogram(3);
        AtomicLong warm = new AtomicLong(1);
        try (BufferPool pool = BufferPool.create(); RealtimeStream stream = RealtimeStreams.createLowLatencyStream()) {
            stream.subscribe(m -> {
                long latency = System.nanoTime() - m.getLong(0);
                if (warm.get() == 0) {
                    histogram.recordValue(latency);
                }
            });
            byte[] payload = new byte[MESSAGE];
            ByteBuffer stamp = ByteBuffer.wrap(payload).order(ByteOrder.BIG_ENDIAN);
            pace(rate, seconds, warm, () -> {
                stamp.putLong(0, System.nanoTime());
                try (StreamMessage m = StreamMessage.copyOf(pool, payload)) {
                    stream.send(Io.blocking(), m);
                }
            });
            stream.close(Duration.ofSeconds(5));
        }
        return histogram;
    }

    /** Disruptor's event: a timestamp and the rest of the payload. */
    static final class Event {
        final byte[] bytes = new byte[MESSAGE];
    }

    private static Histogram disruptorLatency(long rate, int seconds) throws IOException {
        Histogram histogram = new Histogram(3);
        AtomicLong warm = new AtomicLong(1);
        Disruptor<Event> disruptor = new Disruptor<>(Event::new, 16_384, DaemonThreadFactory.INSTANCE,
                ProducerType.SINGLE, new YieldingWaitStrategy());
        disruptor.handleEventsWith((event, sequence, endOfBatch) -> {
            long latency = System.nanoTime() - ByteBuffer.wrap(event.bytes).getLong(0);
            if (warm.get() == 0) {
                histogram.recordValue(latency);
            }
        });
        RingBuffer<Event> ring = disruptor.start();
        byte[] payload = new byte[MESSAGE];
        ByteBuffer stamp = ByteBuffer.wrap(payload);
        pace(rate, seconds, warm, () -> {
            long seq = ring.next();
            stamp.putLong(0, System.nanoTime());
            System.arraycopy(payload, 0, ring.get(seq).bytes, 0, MESSAGE);
            ring.publish(seq);
        });
        disruptor.shutdown();
        return histogram;
    }

    /** An action that may throw, run at a fixed rate. */
    interface Send {
        void run() throws IOException;
    }

    /** Sends at {@code rate} per second: one warm-up second (not recorded), then {@code seconds}. */
    private static void pace(long rate, int seconds, AtomicLong warm, Send send) throws IOException {
        long interval = 1_000_000_000L / rate;
        long start = System.nanoTime();
        long warmEnd = start + 1_000_000_000L;
        long end = warmEnd + seconds * 1_000_000_000L;
        long next = start;
        while (true) {
            long now;
            while ((now = System.nanoTime()) < next) {
                Thread.onSpinWait();
            }
            if (now >= end) {
                return;
            }
            if (warm.get() == 1 && now >= warmEnd) {
                warm.set(0);
            }
            send.run();
            next += interval;
        }
    }

    /** Input at twice the rate limit, one message in ten CRITICAL, the rest LOW, under drop_oldest. */
    public static String overload(boolean quick) throws Exception {
        int seconds = quick ? 3 : 10;
        long limit = 100_000;
        Histogram critical = new Histogram(3);
        Histogram low = new Histogram(3);
        AtomicLong warm = new AtomicLong(1);
        StreamMetrics metrics;
        try (BufferPool pool = BufferPool.create();
             RealtimeStream stream = RealtimeStreams.lowLatency().withRateLimit(limit)
                     .withDeadLetterListener(dl -> { }).build()) {
            stream.subscribe(m -> {
                long latency = System.nanoTime() - m.getLong(0);
                if (warm.get() == 0) {
                    (m.priority() == Priority.CRITICAL ? critical : low).recordValue(latency);
                }
            });
            byte[] payload = new byte[MESSAGE];
            ByteBuffer stamp = ByteBuffer.wrap(payload);
            long[] n = {0};
            pace(2 * limit, seconds, warm, () -> {
                stamp.putLong(0, System.nanoTime());
                Priority p = n[0]++ % 10 == 0 ? Priority.CRITICAL : Priority.LOW;
                try (StreamMessage m = StreamMessage.copyOf(pool, payload).priority(p)) {
                    stream.send(Io.blocking(), m);
                }
            });
            metrics = stream.metrics();
            stream.closeNow();
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%nOverload: input %,d msg/s (2x a %,d msg/s limit), 10%% CRITICAL, 90%% LOW,"
                + " low-latency preset (drop_oldest, 8,192-message buffer), %d s (µs)%n", 2 * limit, limit, seconds));
        sb.append(String.format(Locale.ROOT, "  %-34s %10s %10s %10s %10s%n", "", "p50", "p99", "p999", "max"));
        row(sb, "CRITICAL", critical);
        row(sb, "LOW", low);
        sb.append(String.format(Locale.ROOT, "  delivered CRITICAL %,d of %,d sent, LOW %,d of %,d; dropped oldest %,d,"
                        + " dropped newest %,d; p99 LOW/CRITICAL %.0fx%n",
                metrics.delivered(Priority.CRITICAL), metrics.accepted(Priority.CRITICAL), metrics.delivered(Priority.LOW),
                metrics.accepted(Priority.LOW), metrics.deadLetters(DeadLetterReason.DROPPED_OLDEST),
                metrics.deadLetters(DeadLetterReason.DROPPED_NEWEST),
                (double) low.getValueAtPercentile(99) / Math.max(1, critical.getValueAtPercentile(99))));
        return sb.toString();
    }

    /** A sender flooding a rate-limited stream: the delivered rate over the window against the limit. */
    public static String rate(boolean quick) throws Exception {
        int seconds = quick ? 3 : 10;
        long limit = 100_000;
        double measured = flood(new StreamBuilder().withName("rate").withRateLimit(limit)
                .withBackpressure(Backpressure.BLOCK).withBufferSize(10_000), seconds, true);
        return String.format(Locale.ROOT, "%nRate limit %,d msg/s (burst %,d), sender flooding under block, measured over %d s"
                        + " after the first second: %,.0f msg/s delivered, %+.2f%% off the limit (target within 1%%)%n",
                limit, limit / 10, seconds, measured, (measured / limit - 1) * 100);
    }

    /**
     * The sweep behind the presets' settings: flood throughput (block, 2 s after 1 s of warm-up) for
     * each delivery mode, batch size and wait strategy, sending in batches of 64 and one at a time.
     */
    public static String presets(boolean quick) throws Exception {
        int seconds = quick ? 1 : 2;
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%nPreset sweep: flood throughput, 1 sender -> 1"
                + " subscriber, 64-byte payloads, block, %d s per row (messages/s)%n", seconds));
        sb.append(String.format(Locale.ROOT, "  %-52s %14s %14s%n", "settings", "batches of 64", "one at a time"));
        for (boolean dispatcherDelivery : new boolean[] {true, false}) {
            for (int batch : new int[] {16, 64, 256, 1024}) {
                for (WaitStrategy wait : new WaitStrategy[] {WaitStrategy.PARK, WaitStrategy.BACKOFF}) {
                    StreamBuilder b = new StreamBuilder().withName("sweep").withBufferSize(65_536, 256L << 20)
                            .withBatchSize(batch).withWaitStrategy(wait).withLatencySampling(16);
                    if (dispatcherDelivery) {
                        b.withDispatcherDelivery();
                    }
                    String name = (dispatcherDelivery ? "dispatcher delivery" : "subscriber thread")
                            + ", batch " + batch + ", " + wait.name().toLowerCase(Locale.ROOT);
                    double batched = flood(b, seconds, true);
                    double single = flood(b, seconds, false);
                    sb.append(String.format(Locale.ROOT, "  %-52s %,14.0f %,14.0f%n", name, batched, single));
                }
            }
        }
        System.out.print(sb);
        return sb.toString();
    }

    /**
     * Delivered messages per second while one sender floods (in batches of 64, or one at a time), over
     * {@code seconds} after one second of warm-up.
     */
    private static double flood(StreamBuilder builder, int seconds, boolean batched) throws IOException {
        AtomicLong delivered = new AtomicLong();
        try (BufferPool pool = BufferPool.create(); RealtimeStream stream = builder.build()) {
            stream.subscribe(m -> delivered.lazySet(delivered.get() + m.get(0) + 1));
            byte[] payload = new byte[MESSAGE];
            StreamMessage[] batch = new StreamMessage[64];
            long start = System.nanoTime() + 1_000_000_000L;
            long end = start + seconds * 1_000_000_000L;
            long startCount = -1;
            long now;
            while ((now = System.nanoTime()) < end) {
                if (startCount < 0 && now >= start) {
                    startCount = delivered.get();
                    start = now;
                }
                if (batched) {
                    for (int i = 0; i < batch.length; i++) {
                        batch[i] = StreamMessage.copyOf(pool, payload);
                    }
                    stream.sendBatch(Io.blocking(), batch, 0, batch.length);
                    for (StreamMessage m : batch) {
                        m.close();
                    }
                } else {
                    for (int i = 0; i < batch.length; i++) {
                        try (StreamMessage m = StreamMessage.copyOf(pool, payload)) {
                            stream.send(Io.blocking(), m);
                        }
                    }
                }
            }
            double rate = (delivered.get() - startCount) / ((System.nanoTime() - start) / 1e9);
            stream.close(Duration.ofSeconds(10));
            return rate;
        }
    }
}

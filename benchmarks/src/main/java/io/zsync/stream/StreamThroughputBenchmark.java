package io.zsync.stream;

import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.YieldingWaitStrategy;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import com.lmax.disruptor.util.DaemonThreadFactory;
import io.zsync.io.Io;
import io.zsync.zerocopy.BufferPool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One sender, one subscriber, 64-byte payloads, no rate limit: messages per second through each stream
 * preset, against the LMAX Disruptor (single producer, one handler, yielding wait, publishing one event
 * at a time and in batches of 64) and an {@code ArrayBlockingQueue} hand-off. Every contender copies the
 * payload once (zsync into a pooled off-heap buffer, Disruptor into its pre-allocated event, the queue
 * into a new array) and the receiver reads 8 bytes of it. The presets run with {@code block}
 * backpressure so that every message sent is delivered: the score is the delivered rate.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class StreamThroughputBenchmark {
    static final int MESSAGE = 64;
    static final int BATCH = 64;

    /** A stream preset with one counting subscriber. */
    public abstract static class ZsyncState {
        final byte[] payload = new byte[MESSAGE];
        final StreamMessage[] batch = new StreamMessage[BATCH];
        BufferPool pool;
        RealtimeStream stream;
        long sink;

        abstract StreamBuilder preset();

        @Setup(Level.Trial)
        public void setUp() {
            pool = BufferPool.create();
            stream = preset().withBackpressure(Backpressure.BLOCK).build();
            stream.subscribe(m -> sink += m.getLong(0));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            stream.close();
            pool.close();
        }

        void sendOneAtATime() throws IOException {
            Io io = Io.blocking();
            for (int i = 0; i < BATCH; i++) {
                try (StreamMessage m = StreamMessage.copyOf(pool, payload)) {
                    stream.send(io, m);
                }
            }
        }

        void sendBatch() throws IOException {
            for (int i = 0; i < BATCH; i++) {
                batch[i] = StreamMessage.copyOf(pool, payload);
            }
            stream.sendBatch(Io.blocking(), batch, 0, BATCH);
            for (int i = 0; i < BATCH; i++) {
                batch[i].close();
                batch[i] = null;
            }
        }
    }

    @State(Scope.Benchmark)
    public static class HighThroughput extends ZsyncState {
        @Override
        StreamBuilder preset() {
            return RealtimeStreams.highThroughput();
        }
    }

    @State(Scope.Benchmark)
    public static class LowLatency extends ZsyncState {
        @Override
        StreamBuilder preset() {
            return RealtimeStreams.lowLatency();
        }
    }

    @State(Scope.Benchmark)
    public static class Reliable extends ZsyncState {
        @Override
        StreamBuilder preset() {
            return RealtimeStreams.reliable();
        }
    }

    /** Disruptor's event: the payload copied into a pre-allocated array. */
    static final class Event {
        final byte[] bytes = new byte[MESSAGE];
    }

    @State(Scope.Benchmark)
    public static class DisruptorState {
        final byte[] payload = new byte[MESSAGE];
        Disruptor<Event> disruptor;
        RingBuffer<Event> ring;
        long sink;

        @Setup(Level.Trial)
        public void setUp() {
            disruptor = new Disruptor<>(Event::new, 16_384, DaemonThreadFactory.INSTANCE, ProducerType.SINGLE,
                    new YieldingWaitStrategy());
            disruptor.handleEventsWith((event, sequence, endOfBatch) -> sink += event.bytes[0] + event.bytes[7]);
            ring = disruptor.start();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            disruptor.halt();
        }
    }

    @State(Scope.Benchmark)
    public static class QueueState {
        final byte[] payload = new byte[MESSAGE];
        final ArrayBlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(16_384);
        volatile boolean running = true;
        Thread consumer;
        long sink;

        @Setup(Level.Trial)
        public void setUp() {
            consumer = new Thread(() -> {
                try {
                    while (running) {
                        byte[] b = queue.poll(10, TimeUnit.MILLISECONDS);
                        if (b != null) {
                            sink += b[0] + b[7];
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "abq-consumer");
            consumer.setDaemon(true);
            consumer.start();
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            running = false;
            consumer.join();
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void highThroughputBatch64(HighThroughput s) throws IOException {
        s.sendBatch();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void highThroughputOneAtATime(HighThroughput s) throws IOException {
        s.sendOneAtATime();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void lowLatencyOneAtATime(LowLatency s) throws IOException {
        s.sendOneAtATime();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void reliableBatch64(Reliable s) throws IOException {
        s.sendBatch();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void disruptorOneAtATime(DisruptorState s) {
        RingBuffer<Event> ring = s.ring;
        for (int i = 0; i < BATCH; i++) {
            long seq = ring.next();
            System.arraycopy(s.payload, 0, ring.get(seq).bytes, 0, MESSAGE);
            ring.publish(seq);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void disruptorBatch64(DisruptorState s) {
        RingBuffer<Event> ring = s.ring;
        long hi = ring.next(BATCH);
        long lo = hi - (BATCH - 1);
        for (long seq = lo; seq <= hi; seq++) {
            System.arraycopy(s.payload, 0, ring.get(seq).bytes, 0, MESSAGE);
        }
        ring.publish(lo, hi);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void arrayBlockingQueue(QueueState s) throws InterruptedException {
        for (int i = 0; i < BATCH; i++) {
            s.queue.put(s.payload.clone());
        }
    }
}

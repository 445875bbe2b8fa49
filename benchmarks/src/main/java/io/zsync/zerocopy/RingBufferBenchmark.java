package io.zsync.zerocopy;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.jctools.queues.SpscArrayQueue;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SPSC throughput of 64-byte messages, one producer thread and one consumer thread: the framed
 * {@link FramedRingBuffer} against Agrona's {@code OneToOneRingBuffer} (both copy the bytes into
 * off-heap memory), JCTools' {@code SpscArrayQueue} and {@code ArrayBlockingQueue} (both pass a
 * reference). Every ring holds 64 KiB, every queue 1024 entries; consumers take up to 256 messages per
 * call and read 8 bytes of each. The score that matters is the consumer's {@code received} rate.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xms1g", "-Xmx1g"})
@State(Scope.Group)
public class RingBufferBenchmark {
    static final int MESSAGE = 64;
    static final int RING_BYTES = 64 << 10;
    static final int QUEUE_CAPACITY = 1024;
    static final int BATCH = 256;

    private final byte[] payload = new byte[MESSAGE];
    private FramedRingBuffer zsync;
    private OneToOneRingBuffer agrona;
    private UnsafeBuffer agronaSource;
    private SpscArrayQueue<byte[]> jctools;
    private ArrayBlockingQueue<byte[]> abq;

    /** Messages the consumer took, reported as a rate. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Received {
        public long received;
        long sink;
        /** Created once per consumer thread, so no read call allocates a capturing lambda. */
        final RecordHandler zsyncHandler = (buffer, offset, length) -> sink += buffer.getLong(offset);
        final MessageHandler agronaHandler = (type, buffer, index, length) -> sink += buffer.getLong(index);

        @Setup(Level.Iteration)
        public void reset() {
            received = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        for (int i = 0; i < MESSAGE; i++) {
            payload[i] = (byte) i;
        }
        zsync = new FramedRingBuffer(RING_BYTES);
        agrona = new OneToOneRingBuffer(new UnsafeBuffer(
                ByteBuffer.allocateDirect(RING_BYTES + RingBufferDescriptor.TRAILER_LENGTH)));
        agronaSource = new UnsafeBuffer(payload);
        jctools = new SpscArrayQueue<>(QUEUE_CAPACITY);
        abq = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    }

    // --- zsync FramedRingBuffer -------------------------------------------------------------------

    @Benchmark
    @Group("zsyncFramed")
    @GroupThreads(1)
    public boolean zsyncWrite() {
        return zsync.write(payload, 0, MESSAGE);
    }

    @Benchmark
    @Group("zsyncFramed")
    @GroupThreads(1)
    public int zsyncRead(Received r) {
        int n = zsync.read(r.zsyncHandler, BATCH);
        r.received += n;
        return n;
    }

    // --- Agrona OneToOneRingBuffer ----------------------------------------------------------------

    @Benchmark
    @Group("agronaOneToOne")
    @GroupThreads(1)
    public boolean agronaWrite() {
        return agrona.write(1, agronaSource, 0, MESSAGE);
    }

    @Benchmark
    @Group("agronaOneToOne")
    @GroupThreads(1)
    public int agronaRead(Received r) {
        int n = agrona.read(r.agronaHandler, BATCH);
        r.received += n;
        return n;
    }

    // --- JCTools SpscArrayQueue -------------------------------------------------------------------

    @Benchmark
    @Group("jctoolsSpsc")
    @GroupThreads(1)
    public boolean jctoolsOffer() {
        return jctools.offer(payload);
    }

    @Benchmark
    @Group("jctoolsSpsc")
    @GroupThreads(1)
    public int jctoolsPoll(Received r) {
        int n = jctools.drain(m -> r.sink += m[0], BATCH);
        r.received += n;
        return n;
    }

    // --- ArrayBlockingQueue -----------------------------------------------------------------------

    @Benchmark
    @Group("arrayBlockingQueue")
    @GroupThreads(1)
    public boolean abqOffer() {
        return abq.offer(payload);
    }

    @Benchmark
    @Group("arrayBlockingQueue")
    @GroupThreads(1)
    public int abqPoll(Received r) {
        int n = 0;
        byte[] m;
        while (n < BATCH && (m = abq.poll()) != null) {
            r.sink += m[0];
            n++;
        }
        r.received += n;
        return n;
    }
}

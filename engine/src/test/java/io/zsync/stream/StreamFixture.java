package io.zsync.stream;

import io.zsync.zerocopy.BufferPool;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** A pool, a manual clock and recorders for deliveries and dead letters, shared by the stream tests. */
final class StreamFixture implements AutoCloseable {
    final BufferPool pool = BufferPool.create();
    final ManualTimeSource clock = new ManualTimeSource();
    final List<Dead> deadLetters = new CopyOnWriteArrayList<>();

    /** A dead letter as seen by the listener: what outlives the callback. */
    record Dead(String payload, Priority priority, DeadLetterReason reason, long subscriptionId, Throwable cause) {
    }

    StreamBuilder builder() {
        return new StreamBuilder().withClock(clock).withDeadLetterListener(dl -> deadLetters.add(
                new Dead(text(dl.message()), dl.message().priority(), dl.reason(), dl.subscriptionId(), dl.cause())));
    }

    StreamMessage message(String payload, Priority priority) {
        return StreamMessage.copyOf(pool, payload.getBytes(StandardCharsets.UTF_8)).priority(priority);
    }

    /** Sends and closes the creator's reference, as a sender would. */
    boolean send(RealtimeStream stream, String payload, Priority priority) throws Exception {
        try (StreamMessage m = message(payload, priority)) {
            return stream.send(io.zsync.io.Io.blocking(), m);
        }
    }

    boolean sendWithDeadline(RealtimeStream stream, String payload, Priority priority, long deadline) throws Exception {
        try (StreamMessage m = message(payload, priority).deadline(deadline)) {
            return stream.send(io.zsync.io.Io.blocking(), m);
        }
    }

    static String text(StreamMessage m) {
        return new String(m.payloadBytes(), StandardCharsets.UTF_8);
    }

    /** A subscriber that records payloads in delivery order. */
    static final class Recorder implements MessageHandler {
        final List<String> received = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onMessage(StreamMessage message) {
            received.add(text(message));
        }

        List<String> snapshot() {
            synchronized (received) {
                return new ArrayList<>(received);
            }
        }
    }

    List<String> deadPayloads(DeadLetterReason reason) {
        List<String> out = new ArrayList<>();
        for (Dead d : deadLetters) {
            if (d.reason() == reason) {
                out.add(d.payload());
            }
        }
        return out;
    }

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("Timed out waiting for " + what);
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    void assertNoLeaks() {
        assertEquals(0, pool.stats().inUseBytes(), "pooled bytes still in use: " + pool.stats());
    }

    @Override
    public void close() {
        pool.close();
    }
}

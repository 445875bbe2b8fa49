package io.zsync.stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.zsync.stream.Priority.CRITICAL;
import static io.zsync.stream.Priority.HIGH;
import static io.zsync.stream.Priority.LOW;
import static io.zsync.stream.Priority.NORMAL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManualDispatchTest {
    private final StreamFixture f = new StreamFixture();

    @AfterEach
    void tearDown() {
        f.assertNoLeaks();
        f.close();
    }

    @Test
    void shouldDeliverOnlyWhenTheOwnerDispatchesOnItsOwnThreadInPriorityOrder() throws Exception {
        List<String> got = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        try (RealtimeStream stream = f.builder().withManualDispatch().build()) {
            stream.subscribe(m -> {
                got.add(StreamFixture.text(m));
                threads.add(Thread.currentThread());
            });
            f.send(stream, "low", LOW);
            f.send(stream, "critical", CRITICAL);
            f.send(stream, "normal", NORMAL);
            f.send(stream, "high", HIGH);
            Thread.sleep(20);
            assertTrue(got.isEmpty(), "no thread of its own delivers anything");
            assertEquals(0, stream.nanosUntilDispatchable());
            assertEquals(2, stream.dispatch(2));
            assertEquals(List.of("critical", "high"), got);
            assertEquals(2, stream.dispatch(100));
            assertEquals(-1, stream.nanosUntilDispatchable(), "nothing left");
            assertEquals(0, stream.dispatch(100));
        }
        assertEquals(List.of("critical", "high", "normal", "low"), got);
        assertTrue(threads.stream().allMatch(t -> t == Thread.currentThread()), "callbacks ran on the caller");
    }

    @Test
    void detachedMessagesCountTheirLengthAgainstTheByteLimitsButHoldNoPoolBuffer() throws Exception {
        List<Long> got = new ArrayList<>();
        try (RealtimeStream stream = f.builder().withManualDispatch().withBufferSize(100, 1_000)
                .withBackpressure(Backpressure.ERROR_ON_FULL).withByteRateLimit(1_000)
                .withCloseTimeout(Duration.ZERO).build()) {
            stream.subscribe(m -> got.add(m.id()));
            for (long id = 1; id <= 2; id++) {
                try (StreamMessage m = StreamMessage.detached(400).id(id).priority(id == 2 ? HIGH : LOW)) {
                    assertTrue(m.isDetached());
                    assertThrows(IllegalStateException.class, m::payload, "no payload of its own");
                    stream.send(io.zsync.io.Io.blocking(), m);
                }
            }
            assertEquals(800, stream.metrics().bufferedBytes());
            try (StreamMessage m = StreamMessage.detached(400)) {
                assertThrows(BufferFullException.class, () -> stream.send(io.zsync.io.Io.blocking(), m),
                        "its length counts against zsync's byte limit");
            }
            assertEquals(0, f.pool.stats().inUseBytes(), "no pool buffer taken");
            assertEquals(1, stream.dispatch(100), "the 100-byte burst lets one 400-byte message out, by priority");
            assertEquals(List.of(2L), got);
            f.clock.advance(Duration.ofMillis(400));
            assertEquals(1, stream.dispatch(100), "400 bytes at 1000 bytes/s");
            assertEquals(List.of(2L, 1L), got);
        }
    }

    @Test
    void shouldFollowTheRateLimitOnTheInjectedClockAndSayHowLongToWait() throws Exception {
        List<String> got = new ArrayList<>();
        try (RealtimeStream stream = f.builder().withManualDispatch().withRateLimit(10, 2)
                .withCloseTimeout(Duration.ZERO).build()) {
            stream.subscribe(m -> got.add(StreamFixture.text(m)));
            for (int i = 0; i < 5; i++) {
                f.send(stream, "m" + i, NORMAL);
            }
            assertEquals(2, stream.dispatch(100), "the burst");
            assertEquals(0, stream.dispatch(100));
            assertEquals(Duration.ofMillis(100).toNanos(), stream.nanosUntilDispatchable());
            f.clock.advance(Duration.ofMillis(100));
            assertEquals(1, stream.dispatch(100));
            f.clock.advance(Duration.ofMillis(250));
            assertEquals(2, stream.dispatch(100), "2.5 tokens accrued: the last two go");
        }
        assertEquals(List.of("m0", "m1", "m2", "m3", "m4"), got);
    }

    @Test
    void shouldDeadLetterExpiredMessagesWhileDispatching() throws Exception {
        List<String> got = new ArrayList<>();
        try (RealtimeStream stream = f.builder().withManualDispatch().build()) {
            stream.subscribe(m -> got.add(StreamFixture.text(m)));
            f.sendWithDeadline(stream, "stale", CRITICAL, f.clock.epochMicros() + 10);
            f.send(stream, "fresh", LOW);
            f.clock.advanceMicros(11);
            assertEquals(1, stream.dispatch(10));
        }
        assertEquals(List.of("fresh"), got);
        assertEquals(List.of("stale"), f.deadPayloads(DeadLetterReason.EXPIRED));
    }

    @Test
    void closeShouldDrainOnTheClosingThread() throws Exception {
        List<String> got = new ArrayList<>();
        RealtimeStream stream = f.builder().withManualDispatch().build();
        stream.subscribe(m -> got.add(StreamFixture.text(m)));
        for (int i = 0; i < 10; i++) {
            f.send(stream, "m" + i, NORMAL);
        }
        CloseReport report = stream.close(Duration.ofSeconds(5));
        assertTrue(report.drained());
        assertEquals(10, got.size());
    }

    @Test
    void shouldRefuseDispatchOnAThreadedStreamAndRealTimeWithManualDispatch() {
        try (RealtimeStream threaded = f.builder().build()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> threaded.dispatch(1));
            assertTrue(e.getMessage().contains("withManualDispatch"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> f.builder().withManualDispatch().withRealTimePriority().build());
        assertTrue(e.getMessage().contains("withManualDispatch"), e.getMessage());
    }

    @Test
    void shouldKeepPriorityOrderWithinEveryDispatchWhileSendersFlood() throws Exception {
        int senders = 3;
        int perSender = 20_000;
        List<Priority> batch = new ArrayList<>();
        long[] delivered = new long[1];
        try (RealtimeStream stream = f.builder().withManualDispatch().withBufferSize(1_000)
                .withBackpressure(Backpressure.BLOCK, Duration.ofSeconds(30)).build()) {
            stream.subscribe(m -> {
                batch.add(m.priority());
                delivered[0]++;
            });
            List<Thread> threads = new ArrayList<>();
            for (int s = 0; s < senders; s++) {
                int seed = s;
                Thread t = new Thread(() -> {
                    try {
                        for (int i = 0; i < perSender; i++) {
                            f.send(stream, "m", Priority.of((i * 7 + seed) & 3));
                        }
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                threads.add(t);
                t.start();
            }
            int checked = 0;
            while (delivered[0] < (long) senders * perSender) {
                batch.clear();
                // Only this thread dispatches, so the buffer can only grow before the call: with 32 or more
                // buffered, one take under the lock fills the whole call, and must come out highest first.
                // (With fewer, the call takes again and may meet a later, higher message: that is correct.)
                boolean oneTake = stream.metrics().bufferedRecords() >= 32;
                if (stream.dispatch(32) == 0) {
                    Thread.onSpinWait();
                    continue;
                }
                if (!oneTake) {
                    continue;
                }
                checked++;
                for (int i = 1; i < batch.size(); i++) {
                    assertTrue(batch.get(i).ordinal() <= batch.get(i - 1).ordinal(),
                            "a lower level went before a buffered higher one: " + batch);
                }
            }
            for (Thread t : threads) {
                t.join();
            }
            assertTrue(checked > 10, "full takes checked: " + checked);
            assertEquals((long) senders * perSender, stream.metrics().acceptedTotal());
        }
    }

    // Issue 19 row c: an owner that dispatches only now and then (a Kafka Streams task whose input is quiet
    // runs once per poll.ms) still releases a backlog at the rate, whatever the burst.

    @Test
    void shouldDrainABacklogAtTheRecordRateWhenDispatchedOnlyEveryHundredMillisecondsOrEverySecond() throws Exception {
        for (long intervalMs : new long[] {100, 1_000}) {
            double seconds = secondsToDrain(3_000, 100, f.builder().withRateLimit(1_000, 10), intervalMs);
            assertEquals(3.0, seconds, 3.0 * 0.02, "dispatch every " + intervalMs + " ms");
        }
    }

    @Test
    void shouldKeepTheCatchUpAcrossTheBatchesOfOneDispatchWhileTimePassesInTheCallbacks() throws Exception {
        // A real owner's clock moves while the callbacks run (a Streams task forwards each record): the
        // dispatch takes its batches of 64 at slightly different times, and the catch-up must survive
        // from one to the next rather than fall back to the burst once a batch is handed out.
        for (long intervalMs : new long[] {100, 1_000}) {
            double seconds = secondsToDrain(3_000, 100, f.builder().withRateLimit(1_000, 10), intervalMs,
                    Duration.ofNanos(1_000));
            assertEquals(3.0, seconds, 3.0 * 0.02, "dispatch every " + intervalMs + " ms, 1 us per message");
        }
        double seconds = secondsToDrain(3_000, 100, f.builder().withRateLimit(1_000, 10).withByteRateLimit(100_000),
                1_000, Duration.ofNanos(1_000));
        assertEquals(3.0, seconds, 3.0 * 0.02, "records and bytes");
    }

    @Test
    void shouldDrainABacklogAtTheByteRateWhenDispatchedOnlyEverySecond() throws Exception {
        // 100-byte messages at 100,000 bytes/s (a burst of 10,000 bytes): 1,000 messages a second.
        double seconds = secondsToDrain(3_000, 100, f.builder().withByteRateLimit(100_000), 1_000);
        assertEquals(3.0, seconds, 3.0 * 0.02);
    }

    @Test
    void theCatchUpWindowBoundsWhatOneLateDispatchReleases() throws Exception {
        // Dispatching every second with half a second of catch-up: 500 a second, not the rate.
        double seconds = secondsToDrain(3_000, 100, f.builder().withRateLimit(1_000, 10)
                .withRateCatchUp(Duration.ofMillis(500)), 1_000);
        assertEquals(6.0, seconds, 0.001);
        // No catch-up: the classic bucket, a burst per dispatch.
        seconds = secondsToDrain(1_000, 100, f.builder().withRateLimit(1_000, 10).withRateCatchUp(Duration.ZERO), 100);
        assertEquals(9.9, seconds, 0.001);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> f.builder().withRateCatchUp(Duration.ofMillis(-1)));
        assertTrue(e.getMessage().contains("catch-up") && e.getMessage().contains("PT-0.001S"), e.getMessage());
    }

    /**
     * Buffers {@code count} detached messages of {@code length} bytes, then dispatches at once and every
     * {@code intervalMs} of manual time; returns the seconds from the first dispatch to the one that released
     * the last message.
     */
    private double secondsToDrain(int count, int length, StreamBuilder builder, long intervalMs) throws Exception {
        return secondsToDrain(count, length, builder, intervalMs, Duration.ZERO);
    }

    /** As above, the clock moving {@code perMessage} in each callback. */
    private double secondsToDrain(int count, int length, StreamBuilder builder, long intervalMs, Duration perMessage)
            throws Exception {
        long[] delivered = new long[1];
        try (RealtimeStream stream = builder.withManualDispatch().withBufferSize(count, 64L << 20)
                .withCloseTimeout(Duration.ZERO).build()) {
            stream.subscribe(m -> {
                delivered[0]++;
                f.clock.advance(perMessage);
            });
            for (int i = 0; i < count; i++) {
                try (StreamMessage m = StreamMessage.detached(length).id(i)) {
                    assertTrue(stream.send(io.zsync.io.Io.blocking(), m));
                }
            }
            long start = f.clock.nanoTime();
            for (long call = 0; ; call++) {
                stream.dispatch(Integer.MAX_VALUE);
                if (delivered[0] == count) {
                    // Counted in dispatch calls, not the clock the callbacks moved.
                    return call * intervalMs / 1e3;
                }
                // The next call comes intervalMs after this one began, however long it took.
                long next = start + (call + 1) * intervalMs * 1_000_000;
                f.clock.advance(Duration.ofNanos(Math.max(0, next - f.clock.nanoTime())));
            }
        }
    }
}

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
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stream whose rate an application-wide coordinator changes while it runs ({@link RealtimeStream#setRateLimit},
 * {@link StreamBuilder#withRateStartingEmpty}), and what it reports as waiting ({@link RealtimeStream#pending}).
 * Manual dispatch and a manual clock: every count is exact.
 */
class StreamRateChangeTest {
    private final StreamFixture f = new StreamFixture();

    @AfterEach
    void tearDown() {
        f.assertNoLeaks();
        f.close();
    }

    @Test
    void shouldHoldEverythingAtRateZeroAndReleaseAtTheRaisedRate() throws Exception {
        List<String> got = new ArrayList<>();
        try (RealtimeStream stream = f.builder().withManualDispatch().withRateLimit(1_000, 10).build()) {
            stream.subscribe(m -> got.add(StreamFixture.text(m)));
            for (int i = 0; i < 50; i++) {
                f.send(stream, "m" + i, NORMAL);
            }
            assertEquals(10, stream.dispatch(100), "the burst");
            stream.setRateLimit(0, 10, 0);
            assertTrue(stream.toString().contains("0 records/s"), stream.toString());
            for (int step = 0; step < 100; step++) {
                f.clock.advance(Duration.ofMillis(100));
                assertEquals(0, stream.dispatch(100), "at rate 0, after " + (step + 1) * 100 + " ms");
                assertEquals(Long.MAX_VALUE, stream.nanosUntilDispatchable());
            }
            assertEquals(10, got.size());

            stream.setRateLimit(100, 5, 0);
            assertTrue(stream.toString().contains("100 records/s (burst 5)"), stream.toString());
            assertEquals(0, stream.dispatch(100), "10 s at rate 0 earned nothing");
            assertEquals(10_000_000L, stream.nanosUntilDispatchable(), "one message per 10 ms");
            f.clock.advance(Duration.ofMillis(100));
            assertEquals(10, stream.dispatch(100), "100 ms at 100/s (the wait is made up, so more than the burst)");
            f.clock.advance(Duration.ofMillis(200));
            assertEquals(20, stream.dispatch(100));
            f.clock.advance(Duration.ofMillis(100));
            assertEquals(10, stream.dispatch(100));
            assertEquals(-1, stream.nanosUntilDispatchable(), "all 50 out");
        }
        assertEquals(50, got.size());
    }

    @Test
    void aRaiseIsSeenByTheDispatcherThreadWithinItsPause() throws Exception {
        // Real time here: the dispatcher thread waits for tokens by pausing, and must look again after a raise.
        StreamFixture.Recorder recorder = new StreamFixture.Recorder();
        try (RealtimeStream stream = new StreamBuilder().withRateLimit(1_000, 1).withCloseTimeout(Duration.ZERO)
                .build()) {
            stream.subscribe(recorder);
            stream.setRateLimit(0, 1, 0);
            f.send(stream, "held", NORMAL);
            Thread.sleep(50);
            assertTrue(recorder.snapshot().isEmpty(), "nothing passes at rate 0");
            stream.setRateLimit(1_000, 1, 0);
            StreamFixture.await("the raise to be seen", () -> recorder.snapshot().size() == 1);
        }
    }

    @Test
    void shouldStartEmptyWhenBuiltSo() throws Exception {
        try (RealtimeStream stream = f.builder().withManualDispatch().withRateLimit(100, 10).withByteRateLimit(1_000_000)
                .withRateStartingEmpty().build();
             RealtimeStream full = f.builder().withManualDispatch().withRateLimit(100, 10).build()) {
            stream.subscribe(m -> { });
            full.subscribe(m -> { });
            for (int i = 0; i < 20; i++) {
                f.send(stream, "m" + i, NORMAL);
                f.send(full, "m" + i, NORMAL);
            }
            assertEquals(10, full.dispatch(100), "a full start lets the burst out");
            assertEquals(0, stream.dispatch(100), "an empty one lets nothing out yet");
            assertEquals(10_000_000L, stream.nanosUntilDispatchable());
            f.clock.advance(Duration.ofMillis(200));
            assertEquals(20, stream.dispatch(100), "200 ms at 100/s");
            f.clock.advance(Duration.ofMillis(100));
            assertEquals(10, full.dispatch(100));
        }
    }

    @Test
    void shouldChangeTheBytesRateToo() throws Exception {
        try (RealtimeStream stream = f.builder().withManualDispatch().withByteRateLimit(1_000)
                .withRateCatchUp(Duration.ZERO).build()) {
            stream.subscribe(m -> { });
            for (int i = 0; i < 10; i++) {
                f.send(stream, "0123456789", NORMAL); // 10 bytes each
            }
            assertEquals(10, stream.dispatch(100), "the 100-byte burst");
            for (int i = 0; i < 10; i++) {
                f.send(stream, "0123456789", NORMAL);
            }
            // The records value is ignored: the stream has no records bucket. 200 bytes/s, a burst of 20.
            stream.setRateLimit(-1, 0, 200);
            assertTrue(stream.toString().contains("200 bytes/s (burst 20)"), stream.toString());
            f.clock.advance(Duration.ofMillis(100));
            assertEquals(2, stream.dispatch(100), "20 bytes in 100 ms");
            f.clock.advance(Duration.ofMillis(400));
            assertEquals(2, stream.dispatch(100), "held to the 20-byte burst: no catch-up window");
            for (int i = 0; i < 3; i++) {
                f.clock.advance(Duration.ofMillis(100));
                assertEquals(2, stream.dispatch(100));
            }
            assertEquals(-1, stream.nanosUntilDispatchable());
        }
    }

    @Test
    void setRateLimitRefusesBadValuesAndAStreamWithoutALimit() throws Exception {
        try (RealtimeStream limited = f.builder().withManualDispatch().withRateLimit(1_000).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> limited.setRateLimit(1_000_000_001L, 10, 0));
            assertTrue(e.getMessage().contains("1000000001"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> limited.setRateLimit(10, 0, 0));
            assertTrue(e.getMessage().contains("burst"), e.getMessage());
            assertTrue(limited.toString().contains("1000 records/s (burst 100)"), limited.toString());
        }
        try (RealtimeStream unlimited = f.builder().withManualDispatch().build()) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> unlimited.setRateLimit(100, 10, 0));
            assertTrue(e.getMessage().contains("withRateLimit") && e.getMessage().contains(unlimited.name()),
                    e.getMessage());
        }
    }

    @Test
    void setRateLimitOnAClosedStreamDoesNothing() {
        RealtimeStream stream = f.builder().withManualDispatch().withRateLimit(1_000, 10).build();
        stream.close();
        stream.setRateLimit(0, 1, 0);
        assertTrue(stream.toString().contains("1000 records/s (burst 10)"), stream.toString());
    }

    @Test
    void pendingCountsMessagesAndBytesPerLevelAfterSendsDispatchAndExpiry() throws Exception {
        long[] records = new long[Priority.COUNT];
        long[] bytes = new long[Priority.COUNT];
        long now = f.clock.epochMicros();
        try (RealtimeStream stream = f.builder().withManualDispatch().build()) {
            stream.subscribe(m -> { });
            stream.pending(records, bytes);
            assertArrayEquals(new long[] {0, 0, 0, 0}, records);
            assertArrayEquals(new long[] {0, 0, 0, 0}, bytes);

            f.send(stream, "aa", LOW);
            f.send(stream, "bbb", LOW);
            f.sendWithDeadline(stream, "ccccc", NORMAL, now + 1_000);
            f.send(stream, "dddd", HIGH);
            f.send(stream, "e", CRITICAL);
            stream.pending(records, bytes);
            assertArrayEquals(new long[] {2, 1, 1, 1}, records);
            assertArrayEquals(new long[] {5, 5, 4, 1}, bytes);

            assertEquals(2, stream.dispatch(2), "critical, then high");
            stream.pending(records, bytes);
            assertArrayEquals(new long[] {2, 1, 0, 0}, records);
            assertArrayEquals(new long[] {5, 5, 0, 0}, bytes);

            f.clock.advance(Duration.ofMillis(2));
            assertEquals(1, stream.dispatch(1), "the normal one expired on the way; a low one went");
            assertEquals(List.of("ccccc"), f.deadPayloads(DeadLetterReason.EXPIRED));
            stream.pending(records, bytes);
            assertArrayEquals(new long[] {1, 0, 0, 0}, records);
            assertArrayEquals(new long[] {3, 0, 0, 0}, bytes, "the first low one (2 bytes) went");

            assertEquals(1, stream.dispatch(10));
            stream.pending(records, bytes);
            assertArrayEquals(new long[] {0, 0, 0, 0}, records);
            assertArrayEquals(new long[] {0, 0, 0, 0}, bytes);
        }
    }

    @Test
    void pendingStaysRightWhenAFullBufferPurgesExpiredMessagesAndEvictsTheOldest() throws Exception {
        long[] records = new long[Priority.COUNT];
        long[] bytes = new long[Priority.COUNT];
        long now = f.clock.epochMicros();
        try (RealtimeStream stream = f.builder().withManualDispatch().withBufferSize(3)
                .withBackpressure(Backpressure.DROP_OLDEST).build()) {
            stream.subscribe(m -> { });
            f.sendWithDeadline(stream, "expiring", HIGH, now + 1_000);
            f.send(stream, "low-1", LOW);
            f.send(stream, "low-22", LOW);
            f.clock.advance(Duration.ofMillis(2));
            // Full: the send purges the expired one first (MessageQueue.removeExpired).
            assertTrue(f.send(stream, "normal", NORMAL));
            assertEquals(List.of("expiring"), f.deadPayloads(DeadLetterReason.EXPIRED));
            stream.pending(records, bytes);
            assertArrayEquals(new long[] {2, 1, 0, 0}, records);
            assertArrayEquals(new long[] {11, 6, 0, 0}, bytes);

            // Full again: the oldest low one is evicted (MessageQueue.pollOldestAtOrBelow).
            assertTrue(f.send(stream, "crit", CRITICAL));
            assertEquals(List.of("low-1"), f.deadPayloads(DeadLetterReason.DROPPED_OLDEST));
            stream.pending(records, bytes);
            assertArrayEquals(new long[] {1, 1, 0, 1}, records);
            assertArrayEquals(new long[] {6, 6, 0, 4}, bytes);
            assertEquals(3, stream.dispatch(10));
        }
    }

    @Test
    void pendingRefusesArraysOfTheWrongLength() throws Exception {
        try (RealtimeStream stream = f.builder().withManualDispatch().build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> stream.pending(new long[3], new long[Priority.COUNT]));
            assertTrue(e.getMessage().contains("was 3"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> stream.pending(new long[Priority.COUNT], new long[5]));
            assertFalse(stream.isClosed());
        }
    }
}

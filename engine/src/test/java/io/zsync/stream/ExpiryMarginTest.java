package io.zsync.stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.zsync.stream.Priority.NORMAL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link StreamBuilder#withExpiryMargin}: a message is released only if its deadline is at least the margin
 * after now, so a client that holds it for up to the margin after release still passes it on in time. The
 * same rule at admission, at dispatch and when a full buffer purges.
 */
class ExpiryMarginTest {
    private static final Duration MARGIN = Duration.ofMillis(100);
    private static final long MARGIN_MICROS = MARGIN.toNanos() / 1_000;

    private final StreamFixture f = new StreamFixture();

    @AfterEach
    void tearDown() {
        f.assertNoLeaks();
        f.close();
    }

    @Test
    void shouldRefuseAtAdmissionAMessageWhoseDeadlineIsCloserThanTheMargin() throws Exception {
        List<String> got = new ArrayList<>();
        long now = f.clock.epochMicros();
        try (RealtimeStream stream = f.builder().withManualDispatch().withExpiryMargin(MARGIN).build()) {
            stream.subscribe(m -> got.add(StreamFixture.text(m)));
            assertFalse(f.sendWithDeadline(stream, "inside-margin", NORMAL, now + MARGIN_MICROS - 1));
            assertTrue(f.sendWithDeadline(stream, "at-margin", NORMAL, now + MARGIN_MICROS));
            assertTrue(f.send(stream, "no-deadline", NORMAL));
            assertEquals(List.of("inside-margin"), f.deadPayloads(DeadLetterReason.EXPIRED),
                    "dead-lettered as it was sent, though its deadline had not passed");
            assertEquals(2, stream.dispatch(100));
        }
        assertEquals(List.of("at-margin", "no-deadline"), got, "a deadline exactly the margin away is in time");
    }

    @Test
    void shouldExpireAtDispatchAMessageWhoseDeadlineCameWithinTheMarginWhileItWaited() throws Exception {
        List<String> got = new ArrayList<>();
        long now = f.clock.epochMicros();
        try (RealtimeStream stream = f.builder().withManualDispatch().withRateLimit(10, 1)
                .withExpiryMargin(MARGIN).build()) {
            stream.subscribe(m -> got.add(StreamFixture.text(m)));
            f.send(stream, "blocker", NORMAL);
            assertEquals(1, stream.dispatch(100), "the one token goes at once; the next comes at +100 ms");
            // Both are admitted: 150 ms and 250 ms away, more than the margin.
            assertTrue(f.sendWithDeadline(stream, "released-50ms-before", NORMAL, now + 150_000));
            assertTrue(f.sendWithDeadline(stream, "released-150ms-before", NORMAL, now + 250_000));
            f.clock.advance(Duration.ofMillis(100));
            assertEquals(1, stream.dispatch(100));
            assertEquals(List.of("released-50ms-before"), f.deadPayloads(DeadLetterReason.EXPIRED),
                    "its deadline is 50 ms away at release, less than the margin: expired, not released");
            assertEquals(1, stream.metrics().expired());
        }
        assertEquals(List.of("blocker", "released-150ms-before"), got);
    }

    @Test
    void shouldPurgeFromAFullBufferAMessageWhoseDeadlineIsWithinTheMargin() throws Exception {
        List<String> got = new ArrayList<>();
        long now = f.clock.epochMicros();
        try (RealtimeStream stream = f.builder().withManualDispatch().withBufferSize(1)
                .withBackpressure(Backpressure.DROP_NEWEST).withExpiryMargin(MARGIN).build()) {
            stream.subscribe(m -> got.add(StreamFixture.text(m)));
            assertTrue(f.sendWithDeadline(stream, "soon", NORMAL, now + 150_000));
            f.clock.advance(Duration.ofMillis(60));
            assertTrue(f.send(stream, "incoming", NORMAL), "room made by the one that can no longer be released");
            assertEquals(List.of("soon"), f.deadPayloads(DeadLetterReason.EXPIRED));
            assertTrue(f.deadPayloads(DeadLetterReason.DROPPED_NEWEST).isEmpty());
            assertEquals(1, stream.dispatch(100));
        }
        assertEquals(List.of("incoming"), got);
    }

    @Test
    void shouldApplyTheMarginOnTheDispatcherThreadToo() throws Exception {
        StreamFixture.Recorder sub = new StreamFixture.Recorder();
        long now = f.clock.epochMicros();
        try (RealtimeStream stream = f.builder().withExpiryMargin(MARGIN).startPaused().build()) {
            stream.subscribe(sub);
            assertTrue(f.sendWithDeadline(stream, "expires-while-paused", NORMAL, now + 150_000));
            assertTrue(f.sendWithDeadline(stream, "in-time", NORMAL, now + 500_000));
            f.clock.advance(Duration.ofMillis(60));
            stream.resume();
            StreamFixture.await("1 delivery", () -> sub.received.size() == 1);
            StreamFixture.await("1 dead letter", () -> f.deadLetters.size() == 1);
        }
        assertEquals(List.of("in-time"), sub.snapshot());
        assertEquals(List.of("expires-while-paused"), f.deadPayloads(DeadLetterReason.EXPIRED));
    }

    @Test
    void shouldRefuseANegativeOrHugeMarginNamingTheValue() {
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> new StreamBuilder().withExpiryMargin(Duration.ofMillis(-1)));
        assertTrue(negative.getMessage().contains("expiry margin") && negative.getMessage().contains("-0.001S"),
                negative.getMessage());
        IllegalArgumentException huge = assertThrows(IllegalArgumentException.class,
                () -> new StreamBuilder().withExpiryMargin(Duration.ofHours(2)));
        assertTrue(huge.getMessage().contains("PT2H"), huge.getMessage());
    }
}

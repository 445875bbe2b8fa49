package io.zsync.stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static io.zsync.stream.Priority.CRITICAL;
import static io.zsync.stream.Priority.HIGH;
import static io.zsync.stream.Priority.LOW;
import static io.zsync.stream.Priority.NORMAL;
import static io.zsync.stream.StreamFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PriorityAndDeadlineTest {
    private final StreamFixture f = new StreamFixture();

    @AfterEach
    void tearDown() {
        f.assertNoLeaks();
        f.close();
    }

    @Test
    void shouldDispatchHigherPrioritiesFirstAndFifoWithinALevel() throws Exception {
        StreamFixture.Recorder sub = new StreamFixture.Recorder();
        try (RealtimeStream stream = f.builder().startPaused().build()) {
            stream.subscribe(sub);
            Priority[] order = {LOW, NORMAL, CRITICAL, LOW, HIGH, NORMAL, CRITICAL, HIGH, LOW};
            for (int i = 0; i < order.length; i++) {
                f.send(stream, order[i] + "-" + i, order[i]);
            }
            stream.resume();
            await("9 deliveries", () -> sub.received.size() == 9);
        }
        assertEquals(List.of("CRITICAL-2", "CRITICAL-6", "HIGH-4", "HIGH-7", "NORMAL-1", "NORMAL-5",
                "LOW-0", "LOW-3", "LOW-8"), sub.snapshot());
    }

    @Test
    void shouldOrderByEarliestDeadlineWithinALevelAndKeepLevelsFirst() throws Exception {
        StreamFixture.Recorder sub = new StreamFixture.Recorder();
        long now = f.clock.epochMicros();
        try (RealtimeStream stream = f.builder().withOrdering(Ordering.DEADLINE).startPaused().build()) {
            stream.subscribe(sub);
            f.sendWithDeadline(stream, "n-late", NORMAL, now + 3_000);
            f.send(stream, "n-none", NORMAL);
            f.sendWithDeadline(stream, "n-early", NORMAL, now + 1_000);
            f.sendWithDeadline(stream, "n-mid", NORMAL, now + 2_000);
            f.sendWithDeadline(stream, "h-late", HIGH, now + 9_000);
            f.sendWithDeadline(stream, "n-early-2", NORMAL, now + 1_000);
            stream.resume();
            await("6 deliveries", () -> sub.received.size() == 6);
        }
        assertEquals(List.of("h-late", "n-early", "n-early-2", "n-mid", "n-late", "n-none"), sub.snapshot());
    }

    @Test
    void shouldNeverDeliverAMessagePastItsDeadline() throws Exception {
        StreamFixture.Recorder sub = new StreamFixture.Recorder();
        long now = f.clock.epochMicros();
        try (RealtimeStream stream = f.builder().startPaused().build()) {
            stream.subscribe(sub);
            f.sendWithDeadline(stream, "expires", HIGH, now + 500);
            f.sendWithDeadline(stream, "at-deadline", HIGH, now + 1_000);
            f.send(stream, "no-deadline", LOW);
            f.clock.advanceMicros(1_000);
            stream.resume();
            await("2 deliveries", () -> sub.received.size() == 2);
            await("1 dead letter", () -> f.deadLetters.size() == 1);
            assertEquals(1, stream.metrics().expired());
        }
        assertEquals(List.of("at-deadline", "no-deadline"), sub.snapshot());
        assertEquals(List.of("expires"), f.deadPayloads(DeadLetterReason.EXPIRED));
        assertEquals(DeadLetter.STREAM, f.deadLetters.get(0).subscriptionId());
    }

    @Test
    void shouldDeadLetterAMessageAlreadyExpiredWhenSent() throws Exception {
        try (RealtimeStream stream = f.builder().build()) {
            assertFalse(f.sendWithDeadline(stream, "stale", CRITICAL, f.clock.epochMicros() - 1));
            assertEquals(List.of("stale"), f.deadPayloads(DeadLetterReason.EXPIRED));
            assertEquals(0, stream.metrics().acceptedTotal());
        }
    }

    @Test
    void shouldExpireMessagesWaitingInASubscribersQueue() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> got = new ArrayList<>();
        long now = f.clock.epochMicros();
        try (RealtimeStream stream = f.builder().build()) {
            long id = stream.subscribe(m -> {
                entered.countDown();
                release.await();
                got.add(StreamFixture.text(m));
            }, Priority.ALL, 100, null);
            f.send(stream, "first", NORMAL);
            entered.await();
            f.sendWithDeadline(stream, "queued", NORMAL, now + 100);
            await("queued behind the slow callback", () -> stream.metrics().queueDepths().get(id) == 1);
            f.clock.advanceMicros(200);
            release.countDown();
            await("dead letter", () -> f.deadLetters.size() == 1);
            assertEquals(id, f.deadLetters.get(0).subscriptionId());
        }
        assertEquals(List.of("first"), got);
        assertEquals(List.of("queued"), f.deadPayloads(DeadLetterReason.EXPIRED));
    }

    @Test
    void shouldLetUrgentMessagesOvertakeABacklogUnderTheRateLimit() throws Exception {
        StreamFixture.Recorder sub = new StreamFixture.Recorder();
        try (RealtimeStream stream = f.builder().withRateLimit(10, 1).build()) {
            stream.subscribe(sub);
            for (int i = 0; i < 5; i++) {
                f.send(stream, "low-" + i, LOW);
            }
            await("the burst of 1", () -> sub.received.size() == 1);
            f.send(stream, "critical", CRITICAL);
            f.clock.advance(Duration.ofMillis(100));
            await("second", () -> sub.received.size() == 2);
            assertEquals("critical", sub.snapshot().get(1));
            // The backlog waited through this second: what a running dispatcher would have let out in it is
            // made up (the rate's catch-up), not capped at the burst of 1, so the rest go at once.
            f.clock.advance(Duration.ofSeconds(1));
            await("the rest", () -> sub.received.size() == 6);
            f.clock.advance(Duration.ofSeconds(1));
            for (int i = 0; i < 3; i++) {
                f.send(stream, "later-" + i, LOW);
            }
            await("the burst of 1", () -> sub.received.size() == 7);
            assertEquals(7, sub.received.size(), "one token per 100 ms, burst 1: a quiet second refills one");
            for (int i = 0; i < 2; i++) {
                f.clock.advance(Duration.ofMillis(100));
                int expected = 8 + i;
                await(expected + " deliveries", () -> sub.received.size() == expected);
            }
        }
        assertEquals(List.of("low-0", "critical", "low-1", "low-2", "low-3", "low-4", "later-0", "later-1", "later-2"),
                sub.snapshot());
    }

    @Test
    void shouldHoldTheConfiguredRateExactlyOnTheManualClock() throws Exception {
        StreamFixture.Recorder sub = new StreamFixture.Recorder();
        try (RealtimeStream stream = f.builder().withRateLimit(1_000, 10).withBufferSize(5_000)
                .withCloseTimeout(Duration.ofMillis(50)).build()) {
            stream.subscribe(sub);
            for (int i = 0; i < 3_000; i++) {
                f.send(stream, "m" + i, NORMAL);
            }
            await("the burst", () -> sub.received.size() == 10);
            // The bucket caps at its burst, so time moves in steps the dispatcher keeps up with: one more
            // message per millisecond, exactly.
            for (int ms = 1; ms <= 300; ms++) {
                f.clock.advance(Duration.ofMillis(1));
                int expected = 10 + ms;
                await(expected + " deliveries", () -> sub.received.size() >= expected);
                assertEquals(expected, sub.received.size());
            }
        }
    }

    @Test
    void shouldLimitBytesPerSecond() throws Exception {
        StreamFixture.Recorder sub = new StreamFixture.Recorder();
        try (RealtimeStream stream = f.builder().withByteRateLimit(1_000).withCloseTimeout(Duration.ofMillis(50)).build()) {
            stream.subscribe(sub);
            String fifty = "x".repeat(50);
            for (int i = 0; i < 10; i++) {
                f.send(stream, fifty, NORMAL);
            }
            await("burst of 100 bytes", () -> sub.received.size() == 2);
            f.clock.advance(Duration.ofMillis(100));
            await("100 more bytes", () -> sub.received.size() == 4);
            assertTrue(sub.received.size() == 4);
        }
    }
}

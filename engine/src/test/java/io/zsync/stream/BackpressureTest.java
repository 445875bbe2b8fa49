package io.zsync.stream;

import io.zsync.io.Io;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.zsync.stream.Priority.CRITICAL;
import static io.zsync.stream.Priority.HIGH;
import static io.zsync.stream.Priority.LOW;
import static io.zsync.stream.Priority.NORMAL;
import static io.zsync.stream.StreamFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackpressureTest {
    private final StreamFixture f = new StreamFixture();

    @AfterEach
    void tearDown() {
        f.assertNoLeaks();
        f.close();
    }

    private RealtimeStream pausedStream(Backpressure strategy, int maxRecords) {
        return f.builder().withBufferSize(maxRecords).withBackpressure(strategy, Duration.ofMillis(200))
                .startPaused().build();
    }

    @Test
    void dropNewestShouldDeadLetterTheIncomingMessage() throws Exception {
        StreamFixture.Recorder sub = new StreamFixture.Recorder();
        try (RealtimeStream stream = pausedStream(Backpressure.DROP_NEWEST, 2)) {
            stream.subscribe(sub);
            assertTrue(f.send(stream, "a", LOW));
            assertTrue(f.send(stream, "b", LOW));
            assertFalse(f.send(stream, "c", CRITICAL), "full: even a critical message is refused");
            stream.resume();
            await("2 deliveries", () -> sub.received.size() == 2);
        }
        assertEquals(List.of("c"), f.deadPayloads(DeadLetterReason.DROPPED_NEWEST));
        assertEquals(List.of("a", "b"), sub.snapshot());
    }

    @Test
    void dropOldestShouldEvictTheOldestOfTheLowestLevelNotAboveTheIncoming() throws Exception {
        StreamFixture.Recorder sub = new StreamFixture.Recorder();
        try (RealtimeStream stream = pausedStream(Backpressure.DROP_OLDEST, 3)) {
            stream.subscribe(sub);
            f.send(stream, "high-1", HIGH);
            f.send(stream, "normal-1", NORMAL);
            f.send(stream, "normal-2", NORMAL);
            assertTrue(f.send(stream, "normal-3", NORMAL), "evicts normal-1, the oldest NORMAL");
            assertTrue(f.send(stream, "critical-1", CRITICAL), "evicts normal-2, the lowest level buffered");
            assertFalse(f.send(stream, "low-1", LOW), "everything buffered outranks LOW");
            assertTrue(f.send(stream, "high-2", HIGH), "evicts normal-3");
            assertTrue(f.send(stream, "high-3", HIGH), "evicts high-1, the oldest HIGH");
            stream.resume();
            await("3 deliveries", () -> sub.received.size() == 3);
        }
        assertEquals(List.of("normal-1", "normal-2", "normal-3", "high-1"), f.deadPayloads(DeadLetterReason.DROPPED_OLDEST));
        assertEquals(List.of("low-1"), f.deadPayloads(DeadLetterReason.DROPPED_NEWEST));
        assertEquals(List.of("critical-1", "high-2", "high-3"), sub.snapshot());
    }

    @Test
    void dropOldestShouldPreferExpiredMessagesOverLiveOnes() throws Exception {
        try (RealtimeStream stream = pausedStream(Backpressure.DROP_OLDEST, 2)) {
            stream.subscribe(new StreamFixture.Recorder());
            f.send(stream, "live", LOW);
            f.sendWithDeadline(stream, "stale", CRITICAL, f.clock.epochMicros() + 10);
            f.clock.advanceMicros(20);
            assertTrue(f.send(stream, "new", LOW));
            assertEquals(List.of("stale"), f.deadPayloads(DeadLetterReason.EXPIRED));
            assertEquals(List.of(), f.deadPayloads(DeadLetterReason.DROPPED_OLDEST));
            stream.resume();
        }
    }

    @Test
    void errorOnFullShouldThrowNamingTheLimitAndLeaveTheMessageWithTheSender() throws Exception {
        try (RealtimeStream stream = pausedStream(Backpressure.ERROR_ON_FULL, 1)) {
            stream.subscribe(new StreamFixture.Recorder());
            f.send(stream, "a", LOW);
            try (StreamMessage m = f.message("b", CRITICAL)) {
                BufferFullException e = assertThrows(BufferFullException.class, () -> stream.send(Io.blocking(), m));
                assertTrue(e.getMessage().contains("maxRecords=1") && e.getMessage().contains("error_on_full"), e.getMessage());
                assertFalse(m.isSent());
                assertEquals(1, m.refCount(), "the sender still owns it");
            }
            assertTrue(f.deadLetters.isEmpty());
            stream.resume();
        }
    }

    @Test
    void blockShouldWaitForRoomAndThenAccept() throws Exception {
        StreamFixture.Recorder sub = new StreamFixture.Recorder();
        try (RealtimeStream stream = f.builder().withBufferSize(1).withBackpressure(Backpressure.BLOCK, Duration.ofSeconds(20))
                .startPaused().build()) {
            stream.subscribe(sub);
            f.send(stream, "a", NORMAL);
            CompletableFuture<Boolean> blocked = CompletableFuture.supplyAsync(() -> {
                try {
                    return f.send(stream, "b", NORMAL);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(50);
            assertFalse(blocked.isDone(), "the sender waits while the buffer is full");
            stream.resume();
            assertTrue(blocked.get(10, TimeUnit.SECONDS));
            await("2 deliveries", () -> sub.received.size() == 2);
        }
        assertEquals(List.of("a", "b"), sub.snapshot());
    }

    @Test
    void blockShouldGiveUpAfterItsTimeout() throws Exception {
        try (RealtimeStream stream = pausedStream(Backpressure.BLOCK, 1)) {
            f.send(stream, "a", NORMAL);
            try (StreamMessage m = f.message("b", NORMAL)) {
                BufferFullException e = assertThrows(BufferFullException.class, () -> stream.send(Io.blocking(), m));
                assertTrue(e.getMessage().contains("waited 200 ms"), e.getMessage());
                assertFalse(m.isSent());
            }
            stream.resume();
        }
    }

    @Test
    void shouldEnforceTheByteLimitAndRefuseMessagesLargerThanTheBuffer() throws Exception {
        try (RealtimeStream stream = f.builder().withBufferSize(100, 10).withBackpressure(Backpressure.DROP_NEWEST)
                .startPaused().build()) {
            assertTrue(f.send(stream, "123456", NORMAL));
            assertFalse(f.send(stream, "12345", NORMAL), "6 + 5 bytes > 10");
            assertFalse(f.send(stream, "12345678901", CRITICAL));
            assertEquals(List.of("12345"), f.deadPayloads(DeadLetterReason.DROPPED_NEWEST));
            assertEquals(List.of("12345678901"), f.deadPayloads(DeadLetterReason.TOO_LARGE));
            assertEquals(6, stream.metrics().bufferedBytes());
            stream.resume();
        }
    }

    @Test
    void fullSubscriberQueueShouldFollowTheStrategyWithoutStallingOthers() throws Exception {
        for (Backpressure strategy : new Backpressure[] {Backpressure.DROP_NEWEST, Backpressure.DROP_OLDEST,
                Backpressure.ERROR_ON_FULL}) {
            f.deadLetters.clear();
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            StreamFixture.Recorder slow = new StreamFixture.Recorder();
            StreamFixture.Recorder fast = new StreamFixture.Recorder();
            try (RealtimeStream stream = f.builder().withBackpressure(strategy).build()) {
                long slowId = stream.subscribe(m -> {
                    entered.countDown();
                    release.await();
                    slow.onMessage(m);
                }, Priority.ALL, 2, null);
                stream.subscribe(fast, Priority.ALL, 100, null);
                f.send(stream, "in-callback", LOW);
                entered.await();
                f.send(stream, "q1", LOW);
                f.send(stream, "q2", LOW);
                await("slow queue full", () -> stream.metrics().queueDepths().get(slowId) == 2);
                f.send(stream, "q3", HIGH);
                await(strategy + ": fast subscriber got everything", () -> fast.received.size() == 4);
                await(strategy + ": one dead letter", () -> f.deadLetters.size() == 1);
                release.countDown();
                await(strategy + ": slow subscriber done", () -> slow.received.size() == 3);
                StreamFixture.Dead dead = f.deadLetters.get(0);
                assertEquals(slowId, dead.subscriptionId());
                if (strategy == Backpressure.DROP_OLDEST) {
                    assertEquals(DeadLetterReason.DROPPED_OLDEST, dead.reason());
                    assertEquals("q1", dead.payload());
                    assertEquals(List.of("in-callback", "q3", "q2"), slow.snapshot());
                } else {
                    assertEquals(DeadLetterReason.DROPPED_NEWEST, dead.reason());
                    assertEquals("q3", dead.payload());
                    assertEquals(List.of("in-callback", "q1", "q2"), slow.snapshot());
                    if (strategy == Backpressure.ERROR_ON_FULL) {
                        assertInstanceOf(BufferFullException.class, dead.cause());
                        assertTrue(dead.cause().getMessage().contains("maxQueueSize=2"), dead.cause().getMessage());
                    }
                }
            }
            f.assertNoLeaks();
        }
    }

    @Test
    void blockShouldLetAFastSubscriberRunWhileASlowOneBacksUpIntoTheBuffer() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        StreamFixture.Recorder slow = new StreamFixture.Recorder();
        StreamFixture.Recorder fast = new StreamFixture.Recorder();
        try (RealtimeStream stream = f.builder().withBufferSize(6).withBackpressure(Backpressure.BLOCK, Duration.ofMillis(300))
                .build()) {
            stream.subscribe(m -> {
                release.await();
                slow.onMessage(m);
            }, Priority.ALL, 2, null);
            stream.subscribe(fast, Priority.ALL, 2, null);
            for (int i = 0; i < 6; i++) {
                f.send(stream, "m" + i, NORMAL);
            }
            await("the fast subscriber is not held back by the slow one", () -> fast.received.size() == 6);
            assertEquals(6, stream.metrics().bufferedRecords(), "undelivered to the slow one: held");
            assertThrows(BufferFullException.class, () -> f.send(stream, "m6", NORMAL),
                    "the slow subscriber's backlog fills the buffer, so senders wait");
            release.countDown();
            await("slow done", () -> slow.received.size() == 6);
            await("room again", () -> stream.metrics().bufferedRecords() == 0);
            assertTrue(f.send(stream, "m7", NORMAL));
            await("fast got m7", () -> fast.received.size() == 7);
        }
        assertTrue(f.deadLetters.isEmpty(), "BLOCK drops nothing");
    }
}

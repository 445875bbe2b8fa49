package io.zsync.stream;

import io.zsync.io.Io;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static io.zsync.stream.Priority.CRITICAL;
import static io.zsync.stream.Priority.HIGH;
import static io.zsync.stream.Priority.LOW;
import static io.zsync.stream.Priority.NORMAL;
import static io.zsync.stream.StreamFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FanOutAndLifecycleTest {
    private final StreamFixture f = new StreamFixture();

    @AfterEach
    void tearDown() {
        f.assertNoLeaks();
        f.close();
    }

    @Test
    void shouldShareOnePayloadAmongSubscribersAndReleaseItAfterTheLast() throws Exception {
        int subscribers = 3;
        CountDownLatch allIn = new CountDownLatch(subscribers);
        CountDownLatch release = new CountDownLatch(1);
        List<Integer> addresses = new ArrayList<>();
        AtomicInteger peakRefs = new AtomicInteger();
        try (RealtimeStream stream = f.builder().build()) {
            for (int i = 0; i < subscribers; i++) {
                stream.subscribe(m -> {
                    synchronized (addresses) {
                        addresses.add(System.identityHashCode(m));
                        peakRefs.accumulateAndGet(m.refCount(), Math::max);
                    }
                    allIn.countDown();
                    release.await();
                });
            }
            StreamMessage m = f.message("shared", NORMAL);
            stream.send(Io.blocking(), m);
            allIn.await();
            assertEquals(subscribers + 1, m.refCount(), "one per subscriber and the sender's own");
            m.close();
            assertEquals(subscribers, m.refCount());
            assertTrue(f.pool.stats().inUseBytes() > 0);
            release.countDown();
            await("released by every subscriber", () -> m.refCount() == 0);
            assertThrows(IllegalStateException.class, m::payload);
        }
        assertEquals(1, addresses.stream().distinct().count(), "the same message object, no copies");
    }

    @Test
    void shouldDeliverByMaskAndFilter() throws Exception {
        StreamFixture.Recorder urgent = new StreamFixture.Recorder();
        StreamFixture.Recorder filtered = new StreamFixture.Recorder();
        StreamFixture.Recorder all = new StreamFixture.Recorder();
        try (RealtimeStream stream = f.builder().startPaused().build()) {
            stream.subscribe(urgent, Priority.maskOf(HIGH, CRITICAL), 100, null);
            stream.subscribe(filtered, Priority.ALL, 100, m -> StreamFixture.text(m).startsWith("keep"));
            stream.subscribe(all, Priority.ALL, 100, m -> {
                if (StreamFixture.text(m).equals("boom")) {
                    throw new IllegalStateException("a filter that throws means no");
                }
                return true;
            });
            f.send(stream, "keep-low", LOW);
            f.send(stream, "drop-high", HIGH);
            f.send(stream, "keep-critical", CRITICAL);
            f.send(stream, "boom", NORMAL);
            stream.resume();
            await("all", () -> all.received.size() == 3 && urgent.received.size() == 2 && filtered.received.size() == 2);
        }
        assertEquals(List.of("keep-critical", "drop-high"), urgent.snapshot());
        assertEquals(List.of("keep-critical", "keep-low"), filtered.snapshot());
        assertEquals(List.of("keep-critical", "drop-high", "keep-low"), all.snapshot());
    }

    @Test
    void shouldIsolateACallbackThatThrows() throws Exception {
        List<Long> failures = new ArrayList<>();
        StreamFixture.Recorder healthy = new StreamFixture.Recorder();
        try (RealtimeStream stream = f.builder().withErrorHandler((id, m, e) -> {
            synchronized (failures) {
                failures.add(id);
            }
        }).build()) {
            long bad = stream.subscribe(m -> {
                throw new IllegalStateException("subscriber bug");
            });
            stream.subscribe(healthy);
            for (int i = 0; i < 5; i++) {
                f.send(stream, "m" + i, NORMAL);
            }
            await("healthy got all", () -> healthy.received.size() == 5);
            await("5 failures", () -> stream.metrics().callbackFailures() == 5);
            assertEquals(List.of(bad, bad, bad, bad, bad), failures);
            f.send(stream, "after", NORMAL);
            await("the failing subscription lives on", () -> stream.metrics().callbackFailures() == 6);
        }
    }

    @Test
    void shouldUnsubscribeUnderLoadWithoutLeaks() throws Exception {
        AtomicLong got = new AtomicLong();
        try (RealtimeStream stream = f.builder().withBufferSize(1_000).build()) {
            stream.subscribe(m -> got.incrementAndGet());
            Thread sender = new Thread(() -> {
                try {
                    for (int i = 0; i < 20_000; i++) {
                        f.send(stream, "m" + i, Priority.of(i & 3));
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            sender.start();
            for (int round = 0; round < 20; round++) {
                long id = stream.subscribe(m -> Thread.onSpinWait(), Priority.ALL, 16, null);
                Thread.sleep(2);
                assertTrue(stream.unsubscribe(id) >= 0);
                assertEquals(-1, stream.unsubscribe(id), "already gone");
            }
            sender.join();
            await("the steady subscriber got everything", () -> got.get() == 20_000);
        }
    }

    @Test
    void shouldLetACallbackUnsubscribeItself() throws Exception {
        AtomicLong id = new AtomicLong();
        AtomicInteger calls = new AtomicInteger();
        try (RealtimeStream stream = f.builder().build()) {
            AtomicReference<RealtimeStream> ref = new AtomicReference<>(stream);
            id.set(stream.subscribe(m -> {
                calls.incrementAndGet();
                ref.get().unsubscribe(id.get());
            }));
            f.send(stream, "one", NORMAL);
            await("called", () -> calls.get() == 1);
            f.send(stream, "two", NORMAL);
            Thread.sleep(20);
            assertEquals(1, calls.get());
        }
    }

    @Test
    void shouldCountEveryMessageFromConcurrentSendersUnderEachExecutionModel() throws Exception {
        for (Io io : new Io[] {Io.blocking(), Io.threadPool(2), Io.virtualThreads()}) {
            int senders = 4;
            int perSender = 5_000;
            ConcurrentHashMap<String, Boolean> seen = new ConcurrentHashMap<>();
            try (io; RealtimeStream stream = f.builder().withBufferSize(256).build()) {
                stream.subscribe(m -> seen.put(StreamFixture.text(m), Boolean.TRUE), Priority.ALL, 64, null);
                List<Thread> threads = new ArrayList<>();
                for (int s = 0; s < senders; s++) {
                    int sender = s;
                    Thread t = new Thread(() -> {
                        StreamMessage[] batch = new StreamMessage[10];
                        try {
                            for (int i = 0; i < perSender; i += batch.length) {
                                for (int j = 0; j < batch.length; j++) {
                                    batch[j] = f.message(sender + ":" + (i + j), Priority.of(j & 3));
                                }
                                if ((i / batch.length & 1) == 0) {
                                    assertEquals(batch.length, stream.sendBatch(io, batch, 0, batch.length));
                                } else {
                                    for (StreamMessage m : batch) {
                                        assertTrue(stream.send(io, m));
                                    }
                                }
                                for (StreamMessage m : batch) {
                                    m.close();
                                }
                            }
                        } catch (Exception e) {
                            throw new RuntimeException(e);
                        }
                    });
                    threads.add(t);
                    t.start();
                }
                for (Thread t : threads) {
                    t.join();
                }
                await(io.name() + ": every message delivered", () -> seen.size() == senders * perSender);
                StreamMetrics metrics = stream.metrics();
                assertEquals(senders * perSender, metrics.acceptedTotal());
                await("delivered counted", () -> stream.metrics().deliveredTotal() == senders * perSender);
                assertTrue(stream.metrics().latency(NORMAL).count() > 0);
            }
            f.assertNoLeaks();
        }
    }

    @Test
    void closeShouldDrainWhatIsBufferedAndRefuseNewSends() throws Exception {
        StreamFixture.Recorder sub = new StreamFixture.Recorder();
        RealtimeStream stream = f.builder().startPaused().build();
        stream.subscribe(sub);
        for (int i = 0; i < 100; i++) {
            f.send(stream, "m" + i, NORMAL);
        }
        CloseReport report = stream.close(Duration.ofSeconds(10));
        assertTrue(report.drained());
        assertEquals(100, sub.received.size());
        assertTrue(stream.isClosed());
        try (StreamMessage m = f.message("late", NORMAL)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> stream.send(Io.blocking(), m));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            assertEquals(1, m.refCount(), "the sender keeps a refused message");
        }
        assertSame(report, stream.close(Duration.ofSeconds(1)), "idempotent");
    }

    @Test
    void closeNowShouldReportWhatWasUndelivered() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        RealtimeStream stream = f.builder().build();
        long slow = stream.subscribe(m -> {
            entered.countDown();
            release.await();
        }, Priority.ALL, 100, null);
        f.send(stream, "in-callback", NORMAL);
        entered.await();
        f.send(stream, "queued-1", HIGH);
        f.send(stream, "queued-2", LOW);
        await("queued", () -> stream.metrics().queueDepths().get(slow) == 2);
        stream.pause();
        f.send(stream, "buffered", CRITICAL);
        Thread releaser = new Thread(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            release.countDown();
        });
        releaser.start();
        CloseReport report = stream.closeNow();
        releaser.join();
        assertFalse(report.drained());
        assertEquals(3, report.undeliveredCount());
        List<Priority> priorities = report.undelivered().stream().map(CloseReport.Undelivered::priority).toList();
        assertEquals(List.of(CRITICAL, HIGH, LOW), priorities, "buffer first, then the subscription's queue in order");
        assertEquals(DeadLetter.STREAM, report.undelivered().get(0).subscriptionId());
        assertEquals(slow, report.undelivered().get(1).subscriptionId());
    }

    @Test
    void closeWhileSendingShouldBeSafe() throws Exception {
        AtomicLong delivered = new AtomicLong();
        RealtimeStream stream = f.builder().withBufferSize(64).build();
        stream.subscribe(m -> delivered.incrementAndGet(), Priority.ALL, 8, null);
        AtomicLong accepted = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        List<Thread> senders = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            Thread t = new Thread(() -> {
                for (int i = 0; i < 100_000; i++) {
                    try (StreamMessage m = f.message("m", Priority.of(i & 3))) {
                        if (stream.send(Io.blocking(), m)) {
                            accepted.incrementAndGet();
                        }
                    } catch (IllegalStateException e) {
                        refused.incrementAndGet();
                        return;
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }
            });
            senders.add(t);
            t.start();
        }
        Thread.sleep(30);
        CloseReport report = stream.close(Duration.ofSeconds(10));
        for (Thread t : senders) {
            t.join();
        }
        assertTrue(report.drained(), "everything accepted before close was delivered: " + report);
        assertEquals(accepted.get(), delivered.get());
        assertTrue(refused.get() > 0 || accepted.get() == 300_000);
    }

    @Test
    void shouldRefuseASecondSendAndBadSubscriptions() throws Exception {
        try (RealtimeStream stream = f.builder().build();
             RealtimeStream other = f.builder().build()) {
            stream.subscribe(new StreamFixture.Recorder());
            try (StreamMessage m = f.message("once", NORMAL)) {
                stream.send(Io.blocking(), m);
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> other.send(Io.blocking(), m));
                assertTrue(e.getMessage().contains("already sent"), e.getMessage());
                assertThrows(IllegalStateException.class, () -> m.priority(HIGH));
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> stream.subscribe(m -> { }, 0x30, 10, null));
            assertTrue(e.getMessage().contains("0x30"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> stream.subscribe(m -> { }, Priority.ALL, 0, null));
            assertTrue(e.getMessage().contains("maxQueueSize"), e.getMessage());
            assertNotSame(stream, other);
        }
    }

    @Test
    void realtimeAndDispatcherDeliveryPresetsShouldDeliverInOrder() throws Exception {
        for (StreamBuilder preset : new StreamBuilder[] {RealtimeStreams.lowLatency(), RealtimeStreams.highThroughput(),
                RealtimeStreams.reliable()}) {
            StreamFixture.Recorder sub = new StreamFixture.Recorder();
            try (RealtimeStream stream = preset.withClock(f.clock).startPaused().build()) {
                stream.subscribe(sub);
                f.send(stream, "low", LOW);
                f.send(stream, "critical", CRITICAL);
                stream.resume();
                await(stream.name(), () -> sub.received.size() == 2);
            }
            assertEquals(List.of("critical", "low"), sub.snapshot());
        }
    }

    @Test
    void realTimeSchedulingShouldSayWhatWasGrantedAndWhatWasNot() throws Exception {
        AtomicReference<String> outcome = new AtomicReference<>();
        // A throw-away thread: the request changes the calling thread's scheduling.
        Thread t = new Thread(() -> outcome.set(RealtimeScheduling.applyToCurrentThread("test", 0)));
        t.start();
        t.join();
        String o = outcome.get();
        assertTrue(o.startsWith("granted: Java priority"), o);
        assertTrue(o.contains("pinned to CPU 0") || o.contains("not granted: "), o);
        assertTrue(o.contains("SCHED_FIFO"), o);
    }

    @Test
    void realTimeDispatcherShouldDeliverInPriorityOrder() throws Exception {
        StreamFixture.Recorder sub = new StreamFixture.Recorder();
        try (RealtimeStream stream = f.builder().withRealTimePriority().startPaused().build()) {
            stream.subscribe(sub);
            f.send(stream, "normal", NORMAL);
            f.send(stream, "high", HIGH);
            stream.resume();
            await("both", () -> sub.received.size() == 2);
        }
        assertEquals(List.of("high", "normal"), sub.snapshot());
    }
}

package io.zsync.kafka.flow;

import io.zsync.io.Io;
import io.zsync.stream.ManualTimeSource;
import io.zsync.stream.Priority;
import io.zsync.stream.RealtimeStream;
import io.zsync.stream.StreamBuilder;
import io.zsync.stream.StreamMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

/** A task's side of the flow budget: what it measures as demand, and how it applies an allowance. */
class TaskFlowTest {
    private static final long INTERVAL_NANOS = 250_000_000L;

    private final ManualTimeSource clock = new ManualTimeSource(1_000_000L);
    private final List<Long> released = new ArrayList<>();

    private RealtimeStream stream() {
        RealtimeStream s = new StreamBuilder().withClock(clock).withManualDispatch().withBufferSize(100_000, 1L << 30)
                .withRateLimit(1_000, 100).withByteRateLimit(100_000).withRateStartingEmpty()
                // close() drains what waits at the rate limit, here often 0: not in a test.
                .withCloseTimeout(Duration.ZERO).build();
        s.subscribe(m -> released.add(m.id()));
        return s;
    }

    private static void send(RealtimeStream s, long id, Priority p, int bytes) throws Exception {
        try (StreamMessage m = StreamMessage.detached(bytes)) {
            m.id(id).priority(p);
            s.send(Io.blocking(), m);
        }
    }

    private static TaskFlow flow() {
        return new TaskFlow(() -> { }, "m/p/0_0", "p", 1_000, 100_000, 100,
                new Allowance(250, 25_000, Allowance.Mode.FALLBACK), INTERVAL_NANOS);
    }

    @Test
    void shouldReportArrivalsPerSecondPlusWhatWaitsPerLevel() throws Exception {
        try (RealtimeStream s = stream()) {
            TaskFlow flow = flow();
            flow.update(s, clock.nanoTime());
            assertEquals(FlowReport.idle("p", 1_000, 100_000), flow.demand(), "nothing yet");
            // 200 ms: 40 LOW records of 100 bytes and 10 CRITICAL of 50 arrive; none leaves (no allowance yet).
            for (int i = 0; i < 40; i++) {
                send(s, i, Priority.LOW, 100);
            }
            for (int i = 0; i < 10; i++) {
                send(s, 100 + i, Priority.CRITICAL, 50);
            }
            clock.advance(Duration.ofMillis(200));
            flow.update(s, clock.nanoTime());
            FlowReport r = flow.demand();
            // LOW: arrivals 40 / 0.2 s = 200/s, plus 40 waiting to leave within the 250 ms interval, 160/s.
            // CRITICAL: 50/s plus 10 waiting, 40/s.
            assertEquals(360, r.demandRecords(Priority.LOW.ordinal()));
            assertEquals(90, r.demandRecords(Priority.CRITICAL.ordinal()));
            assertEquals(0, r.demandRecords(Priority.NORMAL.ordinal()));
            assertEquals(360 * 100, r.demandBytes(Priority.LOW.ordinal()));
            assertEquals(90 * 50, r.demandBytes(Priority.CRITICAL.ordinal()));
            assertEquals(0, s.dispatch(1_000), "waiting for its first allocation: nothing leaves");
        }
    }

    @Test
    void shouldNotMeasureMoreThanTwicePerInterval() throws Exception {
        try (RealtimeStream s = stream()) {
            TaskFlow flow = flow();
            flow.update(s, clock.nanoTime());
            FlowReport first = flow.demand();
            send(s, 1, Priority.LOW, 10);
            clock.advance(Duration.ofMillis(100));
            flow.update(s, clock.nanoTime());
            assertSame(first, flow.demand(), "100 ms is less than half of 250 ms");
            clock.advance(Duration.ofMillis(25));
            flow.update(s, clock.nanoTime());
            assertEquals(4 + 8, flow.demand().demandRecords(Priority.LOW.ordinal()),
                    "1 waiting (within 250 ms: 4/s), 1 arrived in 125 ms (8/s)");
        }
    }

    @Test
    void shouldApplyEachNewAllowanceToTheStreamsRateWithItsPartOfTheBurst() throws Exception {
        try (RealtimeStream s = stream()) {
            TaskFlow flow = flow();
            for (int i = 0; i < 5_000; i++) {
                send(s, i, Priority.LOW, 10);
            }
            flow.update(s, clock.nanoTime());
            flow.allow(new Allowance(500, 100_000, Allowance.Mode.COORDINATED));
            flow.update(s, clock.nanoTime());
            assertEquals(0, s.dispatch(10_000), "the bucket starts empty: a new task adds no burst");
            clock.advance(Duration.ofSeconds(1));
            flow.update(s, clock.nanoTime());
            assertEquals(500, s.dispatch(10_000), "500/s for 1 s");
            // Cut to nothing: a task whose budget went to CRITICAL records elsewhere.
            flow.allow(new Allowance(0, 100_000, Allowance.Mode.COORDINATED));
            flow.update(s, clock.nanoTime());
            clock.advance(Duration.ofSeconds(1));
            assertEquals(0, s.dispatch(10_000));
            flow.allow(flow.fallback());
            flow.update(s, clock.nanoTime());
            clock.advance(Duration.ofSeconds(1));
            assertEquals(250, s.dispatch(10_000), "the fallback share, 250/s, for 1 s");
        }
    }

    @Test
    void anAllowanceWithAnEndReleasesNoRecordsOnceItsEndHasPassed() throws Exception {
        try (RealtimeStream s = stream()) {
            TaskFlow flow = flow();
            for (int i = 0; i < 5_000; i++) {
                send(s, i, Priority.LOW, 10);
            }
            // A downstream group's room, good for 300 ms of the coordinator's clock (System.nanoTime).
            Allowance room = new Allowance(1_000, 100_000, Allowance.Mode.COORDINATED, System.nanoTime() + 300_000_000L);
            flow.allow(room);
            flow.update(s, clock.nanoTime());
            clock.advance(Duration.ofMillis(100));
            flow.update(s, clock.nanoTime());
            assertEquals(100, s.dispatch(10_000), "1,000/s while it holds");
            Thread.sleep(400);
            flow.update(s, clock.nanoTime());
            clock.advance(Duration.ofSeconds(1));
            flow.update(s, clock.nanoTime());
            assertEquals(0, s.dispatch(10_000), "not renewed in time: nothing more, however long the wait");
            // A renewed one applies at once.
            flow.allow(new Allowance(500, 100_000, Allowance.Mode.COORDINATED, System.nanoTime() + 60_000_000_000L));
            flow.update(s, clock.nanoTime());
            clock.advance(Duration.ofMillis(100));
            flow.update(s, clock.nanoTime());
            assertEquals(50, s.dispatch(10_000), "500/s");
            // A share above what a bucket takes (a large bound's room) is no limit, not a failure.
            flow.allow(new Allowance(4_000_000_000L, 100_000, Allowance.Mode.COORDINATED));
            flow.update(s, clock.nanoTime());
            // Allowances without an end never expire.
            assertFalse(new Allowance(1, 1, Allowance.Mode.COORDINATED).recordsExpired(Long.MAX_VALUE - 1));
        }
    }

    @Test
    void shouldGiveEachAllowanceItsPartOfTheApplicationsBurst() {
        TaskFlow flow = flow();
        assertEquals(50, flow.burstFor(500));
        assertEquals(100, flow.burstFor(1_000));
        assertEquals(100, flow.burstFor(5_000), "never above the application's");
        assertEquals(1, flow.burstFor(3));
        assertEquals(1, flow.burstFor(0));
    }

    @Test
    void shouldKeepAFixedAllowance() {
        TaskFlow flow = TaskFlow.fixed("p", "0_0", new Allowance(300, 0, Allowance.Mode.FALLBACK));
        assertEquals(300, flow.allowance().records());
        assertEquals(30, flow.burstFor(300));
        flow.leave();
        assertEquals(300, flow.allowance().records());
    }
}

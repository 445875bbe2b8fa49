package io.zsync.stream;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.zsync.io.Io;
import io.zsync.zerocopy.BufferPool;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicInteger;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * Two senders race for the last slot of a paused stream under {@code drop_newest}. Exactly one message
 * may be buffered and the other must reach the dead-letter listener; after an immediate close the
 * buffered one is reported undelivered and both messages are back in the pool.
 */
@JCStressTest
@Outcome(id = "1, 0, 1, 1", expect = ACCEPTABLE, desc = "Sender 1 won the slot; sender 2's message was dead-lettered.")
@Outcome(id = "0, 1, 1, 1", expect = ACCEPTABLE, desc = "Sender 2 won the slot; sender 1's message was dead-lettered.")
@Outcome(id = "1, 1, .*", expect = FORBIDDEN, desc = "Both were buffered: the limit of one was exceeded.")
@Outcome(id = "0, 0, .*", expect = FORBIDDEN, desc = "Neither was buffered.")
@Outcome(expect = FORBIDDEN, desc = "A message vanished, was reported twice, or leaked its buffer.")
@State
public class ConcurrentSendersStressTest {
    private static final BufferPool POOL = BufferPool.create();

    private final AtomicInteger deadLetters = new AtomicInteger();
    private final RealtimeStream stream = new StreamBuilder().withName("jcstress").withBufferSize(1)
            .withBackpressure(Backpressure.DROP_NEWEST).startPaused()
            .withDeadLetterListener(dl -> deadLetters.incrementAndGet()).build();
    private final StreamMessage m1 = StreamMessage.copyOf(POOL, new byte[] {1});
    private final StreamMessage m2 = StreamMessage.copyOf(POOL, new byte[] {2});

    @Actor
    public void sender1(IIII_Result r) {
        r.r1 = send(m1);
    }

    @Actor
    public void sender2(IIII_Result r) {
        r.r2 = send(m2);
    }

    @Arbiter
    public void arbiter(IIII_Result r) {
        r.r3 = deadLetters.get();
        CloseReport report = stream.closeNow();
        boolean released = m1.refCount() == 0 && m2.refCount() == 0;
        r.r4 = report.undeliveredCount() == 1 && released ? 1 : 0;
    }

    private int send(StreamMessage m) {
        try (m) {
            return stream.send(Io.blocking(), m) ? 1 : 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

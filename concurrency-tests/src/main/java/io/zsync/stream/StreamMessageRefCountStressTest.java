package io.zsync.stream;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.zsync.zerocopy.BufferPool;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * The last subscriber releases a message while another thread tries to retain it. The retain either
 * wins (the payload stays live with one reference) or is refused (the payload went back to the pool);
 * it must never succeed on a message whose payload was already returned.
 */
@JCStressTest
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "Retained before the release: one reference left, payload live.")
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "Released first: the retain was refused, payload returned.")
@Outcome(expect = FORBIDDEN, desc = "A retain revived a released message, or a reference was lost.")
@State
public class StreamMessageRefCountStressTest {
    private static final BufferPool POOL = BufferPool.create();

    private final StreamMessage message = StreamMessage.copyOf(POOL, new byte[] {42});

    @Actor
    public void lastSubscriberReleases() {
        message.close();
    }

    @Actor
    public void anotherThreadRetains(III_Result r) {
        try {
            message.retain();
            r.r1 = 1;
        } catch (IllegalStateException e) {
            r.r1 = 0;
        }
    }

    @Arbiter
    public void arbiter(III_Result r) {
        r.r2 = message.refCount();
        boolean live;
        try {
            live = message.payload().get(0) == 42;
        } catch (IllegalStateException e) {
            live = false;
        }
        r.r3 = live ? 1 : 0;
        if (r.r2 > 0) {
            message.release();
        }
    }
}

package io.zsync.zerocopy;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.nio.ByteBuffer;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Two threads acquire, fill, check and release buffers from one fresh pool (so both take the shared
 * slow path at once), and both try to release the same lease acquired up front. Exactly one release
 * of that lease may win; no buffer may be handed to both threads; afterwards nothing is in use.
 */
@JCStressTest
@Outcome(id = "1, 0, 3", expect = ACCEPTABLE, desc = "Actor 1 released the shared lease; actor 2 was refused.")
@Outcome(id = "0, 1, 3", expect = ACCEPTABLE, desc = "Actor 2 released the shared lease; actor 1 was refused.")
@Outcome(id = "1, 1, .*", expect = FORBIDDEN, desc = "The same lease was released twice.")
@Outcome(expect = FORBIDDEN, desc = "A buffer was shared, a release was lost, or in-use bytes leaked.")
@State
public class BufferPoolStressTest {
    private final BufferPool pool = BufferPool.builder().maxReservedBytes(1 << 20).build();
    private final PooledBuffer shared = pool.acquire(100);
    private volatile boolean intact1;
    private volatile boolean intact2;

    @Actor
    public void actor1(III_Result r) {
        intact1 = fillAndCheck((byte) 1);
        r.r1 = tryRelease();
    }

    @Actor
    public void actor2(III_Result r) {
        intact2 = fillAndCheck((byte) 2);
        r.r2 = tryRelease();
    }

    @Arbiter
    public void arbiter(III_Result r) {
        r.r3 = (intact1 && intact2 ? 1 : 0) + (pool.stats().inUseBytes() == 0 ? 2 : 0);
        pool.close();
    }

    private boolean fillAndCheck(byte id) {
        PooledBuffer a = pool.acquire(64);
        PooledBuffer b = pool.acquire(1000);
        ByteBuffer x = a.buffer();
        ByteBuffer y = b.buffer();
        for (int i = 0; i < 64; i++) {
            x.put(i, id);
            y.put(i, id);
        }
        boolean ok = x != y;
        for (int i = 0; i < 64; i++) {
            ok &= x.get(i) == id && y.get(i) == id;
        }
        a.release();
        b.release();
        return ok;
    }

    private int tryRelease() {
        try {
            shared.release();
            return 1;
        } catch (IllegalStateException e) {
            return 0;
        }
    }
}

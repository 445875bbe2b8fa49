package io.zsync.zerocopy;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.nio.ByteBuffer;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The producer writes 8 bytes that cross the wrap point of a 16-byte ring (two slices, two commits);
 * the consumer reads what is published. It must see 0, 4 or 8 bytes, each exactly as written: a
 * commit publishes its bytes whole, and nothing beyond a commit is visible.
 */
@JCStressTest
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "Nothing published yet.")
@Outcome(id = "4, 1", expect = ACCEPTABLE, desc = "The slice before the wrap point, intact.")
@Outcome(id = "8, 1", expect = ACCEPTABLE, desc = "Both slices, intact and in order.")
@Outcome(id = ".*, 0", expect = FORBIDDEN, desc = "Torn or stale bytes were read.")
@Outcome(expect = FORBIDDEN, desc = "Bytes read beyond what was committed.")
@State
public class ZeroCopyRingBufferStressTest {
    private final ZeroCopyRingBuffer ring = new ZeroCopyRingBuffer(16);

    public ZeroCopyRingBufferStressTest() {
        // Indices at 12 of 16: 4 bytes to the wrap point.
        ring.write(ByteBuffer.allocate(12));
        ring.read(ByteBuffer.allocate(12));
    }

    @Actor
    public void producer() {
        ByteBuffer src = ByteBuffer.allocate(8);
        for (int i = 0; i < 8; i++) {
            src.put(i, (byte) (0x40 + i));
        }
        ring.write(src);
    }

    @Actor
    public void consumer(II_Result r) {
        ByteBuffer dst = ByteBuffer.allocate(16);
        int n = ring.read(dst);
        boolean ok = true;
        for (int i = 0; i < n; i++) {
            ok &= dst.get(i) == (byte) (0x40 + i);
        }
        r.r1 = n;
        r.r2 = ok ? 1 : 0;
    }
}

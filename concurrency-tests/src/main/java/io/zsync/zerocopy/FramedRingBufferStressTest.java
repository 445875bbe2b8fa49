package io.zsync.zerocopy;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * One producer writes two records across the wrap point (the first behind a padding run) while one
 * consumer reads what it can. The consumer must see a prefix of the records, whole and in order:
 * never a torn, lost, duplicated or reordered record.
 */
@JCStressTest
@Outcome(id = "2, 0, 1", expect = ACCEPTABLE, desc = "Consumer ran first: nothing visible yet.")
@Outcome(id = "2, 1, 1", expect = ACCEPTABLE, desc = "Consumer saw the first record, whole.")
@Outcome(id = "2, 2, 1", expect = ACCEPTABLE, desc = "Consumer saw both records, whole and in order.")
@Outcome(id = ".*, .*, 0", expect = FORBIDDEN, desc = "A torn, reordered or foreign record was read.")
@Outcome(expect = FORBIDDEN, desc = "Writes failed or records were lost or duplicated.")
@State
public class FramedRingBufferStressTest {
    private static final int PAYLOAD = 20;
    private final FramedRingBuffer ring = new FramedRingBuffer(64);
    private final byte[] first = pattern(1);
    private final byte[] second = pattern(2);
    private int expectedNext = 1;
    private boolean intact = true;

    public FramedRingBufferStressTest() {
        // Move both indices to 48 of 64, so the first record does not fit before the wrap point.
        ring.write(pattern(9));
        ring.write(pattern(9));
        ring.read((b, o, l) -> { });
    }

    @Actor
    public void producer(III_Result r) {
        r.r1 = (ring.write(first) ? 1 : 0) + (ring.write(second) ? 1 : 0);
    }

    @Actor
    public void consumer(III_Result r) {
        r.r2 = ring.read((buffer, offset, length) -> {
            boolean ok = length == PAYLOAD;
            for (int i = 0; ok && i < PAYLOAD; i++) {
                ok = buffer.get(offset + i) == (byte) (expectedNext * 31 + i);
            }
            intact &= ok;
            expectedNext++;
        });
        r.r3 = intact ? 1 : 0;
    }

    private static byte[] pattern(int seq) {
        byte[] bytes = new byte[PAYLOAD];
        for (int i = 0; i < PAYLOAD; i++) {
            bytes[i] = (byte) (seq * 31 + i);
        }
        return bytes;
    }
}

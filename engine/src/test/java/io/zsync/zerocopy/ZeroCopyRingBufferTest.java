package io.zsync.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.Test;

class ZeroCopyRingBufferTest {

    @Test
    void shouldRoundTripEveryLengthFromEveryStartOffset() {
        int capacity = 16;
        for (int offset = 0; offset < capacity; offset++) {
            for (int length = 0; length <= capacity; length++) {
                ZeroCopyRingBuffer ring = new ZeroCopyRingBuffer(capacity);
                advance(ring, offset);
                byte[] data = pattern(length, offset);
                int written = ring.write(ByteBuffer.wrap(data));
                assertEquals(length, written, "offset " + offset + " length " + length);
                assertEquals(length, ring.size());
                ByteBuffer out = ByteBuffer.allocate(capacity);
                assertEquals(length, ring.read(out));
                for (int i = 0; i < length; i++) {
                    assertEquals(data[i], out.get(i), "offset " + offset + " length " + length + " byte " + i);
                }
                assertTrue(ring.isEmpty());
            }
        }
    }

    @Test
    void shouldNeverHandOutASliceAcrossTheWrapPoint() {
        int capacity = 16;
        for (int offset = 0; offset < capacity; offset++) {
            ZeroCopyRingBuffer ring = new ZeroCopyRingBuffer(capacity);
            advance(ring, offset);
            ByteBuffer w = ring.writableSlice();
            assertEquals(capacity - offset, w.remaining(), "writable up to the wrap point from " + offset);
            assertEquals(offset, w.position());
            w.put(w.position(), (byte) 1);
            ring.commitWrite(w.remaining());
            if (offset > 0) {
                ByteBuffer rest = ring.writableSlice();
                assertEquals(0, rest.position(), "after the wrap, slices start at 0");
                assertEquals(offset, rest.remaining());
                ring.commitWrite(offset);
            }
            assertEquals(0, ring.writableSlice().remaining(), "full");
            ByteBuffer r = ring.readableSlice();
            assertEquals(offset, r.position());
            assertEquals(capacity - offset, r.remaining());
            assertEquals(1, r.get(r.position()));
            assertTrue(r.isReadOnly());
        }
    }

    @Test
    void shouldRefuseToCommitMoreThanWasHandedOut() {
        ZeroCopyRingBuffer ring = new ZeroCopyRingBuffer(16);
        ByteBuffer w = ring.writableSlice();
        assertEquals(16, w.remaining());
        ring.commitWrite(10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ring.commitWrite(7));
        assertTrue(e.getMessage().contains("exceeds the 6 bytes"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ring.commitWrite(-1));
        ring.commitWrite(6);
        ByteBuffer r = ring.readableSlice();
        assertEquals(16, r.remaining());
        assertThrows(IllegalArgumentException.class, () -> ring.commitRead(17));
        ring.commitRead(16);
        assertThrows(IllegalArgumentException.class, () -> ring.commitRead(1), "nothing handed out any more");
        assertThrows(IllegalArgumentException.class, () -> ring.writableSlice(0));
    }

    @Test
    void shouldOnlyPublishCommittedBytes() {
        ZeroCopyRingBuffer ring = new ZeroCopyRingBuffer(32);
        ByteBuffer w = ring.writableSlice();
        w.put(new byte[] {1, 2, 3, 4});
        assertEquals(0, ring.readableSlice().remaining(), "written but not committed");
        ring.commitWrite(3);
        assertEquals(3, ring.readableSlice().remaining());
        ring.commitRead(2);
        assertEquals(1, ring.readableSlice().remaining());
        assertEquals(3, ring.readableSlice().get());
    }

    @Test
    void shouldValidateCapacityNamingTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ZeroCopyRingBuffer(100));
        assertTrue(e.getMessage().contains("was 100"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ZeroCopyRingBuffer(4));
        assertThrows(IllegalArgumentException.class, () -> new ZeroCopyRingBuffer(-8));
    }

    @Test
    void shouldMoveMegabytesBetweenTwoThreadsIntact() throws Exception {
        ZeroCopyRingBuffer ring = new ZeroCopyRingBuffer(4096);
        int total = 8 << 20;
        CRC32C sent = new CRC32C();
        CRC32C received = new CRC32C();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread consumer = new Thread(() -> {
            try {
                long got = 0;
                while (got < total) {
                    ByteBuffer in = ring.readableSlice();
                    int n = in.remaining();
                    if (n == 0) {
                        Thread.onSpinWait();
                        continue;
                    }
                    received.update(in);
                    ring.commitRead(n);
                    got += n;
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        consumer.start();
        int seq = 0;
        long put = 0;
        while (put < total) {
            ByteBuffer out = ring.writableSlice(512);
            int n = (int) Math.min(Math.min(out.remaining(), 1 + (seq % 777)), total - put);
            for (int i = 0; i < n; i++) {
                out.put(out.position() + i, (byte) (seq * 7 + i));
            }
            sent.update(out.slice(out.position(), n));
            ring.commitWrite(n);
            put += n;
            seq++;
        }
        consumer.join(30_000);
        assertFalse(consumer.isAlive());
        assertEquals(null, failure.get());
        assertEquals(sent.getValue(), received.getValue());
        ring.close();
    }

    private static void advance(ZeroCopyRingBuffer ring, int bytes) {
        if (bytes > 0) {
            assertEquals(bytes, ring.write(ByteBuffer.allocate(bytes)));
            assertEquals(bytes, ring.read(ByteBuffer.allocate(bytes)));
        }
    }

    static byte[] pattern(int length, int seed) {
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++) {
            data[i] = (byte) (seed * 13 + i * 7 + 1);
        }
        return data;
    }
}

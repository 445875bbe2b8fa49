package io.zsync.zerocopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

class FramedRingBufferTest {

    @Test
    void shouldRoundTripEveryRecordLengthFromEveryAlignedOffset() {
        int capacity = 64;
        FramedRingBuffer probe = new FramedRingBuffer(capacity);
        int max = probe.maxRecordLength();
        assertEquals(28, max);
        for (int offset = 0; offset < capacity; offset += 8) {
            for (int length = 0; length <= max; length++) {
                FramedRingBuffer ring = new FramedRingBuffer(capacity);
                advance(ring, offset);
                byte[] a = ZeroCopyRingBufferTest.pattern(length, offset);
                byte[] b = ZeroCopyRingBufferTest.pattern(max - length, offset + 1);
                assertTrue(ring.write(a), "first record, offset " + offset + " length " + length);
                List<byte[]> got = readAll(ring, Integer.MAX_VALUE);
                assertTrue(ring.write(b), "second record, offset " + offset + " length " + length);
                got.addAll(readAll(ring, Integer.MAX_VALUE));
                assertEquals(2, got.size());
                assertArrayEquals(a, got.get(0), "offset " + offset + " length " + length);
                assertArrayEquals(b, got.get(1), "offset " + offset + " length " + length);
                assertTrue(ring.isEmpty());
            }
        }
    }

    @Test
    void shouldPadAtTheWrapPointSoRecordsStayContiguous() {
        FramedRingBuffer ring = new FramedRingBuffer(64);
        advance(ring, 48);
        byte[] record = ZeroCopyRingBufferTest.pattern(20, 3);
        assertTrue(ring.write(record), "16 bytes of padding, then the 24-byte record at 0");
        List<Integer> offsets = new ArrayList<>();
        ring.read((buffer, offset, length) -> offsets.add(offset));
        assertEquals(List.of(FramedRingDescriptor.HEADER_LENGTH), offsets);
    }

    @Test
    void shouldReportFullWithoutWritingAndRecoverAfterARead() {
        FramedRingBuffer ring = new FramedRingBuffer(64);
        byte[] record = new byte[28];
        assertTrue(ring.write(record));
        assertTrue(ring.write(record));
        assertFalse(ring.write(new byte[0]), "full: even an empty record needs 8 bytes");
        assertEquals(1, ring.read((b, o, l) -> { }, 1));
        assertTrue(ring.write(new byte[5]));
        assertEquals(2, readAll(ring, Integer.MAX_VALUE).size());
    }

    @Test
    void shouldReadInBatchesOfAtMostMaxRecords() {
        FramedRingBuffer ring = new FramedRingBuffer(1024);
        for (int i = 0; i < 10; i++) {
            assertTrue(ring.write(new byte[] {(byte) i}));
        }
        List<byte[]> first = readAll(ring, 4);
        assertEquals(4, first.size());
        assertEquals(3, first.get(3)[0]);
        assertEquals(6, readAll(ring, 100).size());
        assertEquals(0, ring.read((b, o, l) -> { }, 1));
        assertThrows(IllegalArgumentException.class, () -> ring.read((b, o, l) -> { }, 0));
    }

    @Test
    void shouldCountTheRecordWhoseHandlerThrewAsConsumed() {
        FramedRingBuffer ring = new FramedRingBuffer(1024);
        ring.write(new byte[] {1});
        ring.write(new byte[] {2});
        ring.write(new byte[] {3});
        assertThrows(IllegalStateException.class, () -> ring.read((buffer, offset, length) -> {
            if (buffer.get(offset) == 2) {
                throw new IllegalStateException("handler failed");
            }
        }));
        List<byte[]> rest = readAll(ring, 10);
        assertEquals(1, rest.size());
        assertEquals(3, rest.get(0)[0]);
    }

    @Test
    void shouldWriteFromByteBuffersLeavingTheirPosition() {
        FramedRingBuffer ring = new FramedRingBuffer(256);
        ByteBuffer direct = ByteBuffer.allocateDirect(32);
        direct.put(new byte[] {9, 8, 7, 6}).flip();
        direct.position(1);
        assertTrue(ring.write(direct));
        assertEquals(1, direct.position(), "position unchanged");
        assertTrue(ring.write(ByteBuffer.wrap(new byte[] {5, 4}, 1, 1)));
        List<byte[]> got = readAll(ring, 10);
        assertArrayEquals(new byte[] {8, 7, 6}, got.get(0));
        assertArrayEquals(new byte[] {4}, got.get(1));
    }

    @Test
    void shouldRejectOversizedRecordsAndBadRangesNamingTheLimit() {
        FramedRingBuffer ring = new FramedRingBuffer(64);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ring.write(new byte[29]));
        assertTrue(e.getMessage().contains("0 to 28 bytes"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> ring.write(new byte[10], 5, 6));
        assertThrows(IllegalArgumentException.class, () -> new FramedRingBuffer(8));
        assertTrue(ring.isEmpty(), "nothing was written");
    }

    @Test
    void shouldDeliverAMillionRecordsInOrderBetweenTwoThreads() throws Exception {
        FramedRingBuffer ring = new FramedRingBuffer(1 << 12);
        int records = 1_000_000;
        AtomicReference<String> failure = new AtomicReference<>();
        long[] count = new long[1];
        Thread consumer = new Thread(() -> {
            while (count[0] < records && failure.get() == null) {
                int n = ring.read((buffer, offset, length) -> {
                    int seq = (int) count[0];
                    int expectedLength = seq % 61;
                    if (length != expectedLength) {
                        failure.compareAndSet(null, "record " + seq + " has length " + length);
                    }
                    for (int i = 0; i < length; i++) {
                        if (buffer.get(offset + i) != (byte) (seq + i)) {
                            failure.compareAndSet(null, "record " + seq + " byte " + i + " is wrong");
                        }
                    }
                    count[0]++;
                }, 64);
                if (n == 0) {
                    Thread.onSpinWait();
                }
            }
        });
        consumer.start();
        byte[] scratch = new byte[61];
        for (int seq = 0; seq < records; seq++) {
            int length = seq % 61;
            for (int i = 0; i < length; i++) {
                scratch[i] = (byte) (seq + i);
            }
            while (!ring.write(scratch, 0, length)) {
                Thread.onSpinWait();
            }
        }
        consumer.join(60_000);
        assertEquals(null, failure.get());
        assertEquals(records, count[0]);
        ring.close();
    }

    private static void advance(FramedRingBuffer ring, int bytes) {
        // Records of 8 bytes (empty payloads) move both indices without wrapping.
        for (int i = 0; i < bytes / 8; i++) {
            assertTrue(ring.write(new byte[0]));
            assertEquals(1, ring.read((b, o, l) -> { }, 1));
        }
    }

    private static List<byte[]> readAll(FramedRingBuffer ring, int max) {
        List<byte[]> out = new ArrayList<>();
        ring.read((buffer, offset, length) -> {
            byte[] copy = new byte[length];
            buffer.get(offset, copy);
            out.add(copy);
        }, max);
        return out;
    }
}

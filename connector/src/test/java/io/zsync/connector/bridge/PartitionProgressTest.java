package io.zsync.connector.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The offsets a bridge task commits: never past a pending record, and exact enough to skip delivered ones. */
class PartitionProgressTest {
    private static final TopicPartition TP = new TopicPartition("orders", 3);

    private static ConsumerRecord<byte[], byte[]> record(long offset) {
        return new ConsumerRecord<>(TP.topic(), TP.partition(), offset, null, null);
    }

    @Test
    void theCommittedOffsetIsTheLowestPendingOneAndTheNextToReadWhenNoneIs() {
        PartitionProgress p = new PartitionProgress(TP, 2);
        assertEquals(Map.of("topic", "orders", "partition", 3), p.sourcePartition());
        // Stored offsets are found by the serialized key: the field order must not vary between JVMs.
        assertEquals(List.of("topic", "partition"), new ArrayList<>(p.sourcePartition().keySet()));
        long[] ids = new long[4];
        for (int i = 0; i < 4; i++) {
            assertTrue(p.accept(record(10 + i)));
            ids[i] = p.add(record(10 + i));
            assertEquals(2, PartitionProgress.indexOf(ids[i]));
        }
        p.settle(ids[2]);
        assertEquals(Map.of("offset", 10L), p.plainOffset());
        assertEquals(Map.of("offset", 10L, "next", 14L, "pending", "10-11,13"), p.fullOffset());
        p.settle(ids[0]);
        p.settle(ids[1]);
        assertEquals(13L, p.committable());
        p.settle(ids[3]);
        assertEquals(Map.of("offset", 14L), p.fullOffset(), "nothing pending: the next offset alone");
        assertThrows(IllegalStateException.class, () -> p.settle(ids[3]), "settled twice");
    }

    @Test
    void aPendingListTooLongForTheOffsetsTopicGivesWayToThePlainOffsetWhichRepeatsButNeverSkips() {
        PartitionProgress p = new PartitionProgress(TP, 0, 20);
        List<Long> ids = new ArrayList<>();
        for (long o = 0; o < 100; o++) {
            p.accept(record(o));
            ids.add(p.add(record(o)));
        }
        for (int i = 1; i < 100; i += 2) {
            p.settle(ids.get(i));
        }
        // Pending: every even offset, "0,2,4,...", far over 20 characters.
        assertEquals(Map.of("offset", 0L), p.fullOffset());
        assertEquals(1, p.plainFallbacks());
        for (int i = 0; i < 94; i += 2) {
            p.settle(ids.get(i));
        }
        assertEquals(Map.of("offset", 94L, "next", 100L, "pending", "94,96,98"), p.fullOffset(), "short again");
        assertEquals(1, p.plainFallbacks());

        // After a restart with a long replay list, the fallback still starts at or below every pending offset.
        PartitionProgress wide = new PartitionProgress(TP, 0);
        List<Long> wideIds = new ArrayList<>();
        for (long o = 0; o < 100; o++) {
            wide.accept(record(o));
            wideIds.add(wide.add(record(o)));
        }
        for (int i = 0; i < 100; i += 3) {
            wide.settle(wideIds.get(i));
        }
        Map<String, Object> stored = wide.fullOffset();
        PartitionProgress narrow = new PartitionProgress(TP, 0, 20);
        assertEquals(1L, narrow.restore(stored));
        for (long o = 1; o < 10; o++) {
            if (narrow.accept(record(o))) {
                long id = narrow.add(record(o));
                if (o == 1) {
                    narrow.settle(id);
                }
            }
        }
        Map<String, Object> plain = narrow.fullOffset();
        assertEquals(Map.of("offset", 2L), plain, "the lowest offset still pending, read again or not");
        PartitionProgress again = new PartitionProgress(TP, 0);
        assertEquals(2L, again.restore(plain));
        for (long o = 2; o < 100; o++) {
            assertTrue(again.accept(record(o)), "a plain offset skips nothing: " + o);
        }
    }

    @Test
    void aRestartReadsFromTheLowestPendingOffsetAndSkipsWhatWasDelivered() {
        PartitionProgress before = new PartitionProgress(TP, 0);
        List<Long> ids = new ArrayList<>();
        for (long o = 100; o < 110; o++) {
            before.accept(record(o));
            ids.add(before.add(record(o)));
        }
        // Delivered: 101, 102, 105..109. Pending: 100, 103, 104.
        for (int i : new int[] {1, 2, 5, 6, 7, 8, 9}) {
            before.settle(ids.get(i));
        }
        Map<String, Object> stored = before.fullOffset();
        assertEquals(Map.of("offset", 100L, "next", 110L, "pending", "100,103-104"), stored);

        PartitionProgress after = new PartitionProgress(TP, 0);
        assertEquals(100L, after.restore(stored));
        List<Long> kept = new ArrayList<>();
        for (long o = 100; o < 112; o++) {
            if (after.accept(record(o))) {
                kept.add(o);
                after.add(record(o));
            }
        }
        assertEquals(List.of(100L, 103L, 104L, 110L, 111L), kept);
    }

    @Test
    void aSecondCrashBeforeTheReplayEndsStillKnowsWhatWasDelivered() {
        PartitionProgress p = new PartitionProgress(TP, 0);
        p.restore(Map.of("offset", 100L, "next", 110L, "pending", "100,103-104"));
        // Read again up to 103 only; 100 delivered, 103 still pending.
        long id100 = -1;
        for (long o = 100; o <= 103; o++) {
            if (p.accept(record(o))) {
                long id = p.add(record(o));
                if (o == 100) {
                    id100 = id;
                }
            }
        }
        p.settle(id100);
        assertEquals(Map.of("offset", 103L, "next", 110L, "pending", "103,104"), p.fullOffset());
        // The plain offset loses only what lets a restart skip; it never passes a pending record.
        assertEquals(Map.of("offset", 103L), p.plainOffset());
        assertFalse(p.accept(record(105)));
    }

    @Test
    void noRandomScheduleOfDeliveriesAndCrashesLosesOrRepeatsARecord() {
        randomSchedules(PartitionProgress.MAX_PENDING_CHARS);
    }

    @Test
    void withPendingListsOverTheLimitNoRandomScheduleLosesARecord() {
        // 12 characters: most full offsets go out plain. The model rolls back every delivery a restart
        // would make again, so what this run proves is that a plain fallback never skips a record.
        randomSchedules(12);
    }

    private static void randomSchedules(int maxPendingChars) {
        Random random = new Random(42);
        long fallbacks = 0;
        for (int round = 0; round < 200; round++) {
            long end = 300;
            TreeSet<Long> delivered = new TreeSet<>();
            Map<String, Object> stored = null;
            // Gaps in the log, as compaction or transaction markers leave them.
            TreeSet<Long> log = new TreeSet<>();
            for (long o = 0; o < end; o++) {
                if (random.nextInt(10) > 0) {
                    log.add(o);
                }
            }
            for (int run = 0; run <= 5; run++) {
                boolean last = run == 5;
                PartitionProgress p = new PartitionProgress(TP, 0, maxPendingChars);
                long start = p.restore(stored);
                Map<Long, Long> pending = new HashMap<>();
                for (Long o : log.tailSet(start < 0 ? 0 : start)) {
                    if (!last && random.nextInt(40) == 0) {
                        break;
                    }
                    if (p.accept(record(o))) {
                        assertFalse(delivered.contains(o), "offset " + o + " delivered twice");
                        pending.put(o, p.add(record(o)));
                    }
                    // Deliver some pending records, in any order; commit at random points, as batch ends.
                    if (random.nextInt(3) == 0 && !pending.isEmpty()) {
                        List<Long> keys = new ArrayList<>(pending.keySet());
                        Long pick = keys.get(random.nextInt(keys.size()));
                        p.settle(pending.remove(pick));
                        delivered.add(pick);
                        if (random.nextBoolean()) {
                            stored = new HashMap<>(p.fullOffset());
                        }
                    }
                }
                fallbacks += p.plainFallbacks();
                if (last) {
                    for (Map.Entry<Long, Long> e : pending.entrySet()) {
                        p.settle(e.getValue());
                        delivered.add(e.getKey());
                    }
                    break;
                }
                // Crash. Exactly-once: deliveries after the last commit are rolled back with it.
                Map<String, Object> committed = stored;
                delivered.removeIf(o -> committed == null || notCommitted(o, committed));
            }
            assertEquals(log, delivered, "round " + round + ": every record delivered once");
        }
        assertEquals(maxPendingChars < PartitionProgress.MAX_PENDING_CHARS, fallbacks > 0,
                "plain fallbacks: " + fallbacks);
    }

    /** Whether a delivered offset is one a restart from {@code stored} would deliver again. */
    private static boolean notCommitted(long o, Map<String, Object> stored) {
        PartitionProgress probe = new PartitionProgress(TP, 0);
        long start = probe.restore(stored);
        return o >= start && probe.accept(record(o));
    }
}

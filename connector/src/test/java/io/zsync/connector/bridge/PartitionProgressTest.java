package io.zsync.connector.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;

/**
 * The offsets a bridge task returns: each one exact for "this record and the batch's ones before it are
 * written", so that whatever prefix Connect commits, a restart reads again exactly what was not written.
 */
class PartitionProgressTest {
    private static final TopicPartition TP = new TopicPartition("orders", 3);

    private static ConsumerRecord<byte[], byte[]> record(long offset) {
        return new ConsumerRecord<>(TP.topic(), TP.partition(), offset, null, null);
    }

    @Test
    void recordsLeavingInReadOrderCarryPlainOffsets() {
        PartitionProgress p = new PartitionProgress(TP, 2);
        assertEquals(Map.of("topic", "orders", "partition", 3), p.sourcePartition());
        // Stored offsets are found by the serialized key: the field order must not vary between JVMs, and must
        // be the one Connect gives a key written through its REST API (a JsonConverter round trip).
        assertEquals(List.of("partition", "topic"), new ArrayList<>(p.sourcePartition().keySet()));
        org.apache.kafka.connect.json.JsonConverter json = new org.apache.kafka.connect.json.JsonConverter();
        json.configure(Map.of("schemas.enable", "false"), true);
        Map<?, ?> normalized = (Map<?, ?>) json.toConnectData("", json.fromConnectData("", null,
                new LinkedHashMap<>(Map.of("topic", "orders", "partition", 3)))).value();
        assertEquals(new ArrayList<>(normalized.keySet()), new ArrayList<>(p.sourcePartition().keySet()));
        assertEquals(List.of("topic", "partition"), new ArrayList<>(p.legacySourcePartition().keySet()));
        List<Long> ids = new ArrayList<>();
        for (long o = 10; o < 14; o++) {
            assertTrue(p.accept(record(o)));
            ids.add(p.add(record(o)));
            assertEquals(2, PartitionProgress.indexOf(ids.get(ids.size() - 1)));
        }
        p.settle(ids.get(0));
        p.settle(ids.get(1));
        assertEquals(List.of(Map.of("offset", 11L), Map.of("offset", 12L)), p.batchOffsets());
        p.settle(ids.get(2));
        p.settle(ids.get(3));
        assertEquals(List.of(Map.of("offset", 13L), Map.of("offset", 14L)), p.batchOffsets());
        assertEquals(List.of(), p.batchOffsets(), "a batch that returned nothing for the partition");
        assertThrows(IllegalStateException.class, () -> p.settle(ids.get(3)), "returned twice");
    }

    @Test
    void everyRecordOfAReorderedBatchCarriesTheExactOffsetOfItsPrefix() {
        PartitionProgress p = new PartitionProgress(TP, 0);
        Map<Long, Long> ids = new LinkedHashMap<>();
        for (long o = 100; o < 110; o++) {
            p.accept(record(o));
            ids.put(o, p.add(record(o)));
        }
        // Returned in priority order: 105, 101, 109, 100; the rest stay held.
        long[] order = {105, 101, 109, 100};
        for (long o : order) {
            p.settle(ids.get(o));
        }
        List<Map<String, Object>> offsets = p.batchOffsets();
        assertEquals(4, offsets.size());
        for (int k = 0; k < order.length; k++) {
            Set<Long> written = new HashSet<>();
            for (int i = 0; i <= k; i++) {
                written.add(order[i]);
            }
            List<Long> expected = new ArrayList<>();
            for (long o = 100; o < 112; o++) {
                if (!written.contains(o)) {
                    expected.add(o);
                }
            }
            assertEquals(expected, readAgain(offsets.get(k), 100, 112), "after " + (k + 1) + " records");
        }
    }

    @Test
    void theFirstVersionsTextRangesAreStillReadSoAnUpgradeResumesExactly() {
        PartitionProgress p = new PartitionProgress(TP, 0);
        assertEquals(100L, p.restore(Map.of("offset", 100L, "next", 110L, "pending", "100,103-104")));
        List<Long> kept = new ArrayList<>();
        for (long o = 100; o < 112; o++) {
            if (p.accept(record(o))) {
                kept.add(o);
            }
        }
        assertEquals(List.of(100L, 103L, 104L, 110L, 111L), kept);
    }

    @Test
    void aSecondCrashBeforeTheReplayEndsStillKnowsWhatWasWritten() {
        PartitionProgress p = new PartitionProgress(TP, 0);
        p.restore(Map.of("offset", 100L, "next", 110L, "pending", "100,103-104"));
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
        Map<String, Object> stored = p.batchOffsets().get(0);
        assertEquals(List.of(103L, 104L, 110L, 111L), readAgain(stored, 100, 112));
    }

    /** Row e: the stored offset is above what the partition now holds (recreated topic, other cluster). */
    @Test
    void aReadBelowTheStoredOffsetMeansTheLogWasResetAndNothingIsSkipped() {
        PartitionProgress p = new PartitionProgress(TP, 0);
        assertEquals(100L, p.restore(Map.of("offset", 100L, "next", 120L, "pending", "100,105")));
        // The seek was out of range and the consumer reset to the earliest offset.
        for (long o = 0; o < 40; o++) {
            assertTrue(p.accept(record(o)), "offset " + o + " of the new log");
        }
        assertEquals(0, p.skipped());
    }

    @Test
    void aLogThatGoesBackBelowHeldRecordsWhileTheTaskRunsStopsTheTask() {
        PartitionProgress p = new PartitionProgress(TP, 0);
        p.accept(record(50));
        p.add(record(50));
        assertThrows(ConnectException.class, () -> p.accept(record(3)));
    }

    @Test
    void aPartitionPausesWhenItsOffsetWouldSpanTooManyOffsets() {
        PartitionProgress p = new PartitionProgress(TP, 0, 1000);
        long oldest = -1;
        for (long o = 0; o < 1000; o++) {
            p.accept(record(o));
            long id = p.add(record(o));
            if (o == 0) {
                oldest = id;
            } else {
                p.settle(id);
            }
            assertEquals(o == 999, p.overSpan(), "at " + o);
        }
        p.batchOffsets();
        p.settle(oldest);
        assertFalse(p.overSpan(), "the oldest left");
        Map<String, Object> last = p.batchOffsets().get(0);
        assertEquals(Map.of("offset", 1000L), last);
    }

    @Test
    void malformedStoredOffsetsFailTheTaskNamingTheFieldAndTheFix() {
        PartitionProgress p = new PartitionProgress(TP, 0);
        ConnectException e = assertThrows(ConnectException.class, () -> p.restore(Map.of("offset", "42")));
        assertTrue(e.getMessage().contains("'offset'") && e.getMessage().contains("PATCH"), e.getMessage());
        assertThrows(ConnectException.class, () -> p.restore(Map.of("offset", 42L, "next", 50L)));
        assertEquals(-1, p.restore(null));
    }

    /** Connect's exactly-once mode: a transaction per poll batch. */
    @Test
    void exactlyOnceNoScheduleOfDropsPartialCommitsAndCrashesLosesOrRepeatsARecord() {
        Model.run(true, new Random(42), 300);
    }

    /** Connect's at-least-once mode: the acknowledged prefix, committed now and then. */
    @Test
    void atLeastOnceNoScheduleOfDropsPartialCommitsAndCrashesLosesARecord() {
        Model.run(false, new Random(7), 300);
    }

    /** The offsets a restart from {@code stored} delivers among {@code [from, to)}. */
    private static List<Long> readAgain(Map<String, Object> stored, long from, long to) {
        PartitionProgress probe = new PartitionProgress(TP, 0);
        long start = probe.restore(stored);
        List<Long> out = new ArrayList<>();
        for (long o = Math.max(from, start < 0 ? 0 : start); o < to; o++) {
            if (probe.accept(record(o))) {
                out.add(o);
            }
        }
        return out;
    }

    /**
     * One source partition through bridge tasks under a model of Kafka Connect's commit rules, with random
     * reads, priority reorderings, records a transform drops, commits of part of a batch and crashes.
     * Exactly-once: each poll batch is a transaction; the offset written is that of the partition's last
     * dispatched record that was not dropped; a crash may come part-way through a batch, and its dispatched
     * prefix is committed (as the worker's final commit does). At-least-once: records are acknowledged in
     * order, dropped ones at once; now and then the offset of the last acknowledged one is committed; a
     * crash loses what was not committed, which a restart repeats. After each crash a new progress restores
     * the committed offset, as a new task would.
     */
    static final class Model {
        static void run(boolean exactlyOnce, Random random, int rounds) {
            for (int round = 0; round < rounds; round++) {
                TreeSet<Long> log = new TreeSet<>();
                for (long o = 0; o < 200; o++) {
                    if (random.nextInt(10) > 0) {
                        log.add(o); // gaps, as compaction or transaction markers leave them
                    }
                }
                Map<Long, Integer> written = new HashMap<>();
                Set<Long> writtenSinceCommit = new HashSet<>();
                Set<Long> lostInWindow = new HashSet<>();
                Set<Long> repeatable = new HashSet<>();
                Map<String, Object> committed = null;
                int crashes = 0;
                PartitionProgress p = null;
                Map<Long, Long> held = new LinkedHashMap<>();
                List<Long> dropped = new ArrayList<>();
                // Dropped records whose dead letter is not written yet: a crash now loses them (the window).
                Set<Long> awaitingDeadLetter = new HashSet<>();
                Long readFrom = null;
                List<String> trace = new ArrayList<>();
                while (true) {
                    if (p == null) {
                        p = new PartitionProgress(TP, 0, 64);
                        long start = p.restore(committed);
                        readFrom = start < 0 ? 0 : start;
                        held.clear();
                        dropped.clear();
                    }
                    // Read a few records, unless the partition is paused.
                    int reads = p.overSpan() ? 0 : random.nextInt(6);
                    for (Long o = log.ceiling(readFrom); o != null && reads > 0; o = log.higher(o), reads--) {
                        readFrom = o + 1;
                        if (p.accept(record(o))) {
                            assertFalse(written.getOrDefault(o, 0) > 0 && exactlyOnce && !writtenSinceCommit.contains(o),
                                    "round " + round + ": offset " + o + " read again after its commit");
                            held.put(o, p.add(record(o)));
                        }
                    }
                    // The batch: dead letters for dropped records first, then held records in random order.
                    List<Long> batch = new ArrayList<>();
                    List<Boolean> deadLetter = new ArrayList<>();
                    for (long o : dropped) {
                        p.sentAgain(o);
                        batch.add(o);
                        deadLetter.add(true);
                    }
                    dropped.clear();
                    List<Long> keys = new ArrayList<>(held.keySet());
                    Collections.shuffle(keys, random);
                    for (Long o : keys.subList(0, random.nextInt(keys.size() + 1))) {
                        p.settle(held.remove(o));
                        batch.add(o);
                        deadLetter.add(false);
                    }
                    List<Map<String, Object>> offsets = p.batchOffsets();
                    assertEquals(batch.size(), offsets.size());
                    trace.add("held=" + held.keySet() + " batch=" + batch + " dl=" + deadLetter + " offsets=" + offsets);
                    boolean crash = crashes < 4 && random.nextInt(12) == 0;
                    int dispatched = crash ? random.nextInt(batch.size() + 1) : batch.size();
                    List<Long> droppedNow = new ArrayList<>();
                    for (int i = 0; i < dispatched; i++) {
                        long o = batch.get(i);
                        if (!deadLetter.get(i) && random.nextInt(10) == 0) {
                            droppedNow.add(o); // a transform dropped it: no offset written for it
                            if (!exactlyOnce && (random.nextInt(4) == 0)) {
                                committed = offsets.get(i); // at-least-once: dropped records are acknowledged
                                writtenSinceCommit.clear();
                            }
                            continue;
                        }
                        written.merge(o, 1, Integer::sum);
                        writtenSinceCommit.add(o);
                        awaitingDeadLetter.remove(o);
                        if (exactlyOnce || random.nextInt(4) == 0 || crash && i == dispatched - 1) {
                            committed = offsets.get(i);
                            writtenSinceCommit.clear();
                        }
                    }
                    // Connect reports the dropped records after the commit; the next poll dead-letters them.
                    dropped.addAll(droppedNow);
                    awaitingDeadLetter.addAll(droppedNow);
                    trace.add("dispatched=" + dispatched + " dropped=" + droppedNow + " committed=" + committed);
                    if (crash) {
                        trace.add("CRASH readFrom=" + readFrom);
                        crashes++;
                        lostInWindow.addAll(awaitingDeadLetter);
                        awaitingDeadLetter.clear();
                        // At-least-once may repeat what was written after the last commit, and nothing else.
                        repeatable.addAll(writtenSinceCommit);
                        writtenSinceCommit.clear();
                        p = null;
                        continue;
                    }
                    if (log.ceiling(readFrom) == null && held.isEmpty() && dropped.isEmpty()) {
                        break;
                    }
                }
                for (long o : log) {
                    int n = written.getOrDefault(o, 0);
                    String why = "round " + round + ": offset " + o + " written " + n + " times\n"
                            + String.join("\n", trace);
                    // Lost only in the documented window; repeated only at at-least-once, after a crash.
                    assertTrue(n >= 1 || lostInWindow.contains(o), why);
                    assertTrue(n <= 1 || !exactlyOnce && repeatable.contains(o), why);
                }
            }
        }
    }
}

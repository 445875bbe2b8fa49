package io.zsync.connector.bridge;

import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;

/**
 * What one bridge task has done with one source partition, and the exact source offset that says so for
 * every record it returns.
 *
 * <p>Records are read in offset order but leave in priority order, so the task keeps every record it has
 * read and not yet returned to the worker ("held"), in offset order. Each record a poll batch returns
 * carries the offset that is exact if that record and every record the batch returned before it are
 * written, and none after it: that is what Kafka Connect commits. At-least-once
 * ({@code WorkerSourceTask}) commits the offset of the last record of the prefix the producer acknowledged;
 * exactly-once ({@code ExactlyOnceWorkerSourceTask}) commits, with the transaction, the offset of the last
 * record of each partition it dispatched, also when it stops part-way through a batch or a transform drops
 * the batch's last record. So after any commit a restart reads again exactly the records not written: the
 * held ones and those returned after the committed one (the format is in {@link SourceOffsets}).
 *
 * <p>A record Connect reports as not written (a transform dropped it; {@code errors.tolerance=all} and
 * {@code Filter} are refused by {@link BridgeConfig}) was counted as written by the offsets of the records
 * returned after it; the task returns a dead letter for it in its next poll ({@link #sentAgain}). A worker
 * crash or stop between the commit that passed it and that dead letter's write leaves the record only in
 * the task's log.
 *
 * <p>The offset's size is bounded by admission, not by a fallback: the encoded set spans the offsets from
 * the lowest held record to the next to read, and once that span reaches {@link #PAUSE_SPAN} the task
 * stops reading the partition ({@link #overSpan()}) until the lowest held record leaves. At most
 * {@value #PAUSE_SPAN} offsets plus one poll's records, it never needs more than about 16 KB as a bitmap.
 *
 * <p>Not thread-safe: only the task's polling thread uses it.
 */
public final class PartitionProgress {
    private static final System.Logger LOG = System.getLogger(PartitionProgress.class.getName());

    /** Low bits of a record id: the record's sequence in its partition; the high bits: the partition's index. */
    static final int SEQUENCE_BITS = 40;
    private static final long SEQUENCE_MASK = (1L << SEQUENCE_BITS) - 1;
    private static final int INITIAL_CAPACITY = 64;
    /** The span (offsets from the lowest held record to the next to read) at which reading the partition pauses. */
    public static final int PAUSE_SPAN = 131_072;

    private final TopicPartition partition;
    private final int index;
    private final long idBase;
    private final Map<String, Object> sourcePartition;
    private final Map<String, Object> legacySourcePartition;
    private final int pauseSpan;
    private final String topicId;

    // Held records in offset order at [head, tail); a returned one leaves a null record until compaction.
    private long[] offsets = new long[INITIAL_CAPACITY];
    private long[] sequences = new long[INITIAL_CAPACITY];
    @SuppressWarnings("unchecked")
    private ConsumerRecord<byte[], byte[]>[] records = new ConsumerRecord[INITIAL_CAPACITY];
    private int head;
    private int tail;
    private long nextSequence;
    private int heldCount;
    /** The next offset to read; -1 until known. */
    private long next = -1;

    // After a restart: below replayUntil, only offsets inside [replayStarts[i], replayEnds[i]] are to be read.
    private long storedOffset = -1;
    private long replayUntil = -1;
    private long[] replayStarts = new long[0];
    private long[] replayEnds = new long[0];
    private int replayCursor;
    private long skipped;

    // The offsets the current poll batch returned, in the order it returned them.
    private long[] sent = new long[INITIAL_CAPACITY];
    private int sentCount;

    /**
     * @param partition the source partition
     * @param index     its index among the task's partitions, which record ids carry
     */
    public PartitionProgress(TopicPartition partition, int index) {
        this(partition, index, null, PAUSE_SPAN);
    }

    /**
     * @param partition the source partition
     * @param index     its index among the task's partitions, which record ids carry
     * @param topicId   the source topic's ID (KIP-516), written into every offset; null when unknown
     */
    public PartitionProgress(TopicPartition partition, int index, String topicId) {
        this(partition, index, topicId, PAUSE_SPAN);
    }

    PartitionProgress(TopicPartition partition, int index, int pauseSpan) {
        this(partition, index, null, pauseSpan);
    }

    PartitionProgress(TopicPartition partition, int index, String topicId, int pauseSpan) {
        this.topicId = topicId;
        this.partition = partition;
        this.index = index;
        this.pauseSpan = pauseSpan;
        this.idBase = (long) index << SEQUENCE_BITS;
        this.sourcePartition = sourcePartitionOf(partition);
        this.legacySourcePartition = legacySourcePartitionOf(partition);
    }

    /** Connect's source partition key for {@code partition}: {@code partition} and {@code topic}. */
    public static Map<String, Object> sourcePartitionOf(TopicPartition partition) {
        // Connect finds a stored offset by the serialized key, so the field order must be the same in every JVM
        // (Map.copyOf/Map.of iterate in an order salted per JVM, which lost the offsets on restart) and the
        // same as in the keys Connect writes itself: PATCH /connectors/<name>/offsets (KIP-875) and GET
        // normalize a source partition through its JsonConverter, which reads a JSON object into a HashMap.
        // A HashMap of default capacity holding these two fields iterates in one order everywhere
        // (String.hashCode is specified): "partition" first, as the JsonConverter's new HashMap<>() does (a
        // HashMap of another capacity may not: PartitionProgressTest pins the round trip). In any other order
        // the task never reads an offset written through the REST API, and GET shows its offsets as null.
        Map<String, Object> p = new HashMap<>();
        p.put("topic", partition.topic());
        p.put("partition", partition.partition());
        return Collections.unmodifiableMap(p);
    }

    /** The key earlier versions wrote for {@code partition}: {@code topic} first (see {@link #legacySourcePartition()}). */
    public static Map<String, Object> legacySourcePartitionOf(TopicPartition partition) {
        Map<String, Object> legacy = new LinkedHashMap<>();
        legacy.put("topic", partition.topic());
        legacy.put("partition", partition.partition());
        return Collections.unmodifiableMap(legacy);
    }

    /** The partition. */
    public TopicPartition partition() {
        return partition;
    }

    /** Its index among the task's partitions. */
    public int index() {
        return index;
    }

    /** Connect's source partition: {@code topic} and {@code partition}. */
    public Map<String, Object> sourcePartition() {
        return sourcePartition;
    }

    /**
     * The source partition with its fields in the order earlier versions wrote them ({@code topic} first): a
     * key Connect stores apart from {@link #sourcePartition()}, read only when that one has no offset.
     */
    public Map<String, Object> legacySourcePartition() {
        return legacySourcePartition;
    }

    /** The partition index a record id carries. */
    public static int indexOf(long id) {
        return (int) (id >>> SEQUENCE_BITS);
    }

    /**
     * Resumes from a stored offset ({@link SourceOffsets}).
     *
     * @param stored the stored source offset, or null when there is none
     * @return where to position the consumer, or -1 to use its reset policy
     * @throws ConnectException naming the partition and the field when the stored offset is malformed
     */
    public long restore(Map<String, ?> stored) {
        SourceOffsets.Resume resume;
        try {
            resume = SourceOffsets.parse(stored);
        } catch (IllegalArgumentException e) {
            throw new ConnectException("zsync bridge: the stored source offset of " + partition + " is malformed: "
                    + e.getMessage() + "; it is " + stored + ". Write a valid one with PATCH /connectors/<name>/offsets"
                    + " ({\"offset\": N} resumes at N) or reset it with DELETE /connectors/<name>/offsets");
        }
        if (resume == null) {
            return -1;
        }
        if (resume.topicId() != null && topicId != null && !resume.topicId().equals(topicId)) {
            LOG.log(System.Logger.Level.WARNING, "zsync bridge: the stored offset of {0} ({1}) was written for topic ID"
                    + " {2}, and {0} now has ID {3}: the topic was deleted and recreated, or source.bootstrap.servers"
                    + " names another cluster. The offset means nothing here and is not used: the task reads from"
                    + " source.auto.offset.reset, and skips nothing", partition, stored, resume.topicId(), topicId);
            return -1;
        }
        storedOffset = resume.offset();
        next = resume.offset();
        if (resume.skips()) {
            replayUntil = resume.next();
            replayStarts = resume.starts();
            replayEnds = resume.ends();
            replayCursor = 0;
        }
        return resume.offset();
    }

    /**
     * Called for every record read, in offset order.
     *
     * @return false when the record was written before a restart and is to be skipped
     * @throws ConnectException when the log went back below records still held (it was deleted and
     *                          recreated while the task ran): a restart resumes from the stored offsets
     */
    public boolean accept(ConsumerRecord<byte[], byte[]> record) {
        long o = record.offset();
        if (next >= 0 && o < next) {
            logReset(o);
        }
        next = o + 1;
        if (replayUntil < 0) {
            return true;
        }
        if (o >= replayUntil) {
            endReplay();
            return true;
        }
        while (replayCursor < replayEnds.length && replayEnds[replayCursor] < o) {
            replayCursor++;
        }
        if (replayCursor < replayEnds.length && replayStarts[replayCursor] <= o) {
            return true;
        }
        skipped++;
        return false;
    }

    /**
     * The consumer read below the offset this partition expected: after a restart, the stored offset was
     * out of range and the consumer reset (the topic was deleted and recreated, or the source is now
     * another cluster). Nothing recorded about the old log may skip a record of the new one.
     */
    private void logReset(long o) {
        if (head < tail && offsets[tail - 1] >= o) {
            throw new ConnectException("zsync bridge: " + partition + " went back from offset " + next + " to " + o
                    + " while records above it are held (its log was deleted and recreated, or truncated): the task"
                    + " stops; a restart resumes from the stored offsets");
        }
        LOG.log(System.Logger.Level.WARNING, "zsync bridge: {0} was read from offset {1}, below the offset {2} it"
                + " was expected at (stored offset {3}, next {4}): its log was reset (the topic was deleted and"
                + " recreated, or source.bootstrap.servers names another cluster). Nothing is skipped: every record"
                + " from {1} on is delivered", partition, o, next, storedOffset, replayUntil);
        endReplay();
        storedOffset = -1;
    }

    private void endReplay() {
        replayUntil = -1;
        replayStarts = replayEnds = new long[0];
        replayCursor = 0;
    }

    /** How many records were skipped as written before the last restart. */
    public long skipped() {
        return skipped;
    }

    /**
     * Records an accepted record as held.
     *
     * @return its id, unique in the task
     */
    public long add(ConsumerRecord<byte[], byte[]> record) {
        if (tail == offsets.length) {
            makeRoom();
        }
        long sequence = nextSequence++;
        if (sequence > SEQUENCE_MASK) {
            throw new ConnectException("zsync bridge: more than 2^40 records read from " + partition
                    + " in one task run; restart the task");
        }
        offsets[tail] = record.offset();
        sequences[tail] = sequence;
        records[tail] = record;
        tail++;
        heldCount++;
        return idBase | sequence;
    }

    /** The held record with this id. */
    public ConsumerRecord<byte[], byte[]> get(long id) {
        return records[find(id)];
    }

    /**
     * Marks a held record returned in the current batch (delivered or dead-lettered).
     *
     * @return the record
     */
    public ConsumerRecord<byte[], byte[]> settle(long id) {
        int i = find(id);
        ConsumerRecord<byte[], byte[]> record = records[i];
        records[i] = null;
        heldCount--;
        while (head < tail && records[head] == null) {
            head++;
        }
        if (head == tail) {
            head = tail = 0;
        }
        addSent(record.offset());
        return record;
    }

    /**
     * Marks a record that Connect did not write returned again in the current batch (as a dead letter).
     *
     * @param offset its offset
     */
    public void sentAgain(long offset) {
        addSent(offset);
    }

    private void addSent(long offset) {
        if (sentCount == sent.length) {
            sent = Arrays.copyOf(sent, sentCount * 2);
        }
        sent[sentCount++] = offset;
    }

    /** How many held records. */
    public int held() {
        return heldCount;
    }

    /** Whether the span from the lowest held record to the next offset to read has reached the pause span. */
    public boolean overSpan() {
        return head < tail && next - offsets[head] >= pauseSpan;
    }

    /**
     * The source offsets of the records the current batch returned for this partition, in the order it
     * returned them: the i-th says the first i+1 of them are written. Starts the next batch.
     *
     * <p>Runs once per poll for each partition the poll returned records of. The open set (held records,
     * the batch's records not yet counted, offsets still to be read again) is counted, not listed: only
     * when some record's offset cannot be the plain one is it encoded, which walks the held records.
     */
    public List<Map<String, Object>> batchOffsets() {
        int n = sentCount;
        sentCount = 0;
        if (n == 0) {
            return List.of();
        }
        long[] sortedSent = Arrays.copyOf(sent, n);
        Arrays.sort(sortedSent);
        int replayFrom = replayCursor;
        while (replayUntil >= 0 && replayFrom < replayEnds.length && replayEnds[replayFrom] < next) {
            replayFrom++;
        }
        long end = Math.max(next, replayUntil);
        long replayCount = 0;
        int replayRuns = replayUntil < 0 ? 0 : replayEnds.length - replayFrom;
        for (int i = 0; i < replayRuns; i++) {
            replayCount += replayEnds[replayFrom + i] - Math.max(replayStarts[replayFrom + i], next) + 1;
        }
        long firstReplay = replayRuns == 0 ? end : Math.max(replayStarts[replayFrom], next);
        long heldMin = head < tail ? offsets[head] : Long.MAX_VALUE;
        // Everything not written if none of this batch were: the held records, the batch's records and,
        // after a restart, the offsets still to be read again.
        long total = heldCount + n + replayCount;
        long low = Math.min(sortedSent[0], heldMin);

        String pending = null;
        String sentText = null;
        boolean[] written = new boolean[n];
        int lowest = 0;
        Map<String, Object>[] out = newMaps(n);
        for (int k = 1; k <= n; k++) {
            written[Arrays.binarySearch(sortedSent, sent[k - 1])] = true;
            while (lowest < n && written[lowest]) {
                lowest++;
            }
            long lowestOpen = Math.min(lowest < n ? sortedSent[lowest] : Long.MAX_VALUE, heldMin);
            if (lowestOpen == Long.MAX_VALUE) {
                lowestOpen = firstReplay;
            }
            if (total - k == end - lowestOpen) {
                // Everything from the lowest open offset to the end is open: the plain offset is exact.
                out[k - 1] = topicId == null ? Map.of(SourceOffsets.OFFSET, lowestOpen)
                        : Map.of(SourceOffsets.OFFSET, lowestOpen, SourceOffsets.TOPIC_ID, topicId);
            } else {
                if (pending == null) {
                    pending = encodePending(low, sortedSent, replayFrom, replayRuns);
                    sentText = SourceOffsets.encodeList(low, sent, n);
                }
                out[k - 1] = topicId == null
                        ? Map.of(SourceOffsets.OFFSET, low, SourceOffsets.NEXT, end, SourceOffsets.PENDING, pending,
                                SourceOffsets.SENT, sentText, SourceOffsets.COUNT, (long) k)
                        : Map.of(SourceOffsets.OFFSET, low, SourceOffsets.NEXT, end, SourceOffsets.PENDING, pending,
                                SourceOffsets.SENT, sentText, SourceOffsets.COUNT, (long) k, SourceOffsets.TOPIC_ID, topicId);
            }
        }
        return Arrays.asList(out);
    }

    /** The open set as runs: the held records merged with the batch's, then the offsets still to be read again. */
    private String encodePending(long low, long[] sortedSent, int replayFrom, int replayRuns) {
        int n = sortedSent.length;
        long[] starts = new long[heldCount + n + replayRuns];
        long[] ends = new long[starts.length];
        int[] runs = {0};
        int s = 0;
        for (int i = head; i < tail; i++) {
            if (records[i] == null) {
                continue;
            }
            while (s < n && sortedSent[s] < offsets[i]) {
                addRun(starts, ends, runs, sortedSent[s], sortedSent[s++]);
            }
            addRun(starts, ends, runs, offsets[i], offsets[i]);
        }
        while (s < n) {
            addRun(starts, ends, runs, sortedSent[s], sortedSent[s++]);
        }
        for (int i = 0; i < replayRuns; i++) {
            addRun(starts, ends, runs, Math.max(replayStarts[replayFrom + i], next), replayEnds[replayFrom + i]);
        }
        return SourceOffsets.encodeSet(low, starts, ends, runs[0]);
    }

    /** Appends [from, to] to the runs, joining it to the last one when they touch. */
    private static void addRun(long[] starts, long[] ends, int[] runs, long from, long to) {
        int r = runs[0];
        if (r > 0 && ends[r - 1] + 1 == from) {
            ends[r - 1] = to;
        } else {
            starts[r] = from;
            ends[r] = to;
            runs[0] = r + 1;
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object>[] newMaps(int n) {
        return new Map[n];
    }

    private int find(long id) {
        long sequence = id & SEQUENCE_MASK;
        // Records mostly leave in read order (one level, no rate limit): the head is the usual answer.
        int i = head < tail && sequences[head] == sequence ? head : Arrays.binarySearch(sequences, head, tail, sequence);
        if (i < 0 || records[i] == null) {
            throw new IllegalStateException("zsync bridge: record " + sequence + " of " + partition + " is not held");
        }
        return i;
    }

    /** Drops returned slots; grows when more than half the slots still hold records. */
    private void makeRoom() {
        int n = 0;
        for (int i = head; i < tail; i++) {
            if (records[i] != null) {
                offsets[n] = offsets[i];
                sequences[n] = sequences[i];
                records[n] = records[i];
                n++;
            }
        }
        Arrays.fill(records, n, records.length, null);
        head = 0;
        tail = n;
        if (n > offsets.length / 2) {
            offsets = Arrays.copyOf(offsets, offsets.length * 2);
            sequences = Arrays.copyOf(sequences, sequences.length * 2);
            records = Arrays.copyOf(records, records.length * 2);
        }
    }
}

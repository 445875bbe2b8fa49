package io.zsync.connector.bridge;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;

/**
 * What one bridge task has done with one source partition, and the source offset that says so.
 *
 * <p>Records are read in offset order but leave in priority order, so the task keeps every record it has
 * read and not yet delivered or dead-lettered ("pending"), in offset order. The offset committed for the
 * partition is the lowest pending one (or the next to read when none is pending), so a commit never skips a
 * record still in the buffer: a restart reads it again.
 *
 * <p>Reading from there again would also repeat the records above it that were already delivered. To
 * avoid that (exactly-once mode must not duplicate), the last record of each partition in a poll batch
 * carries the <em>full</em> offset: {@code offset} (lowest pending), {@code next} (the next offset to
 * read) and {@code pending} (the offsets below {@code next} still pending, as ranges of consecutive
 * offsets, e.g. {@code 5,7-9}). After a restart, a record below {@code next} that is not pending was
 * delivered before and is skipped. Connect's exactly-once mode commits the offsets of a poll batch with
 * it, and the latest record's offset per partition is the one written, so that is the one that must be
 * full. The other records carry only {@code offset}, which in at-least-once mode is all a commit needs.
 *
 * <p>The pending list is bounded: a source offset is one record in the offsets topic, which the broker
 * limits to 1 MB by default. When the list would pass {@link #MAX_PENDING_CHARS}, the last record carries
 * the plain offset instead: a restart from it repeats delivered records above the lowest pending one, and
 * loses none.
 *
 * <p>Not thread-safe: only the task's polling thread uses it.
 */
public final class PartitionProgress {
    static final String OFFSET = "offset";
    static final String NEXT = "next";
    static final String PENDING = "pending";

    /** Low bits of a record id: the record's sequence in its partition; the high bits: the partition's index. */
    static final int SEQUENCE_BITS = 40;
    private static final long SEQUENCE_MASK = (1L << SEQUENCE_BITS) - 1;
    private static final int INITIAL_CAPACITY = 64;
    /** The longest pending list a full offset carries (a quarter of the broker's default record limit). */
    public static final int MAX_PENDING_CHARS = 256 * 1024;

    private final TopicPartition partition;
    private final int index;
    private final long idBase;
    private final Map<String, Object> sourcePartition;

    // Pending records in offset order at [head, tail); a settled one leaves a null record until compaction.
    private long[] offsets = new long[INITIAL_CAPACITY];
    private long[] sequences = new long[INITIAL_CAPACITY];
    @SuppressWarnings("unchecked")
    private ConsumerRecord<byte[], byte[]>[] records = new ConsumerRecord[INITIAL_CAPACITY];
    private int head;
    private int tail;
    private long nextSequence;
    /** The next offset to read; -1 until known. */
    private long next = -1;

    // After a restart: below replayUntil, only offsets inside [replayStarts[i], replayEnds[i]] are pending.
    private long replayUntil = -1;
    private long[] replayStarts = new long[0];
    private long[] replayEnds = new long[0];
    private int replayCursor;

    private Map<String, Object> plainOffset;
    private long plainOffsetValue = -1;
    private final int maxPendingChars;
    private long plainFallbacks;

    /**
     * @param partition the source partition
     * @param index     its index among the task's partitions, which record ids carry
     */
    public PartitionProgress(TopicPartition partition, int index) {
        this(partition, index, MAX_PENDING_CHARS);
    }

    PartitionProgress(TopicPartition partition, int index, int maxPendingChars) {
        this.maxPendingChars = maxPendingChars;
        this.partition = partition;
        this.index = index;
        this.idBase = (long) index << SEQUENCE_BITS;
        // Connect finds stored offsets by the serialized key, so its field order must be the same in every
        // JVM: Map.copyOf/Map.of iterate in an order salted per JVM, which would lose the offsets on restart.
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("topic", partition.topic());
        p.put("partition", partition.partition());
        this.sourcePartition = Collections.unmodifiableMap(p);
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

    /** The partition index a record id carries. */
    public static int indexOf(long id) {
        return (int) (id >>> SEQUENCE_BITS);
    }

    /**
     * Resumes from an offset this class wrote.
     *
     * @param stored the stored source offset, or null when there is none
     * @return where to position the consumer, or -1 to use its reset policy
     */
    public long restore(Map<String, ?> stored) {
        if (stored == null || stored.get(OFFSET) == null) {
            return -1;
        }
        long offset = ((Number) stored.get(OFFSET)).longValue();
        next = offset;
        Object until = stored.get(NEXT);
        if (until != null && ((Number) until).longValue() > offset) {
            replayUntil = ((Number) until).longValue();
            parseRanges(String.valueOf(stored.get(PENDING)));
        }
        return offset;
    }

    /**
     * Called for every record read, in offset order.
     *
     * @return false when the record was delivered before a restart and is to be skipped
     */
    public boolean accept(ConsumerRecord<byte[], byte[]> record) {
        long o = record.offset();
        next = o + 1;
        if (replayUntil < 0) {
            return true;
        }
        if (o >= replayUntil) {
            replayUntil = -1;
            replayStarts = replayEnds = new long[0];
            return true;
        }
        while (replayCursor < replayEnds.length && replayEnds[replayCursor] < o) {
            replayCursor++;
        }
        return replayCursor < replayEnds.length && replayStarts[replayCursor] <= o;
    }

    /**
     * Records an accepted record as pending.
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
        return idBase | sequence;
    }

    /** The pending record with this id. */
    public ConsumerRecord<byte[], byte[]> get(long id) {
        return records[find(id)];
    }

    /**
     * Marks a pending record delivered or dead-lettered.
     *
     * @return the record
     */
    public ConsumerRecord<byte[], byte[]> settle(long id) {
        int i = find(id);
        ConsumerRecord<byte[], byte[]> record = records[i];
        records[i] = null;
        while (head < tail && records[head] == null) {
            head++;
        }
        if (head == tail) {
            head = tail = 0;
        }
        return record;
    }

    /** The lowest pending offset, or the next to read when none is pending; -1 if nothing was read yet. */
    public long committable() {
        return head < tail ? offsets[head] : next;
    }

    /** The source offset {@code {offset}} for a record that is not its partition's last in a batch. */
    public Map<String, Object> plainOffset() {
        long value = committable();
        if (plainOffset == null || value != plainOffsetValue) {
            plainOffset = Map.of(OFFSET, value);
            plainOffsetValue = value;
        }
        return plainOffset;
    }

    /** The full source offset, for the last record of this partition in a poll batch. */
    public Map<String, Object> fullOffset() {
        if (head == tail && replayUntil < 0) {
            return plainOffset();
        }
        StringBuilder ranges = new StringBuilder();
        long start = -1;
        long end = -1;
        for (int i = head; i < tail && ranges.length() <= maxPendingChars; i++) {
            if (records[i] == null) {
                continue;
            }
            long o = offsets[i];
            if (start >= 0 && o == end + 1) {
                end = o;
            } else {
                appendRange(ranges, start, end);
                start = end = o;
            }
        }
        appendRange(ranges, start, end);
        long until = Math.max(next, replayUntil);
        if (replayUntil >= 0) {
            // Offsets still to be read again: pending before the restart, not read since.
            for (int c = replayCursor; c < replayEnds.length && ranges.length() <= maxPendingChars; c++) {
                if (replayEnds[c] >= next) {
                    appendRange(ranges, Math.max(replayStarts[c], next), replayEnds[c]);
                }
            }
        }
        if (ranges.length() > maxPendingChars) {
            plainFallbacks++;
            return plainOffset();
        }
        // Still-pending offsets not read again yet are all at or above next, so the commit needs no lower.
        return Map.of(OFFSET, committable(), NEXT, until, PENDING, ranges.toString());
    }

    /** How many full offsets were too long to carry their pending list and went out plain instead. */
    public long plainFallbacks() {
        return plainFallbacks;
    }

    private static void appendRange(StringBuilder out, long start, long end) {
        if (start < 0) {
            return;
        }
        if (out.length() > 0) {
            out.append(',');
        }
        out.append(start);
        if (end > start) {
            out.append('-').append(end);
        }
    }

    private void parseRanges(String text) {
        String[] parts = text == null || text.isBlank() ? new String[0] : text.split(",");
        replayStarts = new long[parts.length];
        replayEnds = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i].trim();
            int dash = part.indexOf('-', 1);
            replayStarts[i] = Long.parseLong(dash < 0 ? part : part.substring(0, dash));
            replayEnds[i] = dash < 0 ? replayStarts[i] : Long.parseLong(part.substring(dash + 1));
        }
        replayCursor = 0;
    }

    private int find(long id) {
        long sequence = id & SEQUENCE_MASK;
        // Records mostly leave in read order (one level, no rate limit): the head is the usual answer.
        int i = head < tail && sequences[head] == sequence ? head : Arrays.binarySearch(sequences, head, tail, sequence);
        if (i < 0 || records[i] == null) {
            throw new IllegalStateException("zsync bridge: record " + sequence + " of " + partition + " is not pending");
        }
        return i;
    }

    /** Drops settled slots; grows when more than half the slots still hold pending records. */
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

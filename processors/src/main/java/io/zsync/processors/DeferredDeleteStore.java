package io.zsync.processors;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The realtime buffer's store: a changelogged key-value store whose deletes, under at-least-once, reach the
 * store (and so its changelog) only once the task's producer has acknowledged every record sent before
 * them. Under {@code exactly_once_v2} it passes everything straight through.
 *
 * <p>Why. When the buffer releases a record it forwards it and deletes its entry: two sends of one producer
 * to two partitions, the output and the changelog. Kafka orders sends only within a partition, so the
 * tombstone can be acknowledged while the output record still waits in its batch (for {@code linger.ms},
 * 100 ms in Kafka Streams, while the busier changelog batch fills and leaves at once). The record's input
 * offset was committed long before, when it was buffered; a crash in that window loses it. Under
 * exactly-once both sends are in one transaction, so they land or vanish together.
 *
 * <p>The rule. Kafka Streams flushes the producer (waits for every send's acknowledgement, and fails the
 * task if one failed) in {@code StreamTask.prepareCommit}, before it commits offsets. A delete is held
 * until a commit has flushed every record sent before it:
 * <ul>
 *   <li>{@link #commit(Map)}: Kafka Streams 4.3 calls it from {@code postCommit} ({@code maybeCheckpoint}),
 *       after that flush and the offset commit, so every delete held so far is applied. Its changelog
 *       records go out with the next sends, as those of Kafka's own suppression buffer, which also writes
 *       its changelog from {@code commit}.</li>
 *   <li>{@link #flush()}: older runtimes call it on their commit path instead (before or after the producer
 *       flush, by version), so only the deletes held before the previous {@code flush()} are applied: a
 *       whole commit, and so a producer flush, has passed since, whichever order the runtime uses.</li>
 * </ul>
 * A task that dies applies nothing held. A task Kafka Streams closes dirty and revives (a send that failed
 * past {@code delivery.timeout.ms} corrupts the task) runs the commit hook once more without a flush that
 * succeeded, but after its processors closed: the buffer processor drops the held deletes in its
 * {@code close} ({@link #discardHeldDeletes}), so that hook applies nothing. Either way the entries are still
 * in the changelog and are released again (a repeat, as at-least-once allows, never a loss). A clean close
 * commits before it closes the processors, so it applies them and repeats nothing. A held
 * entry is still readable until its delete is applied; the buffer processor never reads an entry it
 * deleted. The held keys cost 8 bytes each, for at most one commit interval of releases.
 *
 * <p>Single-threaded: a task's stream thread calls every method, as Kafka Streams does for all stores.
 */
final class DeferredDeleteStore implements KeyValueStore<Long, byte[]> {
    private static final System.Logger LOG = System.getLogger(DeferredDeleteStore.class.getName());

    private final KeyValueStore<Long, byte[]> inner;
    /** Whether deletes are held: false under exactly-once, where the transaction makes them safe at once. */
    private boolean deferring = true;
    /** Held deletes in the order they came; the first {@code olderCount} came before the last flush(). */
    private long[] held = new long[256];
    private int heldCount;
    private int olderCount;

    DeferredDeleteStore(KeyValueStore<Long, byte[]> inner) {
        this.inner = inner;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        // A revived task initialises the same store again: what an earlier incarnation held is not applied
        // (it is still in the changelog, and is released again).
        heldCount = 0;
        olderCount = 0;
        deferring = !ZsyncStreams.exactlyOnce(context.appConfigs());
        inner.init(context, root);
    }

    /** The deletes held now and not yet applied (for tests and the log). */
    int heldDeletes() {
        return heldCount;
    }

    @Override
    public byte[] delete(Long key) {
        if (!deferring) {
            return inner.delete(key);
        }
        if (heldCount == held.length) {
            held = Arrays.copyOf(held, held.length * 2);
        }
        held[heldCount++] = key;
        // The value stays until the delete is applied; the buffer processor does not use what delete returns.
        return null;
    }

    @Override
    public void commit(Map<TopicPartition, Long> changelogOffsets) {
        apply(heldCount);
        inner.commit(changelogOffsets);
    }

    @Override
    @SuppressWarnings("deprecation")
    public void flush() {
        apply(olderCount);
        olderCount = heldCount;
        inner.flush();
    }

    /** Applies the first {@code n} held deletes and keeps the rest, in order. */
    private void apply(int n) {
        for (int i = 0; i < n; i++) {
            inner.delete(held[i]);
        }
        System.arraycopy(held, n, held, 0, heldCount - n);
        heldCount -= n;
        olderCount = Math.max(0, olderCount - n);
        if (heldCount == 0 && held.length > 65_536) {
            held = new long[256];
        }
    }

    @Override
    public void close() {
        if (heldCount > 0) {
            LOG.log(System.Logger.Level.DEBUG, "zsync: store {0} closes with {1} deletes not yet known safe; its"
                    + " changelog keeps those entries and they are released again", name(), heldCount);
        }
        heldCount = 0;
        olderCount = 0;
        inner.close();
    }

    // Everything else is the inner store's.

    @Override
    public void put(Long key, byte[] value) {
        inner.put(key, value);
    }

    @Override
    public byte[] putIfAbsent(Long key, byte[] value) {
        return inner.putIfAbsent(key, value);
    }

    @Override
    public void putAll(List<KeyValue<Long, byte[]>> entries) {
        inner.putAll(entries);
    }

    @Override
    public byte[] get(Long key) {
        return inner.get(key);
    }

    @Override
    public KeyValueIterator<Long, byte[]> range(Long from, Long to) {
        return inner.range(from, to);
    }

    @Override
    public KeyValueIterator<Long, byte[]> reverseRange(Long from, Long to) {
        return inner.reverseRange(from, to);
    }

    @Override
    public KeyValueIterator<Long, byte[]> all() {
        return inner.all();
    }

    @Override
    public KeyValueIterator<Long, byte[]> reverseAll() {
        return inner.reverseAll();
    }

    @Override
    public <PS extends Serializer<P>, P> KeyValueIterator<Long, byte[]> prefixScan(P prefix, PS prefixKeySerializer) {
        return inner.prefixScan(prefix, prefixKeySerializer);
    }

    @Override
    public long approximateNumEntries() {
        return inner.approximateNumEntries();
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public Long committedOffset(TopicPartition partition) {
        return inner.committedOffset(partition);
    }

    @Override
    public boolean managesOffsets() {
        return inner.managesOffsets();
    }

    @Override
    public boolean persistent() {
        return inner.persistent();
    }

    @Override
    public boolean isOpen() {
        return inner.isOpen();
    }

    /**
     * Tells the buffer store behind {@code store} (Kafka's decorator of it, as a processor sees it) to drop
     * every delete it holds, unapplied: the buffer processor calls it when its task closes. Sent as a query,
     * the one call Kafka's store decorator passes through unchanged.
     *
     * @param store the store as the processor context returned it
     */
    static void discardHeldDeletes(KeyValueStore<Long, byte[]> store) {
        store.query(DiscardHeldDeletes.INSTANCE, PositionBound.unbounded(), new QueryConfig(false));
    }

    /** The query {@link #discardHeldDeletes} sends; answered by this store alone. */
    private static final class DiscardHeldDeletes implements Query<Void> {
        static final DiscardHeldDeletes INSTANCE = new DiscardHeldDeletes();
    }

    @Override
    public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
        if (query instanceof DiscardHeldDeletes) {
            heldCount = 0;
            olderCount = 0;
            return QueryResult.forResult(null);
        }
        return inner.query(query, positionBound, config);
    }

    @Override
    public Position getPosition() {
        return inner.getPosition();
    }
}

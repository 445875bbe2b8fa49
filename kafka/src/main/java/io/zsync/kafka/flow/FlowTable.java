package io.zsync.kafka.flow;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One member's view of the control topic: the latest report of every task, with the broker's append time,
 * and the allocation it implies. Owned by one coordinator thread; not thread-safe.
 *
 * <p><b>Staleness on the broker's clock.</b> The control topic stamps records with {@code LogAppendTime}, and
 * every live member appends a report each interval, so the newest append time read is close to the
 * broker's "now". A report older than that by more than the expiry is dropped: its task stopped reporting
 * (its process died, or it lost the topic), and its share goes to the others. No member's own clock takes
 * part, so clock skew between instances cannot keep a dead task alive or drop a live one.
 *
 * <p><b>Same view, same split.</b> Tasks are ordered by key and {@link FlowAllocation} is deterministic, so
 * members that have read the same records compute the same allowances; members that are an interval apart
 * in their reading may differ for that interval.
 */
public final class FlowTable {
    private final Map<String, Entry> entries = new HashMap<>();
    private long newestMs = Long.MIN_VALUE;

    private record Entry(FlowReport report, long appendMs) {
    }

    /**
     * Takes one control record.
     *
     * @param key      the task's key ({@link FlowReport#key})
     * @param report   its report, or null for a tombstone or a value this version cannot read
     * @param appendMs the record's timestamp (the broker's append time), ms since the epoch
     */
    public void apply(String key, FlowReport report, long appendMs) {
        newestMs = Math.max(newestMs, appendMs);
        if (report == null) {
            entries.remove(key);
        } else {
            entries.put(key, new Entry(report, appendMs));
        }
    }

    /** The newest append time read, ms since the epoch; {@link Long#MIN_VALUE} before any. */
    public long newestMs() {
        return newestMs;
    }

    /**
     * Drops reports older than {@code expiryMs} before the newest append time read.
     *
     * @param expiryMs how long a task may go without reporting, ms
     * @return the keys dropped
     */
    public List<String> expire(long expiryMs) {
        List<String> dropped = new ArrayList<>();
        for (Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Entry> e = it.next();
            if (e.getValue().appendMs < newestMs - expiryMs) {
                dropped.add(e.getKey());
                it.remove();
            }
        }
        return dropped;
    }

    /** Whether a report of {@code key} is held. */
    public boolean contains(String key) {
        return entries.containsKey(key);
    }

    /** How many tasks of {@code scope} are live in this view. */
    public int tasks(String scope) {
        int n = 0;
        for (Entry e : entries.values()) {
            if (e.report.scope().equals(scope)) {
                n++;
            }
        }
        return n;
    }

    /**
     * Splits the budgets of {@code scope} among its live tasks by {@link FlowAllocation}.
     *
     * @param scope         the budget's scope
     * @param budgetRecords records/s for the whole scope (0: no records limit, every allowance 0)
     * @param budgetBytes   bytes/s likewise
     * @return the allowance of every live task of the scope, by key
     */
    public Map<String, Allowance> allocate(String scope, long budgetRecords, long budgetBytes) {
        TreeMap<String, FlowReport> live = new TreeMap<>();
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            if (e.getValue().report.scope().equals(scope)) {
                live.put(e.getKey(), e.getValue().report);
            }
        }
        long[][] records = new long[live.size()][];
        long[][] bytes = new long[live.size()][];
        int i = 0;
        for (FlowReport r : live.values()) {
            records[i] = r.demandRecords();
            bytes[i] = r.demandBytes();
            i++;
        }
        long[] recordShares = FlowAllocation.allocate(Math.min(budgetRecords, FlowAllocation.MAX_BUDGET), records);
        long[] byteShares = FlowAllocation.allocate(Math.min(budgetBytes, FlowAllocation.MAX_BUDGET), bytes);
        Map<String, Allowance> out = new HashMap<>();
        i = 0;
        for (String key : live.keySet()) {
            out.put(key, new Allowance(recordShares[i], byteShares[i], Allowance.Mode.COORDINATED));
            i++;
        }
        return out;
    }

    /** The budgets the live tasks of {@code scope} were configured with other than the given ones, by key. */
    public Map<String, String> disagreeing(String scope, long budgetRecords, long budgetBytes) {
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            FlowReport r = e.getValue().report;
            if (r.scope().equals(scope) && (r.budgetRecords() != budgetRecords || r.budgetBytes() != budgetBytes)) {
                out.put(e.getKey(), r.budgetRecords() + " records/s, " + r.budgetBytes() + " bytes/s");
            }
        }
        return out;
    }
}

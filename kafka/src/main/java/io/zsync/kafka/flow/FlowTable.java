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
 * <p><b>Staleness on the reader's own clock.</b> Every live member appends a report for each of its tasks
 * every interval, and every member reads the control topic as it is written. So a member judges a task alive
 * by when it last <em>read</em> a report of it, on its own monotonic clock: a report not renewed for the
 * expiry is dropped (its task stopped reporting: its process died, or it lost the topic), and its share goes
 * to the others. No timestamp written by anyone takes part, so neither skew between the members' clocks nor
 * a broker clock that steps (or a leader moving to a broker whose clock differs) can keep a dead task alive or
 * drop a live one. A member that starts reads the compacted topic from its beginning; what it finds there
 * counts as just read, and what is not renewed within the expiry drops out.
 *
 * <p><b>Same view, same split.</b> Tasks are ordered by key and {@link FlowAllocation} is deterministic, so
 * members that have read the same records compute the same allowances; members that are an interval apart
 * in their reading may differ for that interval.
 */
public final class FlowTable {
    private final Map<String, Entry> entries = new HashMap<>();

    private record Entry(FlowReport report, long readMs) {
    }

    /**
     * Takes one control record.
     *
     * @param key    the task's key ({@link FlowReport#key})
     * @param report its report, or null for a tombstone
     * @param readMs when this member read it, ms on its own monotonic clock (e.g. {@code System.nanoTime()}
     *               in ms)
     */
    public void apply(String key, FlowReport report, long readMs) {
        if (report == null) {
            entries.remove(key);
        } else {
            entries.put(key, new Entry(report, readMs));
        }
    }

    /**
     * Drops reports not renewed within {@code expiryMs}.
     *
     * @param nowMs    now, on the clock {@link #apply} was given
     * @param expiryMs how long a task may go without reporting, ms
     * @return the keys dropped
     */
    public List<String> expire(long nowMs, long expiryMs) {
        List<String> dropped = new ArrayList<>();
        for (Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Entry> e = it.next();
            if (e.getValue().readMs < nowMs - expiryMs) {
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

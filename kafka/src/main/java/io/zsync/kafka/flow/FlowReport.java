package io.zsync.kafka.flow;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What one task publishes on the control topic every interval: which budget it belongs to, the budget it
 * was configured with, and what it wants per priority level. The record's key names the task
 * ({@link #key}); a tombstone (null value) says it left.
 *
 * <p>Wire format, version 1, big-endian: {@code byte version}, {@code short scopeLength}, the scope in UTF-8,
 * {@code long budgetRecords}, {@code long budgetBytes}, then for each of the {@link FlowAllocation#LEVELS}
 * levels from LOW to CRITICAL {@code long demandRecords}, then the same for {@code long demandBytes}. Every
 * later version keeps the first two fields (version, scope). A reader that meets a value of a version it
 * does not know (a newer member in a rolling upgrade), or a malformed one, does not fail: it reads the scope
 * ({@link #scopeOf}) and counts that task as wanting nothing, so it still gets its even part of what nobody
 * wants.
 *
 * @param scope         the budget this task shares: the processor's name in a Streams app, the connector's
 *                      name for the bridge
 * @param budgetRecords the application-wide budget the task was configured with, records/s (0: none)
 * @param budgetBytes   likewise in bytes/s (0: none)
 * @param demandRecords records/s wanted per level, indexed by {@code Priority.ordinal()}
 * @param demandBytes   bytes/s wanted per level
 */
public record FlowReport(String scope, long budgetRecords, long budgetBytes, long[] demandRecords, long[] demandBytes) {
    /** The format written. */
    public static final byte VERSION = 1;

    /**
     * @throws IllegalArgumentException if a demand row is not {@link FlowAllocation#LEVELS} long or has a
     *                                  negative entry, or a budget is negative
     */
    public FlowReport {
        check(demandRecords);
        check(demandBytes);
        if (budgetRecords < 0 || budgetBytes < 0) {
            throw new IllegalArgumentException("budgets must be at least 0, were " + budgetRecords + " and " + budgetBytes);
        }
        demandRecords = demandRecords.clone();
        demandBytes = demandBytes.clone();
    }

    private static void check(long[] demand) {
        if (demand == null || demand.length != FlowAllocation.LEVELS) {
            throw new IllegalArgumentException("a demand row has " + FlowAllocation.LEVELS + " levels, was "
                    + Arrays.toString(demand));
        }
        for (long d : demand) {
            if (d < 0) {
                throw new IllegalArgumentException("demands must be at least 0, were " + Arrays.toString(demand));
            }
        }
    }

    /** A task that wants nothing (yet). */
    public static FlowReport idle(String scope, long budgetRecords, long budgetBytes) {
        return new FlowReport(scope, budgetRecords, budgetBytes, new long[FlowAllocation.LEVELS],
                new long[FlowAllocation.LEVELS]);
    }

    /**
     * The control record's key of a task: unique per coordinator (a process's membership in one application)
     * and task, so a task moved to another instance by a rebalance reports under a new key while the old one
     * is tombstoned or ages out.
     *
     * @param member the coordinator's random id
     * @param scope  the budget's scope
     * @param task   the task's id as Kafka prints it ({@code 0_3}, or the connector task number)
     * @return the key
     */
    public static String key(String member, String scope, String task) {
        return member + "/" + scope + "/" + task;
    }

    /** The value bytes, version {@link #VERSION}. */
    public byte[] encode() {
        byte[] name = scope.getBytes(StandardCharsets.UTF_8);
        if (name.length > Short.MAX_VALUE) {
            throw new IllegalArgumentException("scope longer than " + Short.MAX_VALUE + " bytes: " + scope);
        }
        ByteBuffer b = ByteBuffer.allocate(1 + 2 + name.length + 16 + 16 * FlowAllocation.LEVELS);
        b.put(VERSION).putShort((short) name.length).put(name).putLong(budgetRecords).putLong(budgetBytes);
        for (long d : demandRecords) {
            b.putLong(d);
        }
        for (long d : demandBytes) {
            b.putLong(d);
        }
        return b.array();
    }

    /**
     * Reads a value written by {@link #encode}.
     *
     * @param value the record's value, not null
     * @return the report, or null if the value is of another version or malformed (it is then ignored: a
     *         control record must never stop the coordinator)
     */
    public static FlowReport decode(byte[] value) {
        try {
            ByteBuffer b = ByteBuffer.wrap(value);
            if (b.get() != VERSION) {
                return null;
            }
            int length = b.getShort();
            if (length < 0) {
                return null;
            }
            byte[] name = new byte[length];
            b.get(name);
            long budgetRecords = b.getLong();
            long budgetBytes = b.getLong();
            long[] records = new long[FlowAllocation.LEVELS];
            long[] bytes = new long[FlowAllocation.LEVELS];
            for (int i = 0; i < records.length; i++) {
                records[i] = b.getLong();
            }
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = b.getLong();
            }
            return new FlowReport(new String(name, StandardCharsets.UTF_8), budgetRecords, budgetBytes, records, bytes);
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * The scope of a value of any version: every version starts with its version byte, then the scope as in
     * version 1 ({@code short} length, UTF-8), so a member can place a report it cannot read.
     *
     * @param value the record's value, not null
     * @return the scope, or null if even that cannot be read
     */
    public static String scopeOf(byte[] value) {
        try {
            ByteBuffer b = ByteBuffer.wrap(value);
            b.get();
            int length = b.getShort();
            if (length < 0 || length > b.remaining()) {
                return null;
            }
            byte[] name = new byte[length];
            b.get(name);
            return new String(name, StandardCharsets.UTF_8);
        } catch (BufferUnderflowException e) {
            return null;
        }
    }

    /** Records/s wanted at {@code level} (a {@code Priority.ordinal()}). */
    public long demandRecords(int level) {
        return demandRecords[level];
    }

    /** Bytes/s wanted at {@code level}. */
    public long demandBytes(int level) {
        return demandBytes[level];
    }

    @Override
    public long[] demandRecords() {
        return demandRecords.clone();
    }

    @Override
    public long[] demandBytes() {
        return demandBytes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FlowReport r && scope.equals(r.scope) && budgetRecords == r.budgetRecords
                && budgetBytes == r.budgetBytes && Arrays.equals(demandRecords, r.demandRecords)
                && Arrays.equals(demandBytes, r.demandBytes);
    }

    @Override
    public int hashCode() {
        return scope.hashCode() * 31 + Arrays.hashCode(demandRecords) * 17 + Arrays.hashCode(demandBytes);
    }

    @Override
    public String toString() {
        return "FlowReport[" + scope + ", budget " + budgetRecords + " records/s " + budgetBytes + " bytes/s, demand "
                + Arrays.toString(demandRecords) + " records/s " + Arrays.toString(demandBytes) + " bytes/s]";
    }
}

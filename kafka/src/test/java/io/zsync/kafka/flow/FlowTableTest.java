package io.zsync.kafka.flow;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlowTableTest {
    private static final int LOW = 0;
    private static final int CRITICAL = 3;

    private static FlowReport wants(String scope, int level, long records) {
        long[] r = new long[FlowAllocation.LEVELS];
        long[] b = new long[FlowAllocation.LEVELS];
        r[level] = records;
        b[level] = records * 100;
        return new FlowReport(scope, 3000, 0, r, b);
    }

    @Test
    void shouldGiveTheWholeBudgetToTheOnlyTaskWithRecordsWhateverThePartitionCount() {
        // Issue 20 row a: 4 partitions, all traffic on one.
        FlowTable table = new FlowTable();
        table.apply("m1/p/0_0", wants("p", LOW, 5_000), 1_000);
        table.apply("m1/p/0_1", FlowReport.idle("p", 3000, 0), 1_000);
        table.apply("m2/p/0_2", FlowReport.idle("p", 3000, 0), 1_000);
        table.apply("m2/p/0_3", FlowReport.idle("p", 3000, 0), 1_000);
        Map<String, Allowance> split = table.allocate("p", 3000, 0);
        assertEquals(3000, split.get("m1/p/0_0").records());
        assertEquals(0, split.get("m2/p/0_3").records());
        assertEquals(Allowance.Mode.COORDINATED, split.get("m1/p/0_0").mode());
    }

    @Test
    void shouldServeCriticalAnywhereBeforeLowAnywhere() {
        // Row c: a LOW flood on one member, CRITICAL records on another, 1,000/s in all.
        FlowTable table = new FlowTable();
        table.apply("m1/p/0_0", wants("p", LOW, 50_000), 1_000);
        table.apply("m2/p/0_1", wants("p", CRITICAL, 300), 1_000);
        Map<String, Allowance> split = table.allocate("p", 1000, 0);
        assertEquals(300, split.get("m2/p/0_1").records());
        assertEquals(700, split.get("m1/p/0_0").records());
    }

    @Test
    void shouldDropTasksThatStoppedReportingByWhenTheyWereLastRead() {
        FlowTable table = new FlowTable();
        table.apply("dead/p/0_0", wants("p", LOW, 5_000), 10_000);
        table.apply("live/p/0_1", wants("p", LOW, 5_000), 10_000);
        // The live member keeps reporting; the dead one does not. Times are when this member read them.
        table.apply("live/p/0_1", wants("p", LOW, 5_000), 10_900);
        assertEquals(List.of(), table.expire(11_000, 1_000));
        table.apply("live/p/0_1", wants("p", LOW, 5_000), 11_001);
        assertEquals(List.of("dead/p/0_0"), table.expire(11_001, 1_000));
        assertEquals(3000, table.allocate("p", 3000, 0).get("live/p/0_1").records());
    }

    @Test
    void shouldForgetATaskAtItsTombstoneAndIgnoreOtherScopes() {
        FlowTable table = new FlowTable();
        table.apply("m1/p/0_0", wants("p", LOW, 5_000), 1_000);
        table.apply("m1/p/0_1", wants("p", LOW, 5_000), 1_000);
        table.apply("m1/q/0_1", wants("q", CRITICAL, 5_000), 1_000);
        table.apply("m1/p/0_0", null, 1_100);
        assertFalse(table.contains("m1/p/0_0"));
        assertEquals(1, table.tasks("p"));
        Map<String, Allowance> split = table.allocate("p", 3000, 0);
        assertEquals(Map.of("m1/p/0_1", new Allowance(3000, 0, Allowance.Mode.COORDINATED)), split);
    }

    @Test
    void shouldSplitBytesByTheSameRule() {
        FlowTable table = new FlowTable();
        table.apply("m1/p/0_0", wants("p", LOW, 100), 1_000);      // 10,000 bytes/s at LOW
        table.apply("m2/p/0_1", wants("p", CRITICAL, 30), 1_000);  // 3,000 bytes/s at CRITICAL
        Map<String, Allowance> split = table.allocate("p", 0, 5_000);
        assertEquals(3_000, split.get("m2/p/0_1").bytes());
        assertEquals(2_000, split.get("m1/p/0_0").bytes());
    }

    @Test
    void shouldNameMembersConfiguredWithAnotherBudget() {
        FlowTable table = new FlowTable();
        table.apply("m1/p/0_0", wants("p", LOW, 1), 1_000);
        assertTrue(table.disagreeing("p", 3000, 0).isEmpty());
        assertEquals(Map.of("m1/p/0_0", "3000 records/s, 0 bytes/s"), table.disagreeing("p", 2000, 0));
    }

    @Test
    void shouldRoundTripReportsAndSkipValuesItCannotRead() {
        FlowReport r = new FlowReport("proc-1", 3000, 1 << 20, new long[] {1, 2, 3, 4}, new long[] {10, 20, 30, 40});
        assertEquals(r, FlowReport.decode(r.encode()));
        byte[] future = r.encode();
        future[0] = 2;
        assertNull(FlowReport.decode(future));
        assertEquals("proc-1", FlowReport.scopeOf(future), "another version's task is still placed in its scope");
        assertNull(FlowReport.scopeOf(new byte[] {2, 0, 9, 'a'}), "a scope longer than the value");
        assertNull(FlowReport.decode(new byte[] {1, 0}));
        assertNull(FlowReport.decode(new byte[0]));
    }
}

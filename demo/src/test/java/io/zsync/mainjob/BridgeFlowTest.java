package io.zsync.mainjob;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bridge's rate against its budget as the progress line and the report put it, without a broker. */
class BridgeFlowTest {
    private static final long SECOND = 1_000_000_000L;

    private static Monitor.Sample second(int no, long records, long nanos, long buffered) {
        return new Monitor.Sample(no, 0, 0, 0, new BridgeFlow.Reading(records, nanos, 2), buffered, 0,
                new long[4], new long[4]);
    }

    @Test
    void onlySecondsWithABacklogAtBothEndsCount() {
        List<Monitor.Sample> run = new ArrayList<>();
        run.add(second(1, 1_000, SECOND, 0));           // input-bound
        run.add(second(2, 6_000, SECOND, 4_000));       // burst starts: buffer empty at the start, full bucket
        run.add(second(3, 3_000, SECOND, 7_000));       // backlog throughout
        run.add(second(4, 2_900, SECOND + SECOND / 10, 5_000)); // backlog throughout, a longer second
        run.add(second(5, -1, 0, 3_000));               // the broker did not answer
        run.add(second(6, 6_000, 2 * SECOND, 1_000));   // spans the missed second: not counted
        run.add(second(7, 1_000, SECOND, 0));           // drained during the second
        BridgeFlow.Backlog b = BridgeFlow.backlog(run);
        assertEquals(2, b.seconds());
        assertEquals(5_900, b.records());
        assertEquals(2 * SECOND + SECOND / 10, b.nanos());
        assertEquals(2_810, b.perSecond(), "5,900 records in 2.1 s");
        assertEquals(2_810 / 3_000.0, b.ofBudget(3_000), 0.001);
    }

    @Test
    void applicationScopeShowsTheBudgetAndTheLiveTasks() {
        BridgeFlow.Budget budget = budget("application", 2);
        assertEquals(3_000, budget.total());
        assertEquals("bridge 2,987/3,000/s (2 tasks)", budget.progress(2_987, 2));
        assertEquals("bridge 2,987/3,000/s (1 task)", budget.progress(2_987, 1));
        assertEquals("bridge -/3,000/s (- tasks)", budget.progress(-1, -1));
        assertEquals("zsync-bridge-zsync-flow", budget.controlTopic());
    }

    @Test
    void taskScopeShowsTheLimitTimesTheTasks() {
        BridgeFlow.Budget budget = budget("task", 2);
        assertEquals(6_000, budget.total());
        assertEquals("bridge 2,987/2×3,000/s per task", budget.progress(2_987, -1));
    }

    @Test
    void theReportPutsTheRateOverTheBacklogAgainstTheBudget() {
        String line = MainJob.bridgeLine("prioritized", budget("application", 2),
                new BridgeFlow.Backlog(6, 17_820, 6 * SECOND));
        assertTrue(line.matches("  bridge -> prioritized\\s+2,970 records/s over the 6 s with a backlog in the bridge,"
                + " budget 3,000/s: 0\\.99 of the budget\\R"), line);
        line = MainJob.bridgeLine("prioritized", budget("task", 2), new BridgeFlow.Backlog(6, 17_820, 6 * SECOND));
        assertTrue(line.contains("budget 2×3,000/s per task: 0.50 of the budget"), line);
        line = MainJob.bridgeLine("prioritized", budget("application", 2), new BridgeFlow.Backlog(0, 0, 0));
        assertTrue(line.contains("no second with a backlog in the bridge"), line);
    }

    private static BridgeFlow.Budget budget(String scope, int tasks) {
        return BridgeFlow.Budget.of("zsync-bridge", Map.of("zsync.rate.limit", "3000", "zsync.rate.scope", scope), tasks);
    }
}

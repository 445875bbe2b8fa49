package io.zsync.kafka.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zsync.stream.Priority;
import java.math.BigInteger;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The application-wide split of a rate budget: strict priority across tasks, proportional within a level. */
class FlowAllocationProperties {
    private static final int C = Priority.CRITICAL.ordinal();
    private static final int L = Priority.LOW.ordinal();

    record Case(long budget, long[][] demands) {
        @Override
        public String toString() {
            return "budget " + budget + ", demands " + Arrays.deepToString(demands);
        }
    }

    @Provide
    Arbitrary<Case> cases() {
        Arbitrary<Long> budget = Arbitraries.oneOf(Arbitraries.longs().between(0, 10_000),
                Arbitraries.longs().between(0, FlowAllocation.MAX_BUDGET));
        Arbitrary<Long> demand = Arbitraries.oneOf(Arbitraries.just(0L), Arbitraries.longs().between(0, 5_000),
                Arbitraries.longs().between(0, Long.MAX_VALUE));
        Arbitrary<long[]> row = demand.array(long[].class).ofSize(FlowAllocation.LEVELS);
        Arbitrary<long[][]> rows = row.array(long[][].class).ofMinSize(1).ofMaxSize(12);
        return Combinators.combine(budget, rows).as(Case::new);
    }

    @Property(tries = 2_000)
    void theAllowancesAddUpToTheBudgetAndNoneIsNegative(@ForAll("cases") Case c) {
        long[] a = FlowAllocation.allocate(c.budget, c.demands);
        assertEquals(c.budget, Arrays.stream(a).sum(), c::toString);
        assertTrue(Arrays.stream(a).allMatch(x -> x >= 0), c::toString);
    }

    /**
     * The exact rule, checked against arithmetic on unbounded integers: above the level where the budget runs
     * out every demand is met; at that level the rest is shared in proportion (each within one unit of its
     * exact share); below it nothing, and no idle spread.
     */
    @Property(tries = 2_000)
    void higherLevelsAnywhereAreServedFirstAndTheStarvedLevelIsSharedByDemand(@ForAll("cases") Case c) {
        long[] a = FlowAllocation.allocate(c.budget, c.demands);
        int tasks = c.demands.length;
        BigInteger left = BigInteger.valueOf(c.budget);
        BigInteger[] expectedFloor = new BigInteger[tasks];
        Arrays.fill(expectedFloor, BigInteger.ZERO);
        boolean starved = false;
        for (int level = FlowAllocation.LEVELS - 1; level >= 0 && !starved; level--) {
            BigInteger total = BigInteger.ZERO;
            for (long[] row : c.demands) {
                total = total.add(BigInteger.valueOf(row[level]).min(left));
            }
            if (total.compareTo(left) <= 0) {
                for (int t = 0; t < tasks; t++) {
                    expectedFloor[t] = expectedFloor[t].add(BigInteger.valueOf(c.demands[t][level]).min(left));
                }
                left = left.subtract(total);
            } else {
                starved = true;
                BigInteger amount = left;
                for (int t = 0; t < tasks; t++) {
                    BigInteger share = amount.multiply(BigInteger.valueOf(c.demands[t][level]).min(amount)).divide(total);
                    BigInteger got = BigInteger.valueOf(a[t]).subtract(expectedFloor[t]);
                    assertTrue(got.compareTo(share) >= 0 && got.compareTo(share.add(BigInteger.ONE)) <= 0,
                            () -> c + ": task got " + got + " at the starved level, its exact share is " + share);
                }
                left = BigInteger.ZERO;
            }
        }
        if (!starved) {
            // Every demand met; the rest spread evenly (within one unit).
            BigInteger each = left.divide(BigInteger.valueOf(tasks));
            for (int t = 0; t < tasks; t++) {
                BigInteger spread = BigInteger.valueOf(a[t]).subtract(expectedFloor[t]);
                assertTrue(spread.compareTo(each) >= 0 && spread.compareTo(each.add(BigInteger.ONE)) <= 0, c::toString);
            }
        }
    }

    @Property(tries = 500)
    void theSameViewGivesTheSameSplit(@ForAll("cases") Case c) {
        assertArrayEquals(FlowAllocation.allocate(c.budget, c.demands), FlowAllocation.allocate(c.budget, c.demands));
    }

    /** Issue 20 row a: all traffic on one of four partitions; the busy task gets the whole budget. */
    @Example
    void aSkewedApplicationDeliversItsWholeBudget() {
        long[][] demands = new long[4][FlowAllocation.LEVELS];
        demands[2][L] = 5_000;
        assertArrayEquals(new long[] {0, 0, 3_000, 0}, FlowAllocation.allocate(3_000, demands));
    }

    /** Issue 20 row c: CRITICAL records on one task go before a LOW flood on another. */
    @Example
    void criticalAnywhereGoesBeforeLowAnywhere() {
        long[][] demands = new long[2][FlowAllocation.LEVELS];
        demands[0][L] = 50_000;
        demands[1][C] = 300;
        assertArrayEquals(new long[] {700, 300}, FlowAllocation.allocate(1_000, demands));
        demands[1][C] = 5_000;
        assertArrayEquals(new long[] {0, 1_000}, FlowAllocation.allocate(1_000, demands), "LOW waits entirely");
    }

    @Example
    void idleTasksShareWhatNobodyWants() {
        assertArrayEquals(new long[] {334, 333, 333}, FlowAllocation.allocate(1_000, new long[3][FlowAllocation.LEVELS]));
        assertArrayEquals(new long[0], FlowAllocation.allocate(1_000, new long[0][]));
    }

    @Example
    void badInputIsRefusedSayingWhatIsAllowed() {
        IllegalArgumentException budget = assertThrows(IllegalArgumentException.class,
                () -> FlowAllocation.allocate(-1, new long[1][FlowAllocation.LEVELS]));
        assertTrue(budget.getMessage().contains("between 0 and"), budget.getMessage());
        IllegalArgumentException row = assertThrows(IllegalArgumentException.class,
                () -> FlowAllocation.allocate(10, new long[][] {{1, 2}}));
        assertTrue(row.getMessage().contains("4 levels"), row.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> FlowAllocation.allocate(10, new long[][] {{1, -2, 0, 0}}));
        assertTrue(negative.getMessage().contains("at least 0"), negative.getMessage());
    }
}

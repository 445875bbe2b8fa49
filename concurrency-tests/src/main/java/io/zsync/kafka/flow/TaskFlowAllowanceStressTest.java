package io.zsync.kafka.flow;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJJ_Result;

/**
 * The coordinator's thread sets a task's allowance while the task's thread reads it (see {@link TaskFlow}'s
 * memory-ordering argument): the task sees the allowance it had or the new one, whole, never a mix of the
 * two's figures or a half-built object.
 */
@JCStressTest
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "Read before the set: still waiting for its first allocation.")
@Outcome(id = "700, 70000, 1", expect = ACCEPTABLE, desc = "Read after the set: the whole new allowance.")
@Outcome(expect = FORBIDDEN, desc = "A mix of the two allowances, or a half-built one.")
@State
public class TaskFlowAllowanceStressTest {
    private final TaskFlow flow = TaskFlow.fixed("scope", "0_0", Allowance.WAITING);

    @Actor
    public void coordinatorAllocates() {
        flow.allow(new Allowance(700, 70_000, Allowance.Mode.COORDINATED));
    }

    @Actor
    public void taskReads(JJJ_Result r) {
        Allowance a = flow.allowance();
        r.r1 = a.records();
        r.r2 = a.bytes();
        r.r3 = a.mode().ordinal();
    }
}

package io.zsync.mainjob;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.MockTime;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.internals.TaskMetadataImpl;
import org.apache.kafka.streams.processor.internals.ThreadMetadataImpl;
import org.junit.jupiter.api.Test;

/** The wait before the workload, on a mock clock: parts that become ready, or never do, or fail. */
class ReadinessTest {
    private final MockTime time = new MockTime(0, 0, 0);
    private final List<String> asked = new ArrayList<>();

    private Readiness.Part part(String name, Callable<Readiness.Status> status) {
        return new Readiness.Part() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Readiness.Status status() throws Exception {
                asked.add(name);
                return status.call();
            }
        };
    }

    /** Ready from {@code readyAtMs} on the mock clock. */
    private Readiness.Part readyAt(String name, long readyAtMs) {
        return part(name, () -> time.milliseconds() >= readyAtMs ? Readiness.Status.ready("up")
                : Readiness.Status.waiting("starting"));
    }

    @Test
    void shouldSendTheProbeOnlyOnceEveryPartIsReady() throws Exception {
        Readiness.Result r = new Readiness(time).await(List.of(readyAt("streams", 2_000), readyAt("connector", 500)),
                readyAt("probe", 2_300), Duration.ofSeconds(60));

        assertEquals(2_300, r.waitedMs());
        assertEquals(300, r.probeMs());
        assertEquals(List.of("streams: up", "connector: up", "probe: up"), r.details());
        // The probe's first round is the first in which both parts were ready.
        int firstProbe = asked.indexOf("probe");
        assertEquals(List.of("streams", "connector"), asked.subList(firstProbe - 2, firstProbe));
        assertEquals((2_000 / Readiness.POLL.toMillis() + 1) * 2, firstProbe,
                "both parts asked in each round from 0 s to 2 s, and nothing else");
        assertEquals("every part ready after 2.3 s (the probe took 0.3 s of it)", r.summary());
    }

    @Test
    void shouldFailAfterTheTimeoutNamingEveryPartNotReady() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new Readiness(time).await(
                List.of(readyAt("Streams app", Long.MAX_VALUE), readyAt("connector zsync-bridge", 0),
                        part("other", () -> Readiness.Status.waiting("tasks UNASSIGNED"))),
                readyAt("probe", 0), Duration.ofSeconds(60)));

        assertEquals("the pipeline was not ready within 60 s, so the workload did not start; not ready: Streams app:"
                + " starting; other: tasks UNASSIGNED; probe: not sent, it waits for the parts above", e.getMessage());
        assertEquals(60_000, time.milliseconds());
        assertFalse(asked.contains("probe"));
    }

    @Test
    void shouldFailNamingTheProbeWhenItsRecordsDoNotArrive() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new Readiness(time).await(
                List.of(readyAt("Streams app", 0)), part("probe", () -> Readiness.Status.waiting("3 of 4 records"
                        + " read at the output; not yet: p orders-1")), Duration.ofSeconds(10)));

        assertTrue(e.getMessage().endsWith("not ready: probe: 3 of 4 records read at the output; not yet: p orders-1"),
                e.getMessage());
    }

    @Test
    void shouldEndAtOnceWhenAPartFailedForGood() {
        IllegalStateException failed = new IllegalStateException("task 1 of zsync-bridge failed: trace");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new Readiness(time).await(
                List.of(readyAt("Streams app", 0), part("connector zsync-bridge", () -> {
                    throw failed;
                })), readyAt("probe", 0), Duration.ofSeconds(60)));

        assertSame(failed, e);
        assertEquals(0, time.milliseconds());
    }

    private static ThreadMetadata thread(Map<String, Set<TopicPartition>> tasks) {
        Set<TaskMetadata> active = new java.util.HashSet<>();
        tasks.forEach((id, partitions) -> active.add(new TaskMetadataImpl(TaskId.parse(id), partitions, Map.of(),
                Map.of(), Optional.empty())));
        return new ThreadMetadataImpl("StreamThread-1", "RUNNING", "consumer", "restore", "producer", "admin", active,
                Set.of());
    }

    @Test
    void theStreamsAppIsReadyWhenRunningWithATaskForEveryInputPartition() {
        TopicPartition p0 = new TopicPartition("prioritized", 0);
        TopicPartition p1 = new TopicPartition("prioritized", 1);
        Set<TopicPartition> inputs = Set.of(p0, p1);

        Readiness.Status rebalancing = Readiness.streamsStatus(KafkaStreams.State.REBALANCING, Set.of(), inputs);
        assertFalse(rebalancing.ready());
        assertEquals("REBALANCING, 0 active tasks reading no partition", rebalancing.detail());

        Readiness.Status half = Readiness.streamsStatus(KafkaStreams.State.RUNNING,
                Set.of(thread(Map.of("0_0", Set.of(p0)))), inputs);
        assertFalse(half.ready());
        assertEquals("RUNNING, 1 active tasks reading prioritized-0, no task yet for prioritized-1", half.detail());

        Readiness.Status all = Readiness.streamsStatus(KafkaStreams.State.RUNNING,
                Set.of(thread(Map.of("0_0", Set.of(p0), "0_1", Set.of(p1)))), inputs);
        assertTrue(all.ready());
        assertEquals("RUNNING, 2 active tasks reading prioritized-0, prioritized-1", all.detail());
    }
}

package io.zsync.processors.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zsync.io.Io;
import io.zsync.kafka.flow.Allowance;
import io.zsync.kafka.flow.FlowCoordinators;
import io.zsync.kafka.flow.LagSpec;
import io.zsync.kafka.flow.TaskFlow;
import io.zsync.stream.Priority;
import io.zsync.stream.RealtimeStream;
import io.zsync.stream.StreamBuilder;
import io.zsync.stream.StreamMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 20's coordination itself, on a real broker, with members in one JVM (each {@link FlowCoordinators}
 * registry is a member apart): the split between members, a task's tombstone, and the fallback when the
 * broker refuses the control records, and the return from it.
 */
class FlowCoordinatorIT {
    private static final long INTERVAL_MS = 100;
    @RegisterExtension
    static final BrokerExtension kafka = new BrokerExtension();

    private final List<FlowCoordinators> members = new ArrayList<>();
    private final List<RealtimeStream> streams = new ArrayList<>();

    @AfterEach
    void close() {
        members.forEach(FlowCoordinators::closeAll);
        streams.forEach(RealtimeStream::closeNow);
    }

    private TaskFlow join(String topic, String task, long budget, Allowance fallback) {
        FlowCoordinators member = new FlowCoordinators();
        members.add(member);
        return member.join(topic, Map.of("bootstrap.servers", kafka.bootstrapServers()), INTERVAL_MS, (short) 1,
                "proc", task, budget, 0, Math.max(1, budget / 10), fallback, null);
    }

    /** A manual stream holding {@code n} records of {@code level}, as a task's buffer would. */
    private RealtimeStream holding(int n, Priority level) throws Exception {
        RealtimeStream s = new StreamBuilder().withManualDispatch().withBufferSize(1_000_000, 1L << 30)
                .withRateLimit(1_000, 100).withRateStartingEmpty().build();
        streams.add(s);
        for (int i = 0; i < n; i++) {
            try (StreamMessage m = StreamMessage.detached(10)) {
                m.id(i).priority(level);
                s.send(Io.blocking(), m);
            }
        }
        return s;
    }

    /** Calls {@code update} on every task, as their threads would, until {@code done} holds. */
    private static void until(BooleanSupplier done, Duration timeout, TaskFlow[] flows, RealtimeStream[] streams)
            throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "in time");
            for (int i = 0; i < flows.length; i++) {
                flows[i].update(streams[i], System.nanoTime());
            }
            Thread.sleep(10);
        }
    }

    @Test
    void membersSplitTheBudgetByPriorityAndATaskThatLeavesGivesItsPartBack() throws Exception {
        String topic = "coord-split";
        Allowance fallback = new Allowance(500, 0, Allowance.Mode.FALLBACK);
        TaskFlow low = join(topic, "0_0", 1_000, fallback);
        TaskFlow critical = join(topic, "0_1", 1_000, fallback);
        assertEquals(Allowance.Mode.WAITING, low.allowance().mode(), "nothing before the first allocation");
        // LOW: 5,000 waiting (far above the budget); CRITICAL: 30 waiting, 300/s once due within an interval.
        TaskFlow[] flows = {low, critical};
        RealtimeStream[] held = {holding(5_000, Priority.LOW), holding(30, Priority.CRITICAL)};
        until(() -> critical.allowance().records() >= 300 && low.allowance().mode() == Allowance.Mode.COORDINATED
                && low.allowance().records() + critical.allowance().records() == 1_000, Duration.ofSeconds(20), flows,
                held);
        assertEquals(1_000, low.allowance().records() + critical.allowance().records(), "the budget, exactly");

        critical.leave();
        until(() -> low.allowance().records() == 1_000, Duration.ofSeconds(10), new TaskFlow[] {low},
                new RealtimeStream[] {held[0]});
    }

    @Test
    void aMemberWhoseReportsTheBrokerRefusesFallsBackAndReturnsOnceItTakesThem() throws Exception {
        String topic = "coord-refused";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            // Created by hand with a limit no report fits in: every send is refused (RecordTooLarge).
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of("cleanup.policy", "compact",
                    "message.timestamp.type", "LogAppendTime", "max.message.bytes", "16")))).all()
                    .get(30, TimeUnit.SECONDS);
            Allowance fallback = new Allowance(250, 0, Allowance.Mode.FALLBACK);
            TaskFlow flow = join(topic, "0_0", 1_000, fallback);
            TaskFlow[] flows = {flow};
            RealtimeStream[] held = {holding(5_000, Priority.LOW)};
            long start = System.nanoTime();
            until(() -> flow.allowance().mode() == Allowance.Mode.FALLBACK, Duration.ofSeconds(20), flows, held);
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(fallback, flow.allowance(), "its share by input partitions");
            assertTrue(waitedMs >= 4_500, "no fallback before max(10 intervals, 5 s): " + waitedMs + " ms");

            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topic), List.of(
                    new AlterConfigOp(new ConfigEntry("max.message.bytes", "1048576"), AlterConfigOp.OpType.SET))))
                    .all().get(30, TimeUnit.SECONDS);
            until(() -> flow.allowance().mode() == Allowance.Mode.COORDINATED && flow.allowance().records() == 1_000,
                    Duration.ofSeconds(20), flows, held);
        }
    }

    /**
     * Issue 21: the budget of a scope paced by a downstream group follows that group's lag as read with the
     * Admin client: the room under the bound, spread over an interval. A group that does not exist yet counts
     * its lag from the end offsets first seen; its commits count once made; a cluster that cannot be reached
     * gives no room at all.
     */
    @Test
    void aScopePacedByADownstreamGroupGetsTheRoomItsLagLeaves() throws Exception {
        String topic = "coord-lag";
        String out = "coord-lag-out";
        Map<String, Object> clients = Map.of("bootstrap.servers", kafka.bootstrapServers());
        try (Admin admin = Admin.create(clients)) {
            admin.createTopics(List.of(new NewTopic(out, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
            Topics.awaitReady(admin, List.of(out), Duration.ofSeconds(30));
            FlowCoordinators member = new FlowCoordinators();
            members.add(member);
            Allowance none = new Allowance(0, 0, Allowance.Mode.FALLBACK);
            TaskFlow flow = member.join(topic, clients, INTERVAL_MS, (short) 1, "proc", "0_0", 0, 0, 1, none,
                    new LagSpec("readers", List.of(out), 200, 0, clients));
            TaskFlow[] flows = {flow};
            RealtimeStream[] held = {holding(5_000, Priority.LOW)};
            // No such group yet: nothing waits for it so far, so the whole bound: 200 records per 100 ms.
            until(() -> flow.downstreamLag() == 0 && flow.allowance().records() == 2_000, Duration.ofSeconds(20),
                    flows, held);
            try (CheckedProducer producer = Records.producer(kafka.bootstrapServers())) {
                for (int i = 0; i < 150; i++) {
                    producer.send(new ProducerRecord<>(out, i % 2, Records.bytes("k" + i), Records.bytes("v")));
                }
            }
            // 150 appended since: they wait for the group, which has not committed; at most 50 records of room.
            // (Nothing here releases what it is granted, so each reading takes the last grant off, see LagBudget:
            // the room alternates between the whole and less.)
            until(() -> flow.downstreamLag() == 150 && flow.allowance().records() == 500, Duration.ofSeconds(20),
                    flows, held);
            // The group commits 100 of them (75 on each partition): 50 wait, at most 150 of room.
            admin.alterConsumerGroupOffsets("readers", Map.of(new TopicPartition(out, 0), new OffsetAndMetadata(50),
                    new TopicPartition(out, 1), new OffsetAndMetadata(50))).all().get(30, TimeUnit.SECONDS);
            until(() -> flow.downstreamLag() == 50 && flow.allowance().records() > 500, Duration.ofSeconds(20),
                    flows, held);
            for (int i = 0; i < 10; i++) {
                until(() -> flow.allowance().records() > 0, Duration.ofSeconds(20), flows, held);
                assertTrue(flow.allowance().records() <= 1_500, "never above the room: " + flow.allowance());
                Thread.sleep(INTERVAL_MS);
            }

            // The same on a cluster that cannot be reached: no reading, so no room.
            FlowCoordinators cut = new FlowCoordinators();
            members.add(cut);
            TaskFlow blind = cut.join("coord-lag-blind", clients, INTERVAL_MS, (short) 1, "proc", "0_0", 0, 0, 1, none,
                    new LagSpec("readers", List.of(out), 200, 0, Map.of("bootstrap.servers", "localhost:1")));
            RealtimeStream[] blindHeld = {holding(100, Priority.CRITICAL)};
            until(() -> blind.allowance().mode() == Allowance.Mode.COORDINATED, Duration.ofSeconds(20),
                    new TaskFlow[] {blind}, blindHeld);
            Thread.sleep(2_000);
            blind.update(blindHeld[0], System.nanoTime());
            assertEquals(0, blind.allowance().records(), "without a lag reading nothing is released");
            assertEquals(-1, blind.downstreamLag(), "never read");
        }
    }
}

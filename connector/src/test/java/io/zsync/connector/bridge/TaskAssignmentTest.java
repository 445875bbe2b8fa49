package io.zsync.connector.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

/** How the connector spreads source partitions over its tasks. */
class TaskAssignmentTest {

    @Test
    void partitionsGoRoundRobinInTopicOrderAndTheSharesAddUp() {
        List<TopicPartition> all = new ArrayList<>();
        for (int p = 2; p >= 0; p--) {
            all.add(new TopicPartition("b", p));
        }
        all.add(new TopicPartition("a", 0));
        all.add(new TopicPartition("a", 1));
        List<TaskAssignment> tasks = TaskAssignment.spread(all, 2);
        assertEquals(2, tasks.size());
        assertEquals(List.of(new TopicPartition("a", 0), new TopicPartition("b", 0), new TopicPartition("b", 2)),
                tasks.get(0).partitions());
        assertEquals(List.of(new TopicPartition("a", 1), new TopicPartition("b", 1)), tasks.get(1).partitions());
        assertEquals(600, tasks.get(0).rateShare().apportion(1000));
        assertEquals(400, tasks.get(1).rateShare().apportion(1000));
        TaskAssignment back = TaskAssignment.from(tasks.get(1).addTo(Map.of("name", "bridge")));
        assertEquals(tasks.get(1), back);
        assertEquals(1, back.task(), "the task number its metrics carry");
    }

    @Test
    void noMoreTasksThanPartitionsAndOneIdleTaskWhenThereAreNone() {
        assertEquals(2, TaskAssignment.spread(List.of(new TopicPartition("a", 0), new TopicPartition("a", 1)), 8).size());
        List<TaskAssignment> none = TaskAssignment.spread(List.of(), 4);
        assertEquals(1, none.size());
        assertEquals(List.of(), TaskAssignment.from(none.get(0).addTo(Map.of())).partitions());
    }

    @Test
    void aTaskConfigWithoutAnAssignmentIsRefused() {
        assertThrows(ConfigException.class, () -> TaskAssignment.from(Map.of()));
        assertThrows(ConfigException.class, () -> TaskAssignment.from(Map.of("task.partitions", "nocolon")));
    }
}

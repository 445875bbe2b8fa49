package io.zsync.connector.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

/** The sticky rule by which each bridge task works out its source partitions. */
class TaskAssignmentTest {

    @Test
    void partitionPOfTheIthTopicByNameGoesToTaskIPlusPModTheCount() {
        List<String> topics = List.of("b", "a", "b");
        Map<String, Integer> counts = Map.of("a", 2, "b", 3);
        List<TaskAssignment> tasks = TaskAssignment.all(2);
        // a is topic 0: a-0 to task 0, a-1 to task 1; b is topic 1: b-0 to task 1, b-1 to task 0, b-2 to task 1.
        assertEquals(List.of(new TopicPartition("a", 0), new TopicPartition("b", 1)),
                tasks.get(0).partitions(topics, counts));
        assertEquals(List.of(new TopicPartition("a", 1), new TopicPartition("b", 0), new TopicPartition("b", 2)),
                tasks.get(1).partitions(topics, counts));
        assertEquals(400, tasks.get(0).rateShare(topics, counts).apportion(1000));
        assertEquals(600, tasks.get(1).rateShare(topics, counts).apportion(1000));
        TaskAssignment back = TaskAssignment.from(tasks.get(1).addTo(Map.of("name", "bridge")));
        assertEquals(tasks.get(1), back);
        assertEquals(1, back.task(), "the task number its metrics carry");
    }

    @Test
    void addingPartitionsNeverMovesOneAndEachTopicIsSpreadWithinOne() {
        Random random = new Random(18);
        for (int round = 0; round < 500; round++) {
            int taskCount = 1 + random.nextInt(7);
            List<String> topics = new ArrayList<>();
            Map<String, Integer> counts = new HashMap<>();
            for (int t = random.nextInt(4); t >= 0; t--) {
                String topic = "topic-" + random.nextInt(1000);
                topics.add(topic);
                counts.put(topic, random.nextInt(20));
            }
            Map<TopicPartition, Integer> owners = owners(topics, counts, taskCount);
            Map<String, Integer> grown = new HashMap<>(counts);
            grown.replaceAll((topic, n) -> n + random.nextInt(10));
            Map<TopicPartition, Integer> after = owners(topics, grown, taskCount);
            owners.forEach((tp, task) -> assertEquals(task, after.get(tp), tp + " moved"));
            List<String> sorted = topics.stream().distinct().sorted().toList();
            after.forEach((tp, task) -> assertEquals(task,
                    TaskAssignment.owner(sorted.indexOf(tp.topic()), tp.partition(), taskCount), "the rule for " + tp));
            for (String topic : grown.keySet()) {
                int[] perTask = new int[taskCount];
                after.forEach((tp, task) -> perTask[task] += tp.topic().equals(topic) ? 1 : 0);
                int max = 0;
                int min = Integer.MAX_VALUE;
                for (int n : perTask) {
                    max = Math.max(max, n);
                    min = Math.min(min, n);
                }
                assertTrue(max - min <= 1, topic + " spread " + java.util.Arrays.toString(perTask));
            }
        }
    }

    @Test
    void theSharesAddUpAndFollowTheTaskOrder() {
        List<String> topics = List.of("x", "y", "z");
        Map<String, Integer> counts = Map.of("x", 5, "y", 1, "z", 8);
        int before = 0;
        for (TaskAssignment a : TaskAssignment.all(4)) {
            var share = a.rateShare(topics, counts);
            assertEquals(a.partitions(topics, counts).size(), share.owned());
            assertEquals(14, share.total());
            assertEquals(before, share.before());
            before += share.owned();
        }
        assertEquals(14, before);
        assertNull(new TaskAssignment(0, 1).rateShare(topics, Map.of()), "no partitions at all: the whole rate");
    }

    @Test
    void noMoreTasksThanPartitionsAndOneWhenThereAreNone() {
        assertEquals(2, TaskAssignment.taskCount(2, 8));
        assertEquals(8, TaskAssignment.taskCount(20, 8));
        assertEquals(1, TaskAssignment.taskCount(0, 4));
        assertEquals(List.of(), new TaskAssignment(0, 1).partitions(List.of("missing"), Map.of()));
    }

    @Test
    void aTaskConfigWithoutAnAssignmentIsRefused() {
        assertThrows(ConfigException.class, () -> TaskAssignment.from(Map.of()));
        assertThrows(ConfigException.class, () -> TaskAssignment.from(Map.of("task.count", "two")));
        assertThrows(ConfigException.class, () -> TaskAssignment.from(Map.of("task.count", "2", "task.index", "2")));
        assertThrows(ConfigException.class, () -> TaskAssignment.from(Map.of("task.partitions", "a:0")),
                "a config of the round-robin spread, from before the sticky rule");
    }

    private static Map<TopicPartition, Integer> owners(List<String> topics, Map<String, Integer> counts, int taskCount) {
        Map<TopicPartition, Integer> owners = new HashMap<>();
        Set<TopicPartition> seen = new HashSet<>();
        int all = 0;
        for (TaskAssignment a : TaskAssignment.all(taskCount)) {
            for (TopicPartition tp : a.partitions(topics, counts)) {
                assertTrue(seen.add(tp), tp + " read by two tasks");
                owners.put(tp, a.task());
            }
        }
        for (String topic : new HashSet<>(topics)) {
            all += counts.get(topic);
        }
        assertEquals(all, owners.size(), "every partition read by one task");
        return owners;
    }
}

package io.zsync.connector.bridge;

import io.zsync.kafka.RateShare;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;

/**
 * Which source partitions one bridge task reads: a sticky rule over the source topics' partition counts,
 * so that partitions added to a topic never move an existing one.
 *
 * <p>The connector passes each task only what does not change when partitions are added: its number and
 * the task count (the source topics are in the connector config every task gets). Each task applies the
 * rule to the partition counts it lists itself, and takes partitions added later without a restart. The
 * rule: with the distinct source topics sorted by name, partition {@code p} of the {@code i}-th topic
 * ({@code i} from 0) goes to task {@code (i + p) mod taskCount}. So within one topic the tasks take
 * consecutive partitions in turn (their shares of a topic differ by at most 1), each topic starts one task
 * further, and a new partition {@code p} goes where the rule puts it without moving a lower one.
 *
 * <p>The task count is {@code min(tasks.max, partitions)}, at least 1; only when it changes does the
 * connector ask Kafka Connect to reconfigure, and Connect then restarts every task of the connector.
 *
 * @param task      the task's number, 0 up (its metrics carry it)
 * @param taskCount the connector's number of tasks
 */
public record TaskAssignment(int task, int taskCount) {
    static final String TASK_CONFIG = "task.index";
    static final String COUNT_CONFIG = "task.count";

    /**
     * @throws IllegalArgumentException unless {@code 0 <= task < taskCount}
     */
    public TaskAssignment {
        if (taskCount < 1 || task < 0 || task >= taskCount) {
            throw new IllegalArgumentException("task " + task + " of " + taskCount + ": the task number must be"
                    + " from 0 to the task count - 1, and the count at least 1");
        }
    }

    /** How many tasks read {@code partitions} source partitions: {@code min(maxTasks, partitions)}, at least 1. */
    public static int taskCount(int partitions, int maxTasks) {
        return Math.max(1, Math.min(maxTasks, partitions));
    }

    /** The assignments of {@code taskCount} tasks, numbered 0 up. */
    public static List<TaskAssignment> all(int taskCount) {
        List<TaskAssignment> out = new ArrayList<>(taskCount);
        for (int t = 0; t < taskCount; t++) {
            out.add(new TaskAssignment(t, taskCount));
        }
        return out;
    }

    /** The task that reads partition {@code partition} of the {@code topicIndex}-th topic (sorted by name). */
    public static int owner(int topicIndex, int partition, int taskCount) {
        return (int) (((long) topicIndex + partition) % taskCount);
    }

    /**
     * This task's partitions, by topic name and then partition.
     *
     * @param topics the source topics (any order, repeats ignored)
     * @param counts partitions per topic; a topic that does not exist (yet) is left out or maps to 0
     */
    public List<TopicPartition> partitions(List<String> topics, Map<String, Integer> counts) {
        List<TopicPartition> out = new ArrayList<>();
        int i = 0;
        for (String topic : new TreeSet<>(topics)) {
            int n = counts.getOrDefault(topic, 0);
            for (int p = firstOf(i, task, taskCount); p < n; p += taskCount) {
                out.add(new TopicPartition(topic, p));
            }
            i++;
        }
        return out;
    }

    /** The lowest partition of the {@code topicIndex}-th topic that {@code task} reads. */
    private static int firstOf(int topicIndex, int task, int taskCount) {
        return Math.floorMod(task - topicIndex, taskCount);
    }

    /**
     * This task's share of an application-wide rate, from the partition counts at the moment: the partitions
     * it reads among all, after those of the tasks numbered below it. The bridge computes it once, when the
     * task starts; partitions added later do not change it (a later issue replaces it with coordination).
     *
     * @return null when there are no partitions at all (the one task takes the whole rate)
     */
    public RateShare rateShare(List<String> topics, Map<String, Integer> counts) {
        int total = 0;
        int owned = 0;
        int before = 0;
        int i = 0;
        for (String topic : new TreeSet<>(topics)) {
            int n = counts.getOrDefault(topic, 0);
            total += n;
            for (int t = 0; t <= task; t++) {
                int first = firstOf(i, t, taskCount);
                int count = first < n ? (n - 1 - first) / taskCount + 1 : 0;
                if (t < task) {
                    before += count;
                } else {
                    owned += count;
                }
            }
            i++;
        }
        return total == 0 ? null : new RateShare(owned, total, before);
    }

    /** Adds this assignment to a task config. */
    public Map<String, String> addTo(Map<String, String> connectorConfig) {
        Map<String, String> config = new HashMap<>(connectorConfig);
        config.put(TASK_CONFIG, Integer.toString(task));
        config.put(COUNT_CONFIG, Integer.toString(taskCount));
        return config;
    }

    /** Reads the assignment the connector put in a task config. */
    public static TaskAssignment from(Map<String, String> taskConfig) {
        String count = taskConfig.get(COUNT_CONFIG);
        if (count == null) {
            throw new ConfigException(COUNT_CONFIG, null, "missing: bridge task configs come from the connector"
                    + " (a config an older zsync wrote is replaced when the connector starts)");
        }
        String task = taskConfig.getOrDefault(TASK_CONFIG, "0");
        try {
            return new TaskAssignment(Integer.parseInt(task.trim()), Integer.parseInt(count.trim()));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(COUNT_CONFIG, count, "with " + TASK_CONFIG + "=" + task + ": " + e.getMessage());
        }
    }
}

package io.zsync.connector.bridge;

import io.zsync.kafka.RateShare;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;

/**
 * The source partitions one bridge task reads, and where they sit among all of them (for
 * {@code zsync.rate.scope=application}). The connector spreads the partitions round-robin in a stable
 * order and passes each task its share in the task config.
 *
 * @param task       the task's number, 0 up (its metrics carry it)
 * @param partitions this task's partitions
 * @param before     the partitions of the tasks numbered below this one
 * @param total      the partitions of all tasks
 */
public record TaskAssignment(int task, List<TopicPartition> partitions, int before, int total) {
    static final String TASK_CONFIG = "task.index";
    static final String PARTITIONS_CONFIG = "task.partitions";
    static final String BEFORE_CONFIG = "task.partitions.before";
    static final String TOTAL_CONFIG = "task.partitions.total";

    /** This task's share of an application-wide rate. */
    public RateShare rateShare() {
        return new RateShare(partitions.size(), total, before);
    }

    /**
     * Spreads {@code all} over at most {@code maxTasks} tasks, round-robin in topic and partition order; one
     * task (reading nothing until partitions appear) when there are none.
     */
    public static List<TaskAssignment> spread(List<TopicPartition> all, int maxTasks) {
        List<TopicPartition> sorted = new ArrayList<>(all);
        sorted.sort(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
        int tasks = Math.max(1, Math.min(maxTasks, sorted.size()));
        List<List<TopicPartition>> lists = new ArrayList<>();
        for (int t = 0; t < tasks; t++) {
            lists.add(new ArrayList<>());
        }
        for (int i = 0; i < sorted.size(); i++) {
            lists.get(i % tasks).add(sorted.get(i));
        }
        List<TaskAssignment> out = new ArrayList<>();
        int before = 0;
        for (List<TopicPartition> list : lists) {
            out.add(new TaskAssignment(out.size(), List.copyOf(list), before, sorted.size()));
            before += list.size();
        }
        return out;
    }

    /** Adds this assignment to a task config. */
    public Map<String, String> addTo(Map<String, String> connectorConfig) {
        Map<String, String> config = new HashMap<>(connectorConfig);
        StringBuilder list = new StringBuilder();
        for (TopicPartition tp : partitions) {
            list.append(list.length() == 0 ? "" : ",").append(tp.topic()).append(':').append(tp.partition());
        }
        config.put(TASK_CONFIG, Integer.toString(task));
        config.put(PARTITIONS_CONFIG, list.toString());
        config.put(BEFORE_CONFIG, Integer.toString(before));
        config.put(TOTAL_CONFIG, Integer.toString(total));
        return config;
    }

    /** Reads the assignment the connector put in a task config. */
    public static TaskAssignment from(Map<String, String> taskConfig) {
        String list = taskConfig.get(PARTITIONS_CONFIG);
        if (list == null) {
            throw new ConfigException(PARTITIONS_CONFIG, null, "missing: bridge task configs come from the connector");
        }
        List<TopicPartition> partitions = new ArrayList<>();
        for (String entry : list.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            // Topic names cannot hold ':', so the last one separates the partition number.
            int colon = entry.lastIndexOf(':');
            try {
                partitions.add(new TopicPartition(entry.substring(0, colon), Integer.parseInt(entry.substring(colon + 1))));
            } catch (RuntimeException e) {
                throw new ConfigException(PARTITIONS_CONFIG, list, "'" + entry + "' is not topic:partition");
            }
        }
        return new TaskAssignment(Integer.parseInt(taskConfig.getOrDefault(TASK_CONFIG, "0")), List.copyOf(partitions),
                Integer.parseInt(taskConfig.getOrDefault(BEFORE_CONFIG, "0")),
                Integer.parseInt(taskConfig.getOrDefault(TOTAL_CONFIG, Integer.toString(partitions.size()))));
    }
}

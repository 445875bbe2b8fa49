package io.zsync.kafka;

import java.util.Collection;
import java.util.Map;

/**
 * One task's share of an application-wide rate ({@code zsync.rate.scope=application}), for the Streams
 * processors and the Connect bridge alike: a task that reads {@code owned} of {@code total} input
 * partitions, after tasks that read {@code before} of them.
 *
 * <p>Kafka Streams makes one task per partition number of a sub-topology's input topics: task {@code p}
 * reads partition {@code p} of every input topic that has one. A task's share is the number of input
 * partitions it reads over the number of input partitions in all. Shares are apportioned in integers so
 * that the tasks' rates add up to exactly the configured rate: task {@code p} takes
 * {@code floor(rate * upTo(p + 1) / total) - floor(rate * upTo(p) / total)}, where {@code upTo(p)} counts
 * the input partitions of the tasks before {@code p}. A task whose apportioned rate is 0 (more input
 * partitions than records per second) still gets 1, since 0 means no limit to the engine; the sum then
 * exceeds the configured rate, and the processor says so in its log.
 *
 * @param owned the input partitions this task reads
 * @param total the input partitions of all tasks
 * @param before the input partitions of the tasks numbered below this one
 */
public record RateShare(int owned, int total, int before) {

    /**
     * The share of Kafka Streams task {@code taskPartition} over {@code topics}.
     *
     * @param partitionCounts partitions per input topic
     * @throws IllegalArgumentException if a topic has no count or the task reads none of them
     */
    public static RateShare of(Collection<String> topics, Map<String, Integer> partitionCounts, int taskPartition) {
        int owned = 0;
        int total = 0;
        int before = 0;
        for (String topic : topics) {
            Integer count = partitionCounts.get(topic);
            if (count == null || count < 1) {
                throw new IllegalArgumentException("no partition count for input topic " + topic);
            }
            total += count;
            before += Math.min(count, taskPartition);
            if (taskPartition < count) {
                owned++;
            }
        }
        if (owned == 0) {
            throw new IllegalArgumentException("task partition " + taskPartition + " is beyond every input topic "
                    + partitionCounts);
        }
        return new RateShare(owned, total, before);
    }

    /**
     * This task's part of {@code rate}; 0 stays 0 (no limit).
     *
     * @param rate an application-wide rate, 0 to 10<sup>9</sup>
     * @return at least 1 if {@code rate} is positive
     */
    public long apportion(long rate) {
        if (rate == 0) {
            return 0;
        }
        // rate <= 1e9 and partition counts are ints: the products fit in a long.
        long share = Math.floorDiv(rate * (before + owned), total) - Math.floorDiv(rate * before, total);
        return Math.max(1, share);
    }

    @Override
    public String toString() {
        return owned + " of " + total + " input partitions";
    }
}

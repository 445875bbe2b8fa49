package io.zsync.kafka.flow;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a task's release is paced by when {@code zsync.lag.group} is set: the consumer group that reads the
 * output, the topics it reads there, and how much it may have waiting.
 *
 * @param group        the downstream consumer group's id
 * @param topics       the output topics whose lag counts (summed over all their partitions)
 * @param maxRecords   the most records the group may have waiting, records (at least 1)
 * @param maxAgeMs     the most its waiting records may take to consume at its measured rate, ms; 0 for none
 * @param adminConfigs how to reach the cluster that holds the output topics (bootstrap servers, security)
 */
public record LagSpec(String group, List<String> topics, long maxRecords, long maxAgeMs,
                      Map<String, Object> adminConfigs) {
    public LagSpec {
        Objects.requireNonNull(group, "group");
        topics = List.copyOf(topics);
        adminConfigs = Map.copyOf(adminConfigs);
        if (maxRecords < 1 || maxAgeMs < 0) {
            throw new IllegalArgumentException("maxRecords must be at least 1 and maxAgeMs at least 0, were "
                    + maxRecords + " and " + maxAgeMs);
        }
    }
}

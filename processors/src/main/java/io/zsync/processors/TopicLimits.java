package io.zsync.processors;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Looks up the {@code max.message.bytes} of the topics a realtime processor writes to (the output and
 * dead-letter topics), so a record the broker would refuse is dead-lettered as {@code TOO_LARGE} before it
 * is buffered, not refused when it is released (which fails the task, and, under exactly-once, again at every
 * restart).
 */
@FunctionalInterface
interface TopicLimits {

    /**
     * @param appConfigs the Streams application's settings (from the processor context)
     * @param topics     the topics
     * @return {@code max.message.bytes} (bytes, as the broker checks a record batch) of each topic found; a
     *         topic that could not be described (not created yet, not allowed) is left out
     * @throws RuntimeException with the cause if no topic could be described; the caller falls back to the
     *                          producer's limit alone
     */
    Map<String, Long> of(Map<String, Object> appConfigs, Collection<String> topics);

    /** Fixed limits, for tests without a broker. */
    static TopicLimits fixed(Map<String, Long> limits) {
        return (configs, topics) -> limits;
    }

    /**
     * Asks the cluster with an admin client built from the application's own settings. A rebalance
     * initialises many tasks at once, so an answer is reused for a few seconds instead of opening one admin
     * client per task (as {@link PartitionCounts#admin()} does); a later rebalance asks again.
     */
    static TopicLimits admin() {
        return new AdminLookup();
    }

    /** The admin-client lookup with its short-lived cache. */
    final class AdminLookup implements TopicLimits {
        private static final long REUSE_NANOS = TimeUnit.SECONDS.toNanos(10);
        private static final long TIMEOUT_MS = 10_000;

        private Set<String> askedFor = Set.of();
        private Map<String, Long> answer = Map.of();
        /** The last lookup's failure, reused like an answer: a cluster that cannot answer costs one timeout. */
        private RuntimeException failure;
        private long answeredAtNanos;

        @Override
        public synchronized Map<String, Long> of(Map<String, Object> appConfigs, Collection<String> topics) {
            if (!askedFor.containsAll(topics) || System.nanoTime() - answeredAtNanos >= REUSE_NANOS) {
                askedFor = Set.copyOf(topics);
                try {
                    answer = Map.copyOf(describe(appConfigs, topics));
                    failure = null;
                } catch (RuntimeException e) {
                    answer = Map.of();
                    failure = e;
                }
                answeredAtNanos = System.nanoTime();
            }
            if (failure != null) {
                throw failure;
            }
            return answer;
        }

        private static Map<String, Long> describe(Map<String, Object> appConfigs, Collection<String> topics) {
            Map<String, Object> adminConfigs = new StreamsConfig(appConfigs).getAdminConfigs("zsync-topic-limits");
            List<ConfigResource> resources = topics.stream()
                    .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
            Map<String, Long> limits = new HashMap<>();
            List<String> failures = new ArrayList<>();
            try (Admin admin = Admin.create(adminConfigs)) {
                // Each topic on its own: a dead-letter topic that does not exist yet (created on first write)
                // must not cost the output topic its limit.
                for (Map.Entry<ConfigResource, KafkaFuture<Config>> d : admin.describeConfigs(resources).values()
                        .entrySet()) {
                    try {
                        ConfigEntry e = d.getValue().get(TIMEOUT_MS, TimeUnit.MILLISECONDS)
                                .get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
                        if (e != null && e.value() != null) {
                            limits.put(d.getKey().name(), Long.parseLong(e.value()));
                        }
                    } catch (ExecutionException | TimeoutException e) {
                        failures.add(d.getKey().name() + ": " + (e.getCause() != null ? e.getCause() : e));
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (KafkaException e) {
                // Admin.create refuses settings it cannot use (an unresolvable bootstrap address, say).
                throw new IllegalStateException(e.toString(), e);
            }
            if (limits.isEmpty() && !failures.isEmpty()) {
                throw new IllegalStateException(String.join("; ", failures));
            }
            return limits;
        }
    }
}

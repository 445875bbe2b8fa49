package io.zsync.processors;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
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

    /** Asks the cluster with an admin client built from the application's own settings. */
    static TopicLimits admin() {
        return (appConfigs, topics) -> {
            Map<String, Object> adminConfigs = new StreamsConfig(appConfigs).getAdminConfigs("zsync-topic-limits");
            List<ConfigResource> resources = topics.stream()
                    .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
            Map<String, Long> limits = new HashMap<>();
            List<String> failures = new java.util.ArrayList<>();
            try (Admin admin = Admin.create(adminConfigs)) {
                // Each topic on its own: a dead-letter topic that does not exist yet (created on first write)
                // must not cost the output topic its limit.
                Map<ConfigResource, org.apache.kafka.common.KafkaFuture<Config>> described =
                        admin.describeConfigs(resources).values();
                for (Map.Entry<ConfigResource, org.apache.kafka.common.KafkaFuture<Config>> d : described.entrySet()) {
                    try {
                        ConfigEntry e = d.getValue().get(10, TimeUnit.SECONDS).get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
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
            }
            if (limits.isEmpty() && !failures.isEmpty()) {
                throw new IllegalStateException(String.join("; ", failures));
            }
            return limits;
        };
    }
}

package io.zsync.processors;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsException;

/**
 * Looks up how many partitions each input topic has, for {@code zsync.rate.scope=application}.
 */
@FunctionalInterface
interface PartitionCounts {

    /**
     * @param appConfigs the Streams application's settings (from the processor context)
     * @param topics     the input topics
     * @return partitions per topic, for every one of {@code topics}
     * @throws StreamsException if the counts cannot be found
     */
    Map<String, Integer> of(Map<String, Object> appConfigs, Collection<String> topics);

    /** Fixed counts, for tests without a broker. */
    static PartitionCounts fixed(Map<String, Integer> counts) {
        return (configs, topics) -> counts;
    }

    /**
     * Asks the cluster through an admin client built from the application's own settings (so admin.* and
     * security settings apply). A rebalance initialises many tasks at once, so an answer is reused for a
     * few seconds instead of opening one admin client per task; a later rebalance (partitions added to an
     * input topic cause one) asks again.
     */
    static PartitionCounts admin() {
        return new AdminLookup();
    }

    /** The admin-client lookup with its short-lived cache. */
    final class AdminLookup implements PartitionCounts {
        private static final long REUSE_NANOS = TimeUnit.SECONDS.toNanos(10);
        private static final long TIMEOUT_MS = 30_000;

        private Map<String, Integer> cached = Map.of();
        private long cachedAtNanos;

        @Override
        public synchronized Map<String, Integer> of(Map<String, Object> appConfigs, Collection<String> topics) {
            if (cached.keySet().containsAll(topics) && System.nanoTime() - cachedAtNanos < REUSE_NANOS) {
                return cached;
            }
            Map<String, Object> adminConfigs = new StreamsConfig(appConfigs).getAdminConfigs("zsync-rate-scope");
            try (Admin admin = Admin.create(adminConfigs)) {
                Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames()
                        .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
                Map<String, Integer> counts = new HashMap<>();
                described.forEach((topic, d) -> counts.put(topic, d.partitions().size()));
                cached = Map.copyOf(counts);
                cachedAtNanos = System.nanoTime();
                return cached;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StreamsException("zsync.rate.scope=application: interrupted while describing the input"
                        + " topics " + topics, e);
            } catch (ExecutionException | TimeoutException e) {
                throw new StreamsException("zsync.rate.scope=application: could not describe the input topics "
                        + topics + " to find this task's share of the rate", e);
            }
        }
    }
}

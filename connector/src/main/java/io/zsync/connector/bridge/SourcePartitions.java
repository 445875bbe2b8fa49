package io.zsync.connector.bridge;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.connect.errors.ConnectException;

/** Lists the partition counts of the source topics, for the connector (task count) and each task (its partitions). */
public final class SourcePartitions {
    private static final System.Logger LOG = System.getLogger(SourcePartitions.class.getName());
    /** How long one listing may take. */
    public static final long TIMEOUT_MS = 30_000;

    private SourcePartitions() {
    }

    /**
     * One source topic as the source cluster describes it.
     *
     * @param partitions its partition count
     * @param id         its topic ID (KIP-516), which a deleted and recreated topic of the same name does not share
     */
    public record Topic(int partitions, String id) {
    }

    /** Describes the source topics: through the source cluster's admin client, or a test's map. */
    public interface Counter extends AutoCloseable {
        /** As {@link SourcePartitions#describe(Admin, List, System.Logger.Level)}. */
        Map<String, Topic> describe(List<String> topics, System.Logger.Level missingLevel);

        /** The partition counts of {@link #describe}. */
        default Map<String, Integer> count(List<String> topics, System.Logger.Level missingLevel) {
            return counts(describe(topics, missingLevel));
        }

        @Override
        void close();

        /** A counter on an admin client made from {@code settings}, which it closes. */
        static Counter admin(Map<String, Object> settings) {
            Admin admin = Admin.create(settings);
            return new Counter() {
                @Override
                public Map<String, Topic> describe(List<String> topics, System.Logger.Level missingLevel) {
                    return SourcePartitions.describe(admin, topics, missingLevel);
                }

                @Override
                public void close() {
                    admin.close(java.time.Duration.ofSeconds(5));
                }
            };
        }
    }

    /**
     * The number of partitions of every source topic that exists; a missing topic is left out (logged at
     * {@code level}) until it is created.
     *
     * @throws ConnectException when the source cluster does not answer within {@link #TIMEOUT_MS} or refuses
     */
    public static Map<String, Integer> count(Admin admin, List<String> topics, System.Logger.Level missingLevel) {
        return counts(describe(admin, topics, missingLevel));
    }

    /** The partition counts of described topics, by name. */
    public static Map<String, Integer> counts(Map<String, Topic> described) {
        Map<String, Integer> out = new TreeMap<>();
        described.forEach((name, topic) -> out.put(name, topic.partitions()));
        return out;
    }

    /**
     * Every source topic that exists, with its partition count and topic ID; a missing topic is left out
     * (logged at {@code level}) until it is created.
     *
     * @throws ConnectException when the source cluster does not answer within {@link #TIMEOUT_MS} or refuses
     */
    public static Map<String, Topic> describe(Admin admin, List<String> topics, System.Logger.Level missingLevel) {
        Map<String, Topic> out = new TreeMap<>();
        Map<String, KafkaFuture<TopicDescription>> described = admin.describeTopics(topics).topicNameValues();
        for (Map.Entry<String, KafkaFuture<TopicDescription>> e : described.entrySet()) {
            try {
                TopicDescription d = e.getValue().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
                out.put(d.name(), new Topic(d.partitions().size(), d.topicId() == null ? null : d.topicId().toString()));
            } catch (ExecutionException ex) {
                if (ex.getCause() instanceof UnknownTopicOrPartitionException) {
                    LOG.log(missingLevel, "zsync bridge: source topic {0} does not exist (yet); it is"
                            + " picked up within source.partitions.refresh.ms of its creation", e.getKey());
                } else {
                    throw new ConnectException("zsync bridge: could not describe source topic " + e.getKey() + ": "
                            + ex.getCause().getMessage(), ex.getCause());
                }
            } catch (TimeoutException ex) {
                throw new ConnectException("zsync bridge: no answer from source.bootstrap.servers within "
                        + TIMEOUT_MS + " ms describing " + e.getKey(), ex);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new ConnectException("zsync bridge: interrupted while listing source partitions", ex);
            }
        }
        return out;
    }

    /** The sum of the counts. */
    public static int total(Map<String, Integer> counts) {
        return counts.values().stream().mapToInt(Integer::intValue).sum();
    }
}

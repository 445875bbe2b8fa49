package io.zsync.processors.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A single-node KRaft broker in this JVM (Kafka's own test kit), for {@code bootstrap.servers=embedded}
 * and for tests. Internal topics are set to replication factor 1, or consumer groups and Streams would
 * wait forever for replicas that do not exist. Its data lives in a temporary directory removed on close.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private final KafkaClusterTestKit cluster;

    private EmbeddedKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    /**
     * Starts a broker (about two seconds).
     *
     * @param brokerSettings extra broker settings, such as {@code num.partitions}
     * @return the running broker
     * @throws Exception if it does not start
     */
    public static EmbeddedKafka start(Map<String, String> brokerSettings) throws Exception {
        return start(1, brokerSettings);
    }

    /**
     * Starts {@code brokers} brokers, the first of them also the controller (about two seconds each).
     * Internal topics keep one replica, so each partition lives on one broker, as a test that places
     * partitions apart needs.
     *
     * @param brokers        how many brokers, at least 1
     * @param brokerSettings extra broker settings, such as {@code num.partitions}
     * @return the running cluster
     * @throws Exception if it does not start
     */
    public static EmbeddedKafka start(int brokers, Map<String, String> brokerSettings) throws Exception {
        // Our own directory: the test kit's default one is removed by a JVM shutdown hook that races the
        // broker's own shutdown on Ctrl-C; this one is removed by close, after the broker stopped.
        Path dataDir = Files.createTempDirectory("zsync-kafka-");
        TestKitNodes nodes = new TestKitNodes.Builder()
                .setBaseDirectory(dataDir)
                .setCombined(true)
                .setNumBrokerNodes(brokers)
                .setNumControllerNodes(1)
                .build();
        KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes)
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("share.coordinator.state.topic.replication.factor", "1")
                .setConfigProp("share.coordinator.state.topic.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0");
        brokerSettings.forEach(builder::setConfigProp);
        KafkaClusterTestKit cluster = builder.setDeleteOnClose(true).build();
        try {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
        return new EmbeddedKafka(cluster);
    }

    /** Starts a broker with default settings. */
    public static EmbeddedKafka start() throws Exception {
        return start(Map.of());
    }

    /** The brokers' addresses, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}

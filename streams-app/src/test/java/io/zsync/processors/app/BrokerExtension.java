package io.zsync.processors.app;

import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One in-process KRaft cluster for a test class: started before its first test, closed after its last.
 *
 * <pre>{@code @RegisterExtension static final BrokerExtension kafka = new BrokerExtension();}</pre>
 */
final class BrokerExtension implements BeforeAllCallback, AfterAllCallback {
    private final int brokers;
    private EmbeddedKafka cluster;

    /** One broker. */
    BrokerExtension() {
        this(1);
    }

    /** {@code brokers} brokers, for a test that places partitions apart. */
    BrokerExtension(int brokers) {
        this.brokers = brokers;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        cluster = EmbeddedKafka.start(brokers, Map.of());
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }

    /** The brokers' addresses, for {@code bootstrap.servers}. */
    String bootstrapServers() {
        return cluster.bootstrapServers();
    }
}

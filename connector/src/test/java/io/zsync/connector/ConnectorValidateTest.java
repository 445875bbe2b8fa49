package io.zsync.connector;

import io.zsync.connector.bridge.BridgeConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 17, row h for the connector: what {@code start()} refuses ({@link BridgeConfig}'s constructor),
 * {@code validate()} reports, on the key the refusal names. The REST path is exercised in
 * {@link RealtimeBridgeConnectIT}; this runs the same {@code validate()} over many settings without a broker.
 */
class ConnectorValidateTest {

    private static Map<String, String> base() {
        Map<String, String> c = new HashMap<>();
        c.put("source.bootstrap.servers", "localhost:9092");
        c.put("source.topics", "orders,audit");
        c.put("target.topic", "deliveries");
        return c;
    }

    @Test
    void validateReportsWhatStartRefusesOnTheKeyItNames() {
        List<Map<String, String>> cases = List.of(
                Map.of(),
                Map.of("zsync.dlq.topic", "orders"),
                Map.of("zsync.dlq.topic", "deliveries"),
                Map.of("zsync.dlq.topic", "audit-dead"),
                Map.of("target.topic", "orders"),
                Map.of("target.topic", "my deliveries"),
                Map.of("target.topic", "out1,out2"),
                Map.of("target.topic", "d".repeat(246)),
                Map.of("target.topic", "d".repeat(245)),
                Map.of("source.topics", ","),
                Map.of("source.topics", "orders,,audit"),
                Map.of("source.topics", "deliveries.dlq"),
                Map.of("source.topics", "deliveries_dlq"),
                Map.of("zsync.dlq.topic", "orders_x", "source.topics", "orders.x"),
                Map.of("zsync.priority.topics", "orders:HIGH,my topic:LOW"),
                Map.of("zsync.deadline.ttl.ms", "-1"),
                Map.of("zsync.deadline.ttl.ms", Long.toString(Long.MAX_VALUE)),
                Map.of("zsync.backpressure", "spill"),
                Map.of("zsync.rate.burst", "0"),
                Map.of("zsync.buffer.max.bytes", "0"),
                Map.of("source.security.protocol", "NOPE"),
                Map.of("source.auto.offset.reset", "sometimes"),
                Map.of("source.max.poll.records", "many"),
                Map.of("source.request.timeout.ms", "-5"),
                Map.of("source.max.poll.records", "7", "source.security.protocol", "PLAINTEXT"),
                Map.of("source.isolation.level", "read_mostly"),
                Map.of("source.isolation.level", "read_uncommitted"),
                Map.of("target.max.message.bytes", "1023"),
                Map.of("target.max.message.bytes", "2147483648"),
                Map.of("target.max.message.bytes", "many"),
                Map.of("target.max.message.bytes", "1024"),
                Map.of("producer.override.max.request.size", "4000000"),
                Map.of("producer.override.max.request.size", "100"),
                Map.of("producer.override.max.request.size", "huge"),
                Map.of("producer.override.max.request.size", "100", "target.max.message.bytes", "4096"),
                Map.of("errors.tolerance", "all"),
                Map.of("errors.tolerance", " ALL "),
                Map.of("errors.tolerance", "none"),
                Map.of("transforms", "f", "transforms.f.type", "org.apache.kafka.connect.transforms.Filter"),
                Map.of("transforms", "p, f", "transforms.p.type", "io.zsync.connector.transforms.SetPriority",
                        "transforms.f.type", "org.apache.kafka.connect.transforms.Filter"),
                Map.of("transforms", "p", "transforms.p.type", "io.zsync.connector.transforms.SetPriority"),
                Map.of("zsync.lag.group", "slow-readers"),
                Map.of("zsync.lag.group", "slow-readers", "target.bootstrap.servers", " "),
                Map.of("zsync.lag.group", "slow-readers", "target.bootstrap.servers", "target:9092"),
                Map.of("zsync.lag.group", " ", "zsync.lag.max.records", "50"),
                Map.of("zsync.preset", "low_latency"),
                Map.of("zsync.preset", "Reliable"),
                Map.of("zsync.preset", "lowest_latency"),
                Map.of("zsync.preset", "low_latency", "source.fetch.max.wait.ms", "-5"));
        for (Map<String, String> overrides : cases) {
            Map<String, String> settings = base();
            settings.putAll(overrides);
            String refusedKey = null;
            try {
                new BridgeConfig(settings);
            } catch (ConfigException e) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("for configuration ([^:]+):")
                        .matcher(e.getMessage());
                refusedKey = m.find() ? m.group(1) : "(unnamed: " + e.getMessage() + ")";
            }
            Config result = new RealtimeBridgeSourceConnector().validate(settings);
            List<String> withErrors = result.configValues().stream().filter(v -> !v.errorMessages().isEmpty())
                    .map(ConfigValue::name).toList();
            if (refusedKey == null) {
                assertEquals(List.of(), withErrors, "accepted by start, so by validate: " + overrides);
            } else {
                assertEquals(List.of(refusedKey), withErrors, "refused by start on " + refusedKey + ": " + overrides);
            }
        }
    }

    /** Issue 18, row a: the settings with which Connect drops records the bridge handed over are refused. */
    @Test
    void settingsThatMakeConnectDropRecordsAreRefusedOnTheirKey() {
        Map<String, String> tolerant = base();
        tolerant.put("errors.tolerance", "all");
        Map<String, String> filtered = base();
        filtered.put("transforms", "p,drop");
        filtered.put("transforms.p.type", "io.zsync.connector.transforms.SetPriority");
        filtered.put("transforms.drop.type", "org.apache.kafka.connect.transforms.Filter");
        for (Map.Entry<String, Map<String, String>> c : Map.of("errors.tolerance", tolerant,
                "transforms.drop.type", filtered).entrySet()) {
            List<ConfigValue> refused = new RealtimeBridgeSourceConnector().validate(c.getValue()).configValues()
                    .stream().filter(v -> !v.errorMessages().isEmpty()).toList();
            assertEquals(List.of(c.getKey()), refused.stream().map(ConfigValue::name).toList());
            assertTrue(refused.get(0).errorMessages().get(0).contains("neither the target nor the dead-letter topic"),
                    refused.get(0).errorMessages().get(0));
        }
        Map<String, String> none = base();
        none.put("errors.tolerance", "none");
        assertTrue(new RealtimeBridgeSourceConnector().validate(none).configValues().stream()
                .allMatch(v -> v.errorMessages().isEmpty()));
    }

    /**
     * Issue 21: a bridge paced by a downstream group's lag reads that lag on the target cluster, which the
     * worker's own settings do not name to a connector: validate() asks for it on its key.
     */
    @Test
    void aDownstreamGroupWithoutTheTargetClusterIsRefusedByValidateOnTargetBootstrapServers() {
        Map<String, String> settings = base();
        settings.put("zsync.lag.group", "slow-readers");
        List<ConfigValue> refused = new RealtimeBridgeSourceConnector().validate(settings).configValues().stream()
                .filter(v -> !v.errorMessages().isEmpty()).toList();
        assertEquals(List.of(BridgeConfig.TARGET_BOOTSTRAP_SERVERS_CONFIG),
                refused.stream().map(ConfigValue::name).toList());
        String message = refused.get(0).errorMessages().get(0);
        assertTrue(message.contains("target.bootstrap.servers") && message.contains("zsync.lag.group"), message);

        settings.put(BridgeConfig.TARGET_BOOTSTRAP_SERVERS_CONFIG, "target:9092");
        assertTrue(new RealtimeBridgeSourceConnector().validate(settings).configValues().stream()
                .allMatch(v -> v.errorMessages().isEmpty()), "with the target cluster named it is accepted");
    }

    @Test
    void aDeadLetterTopicAmongTheSourcesIsRefusedOnItsOwnKey() {
        Map<String, String> settings = base();
        settings.put("zsync.dlq.topic", "orders");
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> new BridgeConfig(settings));
        assertTrue(e.getMessage().contains("zsync.dlq.topic") && e.getMessage().contains("for ever"), e.getMessage());
    }
}

package io.zsync.processors.app;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 17, rows e and f in the Streams app: topic settings are checked at start, naming the key. */
class AppTopicSettingsTest {

    @Test
    void topicNamesFollowKafkasRuleAndInputsOutputAndDeadLettersStayApart() {
        assertRefused("zsync.dlq.topic", Map.of("zsync.dlq.topic", "orders"));
        assertRefused("zsync.output.topic", Map.of("zsync.output.topic", "orders"));
        assertRefused("zsync.output.topic", Map.of("zsync.output.topic", "my deliveries"));
        assertRefused("zsync.output.topic", Map.of("zsync.output.topic", "out1,out2"));
        assertRefused("zsync.input.topics", Map.of("zsync.input.topics", ","));
        assertRefused("zsync.input.topics", Map.of("zsync.input.topics", "orders,,audit"));
        // The derived dead-letter topic, <output>.dlq, is a name too: 246 characters + ".dlq" is 250.
        assertRefused("zsync.output.topic", Map.of("zsync.output.topic", "d".repeat(246)));
        assertRefused("zsync.output.topic", Map.of("zsync.input.topics", "orders,deliveries.dlq"));
        assertRefused("zsync.dlq.topic", Map.of("zsync.dlq.topic", "deliveries"));
        assertRefused("zsync.dlq.topic", Map.of("zsync.dlq.topic", "bad/name"));
        // Kafka refuses a topic that differs from another only by '.' against '_'.
        assertRefused("zsync.output.topic", Map.of("zsync.input.topics", "orders,deliveries_dlq"));
        assertRefused("zsync.output.topic", Map.of("zsync.input.topics", "deliveries_x", "zsync.output.topic",
                "deliveries.x"));
        new ZsyncAppConfig(settings(Map.of("zsync.output.topic", "d".repeat(245))));
        new ZsyncAppConfig(settings(Map.of("zsync.dlq.topic", "errors")));
    }

    private static Map<String, Object> settings(Map<String, String> overrides) {
        Map<String, Object> s = new HashMap<>(Map.of("zsync.input.topics", "orders,audit",
                "zsync.output.topic", "deliveries"));
        s.putAll(overrides);
        return s;
    }

    private static void assertRefused(String key, Map<String, String> overrides) {
        ConfigException e = assertThrows(ConfigException.class, () -> new ZsyncAppConfig(settings(overrides)),
                overrides.toString());
        assertTrue(e.getMessage().contains("for configuration " + key + ":"), key + " not named: " + e.getMessage());
    }
}

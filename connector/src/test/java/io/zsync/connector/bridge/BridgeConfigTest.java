package io.zsync.connector.bridge;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 18: what the bridge's settings resolve to when a key is left out, and what they refuse. */
class BridgeConfigTest {

    private static Map<String, String> base() {
        Map<String, String> c = new HashMap<>();
        c.put("source.bootstrap.servers", "localhost:9092");
        c.put("source.topics", "orders,audit");
        c.put("target.topic", "deliveries");
        return c;
    }

    @Test
    void shouldReadOnlyCommittedRecordsByDefault() {
        Map<String, Object> consumer = new BridgeConfig(base()).sourceConsumerSettings("c");
        assertEquals("read_committed", consumer.get("isolation.level"));
    }

    @Test
    void shouldLetSourceIsolationLevelOverrideTheDefault() {
        Map<String, String> settings = base();
        settings.put("source.isolation.level", "read_uncommitted");
        Map<String, Object> consumer = new BridgeConfig(settings).sourceConsumerSettings("c");
        assertEquals("read_uncommitted", consumer.get("isolation.level"));
    }

    @Test
    void shouldRefuseABadIsolationLevelNamingItsSourceKey() {
        Map<String, String> settings = base();
        settings.put("source.isolation.level", "read_mostly");
        ConfigException e = assertThrows(ConfigException.class, () -> new BridgeConfig(settings));
        assertTrue(e.getMessage().contains("source.isolation.level") && e.getMessage().contains("read_mostly"),
                e.getMessage());
    }
}

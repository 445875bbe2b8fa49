package io.zsync.connector;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;

/** Row f: offsets written through PATCH /connectors/<name>/offsets (KIP-875) are checked before Connect stores them. */
class AlterOffsetsTest {
    private static final Map<String, String> CONFIG = Map.of("source.bootstrap.servers", "unused:9092",
            "source.topics", "orders", "target.topic", "out");
    private static final Map<String, Object> PARTITION = Map.of("topic", "orders", "partition", 0);

    private static boolean alter(Map<String, ?> partition, Map<String, ?> offset) {
        Map<Map<String, ?>, Map<String, ?>> offsets = new HashMap<>();
        offsets.put(partition, offset);
        return new RealtimeBridgeSourceConnector().alterOffsets(CONFIG, offsets);
    }

    private static void refused(Map<String, ?> partition, Map<String, ?> offset, String names) {
        ConnectException e = assertThrows(ConnectException.class, () -> alter(partition, offset));
        assertTrue(e.getMessage().contains(names), e.getMessage());
    }

    @Test
    void malformedOffsetsAreRefusedNamingTheField() {
        refused(PARTITION, Map.of("offset", "42"), "'offset' must be a whole number, got the string \"42\"");
        refused(PARTITION, Map.of("offset", 42L, "next", 50L), "'next' and 'pending' go together");
        refused(PARTITION, Map.of("offset", -1L), "'offset' must be at least 0");
        refused(PARTITION, Map.of("offset", 42.5), "'offset' must be a whole number");
        refused(PARTITION, Map.of("ofset", 42L), "unknown field 'ofset'");
        refused(PARTITION, Map.of("offset", 10L, "next", 20L, "pending", "5"), "'pending'");
        refused(PARTITION, Map.of("offset", 10L, "next", 20L, "pending", "rAAE", "sent", "x", "count", 1L), "'sent'");
        refused(PARTITION, Map.of("offset", 10L, "topicId", 7L), "'topicId' must be a string");
    }

    @Test
    void malformedPartitionsAreRefused() {
        refused(Map.of("topic", "other", "partition", 0), Map.of("offset", 1L), "not in source.topics");
        refused(Map.of("topic", "orders", "partition", "0"), Map.of("offset", 1L), "source partition");
        refused(Map.of("topic", "orders"), Map.of("offset", 1L), "source partition");
    }

    @Test
    void wellFormedOffsetsAndResetsAreAccepted() {
        assertTrue(alter(PARTITION, Map.of("offset", 42L)));
        assertTrue(alter(PARTITION, Map.of("offset", 42)), "JSON integers may arrive as Integer");
        assertTrue(alter(PARTITION, Map.of("offset", 100L, "next", 120L, "pending", "100,105")));
        assertTrue(alter(PARTITION, null), "null resets the partition");
        assertTrue(alter(PARTITION, Map.of("offset", 42L, "topicId", "Xk2mOq0wQ6yGz3pGgS5k1A")));
    }
}

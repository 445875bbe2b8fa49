package io.zsync.connector.bridge;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    @Test
    void shouldTakeKafkasDefaultRequestSizeAsTheTargetLimitWhenNothingIsSet() {
        BridgeConfig config = new BridgeConfig(base());
        assertEquals(1_048_576L, config.targetMaxMessageBytes());
        assertTrue(config.targetMaxMessageBytesSource().startsWith("target.max.message.bytes=1048576"),
                config.targetMaxMessageBytesSource());
    }

    @Test
    void shouldTakeTheConnectorsProducerOverrideAsTheTargetLimit() {
        Map<String, String> settings = base();
        settings.put("producer.override.max.request.size", "4000000");
        BridgeConfig config = new BridgeConfig(settings);
        assertEquals(4_000_000L, config.targetMaxMessageBytes());
        assertTrue(config.targetMaxMessageBytesSource().contains("producer.override.max.request.size"),
                config.targetMaxMessageBytesSource());
    }

    @Test
    void shouldPreferAnExplicitTargetLimit() {
        Map<String, String> settings = base();
        settings.put("producer.override.max.request.size", "4000000");
        settings.put("target.max.message.bytes", "500000");
        BridgeConfig config = new BridgeConfig(settings);
        assertEquals(500_000L, config.targetMaxMessageBytes());
        assertEquals("target.max.message.bytes=500000", config.targetMaxMessageBytesSource());
    }

    @Test
    void shouldRefuseUnusableTargetLimitsNamingTheKey() {
        for (String bad : new String[] {"0", "-1", "1023", "2147483648", "lots"}) {
            Map<String, String> settings = base();
            settings.put("target.max.message.bytes", bad);
            ConfigException e = assertThrows(ConfigException.class, () -> new BridgeConfig(settings), bad);
            assertTrue(e.getMessage().contains("target.max.message.bytes") && e.getMessage().contains(bad),
                    e.getMessage());
        }
        Map<String, String> settings = base();
        settings.put("target.max.message.bytes", "1024");
        assertEquals(1024L, new BridgeConfig(settings).targetMaxMessageBytes());
    }

    @Test
    void shouldRefuseAnUnusableProducerOverrideOnItsOwnKeyWhenItIsTheDefault() {
        for (String bad : new String[] {"100", "big"}) {
            Map<String, String> settings = base();
            settings.put("producer.override.max.request.size", bad);
            ConfigException e = assertThrows(ConfigException.class, () -> new BridgeConfig(settings), bad);
            assertTrue(e.getMessage().contains("for configuration producer.override.max.request.size:"),
                    e.getMessage());
            // Not the default when the key is set: the user said what the target takes.
            settings.put("target.max.message.bytes", "2048");
            assertEquals(2048L, new BridgeConfig(settings).targetMaxMessageBytes());
        }
    }

    @Test
    void shouldDeriveTheDeadlineMarginFromTheConnectorsProducerLinger() {
        Map<String, String> settings = base();
        assertEquals(5L, new BridgeConfig(settings).producerLingerMs(), "Kafka's producer default");
        assertEquals(25L, new BridgeConfig(settings).deadlineMarginMs());
        settings.put("producer.override.linger.ms", "100");
        assertEquals(120L, new BridgeConfig(settings).deadlineMarginMs());
        settings.put("zsync.deadline.margin.ms", "40");
        assertEquals(40L, new BridgeConfig(settings).deadlineMarginMs(), "an explicit margin wins");
    }

    @Test
    void shouldRefuseABadLingerOverrideOrMarginNamingTheKey() {
        for (String bad : new String[] {"-1", "soon"}) {
            Map<String, String> settings = base();
            settings.put("producer.override.linger.ms", bad);
            ConfigException e = assertThrows(ConfigException.class, () -> new BridgeConfig(settings), bad);
            assertTrue(e.getMessage().contains("for configuration producer.override.linger.ms:"), e.getMessage());
        }
        Map<String, String> settings = base();
        settings.put("zsync.deadline.margin.ms", "-3");
        ConfigException e = assertThrows(ConfigException.class, () -> new BridgeConfig(settings));
        assertTrue(e.getMessage().contains("zsync.deadline.margin.ms"), e.getMessage());
    }

    /** Issue 21, part 2: low_latency's source consumer settings, under the connector's own. */
    @Test
    void lowLatencyShouldSetTheSourceConsumersFetchWaitAndThePollTimeout() {
        Map<String, String> settings = base();
        settings.put("zsync.preset", "low_latency");
        BridgeConfig config = new BridgeConfig(settings);
        assertEquals("50", String.valueOf(config.sourceConsumerSettings("c").get("fetch.max.wait.ms")));
        assertEquals(10L, config.pollTimeoutMs());
        assertEquals(8192L, config.zsync().bufferMaxRecords());
        assertEquals(io.zsync.stream.Backpressure.DROP_OLDEST, config.zsync().backpressure());
        assertTrue(config.presetSummary().startsWith("preset low_latency sets source.fetch.max.wait.ms=50,"
                + " source.poll.timeout.ms=10;"), config.presetSummary());
        assertTrue(config.presetSummary().endsWith("the worker's producer lingers 5 ms (Kafka's producer default; a"
                + " worker-wide producer.linger.ms is not visible to the connector)"), config.presetSummary());
        // A consumer that is handed these settings takes them as Kafka defines them.
        new org.apache.kafka.clients.consumer.ConsumerConfig(withDeserializers(config.sourceConsumerSettings("c")));
    }

    @Test
    void theConnectorsOwnSettingsShouldWinOverLowLatency() {
        Map<String, String> settings = base();
        settings.put("zsync.preset", "low_latency");
        settings.put("source.fetch.max.wait.ms", "300");
        settings.put("source.poll.timeout.ms", "250");
        settings.put("zsync.backpressure", "block");
        settings.put("producer.override.linger.ms", "0");
        BridgeConfig config = new BridgeConfig(settings);
        assertEquals("300", String.valueOf(config.sourceConsumerSettings("c").get("fetch.max.wait.ms")));
        assertEquals(250L, config.pollTimeoutMs());
        assertEquals(io.zsync.stream.Backpressure.BLOCK, config.zsync().backpressure());
        assertEquals(20L, config.deadlineMarginMs(), "linger 0 + 20 ms");
        assertEquals("preset low_latency sets no source setting; kept the connector's source.fetch.max.wait.ms=300,"
                + " source.poll.timeout.ms=250; the worker's producer lingers 0 ms (producer.override.linger.ms)",
                config.presetSummary());
    }

    @Test
    void theOtherPresetsShouldLeaveTheSourceConsumerAlone() {
        for (String preset : new String[] {"high_throughput", "reliable", ""}) {
            Map<String, String> settings = base();
            settings.put("zsync.preset", preset);
            BridgeConfig config = new BridgeConfig(settings);
            assertFalse(config.sourceConsumerSettings("c").containsKey("fetch.max.wait.ms"), preset);
            assertEquals(100L, config.pollTimeoutMs(), preset);
            assertEquals("", config.presetSummary(), preset);
        }
    }

    @Test
    void aBadPresetShouldFailNamingTheKeyAndTheAllowedValues() {
        Map<String, String> settings = base();
        settings.put("zsync.preset", "lowest_latency");
        ConfigException e = assertThrows(ConfigException.class, () -> new BridgeConfig(settings));
        assertTrue(e.getMessage().contains("zsync.preset") && e.getMessage().contains("lowest_latency")
                && e.getMessage().contains("high_throughput, low_latency, reliable"), e.getMessage());
    }

    private static Map<String, Object> withDeserializers(Map<String, Object> consumer) {
        Map<String, Object> m = new HashMap<>(consumer);
        m.putIfAbsent("group.id", "g");
        return m;
    }
}

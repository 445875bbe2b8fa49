package io.zsync.processors.app;

import io.zsync.kafka.ZsyncConfig;
import io.zsync.processors.ZsyncStreams;
import io.zsync.stream.Backpressure;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 21, part 2: {@code zsync.preset=low_latency} gives the app's Kafka clients the settings that decide how long
 * a record waits, and a setting the user gives, in any spelling Kafka Streams accepts, always wins. What reaches
 * each client is read back through {@link StreamsConfig}, as Kafka Streams resolves it.
 */
class AppPresetSettingsTest {

    private static Map<String, Object> settings(Object... keysAndValues) {
        Map<String, Object> s = new HashMap<>();
        s.put("application.id", "a");
        s.put("bootstrap.servers", "localhost:9092");
        s.put("zsync.input.topics", "in");
        s.put("zsync.output.topic", "out");
        for (int i = 0; i < keysAndValues.length; i += 2) {
            s.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return s;
    }

    private static StreamsConfig streams(Map<String, Object> settings) {
        return new StreamsConfig(ZsyncStreamsApp.streamsSettings(settings));
    }

    /** The value the producer Kafka Streams builds takes for {@code key}, its own default included. */
    private static String producer(StreamsConfig c, String key) {
        Map<String, Object> p = c.getProducerConfigs("c");
        p.put("key.serializer", ByteArraySerializer.class);
        p.put("value.serializer", ByteArraySerializer.class);
        return String.valueOf(new ProducerConfig(p).values().get(key));
    }

    private static String consumer(Map<String, Object> settings, String key) {
        Map<String, Object> p = new HashMap<>(settings);
        p.put("key.deserializer", ByteArrayDeserializer.class);
        p.put("value.deserializer", ByteArrayDeserializer.class);
        return String.valueOf(new ConsumerConfig(p).values().get(key));
    }

    /** As {@link #producer}, for the main consumer. */
    private static String mainConsumer(StreamsConfig c, String key) {
        return consumer(c.getMainConsumerConfigs("g", "c", 0), key);
    }

    @Test
    void lowLatencyShouldSetTheProducerConsumerAndPollSettings() {
        StreamsConfig c = streams(settings("zsync.preset", "low_latency"));
        assertEquals("0", producer(c, "linger.ms"));
        assertEquals("50", mainConsumer(c, "fetch.max.wait.ms"));
        assertEquals("500", consumer(c.getRestoreConsumerConfigs("c"), "fetch.max.wait.ms"),
                "the restore consumer keeps Kafka's default");
        assertEquals(10L, c.getLong(StreamsConfig.POLL_MS_CONFIG));
        assertEquals(30_000L, c.getLong(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG),
                "at_least_once output is visible once written: its commit interval is left alone");
        assertEquals(20, ZsyncStreams.deadlineMarginMs(new ZsyncConfig(Map.of()),
                ZsyncStreamsApp.streamsSettings(settings("zsync.preset", "low_latency"))), "linger 0 + 20 ms");
    }

    @Test
    void lowLatencyShouldShortenTheCommitIntervalOnlyUnderExactlyOnce() {
        StreamsConfig c = streams(settings("zsync.preset", "LOW_LATENCY", "processing.guarantee", "exactly_once_v2"));
        assertEquals(50L, c.getLong(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG));
        StreamsConfig kept = streams(settings("zsync.preset", "low_latency", "processing.guarantee", "exactly_once_v2",
                "commit.interval.ms", "1000"));
        assertEquals(1_000L, kept.getLong(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG));
    }

    @Test
    void theUsersProducerSettingShouldWinInEitherSpelling() {
        StreamsConfig plain = streams(settings("zsync.preset", "low_latency", "linger.ms", "7"));
        assertEquals("7", producer(plain, "linger.ms"));
        StreamsConfig prefixed = streams(settings("zsync.preset", "low_latency", "producer.linger.ms", "8"));
        assertEquals("8", producer(prefixed, "linger.ms"));
        assertEquals(28, ZsyncStreams.deadlineMarginMs(new ZsyncConfig(Map.of()), ZsyncStreamsApp.streamsSettings(
                settings("zsync.preset", "low_latency", "producer.linger.ms", "8"))));
    }

    @Test
    void theUsersConsumerSettingShouldWinInAnySpelling() {
        for (String key : new String[] {"fetch.max.wait.ms", "consumer.fetch.max.wait.ms",
                "main.consumer.fetch.max.wait.ms"}) {
            StreamsConfig c = streams(settings("zsync.preset", "low_latency", key, "300"));
            assertEquals("300", mainConsumer(c, "fetch.max.wait.ms"), key);
        }
        StreamsConfig restoreOnly = streams(settings("zsync.preset", "low_latency",
                "restore.consumer.fetch.max.wait.ms", "300"));
        assertEquals("50", mainConsumer(restoreOnly, "fetch.max.wait.ms"),
                "a setting for another consumer leaves the main consumer to the preset");
        StreamsConfig poll = streams(settings("zsync.preset", "low_latency", "poll.ms", "200"));
        assertEquals(200L, poll.getLong(StreamsConfig.POLL_MS_CONFIG));
    }

    @Test
    void theOtherPresetsShouldLeaveTheKafkaSettingsAlone() {
        for (String preset : new String[] {"high_throughput", "reliable", ""}) {
            StreamsConfig c = streams(settings("zsync.preset", preset));
            assertEquals("5", producer(c, "linger.ms"), preset + ": the app's own linger");
            assertEquals("500", mainConsumer(c, "fetch.max.wait.ms"), preset);
            assertEquals(100L, c.getLong(StreamsConfig.POLL_MS_CONFIG), preset);
            assertTrue(ZsyncAppConfig.presetKafkaSettings(settings("zsync.preset", preset)).isEmpty(), preset);
        }
    }

    @Test
    void lowLatencyShouldStillSetTheBufferUnderTheUsersKeys() {
        ZsyncAppConfig preset = new ZsyncAppConfig(settings("zsync.preset", "low_latency"));
        assertEquals(8192, preset.zsync().bufferMaxRecords());
        assertEquals(Backpressure.DROP_OLDEST, preset.zsync().backpressure());
        ZsyncAppConfig explicit = new ZsyncAppConfig(settings("zsync.preset", "low_latency",
                "zsync.backpressure", "block", "zsync.buffer.max.records", "100000"));
        assertEquals(100_000, explicit.zsync().bufferMaxRecords());
        assertEquals(Backpressure.BLOCK, explicit.zsync().backpressure());
        assertFalse(ZsyncStreamsApp.streamsSettings(settings("zsync.preset", "low_latency")).keySet().stream()
                .anyMatch(k -> k.startsWith("zsync.")), "zsync keys are not Kafka Streams settings");
    }

    @Test
    void aBadPresetShouldFailNamingTheKeyAndTheAllowedValues() {
        for (Runnable r : new Runnable[] {
            () -> new ZsyncAppConfig(settings("zsync.preset", "lowest_latency")),
            () -> ZsyncStreamsApp.streamsSettings(settings("zsync.preset", "lowest_latency")),
            () -> ZsyncAppConfig.CONFIG_DEF.parse(settings("zsync.preset", "lowest_latency"))}) {
            ConfigException e = assertThrows(ConfigException.class, r::run);
            assertTrue(e.getMessage().contains("zsync.preset") && e.getMessage().contains("lowest_latency")
                    && e.getMessage().contains("high_throughput, low_latency, reliable"), e.getMessage());
        }
    }
}

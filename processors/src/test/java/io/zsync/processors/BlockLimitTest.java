package io.zsync.processors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsException;
import org.junit.jupiter.api.Test;

/**
 * Issue 19 row d: {@code zsync.block.max.ms} against the producer's transaction timeout and
 * {@code max.poll.interval.ms}, checked by the processor when its task initialises.
 */
class BlockLimitTest {
    private static final Map<String, String> EOS =
            Map.of(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    private static final Map<String, String> ALOS =
            Map.of(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);

    @Test
    void anExplicitBlockMaxMsNotBelowTheTransactionTimeoutIsRefusedAtInitUnderExactlyOnce() throws IOException {
        ConfigException c = refusedAtInit(Map.of("zsync.block.max.ms", "10000"), EOS);
        assertTrue(c.getMessage().contains("zsync.block.max.ms") && c.getMessage().contains("10000"), c.getMessage());
        assertTrue(c.getMessage().contains("transaction.timeout.ms (10000 under exactly_once_v2"), c.getMessage());
        assertTrue(c.getMessage().contains("producer.transaction.timeout.ms"), c.getMessage());
    }

    @Test
    void aRaisedTransactionTimeoutAcceptsTheSameBlockMaxMs() {
        new RealtimeDriver(Map.of("zsync.block.max.ms", "10000"), Map.of("in", 1),
                Map.of(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2,
                        "producer.transaction.timeout.ms", "20000")).close();
    }

    @Test
    void atLeastOnceAcceptsTheSameValues() {
        new RealtimeDriver(Map.of("zsync.block.max.ms", "10000"), Map.of("in", 1), ALOS).close();
        new RealtimeDriver(Map.of("zsync.block.max.ms", "20000"), Map.of("in", 1), ALOS).close();
    }

    @Test
    void otherBackpressureStrategiesDoNotWaitSoTheTransactionRuleDoesNotApply() {
        new RealtimeDriver(Map.of("zsync.block.max.ms", "10000", "zsync.backpressure", "drop_newest"),
                Map.of("in", 1), EOS).close();
    }

    /** The default 10 s equals Streams' transaction timeout: it is capped at half of it, not refused. */
    @Test
    void theDefaultBlockMaxMsIsCappedBelowTheTransactionTimeoutAndStillBlocks() {
        try (RealtimeDriver t = new RealtimeDriver(Map.of("zsync.rate.limit", "1", "zsync.rate.burst", "1",
                "zsync.buffer.max.records", "1"), Map.of("in", 1), EOS)) {
            t.send("a");
            t.send("b");
            long before = t.nowMicros();
            t.send("c");   // full: waits for the rate to let b out (1 s), then takes c
            assertEquals(1_000_000, t.nowMicros() - before);
            assertEquals(List.of("a", "b"), t.outKeys());
            t.advance(Duration.ofSeconds(2));
            assertEquals(List.of("c"), t.outKeys());
        }
        try (RealtimeDriver t = new RealtimeDriver(Map.of("zsync.rate.bytes", "1",
                "zsync.buffer.max.records", "1"), Map.of("in", 1), EOS)) {
            t.send("a");
            t.send("b");
            long before = t.nowMicros();
            StreamsException e = assertThrows(StreamsException.class, () -> t.send("c"));
            assertEquals(5_000_000, t.nowMicros() - before, "waited half the transaction timeout");
            assertTrue(e.toString().contains("zsync.block.max.ms=5000") || causes(e).contains("zsync.block.max.ms=5000"),
                    causes(e));
        }
    }

    @Test
    void theMaxPollIntervalRuleIsEnforcedAtInit() throws IOException {
        ConfigException c = refusedAtInit(Map.of("zsync.block.max.ms", "400000"), ALOS);
        assertTrue(c.getMessage().contains("zsync.block.max.ms") && c.getMessage().contains("max.poll.interval.ms (300000)"),
                c.getMessage());
        new RealtimeDriver(Map.of("zsync.block.max.ms", "400000"), Map.of("in", 1),
                Map.of("max.poll.interval.ms", "500000")).close();
        // Only block waits: the other strategies start whatever zsync.block.max.ms says.
        new RealtimeDriver(Map.of("zsync.block.max.ms", "400000", "zsync.backpressure", "drop_newest")).close();
    }

    @Test
    void validateAppliesTheSameRules() {
        ConfigException e = assertThrows(ConfigException.class, () -> ZsyncStreams.validate(Map.of(
                StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2, "zsync.block.max.ms", "10000")));
        assertTrue(e.getMessage().contains("zsync.block.max.ms") && e.getMessage().contains("transaction.timeout.ms"),
                e.getMessage());
        // The producer.-prefixed key wins over the plain one, as in Kafka Streams.
        assertThrows(ConfigException.class, () -> ZsyncStreams.validate(Map.of(
                StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2, "zsync.block.max.ms", "10000",
                "transaction.timeout.ms", "30000", "producer.transaction.timeout.ms", "5000")));
        ZsyncStreams.validate(Map.of(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2,
                "zsync.block.max.ms", "10000", "transaction.timeout.ms", "30000"));
        ZsyncStreams.validate(EOS);
        ZsyncStreams.validate(Map.of(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE,
                "zsync.block.max.ms", "10000"));
    }

    /**
     * The ConfigException a driver's start fails with. A driver whose init throws does not close its store,
     * so it gets a state directory of its own: the next driver could not open the store otherwise.
     */
    private static ConfigException refusedAtInit(Map<String, String> zsync, Map<String, String> streams)
            throws IOException {
        Map<String, String> settings = new HashMap<>(streams);
        settings.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("zsync-refused").toString());
        Exception e = assertThrows(Exception.class, () -> new RealtimeDriver(zsync, Map.of("in", 1), settings).close());
        return configException(e);
    }

    private static ConfigException configException(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof ConfigException ce) {
                return ce;
            }
        }
        throw new AssertionError("no ConfigException in the chain", e);
    }

    private static String causes(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = e; c != null; c = c.getCause()) {
            b.append(c).append(" <- ");
        }
        return b.toString();
    }
}

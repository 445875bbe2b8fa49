package io.zsync.processors;

import static io.zsync.processors.RealtimeDriver.header;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zsync.kafka.ZsyncHeaders;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 19 row a: a record the output would refuse is dead-lettered as {@code TOO_LARGE} when it arrives,
 * sized against what the producer and the output topic accept, at either guarantee; its dead letter is cut
 * to what the dead-letter topic accepts.
 */
class OutputLimitTest {
    private static final Map<String, Object> SLOW = Map.of("zsync.rate.limit", "1", "zsync.rate.burst", "1");

    private static void send(RealtimeDriver d, String key, int valueBytes) {
        d.in.pipeInput(new TestRecord<>(RealtimeDriver.bytes(key), new byte[valueBytes], new RecordHeaders(),
                d.nowInstant()));
    }

    @ParameterizedTest
    @ValueSource(strings = {StreamsConfig.AT_LEAST_ONCE, StreamsConfig.EXACTLY_ONCE_V2})
    void aRecordOverTheOutputTopicsMaxMessageBytesIsDeadLetteredWhenItArrives(String guarantee) {
        try (RealtimeDriver d = RealtimeDriver.withTopicLimits(SLOW,
                Map.of(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee), Map.of("out", 1_000L))) {
            send(d, "small", 10);
            send(d, "big", 2_000);
            var dead = d.dlq.readRecordsToList();
            assertEquals(1, dead.size(), "the big record is dead-lettered at once, not buffered");
            assertEquals("big", RealtimeDriver.string(dead.get(0).key()));
            assertEquals("TOO_LARGE", header(dead.get(0), ZsyncHeaders.DLQ_REASON));
            assertEquals(2_000, dead.get(0).value().length, "the dead-letter topic takes it whole");
            assertEquals(List.of("small"), d.outKeys());
            d.advance(Duration.ofSeconds(3));
            assertEquals(List.of(), d.outKeys(), "nothing else was buffered");
            assertTrue(d.storeEntries().isEmpty());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"producer.max.request.size", "max.request.size"})
    void aRecordOverTheProducersMaxRequestSizeIsDeadLetteredAndItsDeadLetterCut(String key) {
        try (RealtimeDriver d = RealtimeDriver.withTopicLimits(SLOW, Map.of(key, "1500"), Map.of())) {
            send(d, "big", 2_000);
            var dead = d.dlq.readRecordsToList();
            assertEquals(1, dead.size());
            assertEquals("TOO_LARGE", header(dead.get(0), ZsyncHeaders.DLQ_REASON));
            assertNotNull(dead.get(0).headers().lastHeader(ZsyncHeaders.DLQ_TRUNCATED),
                    "the dead letter would be refused by the same producer: it is cut");
            assertTrue(dead.get(0).value().length < 1_500);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"producer.compression.type", "compression.type"})
    void aCompressingProducerIsHeldToTheTopicsLimitUncompressed(String key) {
        // The broker checks the compressed batch, which cannot be sized before it is sent: a record that
        // might fit compressed is dead-lettered rather than refused at every restart.
        try (RealtimeDriver d = RealtimeDriver.withTopicLimits(SLOW, Map.of(key, "lz4"), Map.of("out", 1_000L))) {
            send(d, "zeros", 2_000);
            assertEquals(List.of("TOO_LARGE"), d.dlq.readRecordsToList().stream()
                    .map(r -> header(r, ZsyncHeaders.DLQ_REASON)).toList());
        }
    }
}

package io.zsync.processors;

import static io.zsync.processors.RealtimeDriver.bytes;
import static io.zsync.processors.RealtimeDriver.string;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.zsync.stream.ManualTimeSource;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * Issue 19 row b: a user's {@code processing.exception.handler} that continues past a failure inside zsync's
 * forward (a sink that refuses a record) loses nothing and leaves nothing stuck: the records released
 * after it are released in the next call, the refused one is dead-lettered {@code NOT_WRITTEN}.
 */
class ContinuingHandlerTest {

    /** A handler that logs nothing and continues past everything. */
    public static final class ContinueAll implements ProcessingExceptionHandler {
        @Override
        public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
            return Response.resume();
        }

        @Override
        public void configure(Map<String, ?> configs) {
        }
    }

    /**
     * A sink's key serializer that refuses one key: a failure inside zsync's forward (Kafka handles a
     * downstream processor's own exceptions at that processor's node, so only a sink's reach zsync).
     */
    private static Serializer<byte[]> refusing(String key) {
        return (topic, data) -> {
            if (key.equals(string(data))) {
                throw new IllegalArgumentException("the sink cannot serialize " + key);
            }
            return data;
        };
    }

    /** zsync between "in" and "out"/"out.dlq", on a manual clock, under a handler that always continues. */
    private static final class Harness implements AutoCloseable {
        final ManualTimeSource time = new ManualTimeSource(RealtimeDriver.START.toEpochMilli() * 1_000);
        final TopologyTestDriver driver;
        final TestInputTopic<byte[], byte[]> in;
        final TestOutputTopic<byte[], byte[]> out;
        final TestOutputTopic<byte[], byte[]> dlq;

        Harness(Map<String, ?> zsyncSettings, Serializer<byte[]> outKeys, Serializer<byte[]> dlqKeys) {
            RealtimeProcessor zsync = ZsyncStreams.processor("zsync", zsyncSettings)
                    .withClock(ProcessorClock.manual(time)).withTopicLimits(TopicLimits.fixed(Map.of()));
            Topology topology = new Topology();
            topology.addSource("source", new ByteArrayDeserializer(), new ByteArrayDeserializer(), "in");
            topology.addProcessor(zsync.name(), zsync, "source");
            topology.addSink(zsync.outputChild(), "out", outKeys, new ByteArraySerializer(), zsync.name());
            topology.addSink(zsync.deadLetterChild(), "out.dlq", dlqKeys, new ByteArraySerializer(), zsync.name());
            Properties props = new Properties();
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, "continue-test");
            props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
            props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, ContinueAll.class);
            driver = new TopologyTestDriver(topology, props, RealtimeDriver.START);
            in = driver.createInputTopic("in", new ByteArraySerializer(), new ByteArraySerializer(),
                    RealtimeDriver.START, Duration.ZERO);
            out = driver.createOutputTopic("out", new ByteArrayDeserializer(), new ByteArrayDeserializer());
            dlq = driver.createOutputTopic("out.dlq", new ByteArrayDeserializer(), new ByteArrayDeserializer());
        }

        void send(String... keys) {
            for (String key : keys) {
                in.pipeInput(new TestRecord<>(bytes(key), bytes("v")));
            }
        }

        /** Moves both clocks in {@code steps} steps of {@code step}: one punctuation each. */
        void advance(Duration step, int steps) {
            for (int i = 0; i < steps; i++) {
                time.advance(step);
                driver.advanceWallClockTime(step);
            }
        }

        List<String> outKeys() {
            return out.readRecordsToList().stream().map(r -> string(r.key())).toList();
        }

        /** Dead letters as "key REASON". */
        List<String> deadLetters() {
            return dlq.readRecordsToList().stream()
                    .map(r -> string(r.key()) + " " + RealtimeDriver.header(r, "zsync.dlq.reason")).toList();
        }

        @Override
        public void close() {
            driver.close();
        }
    }

    @Test
    void recordsReleasedAfterASwallowedFailureAreReleasedInTheNextCall() {
        try (Harness h = new Harness(Map.of("zsync.rate.limit", "10", "zsync.rate.burst", "10"), refusing("poison"),
                new ByteArraySerializer())) {
            // Ten records take the burst; the others wait. A second later ten tokens release them in one
            // dispatch, poison first: the sink throws inside zsync's forward, the handler continues, and
            // the engine has already handed out second and third.
            for (int i = 0; i < 10; i++) {
                h.send("filler-" + i);
            }
            h.send("poison", "second", "third");
            assertEquals(10, h.outKeys().size());
            h.advance(Duration.ofSeconds(1), 1);
            // The next calls release what the failed dispatch had taken from the engine and not emitted.
            h.advance(Duration.ofMillis(100), 3);
            assertEquals(List.of("second", "third"), h.outKeys(), "nothing stuck behind the failure");
            assertEquals(List.of("poison NOT_WRITTEN"), h.deadLetters(),
                    "the record the output refused is kept, not left to the handler");
            h.send("later");
            h.advance(Duration.ofSeconds(2), 1);
            assertEquals(List.of("later"), h.outKeys(), "and the task goes on");
        }
    }

    @Test
    void aRecordForwardedWithoutBufferingIsKeptWhenItsForwardFails() {
        // No rate limit: a record that finds the buffer empty is forwarded within its own call.
        try (Harness h = new Harness(Map.of(), refusing("poison"), new ByteArraySerializer())) {
            h.send("first", "poison");
            h.advance(Duration.ofMillis(100), 1);
            h.send("after");
            assertEquals(List.of("first", "after"), h.outKeys());
            assertEquals(List.of("poison NOT_WRITTEN"), h.deadLetters());
        }
    }

    @Test
    void aRecordTheEngineTookIsKeptWhenAnEvictionsDeadLetterFails() {
        try (Harness h = new Harness(Map.of("zsync.rate.limit", "1", "zsync.rate.burst", "1",
                "zsync.buffer.max.records", "2", "zsync.backpressure", "drop_oldest"), new ByteArraySerializer(),
                refusing("a"))) {
            // first leaves at once; a and b fill the buffer; c evicts a, whose dead letter fails after the
            // engine took c.
            h.send("first", "a", "b", "c");
            h.advance(Duration.ofSeconds(1), 10);
            Set<String> ended = new HashSet<>(h.outKeys());
            h.deadLetters().forEach(d -> ended.add(d.split(" ")[0]));
            assertEquals(Set.of("first", "b", "c"), ended, "c, taken by the engine as a's dead letter"
                    + " failed, still ends in the output or the dead letters; a is left to the handler");
        }
    }
}

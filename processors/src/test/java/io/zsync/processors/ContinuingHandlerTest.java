package io.zsync.processors;

import static io.zsync.processors.RealtimeDriver.bytes;
import static io.zsync.processors.RealtimeDriver.string;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.zsync.stream.ManualTimeSource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
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
     * The output sink's key serializer, refusing the key "poison": a failure inside zsync's forward (Kafka
     * handles a downstream processor's own exceptions at that processor's node, so only a sink's reach zsync).
     */
    public static final class RefusePoison implements Serializer<byte[]> {
        @Override
        public byte[] serialize(String topic, byte[] data) {
            if ("poison".equals(string(data))) {
                throw new IllegalArgumentException("the output sink cannot serialize poison");
            }
            return data;
        }
    }

    @Test
    void recordsReleasedAfterASwallowedFailureAreReleasedInTheNextCall() {
        ManualTimeSource time = new ManualTimeSource(RealtimeDriver.START.toEpochMilli() * 1_000);
        RealtimeProcessor zsync = ZsyncStreams.processor("zsync", Map.of("zsync.rate.limit", "10",
                "zsync.rate.burst", "10")).withClock(ProcessorClock.manual(time))
                .withTopicLimits(TopicLimits.fixed(Map.of()));
        Topology topology = new Topology();
        topology.addSource("source", new ByteArrayDeserializer(), new ByteArrayDeserializer(), "in");
        topology.addProcessor(zsync.name(), zsync, "source");
        topology.addSink(zsync.outputChild(), "out", new RefusePoison(), new ByteArraySerializer(), zsync.name());
        topology.addSink(zsync.deadLetterChild(), "out.dlq", new ByteArraySerializer(), new ByteArraySerializer(),
                zsync.name());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "continue-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, ContinueAll.class);
        try (TopologyTestDriver driver = new TopologyTestDriver(topology, props, RealtimeDriver.START)) {
            TestInputTopic<byte[], byte[]> in = driver.createInputTopic("in", new ByteArraySerializer(),
                    new ByteArraySerializer(), RealtimeDriver.START, Duration.ZERO);
            TestOutputTopic<byte[], byte[]> out = driver.createOutputTopic("out", new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            TestOutputTopic<byte[], byte[]> dlq = driver.createOutputTopic("out.dlq", new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            // Ten records take the burst; the others wait. A second later ten tokens release them in one
            // dispatch, poison first: the sink throws inside zsync's forward, the handler continues, and
            // the engine has already handed out second and third.
            for (int i = 0; i < 10; i++) {
                in.pipeInput(bytes("filler-" + i), bytes("v"));
            }
            for (String key : List.of("poison", "second", "third")) {
                in.pipeInput(bytes(key), bytes("v"));
            }
            assertEquals(10, keys(out).size());
            time.advance(Duration.ofSeconds(1));
            driver.advanceWallClockTime(Duration.ofSeconds(1));
            // The next calls release what the failed dispatch had taken from the engine and not emitted.
            for (int i = 0; i < 3; i++) {
                time.advance(Duration.ofMillis(100));
                driver.advanceWallClockTime(Duration.ofMillis(100));
            }
            assertEquals(List.of("second", "third"), keys(out), "nothing stuck behind the failure");
            var dead = dlq.readRecordsToList();
            assertEquals(List.of("poison"), dead.stream().map(r -> string(r.key())).toList(),
                    "the record the output refused is kept, not left to the handler");
            assertEquals("NOT_WRITTEN", RealtimeDriver.header(dead.get(0), "zsync.dlq.reason"));
            in.pipeInput(bytes("later"), bytes("v"));
            time.advance(Duration.ofSeconds(2));
            driver.advanceWallClockTime(Duration.ofSeconds(2));
            assertEquals(List.of("later"), keys(out), "and the task goes on");
        }
    }

    /** The dead-letter sink's key serializer, refusing the key "a". */
    public static final class RefuseA implements Serializer<byte[]> {
        @Override
        public byte[] serialize(String topic, byte[] data) {
            if ("a".equals(string(data))) {
                throw new IllegalArgumentException("the dead-letter sink cannot serialize a");
            }
            return data;
        }
    }

    @Test
    void aRecordTheEngineTookIsKeptWhenAnEvictionsDeadLetterFails() {
        ManualTimeSource time = new ManualTimeSource(RealtimeDriver.START.toEpochMilli() * 1_000);
        RealtimeProcessor zsync = ZsyncStreams.processor("zsync", Map.of("zsync.rate.limit", "1",
                "zsync.rate.burst", "1", "zsync.buffer.max.records", "2", "zsync.backpressure", "drop_oldest"))
                .withClock(ProcessorClock.manual(time)).withTopicLimits(TopicLimits.fixed(Map.of()));
        Topology topology = new Topology();
        topology.addSource("source", new ByteArrayDeserializer(), new ByteArrayDeserializer(), "in");
        topology.addProcessor(zsync.name(), zsync, "source");
        topology.addSink(zsync.outputChild(), "out", new ByteArraySerializer(), new ByteArraySerializer(), zsync.name());
        topology.addSink(zsync.deadLetterChild(), "out.dlq", new RefuseA(), new ByteArraySerializer(), zsync.name());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "evict-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, ContinueAll.class);
        try (TopologyTestDriver driver = new TopologyTestDriver(topology, props, RealtimeDriver.START)) {
            TestInputTopic<byte[], byte[]> in = driver.createInputTopic("in", new ByteArraySerializer(),
                    new ByteArraySerializer(), RealtimeDriver.START, Duration.ZERO);
            TestOutputTopic<byte[], byte[]> out = driver.createOutputTopic("out", new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            TestOutputTopic<byte[], byte[]> dlq = driver.createOutputTopic("out.dlq", new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            // first leaves at once; a and b fill the buffer; c evicts a, whose dead letter fails after the
            // engine took c.
            for (String key : List.of("first", "a", "b", "c")) {
                in.pipeInput(bytes(key), bytes("v"));
            }
            for (int i = 0; i < 10; i++) {
                time.advance(Duration.ofSeconds(1));
                driver.advanceWallClockTime(Duration.ofSeconds(1));
            }
            java.util.Set<String> ended = new java.util.HashSet<>(keys(out));
            dlq.readRecordsToList().forEach(r -> ended.add(string(r.key())));
            assertEquals(java.util.Set.of("first", "b", "c"), ended, "c, taken by the engine as a's dead letter"
                    + " failed, still ends in the output or the dead letters; a is left to the handler");
        }
    }

    private static List<String> keys(TestOutputTopic<byte[], byte[]> out) {
        return out.readRecordsToList().stream().map(r -> string(r.key())).toList();
    }
}

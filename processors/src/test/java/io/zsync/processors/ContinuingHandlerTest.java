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
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

/**
 * Issue 19 row b: a user's {@code processing.exception.handler} that continues past a failure downstream of
 * zsync does not leave the records released after it stuck: they are released again in the next call.
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

    /** A transform after zsync that fails on the key "poison". */
    private static final class FailOnPoison extends ContextualProcessor<byte[], byte[], byte[], byte[]> {
        @Override
        public void process(Record<byte[], byte[]> record) {
            if ("poison".equals(string(record.key()))) {
                throw new IllegalStateException("the transform refuses poison");
            }
            context().forward(record);
        }
    }

    @Test
    void recordsReleasedAfterASwallowedFailureAreReleasedInTheNextCall() {
        ManualTimeSource time = new ManualTimeSource(RealtimeDriver.START.toEpochMilli() * 1_000);
        RealtimeProcessor zsync = ZsyncStreams.processor("zsync", Map.of("zsync.rate.limit", "1",
                "zsync.rate.burst", "1")).withClock(ProcessorClock.manual(time))
                .withTopicLimits(TopicLimits.fixed(Map.of()));
        Topology topology = ZsyncStreams.addTo(new Topology(), zsync, List.of("in"), "out",
                List.of(FailOnPoison::new));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "continue-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, ContinueAll.class);
        try (TopologyTestDriver driver = new TopologyTestDriver(topology, props, RealtimeDriver.START)) {
            TestInputTopic<byte[], byte[]> in = driver.createInputTopic("in", new ByteArraySerializer(),
                    new ByteArraySerializer(), RealtimeDriver.START, Duration.ZERO);
            TestOutputTopic<byte[], byte[]> out = driver.createOutputTopic("out", new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            // "first" takes the only token; the others wait. 3 s later they are released in one dispatch,
            // poison first: its transform throws, the handler continues.
            for (String key : List.of("first", "poison", "second", "third")) {
                in.pipeInput(bytes(key), bytes("v"));
            }
            assertEquals(List.of("first"), keys(out));
            time.advance(Duration.ofSeconds(3));
            driver.advanceWallClockTime(Duration.ofSeconds(3));
            // The next calls release what the failed dispatch had taken from the engine and not emitted.
            for (int i = 0; i < 3; i++) {
                time.advance(Duration.ofSeconds(1));
                driver.advanceWallClockTime(Duration.ofSeconds(1));
            }
            assertEquals(List.of("second", "third"), keys(out), "nothing stuck behind the failure");
            in.pipeInput(bytes("later"), bytes("v"));
            time.advance(Duration.ofSeconds(2));
            driver.advanceWallClockTime(Duration.ofSeconds(2));
            assertEquals(List.of("later"), keys(out), "and the task goes on");
        }
    }

    private static List<String> keys(TestOutputTopic<byte[], byte[]> out) {
        return out.readRecordsToList().stream().map(r -> string(r.key())).toList();
    }
}

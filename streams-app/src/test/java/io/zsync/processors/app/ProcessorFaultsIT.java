package io.zsync.processors.app;

import static io.zsync.processors.app.Records.header;
import static io.zsync.processors.app.Records.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zsync.kafka.ZsyncHeaders;
import io.zsync.processors.RealtimeProcessor;
import io.zsync.processors.ZsyncStreams;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 19 rows a, b and d on a real broker, one broker for the class: a record the output topic would
 * refuse, a processing-exception handler that continues, and settings that cannot work together, each in
 * the Streams app or in a user's own topology.
 */
class ProcessorFaultsIT {
    @RegisterExtension
    static final BrokerExtension kafka = new BrokerExtension();

    @TempDir
    Path stateDir;

    /** Row a: output topic max.message.bytes=1000, a 2,000-byte record: TOO_LARGE, and the app goes on. */
    @ParameterizedTest
    @ValueSource(strings = {"at_least_once", "exactly_once_v2"})
    void aRecordTheOutputTopicWouldRefuseIsDeadLetteredAtEitherGuarantee(String guarantee) throws Exception {
        String name = "large-" + guarantee.replace('_', '-');
        createTopics(new NewTopic(name + "-in", 1, (short) 1), new NewTopic(name + "-out", 1, (short) 1)
                .configs(Map.of("max.message.bytes", "1000")), new NewTopic(name + "-out.dlq", 1, (short) 1));
        Map<String, Object> settings = settings(name, guarantee);
        settings.put("zsync.rate.limit", "1");
        settings.put("zsync.rate.burst", "1");
        try (ZsyncStreamsApp app = ZsyncStreamsApp.start(settings, false)) {
            sendSmallBigSmall(name);
            assertBigDeadLetteredSmallDelivered(name);
            assertTrue(app.failure().isEmpty(), () -> "the app did not fail: " + app.failure());
        }
    }

    /**
     * Row a in a user's own topology whose dead-letter topic does not exist yet (the broker creates it on the
     * first dead letter): the output topic's limit still holds.
     */
    @Test
    void theOutputTopicsLimitHoldsWhenTheDeadLetterTopicDoesNotExistYet() throws Exception {
        String name = "large-nodlq";
        createTopics(new NewTopic(name + "-in", 1, (short) 1), new NewTopic(name + "-out", 1, (short) 1)
                .configs(Map.of("max.message.bytes", "1000")));
        Topology topology = ZsyncStreams.addTo(new Topology(), ZsyncStreams.processor("zsync",
                Map.of("zsync.rate.limit", "1", "zsync.rate.burst", "1")), List.of(name + "-in"), name + "-out");
        sendSmallBigSmall(name);
        try (KafkaStreams streams = new KafkaStreams(topology, streamsProps(name, "at_least_once"))) {
            streams.start();
            assertBigDeadLetteredSmallDelivered(name);
            assertEquals(KafkaStreams.State.RUNNING, streams.state());
        }
    }

    /** Row a's input: a small record, one of 2,000 bytes, a small one. */
    private static void sendSmallBigSmall(String name) {
        try (CheckedProducer producer = Records.producer(kafka.bootstrapServers())) {
            producer.send(Records.record(name + "-in", "small", new byte[10]));
            producer.send(Records.record(name + "-in", "big", new byte[2_000]));
            producer.send(Records.record(name + "-in", "after", new byte[10]));
        }
    }

    /** Each of row a's records once: the small ones in the output, the big one dead-lettered TOO_LARGE. */
    private static void assertBigDeadLetteredSmallDelivered(String name) {
        List<ConsumerRecord<byte[], byte[]>> all = Records.readUntil(kafka.bootstrapServers(),
                List.of(name + "-out", name + "-out.dlq"), r -> r.size() >= 3, Duration.ofSeconds(60));
        Map<String, String> where = new HashMap<>();
        all.forEach(r -> where.put(string(r.key()), r.topic() + (r.topic().endsWith(".dlq")
                ? " " + header(r, ZsyncHeaders.DLQ_REASON) : "")));
        assertEquals(Map.of("small", name + "-out", "big", name + "-out.dlq TOO_LARGE", "after", name + "-out"),
                where);
        assertEquals(3, all.size(), "each once");
    }

    /** A handler that continues past everything, as a user's own might. */
    public static final class ContinueAll implements ProcessingExceptionHandler {
        @Override
        public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
            return Response.resume();
        }

        @Override
        public void configure(Map<String, ?> configs) {
        }
    }

    /** The output sink's key serializer, refusing "poison": a failure inside zsync's forward. */
    public static final class RefusePoison implements Serializer<byte[]> {
        @Override
        public byte[] serialize(String topic, byte[] data) {
            if ("poison".equals(string(data))) {
                throw new IllegalArgumentException("the output sink cannot serialize poison");
            }
            return data;
        }
    }

    /**
     * Row b: a user's continuing handler and an output sink that refuses one record: the refused record is
     * dead-lettered NOT_WRITTEN, what zsync released after it still arrives, the app goes on.
     */
    @Test
    void recordsReleasedAfterAFailureAContinuingHandlerSwallowedStillArrive() throws Exception {
        String name = "continue";
        createTopics(new NewTopic(name + "-in", 1, (short) 1), new NewTopic(name + "-out", 1, (short) 1),
                new NewTopic(name + "-out.dlq", 1, (short) 1));
        Map<String, Object> zsync = Map.of("zsync.rate.limit", "2", "zsync.rate.burst", "1");
        RealtimeProcessor processor = ZsyncStreams.processor("zsync", zsync);
        Topology topology = new Topology();
        topology.addSource("source", new ByteArrayDeserializer(), new ByteArrayDeserializer(), name + "-in");
        topology.addProcessor(processor.name(), processor.withOutputTopic(name + "-out"), "source");
        topology.addSink(processor.outputChild(), name + "-out", new RefusePoison(), new ByteArraySerializer(),
                processor.name());
        topology.addSink(processor.deadLetterChild(), name + "-out.dlq", new ByteArraySerializer(),
                new ByteArraySerializer(), processor.name());
        Properties props = streamsProps(name, "at_least_once");
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, ContinueAll.class);
        try (CheckedProducer producer = Records.producer(kafka.bootstrapServers())) {
            for (String key : List.of("first", "poison", "second", "third", "fourth")) {
                producer.send(Records.record(name + "-in", key, new byte[8]));
            }
        }
        try (KafkaStreams streams = new KafkaStreams(topology, props)) {
            streams.start();
            List<ConsumerRecord<byte[], byte[]>> out = Records.readUntil(kafka.bootstrapServers(),
                    List.of(name + "-out"), r -> r.size() >= 4, Duration.ofSeconds(60));
            assertEquals(List.of("first", "second", "third", "fourth"), out.stream().map(r -> string(r.key())).toList());
            List<ConsumerRecord<byte[], byte[]>> dead = Records.readUntil(kafka.bootstrapServers(),
                    List.of(name + "-out.dlq"), r -> r.size() >= 1, Duration.ofSeconds(30));
            assertEquals(List.of("poison NOT_WRITTEN"), dead.stream()
                    .map(r -> string(r.key()) + " " + header(r, ZsyncHeaders.DLQ_REASON)).toList());
            assertEquals(KafkaStreams.State.RUNNING, streams.state());
        }
    }

    /**
     * Row b's input: Kafka's continuing handler with error_on_full, a buffer of 1 record and 1 record/s. It
     * is refused when the task initialises, naming the key, before any record could be skipped.
     */
    @Test
    void kafkasLogAndContinueHandlerFailsTheTaskAtInitNamingItsKey() throws Exception {
        String name = "refused-handler";
        Properties props = streamsProps(name, "at_least_once");
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueProcessingExceptionHandler.class);
        String failure = failureAtInit(name, Map.of("zsync.backpressure", "error_on_full",
                "zsync.buffer.max.records", "1", "zsync.rate.limit", "1", "zsync.rate.burst", "1"), props);
        assertTrue(failure.contains("processing.exception.handler"), failure);
    }

    /** Row d: under exactly_once_v2, a block wait not below the transaction timeout is refused at task init. */
    @Test
    void aBlockWaitLongerThanTheTransactionTimeoutFailsTheTaskAtInitNamingBothKeys() throws Exception {
        String name = "block-eos";
        Properties props = streamsProps(name, "exactly_once_v2");
        String failure = failureAtInit(name, Map.of("zsync.backpressure", "block", "zsync.block.max.ms", "15000",
                "zsync.rate.limit", "1"), props);
        assertTrue(failure.contains("zsync.block.max.ms") && failure.contains("transaction.timeout.ms"), failure);
    }

    /** Starts a user's own topology and returns the message chain of what failed its stream thread. */
    private String failureAtInit(String name, Map<String, ?> zsync, Properties props) throws Exception {
        createTopics(new NewTopic(name + "-in", 1, (short) 1), new NewTopic(name + "-out", 1, (short) 1),
                new NewTopic(name + "-out.dlq", 1, (short) 1));
        try (CheckedProducer producer = Records.producer(kafka.bootstrapServers())) {
            for (int i = 0; i < 3; i++) {
                producer.send(Records.record(name + "-in", "k" + i, new byte[8]));
            }
        }
        Topology topology = ZsyncStreams.addTo(new Topology(), ZsyncStreams.processor("zsync", zsync),
                List.of(name + "-in"), name + "-out");
        CompletableFuture<Throwable> failed = new CompletableFuture<>();
        try (KafkaStreams streams = new KafkaStreams(topology, props)) {
            streams.setUncaughtExceptionHandler(e -> {
                failed.complete(e);
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            });
            streams.start();
            Throwable e = failed.get(60, TimeUnit.SECONDS);
            StringBuilder chain = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                chain.append(t).append(" | ");
            }
            return chain.toString();
        }
    }

    private void createTopics(NewTopic... topics) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(topics)).all().get(30, TimeUnit.SECONDS);
            Topics.awaitReady(admin, java.util.Arrays.stream(topics).map(NewTopic::name).toList(),
                    Duration.ofSeconds(30));
        }
    }

    private Properties streamsProps(String name, String guarantee) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, name + "-app");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve(name).toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "200");
        return p;
    }

    private Map<String, Object> settings(String name, String guarantee) {
        Map<String, Object> s = new HashMap<>();
        s.put("application.id", name + "-app");
        s.put("bootstrap.servers", kafka.bootstrapServers());
        s.put("state.dir", stateDir.resolve(name).toString());
        s.put("processing.guarantee", guarantee);
        s.put("commit.interval.ms", "200");
        s.put("zsync.input.topics", name + "-in");
        s.put("zsync.output.topic", name + "-out");
        return s;
    }
}

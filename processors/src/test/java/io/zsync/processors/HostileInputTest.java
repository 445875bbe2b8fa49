package io.zsync.processors;

import io.zsync.kafka.ZsyncConfig;
import io.zsync.kafka.ZsyncHeaders;
import io.zsync.stream.ManualTimeSource;
import io.zsync.stream.Priority;
import io.zsync.stream.StreamMessage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

import static io.zsync.processors.RealtimeDriver.bytes;
import static io.zsync.processors.RealtimeDriver.header;
import static io.zsync.processors.RealtimeDriver.string;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 17's rows as a Streams user meets them: strange records and topic settings. */
class HostileInputTest {

    /** Row d: a header key of 70,000 bytes (Kafka allows it) survives the buffer store. */
    @Test
    void aBufferedRecordWithASeventyThousandByteHeaderKeyIsDelivered() {
        try (RealtimeDriver t = new RealtimeDriver(Map.of("zsync.rate.limit", "1", "zsync.rate.burst", "1"))) {
            t.send("first");
            String longKey = "h".repeat(70_000);
            t.in.pipeInput(new TestRecord<>(bytes("second"), bytes("v"),
                    new RecordHeaders().add(longKey, bytes("x")), t.nowInstant()));
            t.advance(Duration.ofSeconds(3));
            List<TestRecord<byte[], byte[]>> out = t.out.readRecordsToList();
            assertEquals(List.of("first", "second"), out.stream().map(r -> string(r.key())).collect(Collectors.toList()));
            assertEquals("x", header(out.get(1), longKey));
            assertTrue(t.dlq.isEmpty());
        }
    }

    /**
     * Row d, restore: entries that do not decode (a newer codec's version after a rollback, a truncated
     * entry) become MALFORMED dead letters carrying their bytes; an entry of the earlier version 1 is
     * delivered; the task starts and goes on.
     */
    @Test
    void restoredEntriesThatDoNotDecodeAreDeadLetteredAndTheRestDelivered() {
        MockProcessorContext<byte[], byte[]> context = new MockProcessorContext<>();
        KeyValueStore<Long, byte[]> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("z-buffer"),
                Serdes.Long(), Serdes.ByteArray()).withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);

        BufferedRecord good = new BufferedRecord("in", 3, 41, 1_000, Priority.HIGH, StreamMessage.NO_DEADLINE,
                bytes("k"), bytes("v"), new RecordHeaders().add("h", bytes("1")));
        byte[] future = BufferedRecordCodec.encode(good);
        future[0] = 9; // a version this release does not know, with the version-2 prefix
        byte[] truncated = java.util.Arrays.copyOf(BufferedRecordCodec.encode(good), 30);
        store.put(0L, future);
        store.put(1L, versionOne(good));
        store.put(2L, truncated);

        ManualTimeSource time = new ManualTimeSource(1_764_460_800_000_000L);
        RealtimeBufferProcessor p = new RealtimeBufferProcessor("z", "z-buffer", new ZsyncConfig(Map.of()), "o", "d",
                ProcessorClock.manual(time), List.of(), PartitionCounts.fixed(Map.of()), null,
                TopicLimits.fixed(Map.of()), io.zsync.kafka.flow.FlowJoiner.fallbackOnly());
        p.init(context);
        context.scheduledPunctuators().get(0).getPunctuator().punctuate(0);

        List<MockProcessorContext.CapturedForward<? extends byte[], ? extends byte[]>> forwarded = context.forwarded();
        Map<String, List<MockProcessorContext.CapturedForward<? extends byte[], ? extends byte[]>>> byChild =
                forwarded.stream().collect(Collectors.groupingBy(f -> f.childName().orElseThrow()));
        assertEquals(1, byChild.get("o").size());
        assertEquals("k", string(byChild.get("o").get(0).record().key()));
        assertEquals(2, byChild.get("d").size());
        var dead = byChild.get("d");
        dead.forEach(f -> assertEquals("MALFORMED",
                string(f.record().headers().lastHeader(ZsyncHeaders.DLQ_REASON).value())));
        assertArrayEquals(future, dead.get(0).record().value(), "the stored bytes, so nothing is lost");
        assertEquals("in", string(dead.get(0).record().headers().lastHeader(ZsyncHeaders.SOURCE_TOPIC).value()));
        assertEquals("41", string(dead.get(0).record().headers().lastHeader(ZsyncHeaders.SOURCE_OFFSET).value()));
        assertArrayEquals(truncated, dead.get(1).record().value());
        assertEquals(0, store.approximateNumEntries(), "every entry settled");
        p.close();
    }

    /** The version-1 layout an earlier release wrote: 16-bit topic and header-key lengths. */
    private static byte[] versionOne(BufferedRecord r) {
        ByteBuffer b = ByteBuffer.allocate(256);
        b.put((byte) 1).putLong(r.timestamp()).putInt(r.partition()).putLong(r.offset())
                .put((byte) r.priority().ordinal()).putLong(r.deadlineMicros());
        byte[] topic = r.topic().getBytes(StandardCharsets.UTF_8);
        b.putShort((short) topic.length).put(topic);
        b.putInt(r.key().length).put(r.key());
        b.putInt(r.value().length).put(r.value());
        b.putInt(1);
        byte[] headerKey = r.headers().toArray()[0].key().getBytes(StandardCharsets.UTF_8);
        b.putShort((short) headerKey.length).put(headerKey);
        b.putInt(1).put(bytes("1"));
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    /** Row g: routing never depends on a header an input record can carry. */
    @Test
    void aReplayedDeadLetterIsDeliveredNotRoutedByItsStaleReasonHeader() {
        StreamsBuilder builder = new StreamsBuilder();
        ZsyncStreams.route(builder, List.of("orders"), "deliveries", Map.of());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "route-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
            TestInputTopic<byte[], byte[]> in = driver.createInputTopic("orders", new ByteArraySerializer(),
                    new ByteArraySerializer());
            TestOutputTopic<byte[], byte[]> out = driver.createOutputTopic("deliveries", new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            TestOutputTopic<byte[], byte[]> dlq = driver.createOutputTopic("deliveries.dlq", new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            in.pipeInput(new TestRecord<>(bytes("k"), bytes("v"), new RecordHeaders()
                    .add(ZsyncHeaders.PRIORITY, bytes("HIGH")).add(ZsyncHeaders.DLQ_REASON, bytes("DROPPED_NEWEST")),
                    Instant.now()));
            in.pipeInput(new TestRecord<>(bytes("bad"), bytes("v"), new RecordHeaders()
                    .add(ZsyncHeaders.PRIORITY, bytes("URGENT")), Instant.now()));
            assertEquals(List.of("k"), out.readRecordsToList().stream().map(r -> string(r.key())).toList());
            List<TestRecord<byte[], byte[]>> dead = dlq.readRecordsToList();
            assertEquals(List.of("bad"), dead.stream().map(r -> string(r.key())).toList());
            assertEquals("orders", header(dead.get(0), ZsyncHeaders.SOURCE_TOPIC));
        }
    }

    /** Row c in the app: an envelope that lies about its payload is a MALFORMED dead letter. */
    @Test
    void anEnvelopeClaimingMoreBytesThanItHoldsIsDeadLetteredMalformed() {
        try (RealtimeDriver t = new RealtimeDriver(Map.of("zsync.envelope", "avro"))) {
            byte[] header = java.util.Arrays.copyOf(io.zsync.schemas.ZsyncSerdes.streamMessage().serialize("t",
                    io.zsync.schemas.StreamMessage.newBuilder().setId(0).setPayload(ByteBuffer.allocate(0)).build()), 10);
            byte[] value = java.util.Arrays.copyOf(header, 20);
            byte[] rest = {0x02, 0x06, 0x00, (byte) 0x80, (byte) 0xA8, (byte) 0xD6, (byte) 0xB9, 0x07};
            System.arraycopy(rest, 0, value, 10, rest.length);
            t.in.pipeInput(new TestRecord<>(bytes("liar"), value, new RecordHeaders(), t.nowInstant()));
            byte[] honest = io.zsync.schemas.ZsyncSerdes.streamMessage().serialize("t", io.zsync.schemas.StreamMessage
                    .newBuilder().setId(2).setPayload(ByteBuffer.wrap(bytes("p"))).build());
            t.in.pipeInput(new TestRecord<>(bytes("next"), honest, new RecordHeaders(), t.nowInstant()));
            assertEquals(List.of("next"), t.outKeys());
            TestRecord<byte[], byte[]> dead = t.dlq.readRecord();
            assertEquals("liar", string(dead.key()));
            assertEquals("MALFORMED", header(dead, ZsyncHeaders.DLQ_REASON));
        }
    }

    /** Rows e and f in the DSL: the topics route and addTo are given are checked as the app's settings are. */
    @Test
    void routeRefusesATopicGraphWithALoopNamingTheKey() {
        ConfigException dsl = assertThrows(ConfigException.class, () -> ZsyncStreams.route(new StreamsBuilder(),
                List.of("orders"), "deliveries", Map.of("zsync.dlq.topic", "orders")));
        assertTrue(dsl.getMessage().contains("zsync.dlq.topic"), dsl.getMessage());
        ConfigException loop = assertThrows(ConfigException.class, () -> ZsyncStreams.route(new StreamsBuilder(),
                List.of("orders"), "orders", Map.of()));
        assertTrue(loop.getMessage().contains("outputTopic"), loop.getMessage());
        ConfigException name = assertThrows(ConfigException.class, () -> ZsyncStreams.addTo(new org.apache.kafka.streams
                .Topology(), ZsyncStreams.processor("z", Map.of()), List.of("orders"), "my deliveries"));
        assertTrue(name.getMessage().contains("outputTopic"), name.getMessage());
    }

    /**
     * Review: a record an upstream processor forwards from its punctuator has no topic. With a rate limit it
     * is buffered (stored) and delivered; a bad one is dead-lettered with an empty source topic.
     */
    @Test
    void recordsForwardedByAnUpstreamPunctuatorAreBufferedAndDeadLettered() {
        org.apache.kafka.streams.Topology topology = new org.apache.kafka.streams.Topology();
        topology.addSource("src", new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(), "ticks");
        topology.addProcessor("ticker", () -> new org.apache.kafka.streams.processor.api.Processor<byte[], byte[],
                byte[], byte[]>() {
            @Override
            public void init(org.apache.kafka.streams.processor.api.ProcessorContext<byte[], byte[]> context) {
                context.schedule(Duration.ofSeconds(1), org.apache.kafka.streams.processor.PunctuationType.WALL_CLOCK_TIME,
                        now -> {
                            context.forward(new org.apache.kafka.streams.processor.api.Record<>(bytes("tick"),
                                    bytes("v"), now));
                            context.forward(new org.apache.kafka.streams.processor.api.Record<>(bytes("bad"), bytes("v"),
                                    now, new RecordHeaders().add(ZsyncHeaders.PRIORITY, bytes("URGENT"))));
                        });
            }

            @Override
            public void process(org.apache.kafka.streams.processor.api.Record<byte[], byte[]> record) {
            }
        }, "src");
        RealtimeProcessor zsync = ZsyncStreams.processor("zsync", Map.of("zsync.rate.limit", "1", "zsync.rate.burst",
                "1"));
        topology.addProcessor("zsync", zsync, "ticker");
        topology.addSink(zsync.outputChild(), "out", new ByteArraySerializer(), new ByteArraySerializer(), "zsync");
        topology.addSink(zsync.deadLetterChild(), "out.dlq", new ByteArraySerializer(), new ByteArraySerializer(),
                "zsync");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "punctuated");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        try (TopologyTestDriver driver = new TopologyTestDriver(topology, props)) {
            TestOutputTopic<byte[], byte[]> out = driver.createOutputTopic("out", new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            TestOutputTopic<byte[], byte[]> dlq = driver.createOutputTopic("out.dlq", new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            for (int i = 0; i < 4; i++) {
                driver.advanceWallClockTime(Duration.ofSeconds(1));
            }
            // The processor's rate limit runs on the real clock, the driver's punctuator on its own: whatever
            // the limit has not let out yet is in the store, encoded with an empty topic.
            List<String> delivered = out.readRecordsToList().stream().map(r -> string(r.key())).toList();
            assertTrue(!delivered.isEmpty() && delivered.stream().allMatch("tick"::equals), delivered.toString());
            KeyValueStore<Long, byte[]> buffer = driver.getKeyValueStore(zsync.storeName());
            assertEquals(4, delivered.size() + buffer.approximateNumEntries(), "every tick delivered or buffered");
            List<TestRecord<byte[], byte[]>> dead = dlq.readRecordsToList();
            assertEquals(4, dead.size());
            dead.forEach(d -> assertEquals("", header(d, ZsyncHeaders.SOURCE_TOPIC)));
        }
    }

    /** Review: Kafka's continuing processing-exception handler would skip what zsync fails its task for. */
    @Test
    void theLogAndContinueProcessingExceptionHandlerIsRefusedNamingItsKey() {
        String handler = org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler.class.getName();
        ConfigException e = assertThrows(ConfigException.class, () -> ZsyncStreams.validate(Map.of(
                StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, handler)));
        assertTrue(e.getMessage().contains("processing.exception.handler"), e.getMessage());
        Properties props = new Properties();
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
                org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler.class);
        MockProcessorContext<byte[], byte[]> context = new MockProcessorContext<>(props);
        RealtimeBufferProcessor p = new RealtimeBufferProcessor("z", "z-buffer", new ZsyncConfig(Map.of()), "o", "d",
                ProcessorClock.system(), List.of(), PartitionCounts.fixed(Map.of()), null,
                TopicLimits.fixed(Map.of()), io.zsync.kafka.flow.FlowJoiner.fallbackOnly());
        ConfigException atInit = assertThrows(ConfigException.class, () -> p.init(context));
        assertTrue(atInit.getMessage().contains("processing.exception.handler"), atInit.getMessage());
        ZsyncStreams.validate(Map.of(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
                org.apache.kafka.streams.errors.LogAndFailProcessingExceptionHandler.class.getName()));
    }

    /** Review: a truncated version-1 entry still tells its source topic. */
    @Test
    void aTruncatedVersionOneEntryStillTellsItsSource() {
        BufferedRecord r = new BufferedRecord("orders", 2, 77, 5, Priority.LOW, StreamMessage.NO_DEADLINE, bytes("k"),
                bytes("v"), new RecordHeaders().add("h", bytes("1")));
        byte[] truncated = java.util.Arrays.copyOf(versionOne(r), 40);
        assertThrows(org.apache.kafka.common.errors.SerializationException.class,
                () -> BufferedRecordCodec.decode(truncated));
        BufferedRecord recovered = BufferedRecordCodec.recoverSource(truncated);
        assertEquals("orders", recovered.topic());
        assertEquals(2, recovered.partition());
        assertEquals(77, recovered.offset());
    }
}

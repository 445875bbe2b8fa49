package io.zsync.processors;

import io.zsync.kafka.flow.FlowJoiner;
import io.zsync.stream.ManualTimeSource;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;

/**
 * A {@link TopologyTestDriver} around one {@link RealtimeProcessor} (input topic "in", output "out",
 * dead letters "out.dlq"), with the processor's clock and the driver's wall clock moved together.
 */
final class RealtimeDriver implements AutoCloseable {
    static final Instant START = Instant.parse("2026-11-24T12:00:00Z");

    final ManualTimeSource time;
    final TopologyTestDriver driver;
    final TestInputTopic<byte[], byte[]> in;
    final TestOutputTopic<byte[], byte[]> out;
    final TestOutputTopic<byte[], byte[]> dlq;

    RealtimeDriver(Map<String, ?> zsync) {
        this(zsync, Map.of("in", 1));
    }

    /** With {@code partitionCounts} as the cluster's answer to zsync.rate.scope=application's question. */
    RealtimeDriver(Map<String, ?> zsync, Map<String, Integer> partitionCounts) {
        this(zsync, partitionCounts, Map.of());
    }

    /** With {@code streams} added to the Streams settings (the processor sees them as appConfigs()). */
    RealtimeDriver(Map<String, ?> zsync, Map<String, Integer> partitionCounts, Map<String, ?> streams) {
        this(zsync, partitionCounts, streams, START, null, Duration.ZERO, Map.of());
    }

    /**
     * With {@code streams} added to the Streams settings and {@code topicLimits} as the cluster's
     * {@code max.message.bytes} of "out" and "out.dlq".
     */
    static RealtimeDriver withTopicLimits(Map<String, ?> zsync, Map<String, ?> streams, Map<String, Long> topicLimits) {
        return new RealtimeDriver(zsync, Map.of("in", 1), streams, START, null, Duration.ZERO, topicLimits);
    }

    /**
     * A task whose clock also moves {@code perRead} each time the processor reads it, as a real clock moves
     * while the task forwards records; the driver's wall clock only moves when told.
     */
    static RealtimeDriver ticking(Map<String, ?> zsync, Map<String, ?> streams, Duration perRead) {
        return new RealtimeDriver(zsync, Map.of("in", 1), streams, START, null, perRead, Map.of());
    }

    /**
     * A task that starts at {@code start} with {@code storeAtStart} in its buffer store, as Kafka Streams
     * leaves it after restoring the changelog of an earlier incarnation. TopologyTestDriver runs no restore
     * (and wipes its state directory on close), so a pass-through parent writes the entries in its own
     * {@code init}, which Streams runs before the buffer processor's.
     */
    static RealtimeDriver restarted(Map<String, ?> zsync, Instant start, Map<Long, byte[]> storeAtStart) {
        return new RealtimeDriver(zsync, Map.of("in", 1), Map.of(), start, storeAtStart, Duration.ZERO, Map.of());
    }

    private RealtimeDriver(Map<String, ?> zsync, Map<String, Integer> partitionCounts, Map<String, ?> streams,
                           Instant start, Map<Long, byte[]> storeAtStart, Duration perRead,
                           Map<String, Long> topicLimits) {
        time = new ManualTimeSource(start.toEpochMilli() * 1_000);
        Map<String, Object> settings = new HashMap<>(zsync);
        ProcessorClock clock = perRead.isZero() ? ProcessorClock.manual(time) : ticking(time, perRead);
        RealtimeProcessor zsyncProcessor = ZsyncStreams.processor("zsync", settings)
                .withClock(clock).withPartitionCounts(PartitionCounts.fixed(partitionCounts))
                .withTopicLimits(TopicLimits.fixed(topicLimits))
                // No control topic here: an application-wide rate keeps the task's share by input partitions.
                .withFlowJoiner(FlowJoiner.fallbackOnly());
        Topology topology = storeAtStart == null
                ? ZsyncStreams.addTo(new Topology(), zsyncProcessor, List.of("in"), "out")
                : prefilled(zsyncProcessor.withInputTopics(List.of("in")), storeAtStart);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "realtime-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.putAll(streams);
        driver = new TopologyTestDriver(topology, props, start);
        in = driver.createInputTopic("in", new ByteArraySerializer(), new ByteArraySerializer(), start, Duration.ZERO);
        out = driver.createOutputTopic("out", new ByteArrayDeserializer(), new ByteArrayDeserializer());
        dlq = driver.createOutputTopic("out.dlq", new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static ProcessorClock ticking(ManualTimeSource time, Duration perRead) {
        ProcessorClock manual = ProcessorClock.manual(time);
        return new ProcessorClock() {
            @Override
            public long nanoTime() {
                time.advance(perRead);
                return time.nanoTime();
            }

            @Override
            public long epochMicros() {
                return time.epochMicros();
            }

            @Override
            public void sleepNanos(long nanos) {
                manual.sleepNanos(nanos);
            }
        };
    }

    /** "in" → a pass-through that fills the buffer store at init → the processor → "out" and "out.dlq". */
    private static Topology prefilled(RealtimeProcessor zsync, Map<Long, byte[]> entries) {
        Topology topology = new Topology();
        topology.addSource("source", new ByteArrayDeserializer(), new ByteArrayDeserializer(), "in");
        topology.addProcessor("restore", () -> new Processor<byte[], byte[], byte[], byte[]>() {
            private ProcessorContext<byte[], byte[]> context;

            @Override
            public void init(ProcessorContext<byte[], byte[]> context) {
                this.context = context;
                KeyValueStore<Long, byte[]> store = context.getStateStore(zsync.storeName());
                entries.forEach(store::put);
            }

            @Override
            public void process(Record<byte[], byte[]> record) {
                context.forward(record);
            }
        }, "source");
        topology.addProcessor(zsync.name(), zsync, "restore");
        topology.connectProcessorAndStateStores("restore", zsync.storeName());
        topology.addSink(zsync.outputChild(), "out", new ByteArraySerializer(), new ByteArraySerializer(),
                zsync.name());
        topology.addSink(zsync.deadLetterChild(), "out.dlq", new ByteArraySerializer(), new ByteArraySerializer(),
                zsync.name());
        return topology;
    }

    /** The buffer store's entries now: what its changelog would restore if the task stopped here. */
    Map<Long, byte[]> storeEntries() {
        Map<Long, byte[]> entries = new TreeMap<>();
        KeyValueStore<Long, byte[]> store = driver.getKeyValueStore("zsync-buffer");
        try (KeyValueIterator<Long, byte[]> it = store.all()) {
            it.forEachRemaining(kv -> entries.put(kv.key, kv.value));
        }
        return entries;
    }

    /** Pipes a record keyed {@code key} with the given header pairs (name, value, name, value...). */
    void send(String key, String... headers) {
        RecordHeaders h = new RecordHeaders();
        for (int i = 0; i < headers.length; i += 2) {
            h.add(headers[i], headers[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        in.pipeInput(new TestRecord<>(bytes(key), bytes("value-" + key), h, nowInstant()));
    }

    /** Moves both clocks, in punctuation-sized steps so the processor sees time pass as it would live. */
    void advance(Duration d) {
        long left = d.toNanos();
        long step = RealtimeBufferProcessor.PUNCTUATE_INTERVAL.toNanos();
        while (left > 0) {
            long n = Math.min(step, left);
            time.advance(Duration.ofNanos(n));
            driver.advanceWallClockTime(Duration.ofNanos(n));
            left -= n;
        }
    }

    /**
     * Moves both clocks by {@code d} in one step, as a stream thread sees time pass while it waits in the
     * consumer's poll with no input (up to {@code poll.ms}): the processor's punctuator runs once, late.
     */
    void advanceInOnePoll(Duration d) {
        time.advance(d);
        driver.advanceWallClockTime(d);
    }

    Instant nowInstant() {
        return Instant.ofEpochMilli(time.epochMicros() / 1_000);
    }

    long nowMicros() {
        return time.epochMicros();
    }

    List<String> outKeys() {
        return out.readRecordsToList().stream().map(r -> string(r.key())).collect(Collectors.toList());
    }

    static String header(TestRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : string(h.value());
    }

    static byte[] bytes(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    static String string(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        driver.close();
    }
}

package io.zsync.connector;

import io.zsync.connector.bridge.SourcePartitions;
import io.zsync.connector.bridge.TaskAssignment;
import io.zsync.kafka.flow.FlowJoiner;
import io.zsync.stream.ManualTimeSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTaskContext;
import org.apache.kafka.connect.storage.OffsetStorageReader;

/**
 * One bridge task without a broker: a {@code MockConsumer} as its source, a map as the worker's offset
 * store, a manual clock, and the two commit rules of Kafka Connect applied by the test: {@link #written}
 * (the producer acknowledged it; at-least-once commits the acknowledged prefix, exactly-once the
 * dispatched one) and {@link #notWritten} (a transform dropped it, or errors.tolerance=all skipped it).
 */
final class BridgeTaskHarness implements AutoCloseable {
    static final String SOURCE = "in";
    static final String TARGET = "out";

    final ManualTimeSource clock = new ManualTimeSource();
    /** The source topic's ID, as the source cluster describes it; a test may recreate the topic. */
    volatile String topicId = "AAAAAAAAAAAAAAAAAAAAAQ";
    /** The worker's offset store: by the key's serialized form, as Connect keeps it. */
    private final Map<String, Map<String, Object>> stored = new HashMap<>();
    final List<TopicPartition> partitions;
    MockConsumer<byte[], byte[]> consumer;
    RealtimeBridgeSourceTask task;
    /** How the next {@link #start} joins the connector's flow budget (zsync.rate.scope=application). */
    private FlowJoiner flowJoiner = FlowJoiner.fallbackOnly();
    private long written;

    BridgeTaskHarness(int partitionCount) {
        partitions = new ArrayList<>();
        for (int p = 0; p < partitionCount; p++) {
            partitions.add(new TopicPartition(SOURCE, p));
        }
    }

    /**
     * How tasks started from now on join the flow budget; without this, each keeps its share by partitions
     * ({@link FlowJoiner#fallbackOnly}), as it does while the control topic cannot be reached.
     */
    BridgeTaskHarness flow(FlowJoiner joiner) {
        flowJoiner = joiner;
        return this;
    }

    /** Starts a task, as a (re)start of the worker does, on the offsets stored so far. */
    BridgeTaskHarness start(Map<String, String> settings) {
        Map<String, String> props = new HashMap<>();
        props.put("name", "harness");
        props.put("source.bootstrap.servers", "unused:9092");
        props.put("source.topics", SOURCE);
        props.put("target.topic", TARGET);
        props.put("source.poll.timeout.ms", "1");
        props.putAll(settings);
        Map<String, String> taskConfig = TaskAssignment.all(1).get(0).addTo(props);
        task = new RealtimeBridgeSourceTask(clock, consumerSettings -> {
            consumer = new MockConsumer<>("earliest");
            Map<TopicPartition, Long> beginning = new HashMap<>();
            partitions.forEach(tp -> beginning.put(tp, 0L));
            consumer.updateBeginningOffsets(beginning);
            return consumer;
        }, adminSettings -> new SourcePartitions.Counter() {
            @Override
            public Map<String, SourcePartitions.Topic> describe(List<String> topics, System.Logger.Level missingLevel) {
                synchronized (partitions) {
                    return Map.of(SOURCE, new SourcePartitions.Topic(partitions.size(), topicId));
                }
            }

            @Override
            public void close() {
            }
        }, flowJoiner);
        task.initialize(new SourceTaskContext() {
            @Override
            public Map<String, String> configs() {
                return taskConfig;
            }

            @Override
            public OffsetStorageReader offsetStorageReader() {
                // As Connect's OffsetStorageReaderImpl: found by the key's serialized form, so a key whose
                // fields come in another order is another key.
                return new OffsetStorageReader() {
                    @Override
                    public <T> Map<String, Object> offset(Map<String, T> partition) {
                        return find(partition);
                    }

                    @Override
                    public <T> Map<Map<String, T>, Map<String, Object>> offsets(Collection<Map<String, T>> keys) {
                        Map<Map<String, T>, Map<String, Object>> out = new HashMap<>();
                        for (Map<String, T> key : keys) {
                            out.put(key, find(key));
                        }
                        return out;
                    }
                };
            }

            @Override
            public PluginMetrics pluginMetrics() {
                return null;
            }
        });
        task.start(taskConfig);
        return this;
    }

    /** Adds a partition to the source topic, as {@code kafka-topics --alter --partitions} does. */
    void addPartition() {
        TopicPartition tp;
        synchronized (partitions) {
            tp = new TopicPartition(SOURCE, partitions.size());
            partitions.add(tp);
        }
        consumer.updateBeginningOffsets(Map.of(tp, 0L));
    }

    private static final org.apache.kafka.connect.json.JsonConverter KEYS = new org.apache.kafka.connect.json.JsonConverter();

    static {
        KEYS.configure(Map.of("schemas.enable", "false"), true);
    }

    private static String serialized(Map<String, ?> key) {
        return new String(KEYS.fromConnectData("offsets", null, key), java.nio.charset.StandardCharsets.UTF_8);
    }

    private Map<String, Object> find(Map<String, ?> key) {
        return stored.get(serialized(key));
    }

    /** Stores an offset under a key, as the worker or a PATCH of the REST API does; null is a tombstone. */
    void store(Map<String, ?> key, Map<String, Object> offset) {
        if (offset == null) {
            stored.remove(serialized(key));
        } else {
            stored.put(serialized(key), offset);
        }
    }

    /** The key Connect itself writes for a partition of the source topic (a JSON object read into a HashMap). */
    static Map<String, Object> key(int partition) {
        Map<String, Object> key = new HashMap<>();
        key.put("topic", SOURCE);
        key.put("partition", partition);
        return key;
    }

    /** The key earlier versions of the bridge wrote: topic first. */
    static Map<String, Object> legacyKey(int partition) {
        Map<String, Object> key = new java.util.LinkedHashMap<>();
        key.put("topic", SOURCE);
        key.put("partition", partition);
        return key;
    }

    /** Appends a record to a source partition. */
    void add(int partition, long offset, byte[] key, byte[] value, String priority) {
        RecordHeaders headers = new RecordHeaders();
        if (priority != null) {
            headers.add("zsync.priority", priority.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        consumer.addRecord(new ConsumerRecord<>(SOURCE, partition, offset, clock.epochMicros() / 1000,
                TimestampType.CREATE_TIME, key == null ? -1 : key.length, value == null ? -1 : value.length, key, value,
                headers, java.util.Optional.empty()));
    }

    /** Appends a record with a {@code zsync.deadline} header (epoch µs) to a source partition. */
    void addWithDeadline(int partition, long offset, byte[] value, long deadlineMicros) {
        RecordHeaders headers = new RecordHeaders();
        headers.add("zsync.deadline", Long.toString(deadlineMicros).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        consumer.addRecord(new ConsumerRecord<>(SOURCE, partition, offset, clock.epochMicros() / 1000,
                TimestampType.CREATE_TIME, -1, value.length, null, value, headers, java.util.Optional.empty()));
    }

    /** One poll of the task; never null. */
    List<SourceRecord> poll() throws InterruptedException {
        List<SourceRecord> out = task.poll();
        return out == null ? List.of() : out;
    }

    /** Polls until {@code n} records came back (at most 200 polls). */
    List<SourceRecord> pollFor(int n) throws InterruptedException {
        List<SourceRecord> out = new ArrayList<>();
        for (int i = 0; i < 200 && out.size() < n; i++) {
            out.addAll(poll());
        }
        return out;
    }

    /** Connect reports the record written, and (as both modes do by then) its offset may be committed. */
    void written(SourceRecord r, boolean commit) {
        task.commitRecord(r, new RecordMetadata(new TopicPartition(r.topic(), 0), written++, 0, 0, 0, 0));
        if (commit) {
            commit(r);
        }
    }

    /** Stores the record's offset as the worker's commit does. */
    @SuppressWarnings("unchecked")
    void commit(SourceRecord r) {
        // Connect serializes the key as the task gave it; a stored key of equal content but another field
        // order stays a key of its own.
        store(r.sourcePartition(), (Map<String, Object>) r.sourceOffset());
    }

    /** Connect reports the record not written: a transform dropped it, or errors.tolerance=all skipped it. */
    void notWritten(SourceRecord r) {
        task.commitRecord(r, null);
    }

    /** Stops the task, as a crash after the last commit would leave things. */
    void stop() {
        task.stop();
    }

    @Override
    public void close() {
        stop();
    }
}

package io.zsync.mainjob;

import io.zsync.kafka.ZsyncHeaders;
import io.zsync.stream.Priority;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The last readiness proof: one CRITICAL record, without a deadline, into every partition of every source
 * topic, ready when the reader at the end ({@link Sink}: the {@link Monitor}, or the slow-consumer phase's
 * groups) has read all of them in the output topic. So every bridge task reads its partitions, the Streams
 * app processes what the bridge wrote, and the monitor reads the output, before the first record of the
 * workload. The keys are text ({@value #KEY_PREFIX}topic-partition), never the workload's 8-byte sequence
 * numbers: the readers count probe records apart, not as workload records.
 */
final class Probe implements Readiness.Part, AutoCloseable {
    static final String KEY_PREFIX = "zsync-main-job-probe ";
    private static final byte[] PREFIX = KEY_PREFIX.getBytes(StandardCharsets.US_ASCII);
    private static final long SEND_TIMEOUT_SECONDS = 30;

    private final KafkaProducer<byte[], byte[]> producer;
    private final List<String> topics;
    private final Sink sink;
    private final List<String> keys = new ArrayList<>();

    /** What reads the probe records at the end of the pipeline. */
    interface Sink {
        /** The keys of the probe records read at the output so far. */
        Set<String> probesDelivered();

        /** The probe records read in a dead-letter topic so far: key, then "topic reason". */
        Map<String, String> probesDeadLettered();

        /** Why the reader stopped, or null while it reads. */
        Exception failure();
    }

    Probe(String bootstrapServers, List<String> sourceTopics, Sink sink) {
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.CLIENT_ID_CONFIG, "zsync-main-job-probe"), new ByteArraySerializer(),
                new ByteArraySerializer());
        this.topics = sourceTopics;
        this.sink = sink;
    }

    /** Whether a record's key is a probe's. */
    static boolean isProbe(byte[] key) {
        return key != null && key.length > PREFIX.length
                && Arrays.equals(key, 0, PREFIX.length, PREFIX, 0, PREFIX.length);
    }

    /** How many probe records were sent: one per source partition. */
    int sent() {
        return keys.size();
    }

    @Override
    public String name() {
        return "probe";
    }

    @Override
    public Readiness.Status status() throws Exception {
        Exception failure = sink.failure();
        if (failure != null) {
            throw new IllegalStateException("the reader of the output stopped: " + failure, failure);
        }
        if (keys.isEmpty()) {
            send();
        }
        Map<String, String> dead = sink.probesDeadLettered();
        if (!dead.isEmpty()) {
            throw new IllegalStateException("probe records were dead-lettered (topic and reason by key): " + dead);
        }
        List<String> waiting = new ArrayList<>(keys);
        waiting.removeAll(sink.probesDelivered());
        String detail = String.format(Locale.ROOT, "%d of %d records (one per partition of %s) read at the output",
                keys.size() - waiting.size(), keys.size(), String.join(", ", topics));
        return waiting.isEmpty() ? Readiness.Status.ready(detail)
                : Readiness.Status.waiting(detail + "; not yet: " + String.join(", ", waiting));
    }

    private void send() throws Exception {
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        List<String> sending = new ArrayList<>();
        for (String topic : topics) {
            for (PartitionInfo p : producer.partitionsFor(topic)) {
                String key = KEY_PREFIX + topic + "-" + p.partition();
                RecordHeaders headers = new RecordHeaders();
                headers.add(ZsyncHeaders.PRIORITY, Priority.CRITICAL.name().getBytes(StandardCharsets.US_ASCII));
                byte[] bytes = key.getBytes(StandardCharsets.US_ASCII);
                acks.add(producer.send(new ProducerRecord<>(topic, p.partition(), System.currentTimeMillis(), bytes,
                        bytes, headers)));
                sending.add(key);
            }
        }
        for (Future<RecordMetadata> ack : acks) {
            ack.get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
        keys.addAll(sending);
    }

    @Override
    public void close() {
        producer.close();
    }
}

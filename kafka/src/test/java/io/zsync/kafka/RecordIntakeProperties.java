package io.zsync.kafka;

import io.zsync.schemas.StreamMessage;
import io.zsync.schemas.ZsyncSerdes;
import io.zsync.stream.DeadLetterReason;
import io.zsync.stream.ManualTimeSource;
import io.zsync.stream.RealtimeStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Generated records through the core, as a task pushes them: examined by {@link RecordIntake}, offered to
 * the engine, released through {@link EmitCallbacks}, dead letters built by {@link DeadLetters}. 2,000
 * batches of up to 100 records (about 100,000 records a run): random bytes in the priority and deadline
 * headers, random bytes behind a valid Avro fingerprint, header keys and values of every size class, null
 * keys and values, any timestamp. Each record must end delivered or dead-lettered with a reason, once, and
 * no exception may escape.
 */
class RecordIntakeProperties {
    private static final Set<DeadLetterReason> INTAKE_REASONS =
            EnumSet.of(DeadLetterReason.INVALID_HEADER, DeadLetterReason.MALFORMED, DeadLetterReason.TOO_LARGE);
    /** The single-object marker and StreamMessage's fingerprint: what every envelope starts with. */
    private static final byte[] ENVELOPE_HEADER = Arrays.copyOf(ZsyncSerdes.streamMessage().serialize("t",
            StreamMessage.newBuilder().setId(0).setPayload(java.nio.ByteBuffer.allocate(0)).build()), 10);

    record Input(String topic, long timestamp, byte[] key, byte[] value, List<Header> headers) {
        Headers kafkaHeaders() {
            RecordHeaders h = new RecordHeaders();
            headers.forEach(h::add);
            return h;
        }
    }

    @Property(tries = 2_000)
    void everyRecordIsDeliveredOrDeadLetteredWithAReasonOnce(@ForAll("settings") Map<String, String> settings,
                                                            @ForAll("batches") List<Input> batch) {
        ZsyncConfig config = new ZsyncConfig(settings);
        RecordIntake intake = new RecordIntake(config);
        DeadLetters deadLetters = new DeadLetters(config);
        ManualTimeSource clock = new ManualTimeSource(1_700_000_000_000_000L);
        Map<Long, String> outcome = new HashMap<>();
        EmitCallbacks.Emitter emitter = new EmitCallbacks.Emitter() {
            @Override
            public void deliver(long id) {
                assertEquals(null, outcome.put(id, "delivered"), "record " + id + " emitted twice");
            }

            @Override
            public void deadLetter(long id, DeadLetterReason reason) {
                assertNotNull(reason);
                Input r = batch.get((int) id);
                buildDeadLetter(deadLetters, r, reason);
                assertEquals(null, outcome.put(id, reason.name()), "record " + id + " emitted twice");
            }
        };
        EmitCallbacks callbacks = new EmitCallbacks(emitter);
        RealtimeStream stream = BufferStreams.build("property", config, clock, null, Duration.ZERO, Duration.ofMillis(100), callbacks);
        try {
            for (int id = 0; id < batch.size(); id++) {
                Input r = batch.get(id);
                if (!intake.examine(r.topic(), r.timestamp(), r.key(), r.value(), r.kafkaHeaders())) {
                    DeadLetterReason reason = intake.failure();
                    assertTrue(INTAKE_REASONS.contains(reason), "reason " + reason);
                    assertNotNull(intake.detail());
                    emitter.deadLetter(id, reason);
                    continue;
                }
                assertNotNull(intake.priority());
                assertTrue(intake.deadlineMicros() >= 0, "deadline " + intake.deadlineMicros());
                assertTrue(intake.size() > 0 && intake.size() <= config.bufferMaxBytes(), "size " + intake.size());
                while (!intake.offer(stream, id)) {
                    // Full under block or error_on_full: a task dispatches (or fails); nothing is dropped here.
                    assertTrue(stream.dispatch(Integer.MAX_VALUE) > 0, "a full buffer with nothing to dispatch");
                }
                callbacks.rethrow();
            }
            clock.advance(java.time.Duration.ofSeconds(10));
            stream.dispatch(Integer.MAX_VALUE);
            callbacks.rethrow();
        } finally {
            stream.closeNow();
        }
        assertEquals(batch.size(), outcome.size(), "every record delivered or dead-lettered: " + outcome);
    }

    private static void buildDeadLetter(DeadLetters deadLetters, Input r, DeadLetterReason reason) {
        Headers h = deadLetters.headers(r.kafkaHeaders(), reason, r.topic(), 0, 7, 1_700_000_000_000L);
        assertEquals(reason.name(), new String(h.lastHeader(ZsyncHeaders.DLQ_REASON).value(), StandardCharsets.US_ASCII));
        deadLetters.value(reason, r.topic(), 0, 7, r.key(), r.value(), r.kafkaHeaders(), 1_700_000_000_000L);
    }

    @Provide
    Arbitrary<Map<String, String>> settings() {
        Arbitrary<String> envelope = Arbitraries.of("none", "avro");
        Arbitrary<String> ttl = Arbitraries.of("0", "1", "2000", "86400000", Long.toString(Long.MAX_VALUE / 1000),
                Long.toString(Long.MAX_VALUE));
        Arbitrary<String> backpressure = Arbitraries.of("block", "drop_oldest", "drop_newest", "error_on_full");
        Arbitrary<String> maxRecords = Arbitraries.of("1", "3", "10000");
        Arbitrary<String> maxBytes = Arbitraries.of("64", "4096", "1048576", Long.toString(1L << 40));
        Arbitrary<String> ordering = Arbitraries.of("fifo", "deadline");
        return Combinators.combine(envelope, ttl, backpressure, maxRecords, maxBytes, ordering)
                .as((e, t, b, r, m, o) -> Map.of("zsync.envelope", e, "zsync.deadline.ttl.ms", t,
                        "zsync.backpressure", b, "zsync.buffer.max.records", r, "zsync.buffer.max.bytes", m,
                        "zsync.ordering", o, "zsync.priority.topics", "orders:HIGH"));
    }

    @Provide
    Arbitrary<List<Input>> batches() {
        return records().list().ofMinSize(1).ofMaxSize(100);
    }

    @Provide
    Arbitrary<Input> records() {
        Arbitrary<String> topic = Arbitraries.of("orders", "audit", "x");
        Arbitrary<Long> timestamp = Arbitraries.oneOf(Arbitraries.longs(),
                Arbitraries.of(-1L, 0L, Long.MAX_VALUE, 1_700_000_000_000L, 1_700_000_000_000_000_000L));
        Arbitrary<byte[]> value = Arbitraries.oneOf(bytes(), envelope(), validEnvelope());
        Arbitrary<List<Header>> headers = header().list().ofMaxSize(5);
        return Combinators.combine(topic, timestamp, bytes(), value, headers).as(Input::new);
    }

    /** Null, empty, small, medium and (rarely) large byte arrays. */
    private static Arbitrary<byte[]> bytes() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(2, Arbitraries.just(null)),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(new byte[0])),
                net.jqwik.api.Tuple.of(10, Arbitraries.bytes().array(byte[].class).ofMaxSize(32)),
                net.jqwik.api.Tuple.of(3, Arbitraries.bytes().array(byte[].class).ofMinSize(33).ofMaxSize(2_000)),
                // Large arrays from their size alone: generating (and shrinking) 60,000 random bytes costs more
                // than the test, and their content matters no more than a small one's.
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(60_000, 70_000).map(n -> pattern(n))));
    }

    private static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31);
        }
        return b;
    }

    /** A valid single-object header and fingerprint, then anything. */
    private static Arbitrary<byte[]> envelope() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(40).map(tail -> {
            byte[] v = Arrays.copyOf(ENVELOPE_HEADER, ENVELOPE_HEADER.length + tail.length);
            System.arraycopy(tail, 0, v, ENVELOPE_HEADER.length, tail.length);
            return v;
        });
    }

    /** Real envelopes with any deadline, long included. */
    private static Arbitrary<byte[]> validEnvelope() {
        Arbitrary<Long> deadline = Arbitraries.oneOf(Arbitraries.longs(),
                Arbitraries.of(Long.MIN_VALUE, Long.MAX_VALUE, -1L, 0L, 1_700_000_000_000_000L));
        return Combinators.combine(deadline, Arbitraries.of(io.zsync.schemas.Priority.values()))
                .as((d, p) -> ZsyncSerdes.streamMessage().serialize("t", StreamMessage.newBuilder().setId(1)
                        .setPriority(p).setDeadline(java.time.Instant.EPOCH.plus(d, java.time.temporal.ChronoUnit.MICROS))
                        .setPayload(java.nio.ByteBuffer.wrap(new byte[] {1, 2})).build()));
    }

    private static Arbitrary<Header> header() {
        Arbitrary<String> key = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, Arbitraries.of(ZsyncHeaders.PRIORITY, ZsyncHeaders.DEADLINE,
                        ZsyncHeaders.DLQ_REASON)),
                net.jqwik.api.Tuple.of(4, Arbitraries.strings().ofMaxLength(20)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(65_000, 70_000).map(n -> "k\u00e9".repeat(n / 2))));
        Arbitrary<byte[]> text = Arbitraries.oneOf(
                Arbitraries.of("LOW", "normal", " High ", "CRITICAL", "URGENT", "", "1700000000000000",
                        "9223372036854775807", "-5", "99999999999999999999", "1e6").map(s -> s.getBytes(StandardCharsets.UTF_8)),
                Arbitraries.longs().map(l -> Long.toString(l).getBytes(StandardCharsets.US_ASCII)));
        Arbitrary<byte[]> value = Arbitraries.oneOf(bytes(), text);
        return Combinators.combine(key, value).as((k, v) -> new org.apache.kafka.common.header.internals.RecordHeader(k, v));
    }

    /** The intake's sizes agree with Kafka's own record format (DefaultRecord, record format v2). */
    @Property(tries = 2_000)
    void recordSizeIsKafkasRecordSize(@ForAll("records") Input r) {
        Header[] headers = r.headers().toArray(new Header[0]);
        int kafka = org.apache.kafka.common.record.internal.DefaultRecord.sizeInBytes(0, 0L,
                r.key() == null ? -1 : r.key().length, r.value() == null ? -1 : r.value().length, headers);
        assertEquals(kafka, RecordSize.of(r.key(), r.value(), r.kafkaHeaders()));
    }

    /**
     * Issue 18: the produced size is what Kafka's producer checks against max.request.size (a record batch
     * holding the record alone, its length and deltas at their widest).
     */
    @Property(tries = 2_000)
    void producedSizeIsWhatKafkasProducerChecks(@ForAll("records") Input r) {
        Header[] headers = r.headers().toArray(new Header[0]);
        int kafka = org.apache.kafka.common.record.internal.AbstractRecords.estimateSizeInBytesUpperBound(
                org.apache.kafka.common.record.internal.RecordBatch.MAGIC_VALUE_V2,
                org.apache.kafka.common.record.internal.CompressionType.NONE, r.key(), r.value(), headers);
        assertEquals(kafka, RecordSize.produced(r.key(), r.value(), r.kafkaHeaders()));
    }

    /** The settings' generated values: accepted and usable, or refused naming the key. */
    @Property(tries = 3_000)
    void settingsAreAcceptedOrRefusedNamingTheKey(@ForAll("anySettings") Map<String, String> settings) {
        ZsyncConfig config;
        try {
            config = new ZsyncConfig(settings);
        } catch (org.apache.kafka.common.config.ConfigException e) {
            assertTrue(settings.keySet().stream().anyMatch(k -> e.getMessage().contains(k)), e.getMessage());
            return;
        }
        new RecordIntake(config);
        RealtimeStream s = BufferStreams.build("settings", config, new ManualTimeSource(), null, Duration.ZERO, Duration.ofMillis(100),
                new EmitCallbacks(new EmitCallbacks.Emitter() {
                    @Override
                    public void deliver(long id) {
                    }

                    @Override
                    public void deadLetter(long id, DeadLetterReason reason) {
                    }
                }));
        s.closeNow();
        config.dlqTopic("out");
        config.priorityTopics();
    }

    @Provide
    Arbitrary<Map<String, String>> anySettings() {
        List<Arbitrary<Map.Entry<String, String>>> entries = new ArrayList<>();
        Arbitrary<String> junk = Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(12),
                Arbitraries.of("", " ", "-1", "0", "1", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
                        "1e3", "LOW", "block", "avro", "a,,b", ",", "x:HIGH", "my topic:LOW", "a:b:c", "orders.dlq"));
        for (String key : ZsyncConfig.CONFIG_DEF.names()) {
            entries.add(junk.map(v -> Map.entry(key, v)));
        }
        return Arbitraries.oneOf(entries).list().ofMaxSize(4).map(list -> {
            Map<String, String> m = new HashMap<>();
            list.forEach(e -> m.put(e.getKey(), e.getValue()));
            return m;
        });
    }
}

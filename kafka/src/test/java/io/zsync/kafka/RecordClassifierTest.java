package io.zsync.kafka;

import io.zsync.schemas.DeadLetter;
import io.zsync.schemas.StreamMessage;
import io.zsync.schemas.ZsyncSerdes;
import io.zsync.stream.DeadLetterReason;
import io.zsync.stream.Priority;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordClassifierTest {
    private static final long NO_DEADLINE = io.zsync.stream.StreamMessage.NO_DEADLINE;

    private static RecordClassifier classifier(Map<String, String> settings) {
        return new RecordClassifier(new ZsyncConfig(settings));
    }

    private static Headers headers(String... keyValues) {
        RecordHeaders h = new RecordHeaders();
        for (int i = 0; i < keyValues.length; i += 2) {
            h.add(keyValues[i], keyValues[i + 1] == null ? null : keyValues[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        return h;
    }

    @Test
    void shouldTakeThePriorityFromTheHeaderThenTheTopicThenTheDefault() {
        RecordClassifier c = classifier(Map.of("zsync.priority.topics", "orders:HIGH", "zsync.priority.default", "LOW"));
        assertEquals(Priority.CRITICAL, c.classify("orders", 0, headers("zsync.priority", "critical"), null).priority());
        assertEquals(Priority.HIGH, c.classify("orders", 0, headers(), null).priority());
        assertEquals(Priority.LOW, c.classify("other", 0, null, null).priority());
        assertEquals(Priority.NORMAL, c.classify("other", 0, headers("zsync.priority", " Normal "), null).priority());
    }

    @Test
    void shouldReadThePriorityHeaderBytesInPlaceExactlyAsTheStringParserWould() {
        List<String> inputs = new ArrayList<>(List.of("", " ", "LOW", "low", "Low", " critical\t", "\nHIGH ", "NORMAL",
                "normalx", "NORMA", "HIGH HIGH", "h1gh", "urgent", "CRITICAL\u0000", "\u0000\u0000low", "hıgh", "ＬＯＷ",
                "l\u00f6w", "{LOW}", "`high", "[high", "@LOW"));
        for (Priority level : Priority.values()) {
            char[] name = level.name().toCharArray();
            for (int mask = 0; mask < 1 << name.length; mask++) {
                char[] mixed = name.clone();
                for (int i = 0; i < mixed.length; i++) {
                    if ((mask & 1 << i) != 0) {
                        mixed[i] = Character.toLowerCase(mixed[i]);
                    }
                }
                inputs.add(new String(mixed));
            }
        }
        for (String input : inputs) {
            byte[] bytes = input.getBytes(StandardCharsets.UTF_8);
            Priority parsed;
            try {
                parsed = Priority.parse(input);
            } catch (IllegalArgumentException e) {
                parsed = null;
            }
            Priority inPlace = RecordClassifier.levelOf(bytes);
            boolean ascii = input.chars().allMatch(ch -> ch < 0x80);
            // In place: the same answer for ASCII; otherwise no answer, and the String parser decides.
            assertEquals(ascii ? parsed : null, inPlace, "'" + input + "'");
            RecordClassifier c = classifier(Map.of());
            Classification result = c.classify("t", 0, headers("zsync.priority", input), null);
            assertEquals(parsed, result.priority(), "'" + input + "'");
            assertEquals(parsed == null, !result.isValid(), "'" + input + "'");
        }
    }

    @Test
    void shouldShareTheClassificationOfRecordsWithoutADeadline() {
        RecordClassifier c = classifier(Map.of());
        Headers high = headers("zsync.priority", "HIGH");
        assertTrue(c.classify("t", 0, high, null) == c.classify("u", 5, high, null), "one shared instance per level");
        assertEquals(Priority.HIGH, c.classify("t", 0, high, null).priority());
        assertEquals(NO_DEADLINE, c.classify("t", 0, high, null).deadlineMicros());
        assertEquals(7, c.classify("t", 0, headers("zsync.priority", "HIGH", "zsync.deadline", "7"), null).deadlineMicros());
    }

    @Test
    void shouldTakeTheDeadlineFromTheHeaderOrTheTtl() {
        RecordClassifier none = classifier(Map.of());
        assertEquals(NO_DEADLINE, none.classify("t", 1_000, headers(), null).deadlineMicros());
        assertEquals(1_764_000_000_000_123L,
                none.classify("t", 1_000, headers("zsync.deadline", "1764000000000123"), null).deadlineMicros());
        RecordClassifier ttl = classifier(Map.of("zsync.deadline.ttl.ms", "250"));
        assertEquals(1_250_000, ttl.classify("t", 1_000, headers(), null).deadlineMicros());
        assertEquals(NO_DEADLINE, ttl.classify("t", -1, headers(), null).deadlineMicros(), "no timestamp: no TTL");
        assertEquals(5, ttl.classify("t", 1_000, headers("zsync.deadline", "5"), null).deadlineMicros(), "the header wins");
    }

    @Test
    void shouldMakeUnparseableHeadersInvalidHeaderDeadLetters() {
        RecordClassifier c = classifier(Map.of());
        for (Headers bad : List.of(headers("zsync.priority", "urgent"), headers("zsync.priority", null),
                headers("zsync.deadline", "soon"), headers("zsync.deadline", "-5"), headers("zsync.deadline", ""),
                headers("zsync.deadline", "99999999999999999999"))) {
            Classification result = c.classify("t", 0, bad, null);
            assertFalse(result.isValid(), bad.toString());
            assertEquals(DeadLetterReason.INVALID_HEADER, result.failure());
            assertTrue(result.detail().contains("zsync."), result.detail());
        }
    }

    @Test
    void shouldReadTheAvroEnvelopeAndRefuseWhatDoesNotDecode() {
        RecordClassifier c = classifier(Map.of("zsync.envelope", "avro", "zsync.priority.topics", "t:HIGH"));
        byte[] envelope = ZsyncSerdes.streamMessage().serialize("t", StreamMessage.newBuilder().setId(1)
                .setPriority(io.zsync.schemas.Priority.CRITICAL).setDeadline(Instant.ofEpochSecond(10, 5_000))
                .setPayload(ByteBuffer.wrap(new byte[] {1})).build());
        Classification ok = c.classify("t", 0, headers("zsync.priority", "LOW"), envelope);
        assertEquals(Priority.CRITICAL, ok.priority(), "the envelope, not the header");
        assertEquals(10_000_005L, ok.deadlineMicros());
        Classification bad = c.classify("t", 0, null, "plain text".getBytes(StandardCharsets.UTF_8));
        assertEquals(DeadLetterReason.MALFORMED, bad.failure());
        assertTrue(bad.detail().contains("StreamMessage"), bad.detail());
        assertEquals(Priority.HIGH, c.classify("t", 0, null, null).priority(), "a tombstone takes the topic's level");
    }

    @Test
    void shouldBuildDeadLetterHeadersAfterTheOriginalOnes() {
        Headers out = DeadLetterRecords.headers(headers("app", "x", "app", "y"), DeadLetterReason.EXPIRED, "orders", 3, 42L,
                1_764_000_000_000L);
        List<String> keys = new ArrayList<>();
        for (Header h : out) {
            keys.add(h.key());
        }
        assertEquals(List.of("app", "app", "zsync.dlq.reason", "zsync.source.topic", "zsync.source.partition",
                "zsync.source.offset", "zsync.dlq.timestamp"), keys);
        assertArrayEquals("EXPIRED".getBytes(StandardCharsets.US_ASCII), out.lastHeader("zsync.dlq.reason").value());
        assertArrayEquals("3".getBytes(StandardCharsets.US_ASCII), out.lastHeader("zsync.source.partition").value());
        assertArrayEquals("42".getBytes(StandardCharsets.US_ASCII), out.lastHeader("zsync.source.offset").value());
        assertArrayEquals("1764000000000".getBytes(StandardCharsets.US_ASCII), out.lastHeader("zsync.dlq.timestamp").value());
    }

    @Test
    void shouldBuildAnAvroDeadLetterThatRoundTrips() {
        DeadLetter dl = DeadLetterRecords.avro(DeadLetterReason.TOO_LARGE, "orders", 1, 7L, new byte[] {9}, null,
                headers("h", "v"), 1_000L);
        DeadLetter back = ZsyncSerdes.deadLetter().deserialize("dlq", ZsyncSerdes.deadLetter().serialize("dlq", dl));
        assertEquals(dl, back);
        assertEquals(io.zsync.schemas.DeadLetterReason.TOO_LARGE, back.getReason());
        assertEquals(1, back.getHeaders().size());
    }

    // Issue 17, row c: an envelope's time and lengths cannot fail a task or take the heap.

    @Test
    void anEnvelopeDeadlineOutsideWhatALongOfMicrosecondsHoldsIsMalformed() {
        RecordClassifier c = classifier(Map.of("zsync.envelope", "avro"));
        for (long micros : new long[] {Long.MIN_VALUE, -1}) {
            byte[] envelope = ZsyncSerdes.streamMessage().serialize("t", StreamMessage.newBuilder().setId(1)
                    .setPriority(io.zsync.schemas.Priority.HIGH)
                    .setDeadline(Instant.EPOCH.plus(micros, java.time.temporal.ChronoUnit.MICROS))
                    .setPayload(ByteBuffer.wrap(new byte[] {1})).build());
            Classification dead = c.classify("t", 0, null, envelope);
            assertEquals(DeadLetterReason.MALFORMED, dead.failure(), "deadline " + micros + " µs");
        }
    }

    @Test
    void anEnvelopeClaimingAGigabytePayloadInTwentyBytesIsMalformedWithoutAllocatingIt() {
        byte[] header = java.util.Arrays.copyOf(ZsyncSerdes.streamMessage().serialize("t", StreamMessage.newBuilder()
                .setId(0).setPayload(ByteBuffer.allocate(0)).build()), 10);
        ByteBuffer v = ByteBuffer.allocate(20);
        v.put(header);
        v.put((byte) 0x02); // id 1 (zig-zag varint)
        v.put((byte) 0x06); // priority CRITICAL (enum index 3)
        v.put((byte) 0x00); // deadline: the union's null branch
        long zigzag = 1_000_000_000L << 1; // payload length 10^9
        while ((zigzag & ~0x7FL) != 0) {
            v.put((byte) ((zigzag & 0x7F) | 0x80));
            zigzag >>>= 7;
        }
        v.put((byte) zigzag);
        byte[] value = v.array();
        assertEquals(20, value.length);
        long heapBefore = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        Classification dead = classifier(Map.of("zsync.envelope", "avro")).classify("t", 0, null, value);
        assertEquals(DeadLetterReason.MALFORMED, dead.failure());
        long grown = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory() - heapBefore;
        assertTrue(grown < 100_000_000, "decoding took " + grown + " bytes of heap");
    }

    // Issue 17, the time kind: timestamp + TTL saturates; a deadline past what a long holds is none.

    @Test
    void aTtlOrTimestampThatWouldOverflowMeansNoDeadlineNotAnExpiredRecord() {
        long now = 1_764_460_800_000L;
        RecordClassifier maxTtl = classifier(Map.of("zsync.deadline.ttl.ms", Long.toString(Long.MAX_VALUE)));
        assertEquals(NO_DEADLINE, maxTtl.classify("t", now, null, null).deadlineMicros());
        RecordClassifier dayTtl = classifier(Map.of("zsync.deadline.ttl.ms", "86400000"));
        // A producer that wrote nanoseconds where Kafka expects milliseconds: far future, not the past.
        assertEquals(NO_DEADLINE, dayTtl.classify("t", now * 1_000_000, null, null).deadlineMicros());
        assertEquals(NO_DEADLINE, dayTtl.classify("t", Long.MAX_VALUE, null, null).deadlineMicros());
        assertEquals((now + 86_400_000L) * 1_000, dayTtl.classify("t", now, null, null).deadlineMicros());
    }
}

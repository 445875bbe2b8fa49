package io.zsync.schemas;

import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SingleObjectSerdeTest {
    private final SingleObjectSerde<StreamMessage> messages = ZsyncSerdes.streamMessage();
    private final SingleObjectSerde<DeadLetter> deadLetters = ZsyncSerdes.deadLetter();

    private static StreamMessage envelope() {
        return StreamMessage.newBuilder()
                .setId(42)
                .setPriority(Priority.CRITICAL)
                .setDeadline(Instant.parse("2026-11-24T12:00:00.123456Z"))
                .setPayload(ByteBuffer.wrap("order 17".getBytes(StandardCharsets.UTF_8)))
                .setHeaders(Map.of("tenant", ByteBuffer.wrap(new byte[] {1, 2})))
                .build();
    }

    @Test
    void shouldRoundTripTheEnvelopeWithMicrosecondDeadlines() {
        StreamMessage original = envelope();
        byte[] bytes = messages.serialize("in", original);
        assertEquals((byte) 0xC3, bytes[0], "single-object marker");
        assertEquals((byte) 0x01, bytes[1], "single-object marker");
        StreamMessage decoded = messages.deserialize("in", bytes);
        assertEquals(original, decoded);
        assertEquals(123456, decoded.getDeadline().getNano() / 1000 % 1_000_000);
    }

    @Test
    void shouldDefaultToNormalWithoutDeadlineOrHeaders() {
        StreamMessage minimal = StreamMessage.newBuilder().setId(1).setPayload(ByteBuffer.allocate(0)).build();
        StreamMessage decoded = messages.deserialize("in", messages.serialize("in", minimal));
        assertEquals(Priority.NORMAL, decoded.getPriority());
        assertNull(decoded.getDeadline());
        assertTrue(decoded.getHeaders().isEmpty());
    }

    @Test
    void shouldRoundTripADeadLetterKeepingRepeatedHeaders() {
        DeadLetter original = DeadLetter.newBuilder()
                .setReason(DeadLetterReason.EXPIRED)
                .setSourceTopic("orders").setSourcePartition(3).setSourceOffset(1_000_000_007L)
                .setKey(ByteBuffer.wrap(new byte[] {7})).setValue(null)
                .setHeaders(List.of(new Header("a", ByteBuffer.wrap(new byte[] {1})), new Header("a", null)))
                .setTimestamp(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .build();
        DeadLetter decoded = deadLetters.deserialize("dlq", deadLetters.serialize("dlq", original));
        assertEquals(original, decoded);
        assertEquals(2, decoded.getHeaders().size());
    }

    @Test
    void shouldPassNullsThrough() {
        assertNull(messages.serialize("in", null));
        assertNull(messages.deserialize("in", null));
    }

    @Test
    void shouldRefuseBytesThatAreNotAnEnvelopeSayingWhy() {
        byte[] good = messages.serialize("in", envelope());
        byte[] plain = "just text".getBytes(StandardCharsets.UTF_8);
        byte[] otherSchema = deadLetters.serialize("dlq", DeadLetter.newBuilder().setReason(DeadLetterReason.MALFORMED)
                .setSourceTopic("t").setSourcePartition(0).setSourceOffset(0).setTimestamp(Instant.EPOCH).build());
        byte[] truncated = Arrays.copyOf(good, good.length - 5);
        for (byte[] bad : List.of(plain, otherSchema, truncated, new byte[0])) {
            SerializationException e = assertThrows(SerializationException.class, () -> messages.deserialize("in", bad));
            assertTrue(e.getMessage().contains("topic in") && e.getMessage().contains("StreamMessage"), e.getMessage());
        }
    }

    @Test
    void shouldBeUsableAsAKafkaSerde() {
        assertArrayEquals(messages.serializer().serialize("t", envelope()),
                ZsyncSerdes.streamMessage().serialize("t", envelope()));
        assertEquals(envelope(), messages.deserializer().deserialize("t", messages.serialize("t", envelope())));
    }
}

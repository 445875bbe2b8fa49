package io.zsync.kafka;

import io.zsync.schemas.DeadLetter;
import io.zsync.schemas.Header;
import io.zsync.stream.DeadLetterReason;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds what goes to the dead-letter topic, as CONTRACT.md says: the original key, value and headers,
 * plus {@code zsync.dlq.reason}, {@code zsync.source.topic}, {@code zsync.source.partition},
 * {@code zsync.source.offset} and {@code zsync.dlq.timestamp} headers; with {@code zsync.dlq.format=avro}
 * the value is a {@link DeadLetter} record instead.
 */
public final class DeadLetterRecords {
    private DeadLetterRecords() {
    }

    /**
     * The dead letter's headers: a copy of the original ones followed by the zsync.dlq.* headers.
     *
     * @param original       the record's headers (may be null)
     * @param reason         why it was not delivered
     * @param sourceTopic    where it came from
     * @param sourcePartition its partition
     * @param sourceOffset   its offset
     * @param nowMs          the dead-letter time, epoch ms
     * @return new headers
     */
    public static Headers headers(Headers original, DeadLetterReason reason, String sourceTopic, int sourcePartition,
                                  long sourceOffset, long nowMs) {
        RecordHeaders h = new RecordHeaders();
        if (original != null) {
            original.forEach(h::add);
        }
        h.add(ZsyncHeaders.DLQ_REASON, ascii(reason.name()));
        h.add(ZsyncHeaders.SOURCE_TOPIC, sourceTopic.getBytes(StandardCharsets.UTF_8));
        h.add(ZsyncHeaders.SOURCE_PARTITION, ascii(Integer.toString(sourcePartition)));
        h.add(ZsyncHeaders.SOURCE_OFFSET, ascii(Long.toString(sourceOffset)));
        h.add(ZsyncHeaders.DLQ_TIMESTAMP, ascii(Long.toString(nowMs)));
        return h;
    }

    /**
     * The dead letter as an Avro {@link DeadLetter} value ({@code zsync.dlq.format=avro}).
     *
     * @return the record; serialize it with {@code ZsyncSerdes.deadLetter()}
     */
    public static DeadLetter avro(DeadLetterReason reason, String sourceTopic, int sourcePartition, long sourceOffset,
                                  byte[] key, byte[] value, Headers original, long nowMs) {
        List<Header> headers = new ArrayList<>();
        if (original != null) {
            original.forEach(h -> headers.add(new Header(h.key(), h.value() == null ? null : ByteBuffer.wrap(h.value()))));
        }
        return DeadLetter.newBuilder()
                .setReason(io.zsync.schemas.DeadLetterReason.valueOf(reason.name()))
                .setSourceTopic(sourceTopic)
                .setSourcePartition(sourcePartition)
                .setSourceOffset(sourceOffset)
                .setKey(key == null ? null : ByteBuffer.wrap(key))
                .setValue(value == null ? null : ByteBuffer.wrap(value))
                .setHeaders(headers)
                .setTimestamp(Instant.ofEpochMilli(nowMs))
                .build();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}

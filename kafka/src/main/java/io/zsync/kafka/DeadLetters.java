package io.zsync.kafka;

import io.zsync.schemas.ZsyncSerdes;
import io.zsync.stream.DeadLetterReason;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serializer;

/**
 * One task's dead-letter builder under {@code zsync.dlq.format}: the headers and value of the record that
 * goes to the dead-letter topic (see {@link DeadLetterRecords}). The adapters only wrap them in their own
 * record type.
 */
public final class DeadLetters {
    private final Serializer<io.zsync.schemas.DeadLetter> avro;

    /** @param config the settings; {@code zsync.dlq.format} picks raw or Avro values */
    public DeadLetters(ZsyncConfig config) {
        this.avro = config.dlqFormatIsAvro() ? ZsyncSerdes.deadLetter().serializer() : null;
    }

    /**
     * The dead letter's headers: the original ones and the {@code zsync.dlq.*} and {@code zsync.source.*}
     * ones.
     */
    public Headers headers(Headers original, DeadLetterReason reason, String topic, int partition, long offset,
                           long nowMs) {
        return DeadLetterRecords.headers(original, reason, topic, partition, offset, nowMs);
    }

    /** The dead letter's value: the original one ({@code raw}), or a {@code DeadLetter} record ({@code avro}). */
    public byte[] value(DeadLetterReason reason, String topic, int partition, long offset, byte[] key, byte[] value,
                        Headers original, long nowMs) {
        if (avro == null) {
            return value;
        }
        return avro.serialize(null, DeadLetterRecords.avro(reason, topic, partition, offset, key, value,
                original == null ? new RecordHeaders() : original, nowMs));
    }
}

package io.zsync.kafka;

import io.zsync.schemas.ZsyncSerdes;
import io.zsync.stream.DeadLetterReason;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serializer;

/**
 * One task's dead-letter builder under {@code zsync.dlq.format}: the headers and value of the record that
 * goes to the dead-letter topic (see {@link DeadLetterRecords}). The adapters only wrap them in their own
 * record type.
 *
 * <p>With a size limit ({@link #DeadLetters(ZsyncConfig, long)}), {@link #letter} keeps every dead letter
 * within it, since a dead letter the producer refuses fails the task as surely as the record it stands for
 * (a {@code TOO_LARGE} record's dead letter is larger than the record). A dead letter that would not fit
 * gives up, in this order, the end of the original value (it keeps the longest prefix that fits), then the
 * original headers, then the key, and says so: {@value ZsyncHeaders#DLQ_TRUNCATED} holds the original
 * value's length, {@value ZsyncHeaders#DLQ_DROPPED} what was left out whole. {@code zsync.dlq.reason}, the
 * {@code zsync.source.*} coordinates and {@code zsync.dlq.timestamp} always stay.
 */
public final class DeadLetters {
    /**
     * The smallest size limit, in bytes: room for the reason, the coordinates (a topic name has at most 249
     * ASCII characters), the timestamp and the truncation headers, twice over with {@code zsync.dlq.format=avro},
     * in a record batch.
     */
    public static final long MIN_MAX_BYTES = 1024;

    private final Serializer<io.zsync.schemas.DeadLetter> avro;
    private final long maxBytes;

    /**
     * A dead letter as it goes to the dead-letter topic.
     *
     * @param key     the record key: the original one, or null if {@link #letter} dropped it
     * @param value   the value under {@code zsync.dlq.format}
     * @param headers the headers, {@code zsync.*} ones included
     */
    public record Letter(byte[] key, byte[] value, Headers headers) {
        /** Whether this dead letter does not carry the whole original record ({@value ZsyncHeaders#DLQ_TRUNCATED}). */
        public boolean truncated() {
            return headers.lastHeader(ZsyncHeaders.DLQ_TRUNCATED) != null;
        }
    }

    /**
     * A builder without a size limit.
     *
     * @param config the settings; {@code zsync.dlq.format} picks raw or Avro values
     */
    public DeadLetters(ZsyncConfig config) {
        this(config, Long.MAX_VALUE);
    }

    /**
     * @param config   the settings; {@code zsync.dlq.format} picks raw or Avro values
     * @param maxBytes the largest dead letter {@link #letter} builds, in bytes as {@link RecordSize#produced}
     *                 counts them (the dead-letter topic's and its producer's limit); {@code Long.MAX_VALUE}
     *                 for none
     * @throws IllegalArgumentException if {@code maxBytes} is below {@link #MIN_MAX_BYTES}
     */
    public DeadLetters(ZsyncConfig config, long maxBytes) {
        if (maxBytes < MIN_MAX_BYTES) {
            throw new IllegalArgumentException("a dead letter's size limit must be at least " + MIN_MAX_BYTES
                    + " bytes, was " + maxBytes);
        }
        this.avro = config.dlqFormatIsAvro() ? ZsyncSerdes.deadLetter().serializer() : null;
        this.maxBytes = maxBytes;
    }

    /** The size limit of {@link #letter}, bytes as {@link RecordSize#produced} counts them; {@code Long.MAX_VALUE} if none. */
    public long maxBytes() {
        return maxBytes;
    }

    /**
     * The dead letter's headers: the original ones and the {@code zsync.dlq.*} and {@code zsync.source.*}
     * ones. Not bounded by the size limit: see {@link #letter}.
     */
    public Headers headers(Headers original, DeadLetterReason reason, String topic, int partition, long offset,
                           long nowMs) {
        return DeadLetterRecords.headers(original, reason, topic, partition, offset, nowMs);
    }

    /**
     * The dead letter's value: the original one ({@code raw}), or a {@code DeadLetter} record ({@code avro}).
     * Not bounded by the size limit: see {@link #letter}.
     */
    public byte[] value(DeadLetterReason reason, String topic, int partition, long offset, byte[] key, byte[] value,
                        Headers original, long nowMs) {
        if (avro == null) {
            return value;
        }
        return avro.serialize(null, DeadLetterRecords.avro(reason, topic, partition, offset, key, value,
                original == null ? new RecordHeaders() : original, nowMs));
    }

    /**
     * The whole dead letter, within the size limit: the original key, {@link #headers} and {@link #value} if
     * they fit; otherwise the longest prefix of the original value that fits (in the {@code DeadLetter}
     * record's value with {@code avro}), without the original headers (Kafka's and the record's) if even an
     * empty prefix does not fit, and without the key if that still does not fit, with
     * {@value ZsyncHeaders#DLQ_TRUNCATED} and, when headers or key were left out, {@value ZsyncHeaders#DLQ_DROPPED}.
     * Only a limit too small for the coordinates alone, which a limit of at least {@link #MIN_MAX_BYTES} with a
     * legal topic name never is, yields a dead letter larger than it (the smallest one).
     *
     * @param reason    why the record was not delivered
     * @param topic     its source topic
     * @param partition its source partition
     * @param offset    its source offset
     * @param key       its key, or null
     * @param value     its value, or null
     * @param original  its headers, or null
     * @param nowMs     the dead-letter time, epoch ms
     * @return a new dead letter; the original arrays are shared, not copied, when kept whole
     */
    public Letter letter(DeadLetterReason reason, String topic, int partition, long offset, byte[] key, byte[] value,
                         Headers original, long nowMs) {
        Headers headers = headers(original, reason, topic, partition, offset, nowMs);
        byte[] whole = value(reason, topic, partition, offset, key, value, original, nowMs);
        if (maxBytes == Long.MAX_VALUE || RecordSize.produced(key, whole, headers) <= maxBytes) {
            return new Letter(key, whole, headers);
        }
        Cut cut = null;
        // Give up the least first: the value's end, then the original headers, then the key.
        for (int dropped = 0; dropped <= 2 && (cut == null || cut.size() > maxBytes); dropped++) {
            cut = cut(reason, topic, partition, offset, dropped < 2 ? key : null, value,
                    dropped == 0 ? original : null, dropped, nowMs);
        }
        return cut.letter;
    }

    private record Cut(Letter letter, long size) {
    }

    /**
     * The dead letter with the longest prefix of {@code value} that fits, or, if none does, with an empty
     * prefix (a null value stays null); {@code dropped} says what was left out: 1 the headers, 2 the key too.
     */
    private Cut cut(DeadLetterReason reason, String topic, int partition, long offset, byte[] key, byte[] value,
                    Headers original, int dropped, long nowMs) {
        Headers headers = headers(original, reason, topic, partition, offset, nowMs);
        headers.add(ZsyncHeaders.DLQ_TRUNCATED, ascii(Integer.toString(RecordSize.length(value))));
        if (dropped > 0) {
            headers.add(ZsyncHeaders.DLQ_DROPPED, ascii(dropped == 1 ? "headers" : "headers,key"));
        }
        // Everything but the value field: the value's share is then its field alone.
        long rest = RecordSize.producedOfFields(RecordSize.fields(RecordSize.length(key), -1, headers))
                - RecordSize.field(-1);
        int prefix = value == null ? -1 : (int) Math.max(0, Math.min(value.length, maxBytes - rest));
        while (true) {
            byte[] v = value(reason, topic, partition, offset, key, prefix < 0 ? null : Arrays.copyOf(value, prefix),
                    original, nowMs);
            long size = rest + RecordSize.field(RecordSize.length(v));
            if (size <= maxBytes || prefix <= 0) {
                return new Cut(new Letter(key, v, headers), size);
            }
            // Each byte taken off the prefix takes at least one off the dead letter (its length prefixes
            // only shrink), so this fits or reaches an empty prefix within a few rounds.
            prefix = (int) Math.max(0, prefix - (size - maxBytes));
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}

package io.zsync.kafka;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.utils.ByteUtils;
import org.apache.kafka.common.utils.Utils;

/**
 * The one size of a record that {@code zsync.buffer.max.bytes}, {@code zsync.rate.bytes} and
 * {@code TOO_LARGE} count, in the Streams processor and the Connect bridge alike: the record's size in
 * Kafka's record format v2 (KIP-98; the "Record" section of Kafka's protocol documentation), with zero
 * timestamp and offset deltas and without the batch's own overhead. That is: a varint length, an
 * attributes byte, two one-byte deltas, key and value each behind a varint length (-1 for null), and the
 * headers, each a varint-prefixed UTF-8 key and a varint-prefixed value. The topic name is not part of it:
 * one record has one size wherever it is read from.
 *
 * <p>{@link #produced} is the other size that matters: how large a producer takes the record to be when it
 * checks {@code max.request.size}, the bound a record must meet to be written at all.
 *
 * <p>Allocation-free: header keys are measured, not encoded.
 */
public final class RecordSize {
    /**
     * A record batch's header in format v2, in bytes: base offset, length, leader epoch, magic, CRC,
     * attributes, last offset delta, first and max timestamps, producer id and epoch, base sequence and the
     * record count (8+4+4+1+4+2+4+8+8+8+2+4+4).
     */
    public static final int BATCH_OVERHEAD = 61;
    /**
     * What a producer reserves for a record's length, attributes and deltas before it knows them: the
     * widest varint length (5), attributes (1), the widest timestamp delta (10) and offset delta (5).
     */
    public static final int PRODUCED_RECORD_OVERHEAD = 5 + 1 + 10 + 5;

    private RecordSize() {
    }

    /**
     * @param key     the key, or null
     * @param value   the value, or null
     * @param headers the headers, or null for none
     * @return bytes, at most {@code Long.MAX_VALUE}
     */
    public static long of(byte[] key, byte[] value, Headers headers) {
        return ofFields(fields(key, value, headers));
    }

    /**
     * How large a producer takes this record to be when it checks it against {@code max.request.size}: a
     * batch holding it alone, with the widest length and deltas a record may have (Kafka's producer sizes a
     * record before it knows its batch, so it assumes the worst). The brokers' {@code max.message.bytes}
     * limits the batch actually written, which for one uncompressed record is never larger. The topic name
     * is not part of it.
     *
     * @param key     the key, or null
     * @param value   the value, or null
     * @param headers the headers, or null for none
     * @return bytes: {@link #BATCH_OVERHEAD} + {@link #PRODUCED_RECORD_OVERHEAD} + the key, value and headers
     *         with their length prefixes
     */
    public static long produced(byte[] key, byte[] value, Headers headers) {
        return producedOfFields(fields(key, value, headers));
    }

    /** {@link #of} from {@link #fields}. */
    static long ofFields(long fields) {
        long body = 1 // attributes
                + 1 // timestamp delta 0, a one-byte varlong
                + 1 // offset delta 0, a one-byte varint
                + fields;
        return ByteUtils.sizeOfVarint((int) Math.min(body, Integer.MAX_VALUE)) + body;
    }

    /** {@link #produced} from {@link #fields}. */
    static long producedOfFields(long fields) {
        return BATCH_OVERHEAD + PRODUCED_RECORD_OVERHEAD + fields;
    }

    /**
     * The part both sizes share: key and value behind their lengths, the header count and the headers.
     *
     * @param keyLength   the key's length in bytes, -1 for null
     * @param valueLength the value's length in bytes, -1 for null
     */
    static long fields(int keyLength, int valueLength, Headers headers) {
        long size = field(keyLength) + field(valueLength);
        int count = 0;
        if (headers != null) {
            for (Header h : headers) {
                int keyBytes = Utils.utf8Length(h.key());
                size += ByteUtils.sizeOfVarint(keyBytes) + keyBytes + field(length(h.value()));
                count++;
            }
        }
        return size + ByteUtils.sizeOfVarint(count);
    }

    static long fields(byte[] key, byte[] value, Headers headers) {
        return fields(length(key), length(value), headers);
    }

    static int length(byte[] bytes) {
        return bytes == null ? -1 : bytes.length;
    }

    /** A length-prefixed field of {@code length} bytes; -1 is null, a varint -1 and nothing after it. */
    static long field(int length) {
        return length < 0 ? ByteUtils.sizeOfVarint(-1) : ByteUtils.sizeOfVarint(length) + (long) length;
    }
}

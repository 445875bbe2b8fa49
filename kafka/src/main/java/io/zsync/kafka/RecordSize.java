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
 * <p>Allocation-free: header keys are measured, not encoded.
 */
public final class RecordSize {
    private RecordSize() {
    }

    /**
     * @param key     the key, or null
     * @param value   the value, or null
     * @param headers the headers, or null for none
     * @return bytes, at most {@code Long.MAX_VALUE}
     */
    public static long of(byte[] key, byte[] value, Headers headers) {
        long body = 1 // attributes
                + 1 // timestamp delta 0, a one-byte varlong
                + 1 // offset delta 0, a one-byte varint
                + field(key) + field(value);
        int count = 0;
        if (headers != null) {
            for (Header h : headers) {
                int keyBytes = Utils.utf8Length(h.key());
                body += ByteUtils.sizeOfVarint(keyBytes) + keyBytes + field(h.value());
                count++;
            }
        }
        body += ByteUtils.sizeOfVarint(count);
        return ByteUtils.sizeOfVarint((int) Math.min(body, Integer.MAX_VALUE)) + body;
    }

    private static long field(byte[] bytes) {
        return bytes == null ? ByteUtils.sizeOfVarint(-1) : ByteUtils.sizeOfVarint(bytes.length) + (long) bytes.length;
    }
}

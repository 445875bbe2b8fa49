package io.zsync.kafka;

/** The record header names of CONTRACT.md, shared by the Streams processors and the Connect plugin. */
public final class ZsyncHeaders {
    /** A record's priority level: its name, UTF-8, any case. */
    public static final String PRIORITY = "zsync.priority";
    /** A record's absolute deadline in epoch microseconds, decimal ASCII. */
    public static final String DEADLINE = "zsync.deadline";
    /**
     * The largest {@value #DEADLINE} value zsync reads: 18 decimal digits (year 33658), so that no value it
     * accepts can overflow a long. A writer clamps to it; a longer header is {@code INVALID_HEADER}.
     */
    public static final long MAX_DEADLINE_MICROS = 999_999_999_999_999_999L;
    /** Why a record was dead-lettered. */
    public static final String DLQ_REASON = "zsync.dlq.reason";
    /** The dead letter's source topic. */
    public static final String SOURCE_TOPIC = "zsync.source.topic";
    /** The dead letter's source partition, decimal ASCII. */
    public static final String SOURCE_PARTITION = "zsync.source.partition";
    /** The dead letter's source offset, decimal ASCII. */
    public static final String SOURCE_OFFSET = "zsync.source.offset";
    /** When the record was dead-lettered, epoch milliseconds, decimal ASCII. */
    public static final String DLQ_TIMESTAMP = "zsync.dlq.timestamp";
    /**
     * On a dead letter cut to fit the dead-letter topic's size limit: the original value's length in bytes,
     * decimal ASCII ({@code -1} for a null value). Present exactly when the dead letter does not carry the
     * whole original record: its value is then a prefix of the original one (raw), or its {@code DeadLetter}
     * record's value is (avro).
     */
    public static final String DLQ_TRUNCATED = "zsync.dlq.truncated";
    /**
     * On a dead letter cut to fit: what was left out whole, {@code headers} (the original headers) or
     * {@code headers,key} (the key too), ASCII.
     */
    public static final String DLQ_DROPPED = "zsync.dlq.dropped";
    /** The CRC32C of the value as 8 lowercase hex digits, written and verified by the checksum transforms. */
    public static final String CRC32C = "zsync.crc32c";

    private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private ZsyncHeaders() {
    }

    /**
     * A CRC32C as the {@value #CRC32C} header carries it: 8 lowercase hex digits, ASCII. Written digit by
     * digit, since a formatter per record costs more than the checksum.
     *
     * @param crc the checksum (its low 32 bits)
     * @return 8 bytes
     */
    public static byte[] crc32cValue(long crc) {
        byte[] out = new byte[8];
        for (int i = 7; i >= 0; i--) {
            out[i] = HEX_DIGITS[(int) (crc & 0xF)];
            crc >>>= 4;
        }
        return out;
    }

    /** {@link #crc32cValue} as text, for Connect headers. */
    public static String crc32cText(long crc) {
        return new String(crc32cValue(crc), java.nio.charset.StandardCharsets.US_ASCII);
    }
}

package io.zsync.kafka;

/** The record header names of CONTRACT.md, shared by the Streams processors and the Connect plugin. */
public final class ZsyncHeaders {
    /** A record's priority level: its name, UTF-8, any case. */
    public static final String PRIORITY = "zsync.priority";
    /** A record's absolute deadline in epoch microseconds, decimal ASCII. */
    public static final String DEADLINE = "zsync.deadline";
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
    /** The CRC32C of the value as 8 lowercase hex digits, written and verified by the checksum transforms. */
    public static final String CRC32C = "zsync.crc32c";

    private ZsyncHeaders() {
    }
}

package io.zsync.connector.bridge;

import io.zsync.stream.DeadLetterReason;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.Headers;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * A record a bridge task returns, remembering the source record it came from: Connect hands the same
 * object back to {@code commitRecord}, so the task learns whether Kafka has it, and can dead-letter it
 * when Connect reports that it does not.
 */
public final class BridgeRecord extends SourceRecord {
    private final ConsumerRecord<byte[], byte[]> origin;
    private final int partitionIndex;
    private final DeadLetterReason reason;

    /**
     * @param sourcePartition the source partition ({@link PartitionProgress#sourcePartition()})
     * @param sourceOffset    the exact offset for "this record and the batch's ones before it are written"
     * @param topic           the target or dead-letter topic
     * @param key             the key to write (the original one; a cut dead letter may leave it out)
     * @param value           the value to write (the original one, or the dead letter's)
     * @param headers         the headers to write
     * @param origin          the source record
     * @param partitionIndex  the source partition's index in the task
     * @param reason          why it is a dead letter; null for a record to the target topic
     */
    public BridgeRecord(Map<String, ?> sourcePartition, Map<String, ?> sourceOffset, String topic, byte[] key, byte[] value,
                        Headers headers, ConsumerRecord<byte[], byte[]> origin, int partitionIndex,
                        DeadLetterReason reason) {
        super(sourcePartition, sourceOffset, topic, null, Schema.OPTIONAL_BYTES_SCHEMA, key,
                Schema.OPTIONAL_BYTES_SCHEMA, value, origin.timestamp() < 0 ? null : origin.timestamp(), headers);
        this.origin = origin;
        this.partitionIndex = partitionIndex;
        this.reason = reason;
    }

    /** The source record. */
    public ConsumerRecord<byte[], byte[]> origin() {
        return origin;
    }

    /** The source partition's index in the task. */
    public int partitionIndex() {
        return partitionIndex;
    }

    /** Why it is a dead letter; null for a record to the target topic. */
    public DeadLetterReason reason() {
        return reason;
    }

    /** {@code topic-partition@offset} of the source record, for logs. */
    public String coordinates() {
        return origin.topic() + "-" + origin.partition() + "@" + origin.offset();
    }
}

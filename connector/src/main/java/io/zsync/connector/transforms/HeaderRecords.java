package io.zsync.connector.transforms;

import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.header.Headers;

/** Records with one zsync header set. */
final class HeaderRecords {
    private HeaderRecords() {
    }

    /**
     * A copy of {@code record} whose header {@code name} is {@code value}, replacing any earlier ones; the
     * input record's headers are not changed (another transform or the task may still hold them).
     */
    static <R extends ConnectRecord<R>> R withHeader(R record, String name, String value) {
        Headers headers = record.headers().duplicate();
        headers.remove(name);
        headers.addString(name, value);
        return record.newRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(),
                record.valueSchema(), record.value(), record.timestamp(), headers);
    }
}

package io.zsync.processors;

import io.zsync.accel.HardwareAccel;
import io.zsync.io.Io;
import io.zsync.kafka.ZsyncHeaders;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Writes the CRC32C of each record's value (SIMD path, {@link HardwareAccel#crc32c}) into the
 * {@value ZsyncHeaders#CRC32C} header as 8 lowercase hex digits, replacing an earlier one. Tombstones
 * pass through without a header.
 */
public final class ChecksumTransform implements Processor<byte[], byte[], byte[], byte[]> {
    private final HardwareAccel accel = HardwareAccel.init();
    private final Io io = Io.blocking();
    private ProcessorContext<byte[], byte[]> context;

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        if (record.value() == null) {
            context.forward(record);
            return;
        }
        // A copy: a record's headers may be shared with other children of the same parent.
        Headers headers = new RecordHeaders(record.headers().toArray());
        headers.remove(ZsyncHeaders.CRC32C);
        headers.add(ZsyncHeaders.CRC32C, ZsyncHeaders.crc32cValue(accel.crc32c(io, record.value())));
        context.forward(record.withHeaders(headers));
    }
}

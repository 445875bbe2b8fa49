package io.zsync.processors;

import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/** Forwards the records that have (or, with {@code present=false}, lack) a header. */
final class HeaderFilter implements FixedKeyProcessor<byte[], byte[], byte[]> {
    private final String header;
    private final boolean present;
    private FixedKeyProcessorContext<byte[], byte[]> context;

    HeaderFilter(String header, boolean present) {
        this.header = header;
        this.present = present;
    }

    @Override
    public void init(FixedKeyProcessorContext<byte[], byte[]> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<byte[], byte[]> record) {
        if ((record.headers().lastHeader(header) != null) == present) {
            context.forward(record);
        }
    }
}

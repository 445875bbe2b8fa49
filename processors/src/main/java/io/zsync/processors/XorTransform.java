package io.zsync.processors;

import io.zsync.accel.HardwareAccel;
import io.zsync.accel.XorKey;
import io.zsync.io.Io;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * XORs each record's value with a repeating key on the SIMD path ({@link HardwareAccel#optimizedXor}); the
 * same transform with the same key restores it. Tombstones pass through. The input array is not changed.
 */
public final class XorTransform implements Processor<byte[], byte[], byte[], byte[]> {
    private final HardwareAccel accel = HardwareAccel.init();
    private final Io io = Io.blocking();
    private final XorKey key;
    private ProcessorContext<byte[], byte[]> context;

    /**
     * @param key the key
     */
    public XorTransform(XorKey key) {
        this.key = key;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        byte[] value = record.value();
        if (value == null) {
            context.forward(record);
            return;
        }
        byte[] masked = new byte[value.length];
        accel.optimizedXor(io, masked, value, key);
        context.forward(record.withValue(masked));
    }
}

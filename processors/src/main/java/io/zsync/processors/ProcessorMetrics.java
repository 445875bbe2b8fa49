package io.zsync.processors;

import io.zsync.kafka.BufferMetrics;
import io.zsync.kafka.flow.TaskFlow;
import io.zsync.stream.DeadLetterReason;
import io.zsync.stream.RealtimeStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.StreamsMetrics;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * The processor's metrics: {@link BufferMetrics} in the Streams app's metrics registry (so JMX shows them
 * beside Kafka's own), tagged with the task and the processor, plus the records restored at start.
 */
final class ProcessorMetrics {
    static final String GROUP = BufferMetrics.GROUP;

    private final BufferMetrics buffer;
    private final Sensor restored;

    ProcessorMetrics(ProcessorContext<?, ?> context, String processor, StreamsMetrics registry, RealtimeStream stream) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("task-id", context.taskId().toString());
        tags.put("processor-node-id", processor);
        buffer = new BufferMetrics(new BufferMetrics.Registry() {
            @Override
            public Sensor addSensor(String name) {
                return registry.addSensor(name, Sensor.RecordingLevel.INFO);
            }

            @Override
            public void removeSensor(Sensor sensor) {
                registry.removeSensor(sensor);
            }
        }, GROUP + "." + context.taskId() + "." + processor + ".", tags, stream);
        restored = buffer.gauge("restored-records", "records this task restored from its changelog at start");
    }

    ProcessorMetrics(ProcessorContext<?, ?> context, String processor, RealtimeStream stream, TaskFlow flow) {
        this(context, processor, context.metrics(), stream);
        if (flow != null) {
            buffer.flow(flow);
        }
    }

    void recordIn() {
        buffer.recordIn();
    }

    void recordOut() {
        buffer.recordOut();
    }

    void deadLetter(DeadLetterReason reason) {
        buffer.deadLetter(reason);
    }

    void restored(int count) {
        restored.record(count);
    }

    /** Refreshes the gauges from the engine, at most once a second. */
    void update(long nowNanos) {
        buffer.update(nowNanos);
    }

    void close() {
        buffer.close();
    }
}

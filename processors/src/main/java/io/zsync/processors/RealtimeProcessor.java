package io.zsync.processors;

import io.zsync.kafka.ZsyncConfig;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Kafka Streams processor supplier that passes byte-array records through a zsync realtime stream:
 * priority ordering, deadlines, the rate limit, buffer limits and backpressure as the {@code zsync.*} keys
 * say ({@link ZsyncConfig}). Records that cannot be delivered are forwarded as dead letters.
 *
 * <p>The supplier declares its own store: every buffered record is kept in a changelogged key-value
 * store (RocksDB, so its bytes are off the heap) until it is forwarded or dead-lettered. Kafka Streams
 * commits input offsets whether or not a record was forwarded; the store is what lets a restarted or
 * migrated task emit what its predecessor had buffered.
 *
 * <p>Output goes to the child named by {@code outputChild} and dead letters to {@code deadLetterChild}.
 * With both null every record goes to all children and dead letters are told apart by their
 * {@code zsync.dlq.reason} header (how {@link ZsyncStreams} uses it in the DSL).
 */
public final class RealtimeProcessor implements ProcessorSupplier<byte[], byte[], byte[], byte[]> {
    /** The processor name {@link ZsyncStreams} uses when none is given. */
    public static final String DEFAULT_NAME = "zsync-realtime";

    private final String name;
    private final ZsyncConfig config;
    private final String outputChild;
    private final String deadLetterChild;
    private final ProcessorClock clock;

    /**
     * @param name            the processor's name; the buffer store is {@code name + "-buffer"}
     * @param zsyncConfig     the {@code zsync.*} settings (other keys are ignored)
     * @param outputChild     the child node that receives delivered records, or null for all children
     * @param deadLetterChild the child node that receives dead letters, or null for all children
     * @throws org.apache.kafka.common.config.ConfigException if a setting is invalid, naming the key
     */
    public RealtimeProcessor(String name, Map<String, ?> zsyncConfig, String outputChild, String deadLetterChild) {
        this(name, new ZsyncConfig(zsyncConfig), outputChild, deadLetterChild, ProcessorClock.system());
    }

    private RealtimeProcessor(String name, ZsyncConfig config, String outputChild, String deadLetterChild,
                              ProcessorClock clock) {
        this.name = Objects.requireNonNull(name, "name");
        this.config = config;
        if ((outputChild == null) != (deadLetterChild == null)) {
            throw new IllegalArgumentException("name both children (output and dead letters) or neither");
        }
        this.outputChild = outputChild;
        this.deadLetterChild = deadLetterChild;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * The same processor on another clock, for deterministic tests.
     *
     * @param clock the clock for deadlines, the rate limit and waiting under block
     * @return a new supplier
     */
    public RealtimeProcessor withClock(ProcessorClock clock) {
        return new RealtimeProcessor(name, config, outputChild, deadLetterChild, clock);
    }

    /** The processor's name. */
    public String name() {
        return name;
    }

    /** The name of the buffer store (its changelog topic is {@code <application.id>-<store>-changelog}). */
    public String storeName() {
        return name + "-buffer";
    }

    /** The child that receives delivered records, or null when every child does. */
    public String outputChild() {
        return outputChild;
    }

    /** The child that receives dead letters, or null when every child does. */
    public String deadLetterChild() {
        return deadLetterChild;
    }

    /** The parsed settings. */
    public ZsyncConfig config() {
        return config;
    }

    @Override
    public Set<StoreBuilder<?>> stores() {
        StoreBuilder<KeyValueStore<Long, byte[]>> buffer = Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(storeName()), Serdes.Long(), Serdes.ByteArray())
                .withCachingDisabled()
                .withLoggingEnabled(Map.of());
        return Set.of(buffer);
    }

    @Override
    public Processor<byte[], byte[], byte[], byte[]> get() {
        return new RealtimeBufferProcessor(name, storeName(), config, outputChild, deadLetterChild, clock);
    }
}

package io.zsync.processors;

import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Builds the realtime buffer's store: Kafka's persistent (RocksDB), changelogged, uncached key-value store
 * of sequence to encoded record, wrapped in a {@link DeferredDeleteStore}. The store's settings are the
 * buffer's own; the {@code with*} calls are passed to Kafka's builder so a topology can still change them.
 */
final class BufferStoreBuilder implements StoreBuilder<KeyValueStore<Long, byte[]>> {
    private final StoreBuilder<KeyValueStore<Long, byte[]>> kafka;

    BufferStoreBuilder(String name) {
        this.kafka = Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.Long(),
                        Serdes.ByteArray())
                .withCachingDisabled()
                .withLoggingEnabled(Map.of());
    }

    @Override
    public KeyValueStore<Long, byte[]> build() {
        return new DeferredDeleteStore(kafka.build());
    }

    @Override
    public BufferStoreBuilder withCachingEnabled() {
        kafka.withCachingEnabled();
        return this;
    }

    @Override
    public BufferStoreBuilder withCachingDisabled() {
        kafka.withCachingDisabled();
        return this;
    }

    @Override
    public BufferStoreBuilder withLoggingEnabled(Map<String, String> config) {
        kafka.withLoggingEnabled(config);
        return this;
    }

    @Override
    public BufferStoreBuilder withLoggingDisabled() {
        kafka.withLoggingDisabled();
        return this;
    }

    @Override
    public Map<String, String> logConfig() {
        return kafka.logConfig();
    }

    @Override
    public boolean loggingEnabled() {
        return kafka.loggingEnabled();
    }

    @Override
    public String name() {
        return kafka.name();
    }
}

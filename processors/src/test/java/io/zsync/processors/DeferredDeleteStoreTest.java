package io.zsync.processors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * The buffer store's deletes wait for a commit that flushed the producer under at-least-once, and pass
 * straight through under exactly-once.
 */
class DeferredDeleteStoreTest {

    private static DeferredDeleteStore store(String guarantee) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "deferred");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>(props);
        KeyValueStore<Long, byte[]> inner = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("buffer"),
                Serdes.Long(), Serdes.ByteArray()).withLoggingDisabled().build();
        DeferredDeleteStore store = new DeferredDeleteStore(inner);
        store.init(context.getStateStoreContext(), store);
        for (long k = 1; k <= 3; k++) {
            store.put(k, new byte[] {(byte) k});
        }
        return store;
    }

    @Test
    void shouldKeepDeletedEntriesUntilACommitHasFlushedTheProducer() {
        DeferredDeleteStore store = store(StreamsConfig.AT_LEAST_ONCE);
        store.delete(1L);
        store.delete(3L);
        assertNotNull(store.get(1L), "a released record stays in the changelog until its output is acknowledged");
        assertEquals(2, store.heldDeletes());

        store.commit(Map.of());  // Kafka Streams 4.x: after prepareCommit flushed the producer
        assertNull(store.get(1L));
        assertNull(store.get(3L));
        assertNotNull(store.get(2L));
        assertEquals(0, store.heldDeletes());
    }

    @Test
    @SuppressWarnings("deprecation")
    void shouldApplyOnFlushOnlyTheDeletesAFlushHasPassedSince() {
        // Older runtimes call flush() before the producer flush of the same commit.
        DeferredDeleteStore store = store(StreamsConfig.AT_LEAST_ONCE);
        store.delete(1L);
        store.flush();
        assertNotNull(store.get(1L), "this commit's producer flush has not happened yet");
        store.delete(2L);
        store.flush();
        assertNull(store.get(1L), "a whole commit has passed since this delete");
        assertNotNull(store.get(2L));
        store.flush();
        assertNull(store.get(2L));
    }

    @Test
    void shouldDropHeldDeletesWhenTheTaskIsInitialisedAgain() {
        DeferredDeleteStore store = store(StreamsConfig.AT_LEAST_ONCE);
        store.delete(2L);
        store.close();
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
        store.commit(Map.of());
        assertEquals(0, store.heldDeletes());
    }

    @Test
    void shouldDeleteAtOnceUnderExactlyOnce() {
        DeferredDeleteStore store = store(StreamsConfig.EXACTLY_ONCE_V2);
        store.delete(2L);
        assertNull(store.get(2L), "output and tombstone are in one transaction");
        assertEquals(0, store.heldDeletes());
    }

    @Test
    void shouldKeepHeldDeletesInOrderAcrossGrowth() {
        DeferredDeleteStore store = store(StreamsConfig.AT_LEAST_ONCE);
        for (long k = 10; k < 2_010; k++) {
            store.put(k, new byte[1]);
            store.delete(k);
        }
        assertEquals(2_000, store.heldDeletes());
        store.commit(Map.of());
        for (long k = 10; k < 2_010; k++) {
            assertNull(store.get(k));
        }
    }

    @Test
    void shouldDropHeldDeletesWhenTheProcessorSaysItsTaskCloses() {
        // A task closed dirty is committed after its processors closed, without a flush that succeeded.
        DeferredDeleteStore store = store(StreamsConfig.AT_LEAST_ONCE);
        store.delete(1L);
        DeferredDeleteStore.discardHeldDeletes(store);
        store.commit(Map.of());
        assertNotNull(store.get(1L), "its output may not be written: the entry stays to be released again");
        assertEquals(0, store.heldDeletes());
    }

    @Test
    void shouldBeTheStoreTheRealtimeProcessorDeclares() {
        var builders = ZsyncStreams.processor("zsync", Map.of()).stores();
        assertEquals(1, builders.size());
        var builder = builders.iterator().next();
        assertEquals("zsync-buffer", builder.name());
        assertTrue(builder.loggingEnabled(), "changelogged");
        assertTrue(builder.build() instanceof DeferredDeleteStore);
    }
}

package io.zsync.connector.transforms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.utils.MockTime;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/** The token bucket in {@code apply}, on a mock clock whose sleep advances it. */
class RateLimitTest {

    private static RateLimit<SourceRecord> limit(MockTime time, Map<String, ?> config) {
        RateLimit<SourceRecord> t = new RateLimit<>(time);
        t.configure(config);
        return t;
    }

    @Test
    void theBurstPassesAtOnceThenRecordsPassAtTheRate() {
        MockTime time = new MockTime(0, 0, 0);
        RateLimit<SourceRecord> t = limit(time, Map.of("rate", "10", "burst", "5"));
        long start = time.nanoseconds();
        for (int i = 0; i < 5; i++) {
            SourceRecord r = TransformsTest.source("k" + i, "v");
            assertSame(r, t.apply(r), "records pass unchanged");
        }
        assertEquals(start, time.nanoseconds(), "the burst does not wait");
        for (int i = 0; i < 100; i++) {
            t.apply(TransformsTest.source("k", "v"));
        }
        assertEquals(10_000, (time.nanoseconds() - start) / 1_000_000, "100 more at 10/s take 10 s");
    }

    @Test
    void bytesRateCountsKeyAndValueBytes() {
        MockTime time = new MockTime(0, 0, 0);
        RateLimit<SourceRecord> t = limit(time, Map.of("bytes.rate", "1000"));
        long start = time.nanoseconds();
        for (int i = 0; i < 51; i++) {
            t.apply(TransformsTest.source("k", new byte[99]));     // 100 bytes each
        }
        // The 100-byte burst lets the first through; 50 more x 100 B at 1000 B/s take 5 s.
        assertEquals(5_000, (time.nanoseconds() - start) / 1_000_000);
    }

    @Test
    void connectorScopeDividesTheRateByTasksMax() {
        MockTime time = new MockTime(0, 0, 0);
        RateLimit<SourceRecord> t = limit(time, Map.of("rate", "100", "burst", "4", "scope", "connector",
                "tasks.max", "4"));
        long start = time.nanoseconds();
        for (int i = 0; i < 26; i++) {
            t.apply(TransformsTest.source("k", null));   // tombstones count as records too
        }
        // This task's share: 25/s with a burst of 1; 25 after the first take 1 s.
        assertEquals(1_000, (time.nanoseconds() - start) / 1_000_000);
    }

    @Test
    void aRateLimitWithoutAnyLimitOrWithBadValuesIsRefusedNamingTheKey() {
        MockTime time = new MockTime();
        ConfigException none = assertThrows(ConfigException.class, () -> limit(time, Map.of()));
        assertTrue(none.getMessage().contains("rate"), none.getMessage());
        ConfigException scope = assertThrows(ConfigException.class,
                () -> limit(time, Map.of("rate", "1", "scope", "cluster")));
        assertTrue(scope.getMessage().contains("scope") && scope.getMessage().contains("connector"), scope.getMessage());
        ConfigException burst = assertThrows(ConfigException.class, () -> limit(time, Map.of("rate", "1", "burst", "0")));
        assertTrue(burst.getMessage().contains("burst"), burst.getMessage());
    }
}

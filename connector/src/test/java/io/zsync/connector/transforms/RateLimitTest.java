package io.zsync.connector.transforms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.utils.MockTime;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @Test
    void connectorScopeNeedsTasksMaxAndRatesThatEachTaskCanShare() {
        MockTime time = new MockTime();
        ConfigException noTasks = assertThrows(ConfigException.class,
                () -> limit(time, Map.of("rate", "100", "scope", "connector")));
        assertTrue(noTasks.getMessage().contains("tasks.max"), noTasks.getMessage());
        ConfigException rate = assertThrows(ConfigException.class,
                () -> limit(time, Map.of("rate", "3", "scope", "connector", "tasks.max", "4")));
        assertTrue(rate.getMessage().contains("rate") && rate.getMessage().contains("at least tasks.max (4)"),
                rate.getMessage());
        ConfigException bytes = assertThrows(ConfigException.class,
                () -> limit(time, Map.of("bytes.rate", "3", "scope", "connector", "tasks.max", "4")));
        assertTrue(bytes.getMessage().contains("bytes.rate"), bytes.getMessage());
        ConfigException burst = assertThrows(ConfigException.class,
                () -> limit(time, Map.of("rate", "8", "burst", "3", "scope", "connector", "tasks.max", "4")));
        assertTrue(burst.getMessage().contains("burst"), burst.getMessage());
        // At the extremes each task gets 1 per second, and the connector exactly the rate.
        limit(time, Map.of("rate", "1000000000", "bytes.rate", "1000000000", "burst", "1000000000",
                "scope", "connector", "tasks.max", "1000000000"));
        limit(time, Map.of("rate", "5", "tasks.max", "100"));   // tasks.max does not matter with scope=task
    }

    @Test
    void theLargestRatesAndBurstsPassAtOnceAndTheSmallestWaitExactly() {
        MockTime time = new MockTime(0, 0, 0);
        RateLimit<SourceRecord> fast = limit(time, Map.of("rate", "1000000000", "burst", "1000000000",
                "bytes.rate", "1000000000"));
        long start = time.nanoseconds();
        for (int i = 0; i < 1_000; i++) {
            fast.apply(TransformsTest.source("k", new byte[1_000]));
        }
        assertEquals(start, time.nanoseconds(), "a burst of 10^9 records and 10^8 bytes holds these");

        RateLimit<SourceRecord> slow = limit(time, Map.of("bytes.rate", "1"));
        start = time.nanoseconds();
        slow.apply(TransformsTest.source(null, new byte[1_000_000]));   // from the full bucket, into debt
        slow.apply(TransformsTest.source(null, new byte[1]));
        assertEquals(1_000_000, (time.nanoseconds() - start) / 1_000_000_000L, "a megabyte at 1 B/s: 10^6 s");
    }

    @Test
    void aRecordCountsForAtMostKafkasLimitOnARecordSoNoSizeOverflowsTheBucket(@TempDir Path dir) throws IOException {
        // A sparse file mapped twice gives a key and a value of 2^31 - 1 bytes each without the memory.
        Path file = dir.resolve("sparse");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(Integer.MAX_VALUE);
        }
        ByteBuffer huge;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            huge = channel.map(FileChannel.MapMode.READ_ONLY, 0, Integer.MAX_VALUE);
        }
        MockTime time = new MockTime(0, 0, 0);
        RateLimit<SourceRecord> t = limit(time, Map.of("bytes.rate", "1000000000"));
        long start = time.nanoseconds();
        t.apply(TransformsTest.source(huge.duplicate(), huge.duplicate()));
        t.apply(TransformsTest.source(null, new byte[1]));
        // Counted as 2147483647 bytes, not 4294967294: the 10^8-byte bucket is left 2047483647 bytes in debt,
        // which the next record waits to see paid: 2.048 s (4.195 s if the whole key and value counted).
        assertEquals(2_048, (time.nanoseconds() - start) / 1_000_000);
    }

    @Test
    void stringsAreSizedAsTheirUtf8InALong() {
        java.util.Random random = new java.util.Random(3);
        char[] kinds = {'a', '\u00e9', '\u20ac', '\ud83d', '\ude00'};   // 1, 2, 3 bytes, and surrogate halves
        for (int i = 0; i < 10_000; i++) {
            StringBuilder s = new StringBuilder();
            for (int n = random.nextInt(12); n > 0; n--) {
                s.append(kinds[random.nextInt(kinds.length)]);
            }
            assertEquals(s.toString().getBytes(StandardCharsets.UTF_8).length, Payloads.utf8Length(s.toString()),
                    s.toString());
        }
    }
}

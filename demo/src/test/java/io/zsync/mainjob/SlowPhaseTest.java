package io.zsync.mainjob;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zsync.kafka.ZsyncHeaders;
import io.zsync.processors.app.ZsyncAppConfig;
import io.zsync.stream.Priority;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * The slow-consumer phase without a broker: the flood's mix, what a slow group counts, the accounting of
 * every flood record, the zsync path's settings and the check that the flood fits in its buffer.
 */
class SlowPhaseTest {
    private static final Path ROOT = Path.of(System.getProperty("zsync.root", ".."));

    private static Properties streamsFile() throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(ROOT.resolve("config/streams-app.properties"))) {
            p.load(in);
        }
        return p;
    }

    private static MainJobConfig config(String... pairs) {
        Map<String, String> m = new java.util.HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return new MainJobConfig(m);
    }

    private static ConsumerRecord<byte[], byte[]> record(byte[] key, String level, long producedMs) {
        RecordHeaders h = new RecordHeaders();
        h.add(ZsyncHeaders.PRIORITY, level.getBytes(StandardCharsets.US_ASCII));
        return new ConsumerRecord<>(SlowPhase.ZSYNC_OUTPUT, 0, 0, producedMs, TimestampType.CREATE_TIME, key.length, 0,
                key, new byte[0], h, Optional.empty());
    }

    private static byte[] seq(long n) {
        return ByteBuffer.allocate(Long.BYTES).putLong(n).array();
    }

    @Test
    void shouldMakeOnePercentOfTheFloodCriticalSpreadEvenly() {
        int critical = 0;
        long lastCritical = -100;
        for (long s = 0; s < 10_000; s++) {
            if (Flood.level(s, 1) == Priority.CRITICAL) {
                critical++;
                assertEquals(100, s - lastCritical, "one CRITICAL record every 100: " + s);
                lastCritical = s;
            } else {
                assertEquals(Priority.LOW, Flood.level(s, 1));
            }
        }
        assertEquals(100, critical);
        assertEquals(Priority.LOW, Flood.level(0, 0), "0 %: no CRITICAL record");
        assertEquals(Priority.CRITICAL, Flood.level(99, 100), "100 %: all CRITICAL");
    }

    @Test
    void shouldCountEachFloodRecordOnceByLevelWithItsWaitAndProbesApart() {
        SlowGroup group = new SlowGroup("unused:9092", SlowPhase.ZSYNC_GROUP, SlowPhase.ZSYNC_OUTPUT, 500);
        group.take(record(seq(0), "CRITICAL", 1_000), 1_300);
        group.take(record(seq(1), "LOW", 1_000), 3_000);
        group.take(record(seq(1), "LOW", 1_000), 3_500);
        byte[] probe = (Probe.KEY_PREFIX + "flood-zsync-0").getBytes(StandardCharsets.US_ASCII);
        group.take(record(probe, "CRITICAL", 1_000), 1_100);

        assertEquals(1, group.consumed(Priority.CRITICAL));
        assertEquals(1, group.consumed(Priority.LOW));
        assertEquals(2, group.consumed(), "the probe and the repeat are not flood records consumed");
        assertEquals(1, group.repeated());
        assertEquals(Set.of(Probe.KEY_PREFIX + "flood-zsync-0"), group.probesDelivered());
        assertEquals(300, group.latency(Priority.CRITICAL).getMaxValue(), 3, "2 significant digits");
        assertEquals(2_000, group.latency(Priority.LOW).getValueAtPercentile(99), 20);
        long[][] second = group.takeSecond();
        assertEquals(1, second[1][Priority.CRITICAL.ordinal()]);
        assertEquals(-1, second[0][Priority.HIGH.ordinal()], "no HIGH record: no p99");
        assertEquals(-1, group.takeSecond()[0][Priority.CRITICAL.ordinal()], "the next second starts empty");
        assertEquals(1, group.latency(Priority.CRITICAL).getTotalCount(), "the phase's total stays");
    }

    @Test
    void shouldFindEveryFloodRecordOrSayHowManyAreMissing() {
        SlowPhase.Account all = new SlowPhase.Account(50_000, 10_000, 200, 39_800, 0, 0, 0);
        assertEquals(0, all.missing());
        assertTrue(all.complete());
        SlowPhase.Account lost = new SlowPhase.Account(50_000, 10_000, 200, 39_700, 0, 0, 0);
        assertEquals(100, lost.missing());
        assertFalse(lost.complete());
        SlowPhase.Account unknown = new SlowPhase.Account(50_000, 10_000, 200, -1, 0, 0, 0);
        assertFalse(unknown.complete(), "without zsync's buffer gauge the records it holds are not found");
        SlowPhase.Account plain = new SlowPhase.Account(50_000, 10_000, 39_990, 0, 10, 0, 0);
        assertTrue(plain.complete(), "records not yet read from the input are found there");
    }

    @Test
    void theZsyncPathIsTheStreamsAppWithReleasePacedByItsGroupsLag() throws IOException {
        Properties file = streamsFile();
        ZsyncAppConfig app = new ZsyncAppConfig(SlowPhase.zsyncSettings(file, config("slow.lag.max.records", "300")));
        assertEquals(List.of(SlowPhase.ZSYNC_INPUT), app.inputTopics());
        assertEquals(SlowPhase.ZSYNC_OUTPUT, app.outputTopic());
        assertEquals(SlowPhase.ZSYNC_DLQ, app.dlqTopic());
        assertTrue(app.zsync().lagEnabled());
        assertEquals(SlowPhase.ZSYNC_GROUP, app.zsync().lagGroup());
        assertEquals(300, app.zsync().lagMaxRecords());
        assertEquals(SlowPhase.FLOW_INTERVAL_MS, app.zsync().flowIntervalMs());
        assertEquals(0, app.zsync().deadlineTtlMs(), "nothing expires: what is not released is held");
        assertEquals(file.getProperty("application.id") + "-lag",
                SlowPhase.zsyncSettings(file, config()).getProperty("application.id"));
        assertEquals(file.getProperty("zsync.transforms"),
                SlowPhase.zsyncSettings(file, config()).getProperty("zsync.transforms"), "the rest as in the file");
    }

    @Test
    void shouldRefuseAFloodLargerThanTheZsyncPathsBuffer() throws IOException {
        Properties file = streamsFile();
        SlowPhase.check(config(), file);
        SlowPhase.check(config("slow.duration.ms", "0", "slow.flood.rate", "100000"), file);
        ConfigException e = assertThrows(ConfigException.class,
                () -> SlowPhase.check(config("slow.duration.ms", "60000"), file));
        assertTrue(e.getMessage().contains("slow.duration.ms") && e.getMessage().contains("150,000 records")
                && e.getMessage().contains("zsync.buffer.max.records=100,000"), e.getMessage());
        Properties dropping = streamsFile();
        dropping.put("zsync.backpressure", "drop_oldest");
        SlowPhase.check(config("slow.duration.ms", "60000"), dropping);
    }

    @Test
    void theProgressLineShowsBothPaths() {
        SlowPhase.Sample s = new SlowPhase.Sample(7, 2_500, new long[] {500, 499}, new long[] {201, 14_020}, 12_400,
                new long[][] {{380, 520}, {5_870, -1}});
        assertEquals("[slow   7s] flood  2,500/s  zsync: consumed  500/s lag    201 buffered 12,400 p99 ms CRITICAL 380"
                + " LOW 520  plain: consumed  499/s lag 14,020 p99 ms CRITICAL 5,870 LOW -", SlowPhase.line(s));
    }
}

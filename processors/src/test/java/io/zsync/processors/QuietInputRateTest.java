package io.zsync.processors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zsync.kafka.RecordSize;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * Issue 19 row c: while its input is quiet a Streams task only gets to punctuate once per {@code poll.ms}
 * (the stream thread waits in the consumer's poll), not every 5 ms. A backlog must still leave at the
 * configured rate, whatever the burst and {@code poll.ms}, and no record may expire for want of it.
 */
class QuietInputRateTest {
    private static final int RECORDS = 3_000;

    @Test
    void aQuietTaskPunctuatedEveryHundredMillisecondsDrainsAtTheRateWithABurstOfTen() {
        double seconds = secondsToDrain(Map.of("zsync.rate.limit", "1000", "zsync.rate.burst", "10"), Map.of(), 100);
        assertEquals(3.0, seconds, 3.0 * 0.02, "3,000 records at 1,000/s, punctuated every 100 ms");
    }

    @Test
    void aQuietTaskPunctuatedEverySecondDrainsAtTheRateWithTheDefaultBurst() {
        double seconds = secondsToDrain(Map.of("zsync.rate.limit", "1000"), Map.of("poll.ms", "1000"), 1_000);
        assertEquals(3.0, seconds, 3.0 * 0.02, "3,000 records at 1,000/s, punctuated every second (poll.ms=1000)");
    }

    @Test
    void aQuietTaskPunctuatedEverySecondDrainsAtTheRateWithABurstOfTen() {
        double seconds = secondsToDrain(Map.of("zsync.rate.limit", "1000", "zsync.rate.burst", "10"),
                Map.of("poll.ms", "1000"), 1_000);
        assertEquals(3.0, seconds, 3.0 * 0.02);
    }

    @Test
    void aQuietTaskPunctuatedEverySecondDrainsAtTheByteRate() {
        long size = RecordSize.of(RealtimeDriver.bytes("k0000"), RealtimeDriver.bytes("value-k0000"),
                new RecordHeaders());
        // A thousand records a second, counted in bytes (the byte limit's burst is a tenth of a second's worth).
        double seconds = secondsToDrain(Map.of("zsync.rate.bytes", Long.toString(1_000 * size)),
                Map.of("poll.ms", "1000"), 1_000);
        assertEquals(3.0, seconds, 3.0 * 0.02);
    }

    @Test
    void aQuietTaskDrainsAtTheRateWhileItsClockMovesAsItForwards() {
        // A real clock moves while the task forwards: one dispatch takes its batches at different times,
        // and what the wait earned must last through all of them.
        for (String pollMs : new String[] {"100", "1000"}) {
            Map<String, String> streams = Map.of("poll.ms", pollMs);
            double seconds = secondsToDrain(RealtimeDriver.ticking(settings(Map.of("zsync.rate.limit", "1000",
                    "zsync.rate.burst", "10")), streams, Duration.ofNanos(1_000)), Long.parseLong(pollMs));
            assertEquals(3.0, seconds, 3.0 * 0.02, "poll.ms=" + pollMs + ", 1 us per clock read");
        }
    }

    @Test
    void aStallLongerThanTheCatchUpWindowReleasesAtMostTheWindowsWorthAtOnce() {
        // poll.ms=100: the window is 1 s, so a 10 s stall lets out 1,000 records, not 10,000.
        try (RealtimeDriver t = new RealtimeDriver(Map.of("zsync.rate.limit", "1000", "zsync.rate.burst", "10"),
                Map.of("in", 1), Map.of())) {
            for (int i = 0; i < RECORDS; i++) {
                t.send(String.format("k%04d", i));
            }
            assertEquals(10, t.out.readRecordsToList().size(), "the burst");
            t.advanceInOnePoll(Duration.ofSeconds(10));
            assertEquals(1_000, t.out.readRecordsToList().size(), "one catch-up window's worth");
            t.advanceInOnePoll(Duration.ofMillis(100));
            assertEquals(100, t.out.readRecordsToList().size(), "then the rate again");
        }
    }

    private static double secondsToDrain(Map<String, String> zsync, Map<String, String> streams, long punctuateMs) {
        return secondsToDrain(new RealtimeDriver(settings(zsync), Map.of("in", 1), streams), punctuateMs);
    }

    /** {@code zsync} with a 10 s TTL: records that wait for a burst per poll would expire. */
    private static Map<String, String> settings(Map<String, String> zsync) {
        Map<String, String> settings = new HashMap<>(zsync);
        settings.put("zsync.deadline.ttl.ms", "10000");
        return settings;
    }

    /**
     * Buffers {@value #RECORDS} records at once, then only lets the punctuator run every {@code punctuateMs};
     * returns the seconds, counted in punctuations, until the last record left. Nothing may be dead-lettered.
     */
    private static double secondsToDrain(RealtimeDriver driver, long punctuateMs) {
        try (RealtimeDriver t = driver) {
            for (int i = 0; i < RECORDS; i++) {
                t.send(String.format("k%04d", i));
            }
            int out = t.out.readRecordsToList().size();
            int punctuations = 0;
            while (out < RECORDS && punctuations * punctuateMs < 60_000) {
                t.advanceInOnePoll(Duration.ofMillis(punctuateMs));
                punctuations++;
                out += t.out.readRecordsToList().size();
            }
            assertTrue(t.dlq.isEmpty(), "nothing expired waiting: " + t.dlq.readRecordsToList().size()
                    + " dead letters");
            assertEquals(RECORDS, out);
            return punctuations * punctuateMs / 1e3;
        }
    }
}

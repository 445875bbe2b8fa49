package io.zsync.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.zsync.io.Io;
import io.zsync.stream.ManualTimeSource;
import io.zsync.stream.Priority;
import io.zsync.stream.RealtimeStream;
import io.zsync.stream.StreamMessage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BufferStreamsTest {
    private static int releasedAfterAStall(Map<String, String> settings) throws Exception {
        ManualTimeSource clock = new ManualTimeSource(1_000_000L);
        ZsyncConfig config = new ZsyncConfig(settings);
        EmitCallbacks callbacks = new EmitCallbacks(new EmitCallbacks.Emitter() {
            @Override
            public void deliver(long id) {
            }

            @Override
            public void deadLetter(long id, io.zsync.stream.DeadLetterReason reason) {
            }
        });
        RateShare all = RateShare.of(List.of("in"), Map.of("in", 1), 0);
        RealtimeStream s = BufferStreams.build("t", config, clock, all, Duration.ZERO, Duration.ofMillis(100),
                callbacks);
        try {
            for (int i = 0; i < 10_000; i++) {
                try (StreamMessage m = StreamMessage.detached(10)) {
                    m.id(i).priority(Priority.LOW);
                    s.send(Io.blocking(), m);
                }
            }
            // A room of 200 records per 100 ms interval: 2,000 records/s, as the coordinator would set it.
            s.setRateLimit(2_000, 1, 0);
            assertEquals(0, s.dispatch(100_000), "the bucket starts empty");
            clock.advance(Duration.ofMillis(100));
            assertEquals(200, s.dispatch(100_000), "one interval's room");
            // The task's thread stalls for 900 ms while records wait; the allowance is renewed meanwhile.
            clock.advance(Duration.ofMillis(900));
            return s.dispatch(100_000);
        } finally {
            s.closeNow();
        }
    }

    @Test
    void aStreamPacedByADownstreamGroupCatchesUpOnAtMostOneRoomAndAHalf() throws Exception {
        int lag = releasedAfterAStall(Map.of("zsync.lag.group", "readers", "zsync.flow.interval.ms", "100"));
        assertEquals(300, lag, "1.5 intervals' room, not a second of the rate (1,800 records)");
        int rate = releasedAfterAStall(Map.of("zsync.rate.limit", "2000", "zsync.rate.scope", "application"));
        assertEquals(1_800, rate, "a rate limit makes up for the whole stall within its 1 s window");
    }
}

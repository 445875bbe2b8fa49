package io.zsync.processors;

import io.zsync.stream.ManualTimeSource;
import io.zsync.stream.TimeSource;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * The time a {@link RealtimeProcessor} runs on: the engine's {@link TimeSource} for deadlines and the rate
 * limit, plus a way to wait, for {@code zsync.backpressure=block}. Injectable so that tests under
 * {@code TopologyTestDriver} are deterministic: {@link #manual(ManualTimeSource)} waits by advancing.
 */
public interface ProcessorClock extends TimeSource {

    /**
     * Waits about {@code nanos} (a real clock may wake early; callers re-check).
     *
     * @param nanos how long
     */
    void sleepNanos(long nanos);

    /** The machine's clocks; waiting parks the stream thread. */
    static ProcessorClock system() {
        TimeSource system = TimeSource.system();
        return new ProcessorClock() {
            @Override
            public long nanoTime() {
                return system.nanoTime();
            }

            @Override
            public long epochMicros() {
                return system.epochMicros();
            }

            @Override
            public void sleepNanos(long nanos) {
                LockSupport.parkNanos(nanos);
            }

            @Override
            public String toString() {
                return "system";
            }
        };
    }

    /**
     * A clock that moves only when told to, or when someone waits on it: waiting advances it by the wait.
     *
     * @param time the manual time it reads
     * @return the clock
     */
    static ProcessorClock manual(ManualTimeSource time) {
        return new ProcessorClock() {
            @Override
            public long nanoTime() {
                return time.nanoTime();
            }

            @Override
            public long epochMicros() {
                return time.epochMicros();
            }

            @Override
            public void sleepNanos(long nanos) {
                time.advance(Duration.ofNanos(Math.max(1, nanos)));
            }

            @Override
            public String toString() {
                return "manual(" + time + ")";
            }
        };
    }
}

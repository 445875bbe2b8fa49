package io.zsync.stream;

import java.time.Duration;

/**
 * A clock that moves only when told to, for deterministic tests of rates and deadlines. Both readings
 * advance together. Thread-safe: the test thread advances it while the dispatcher reads it.
 */
public final class ManualTimeSource implements TimeSource {
    private final long startEpochMicros;
    // volatile: the dispatcher and subscriber threads must see each advance made by the test thread.
    private volatile long nanos;

    /**
     * A clock at monotonic time 0 and the given wall-clock time.
     *
     * @param epochMicros the starting wall-clock time in microseconds since the epoch
     */
    public ManualTimeSource(long epochMicros) {
        this.startEpochMicros = epochMicros;
    }

    /** A clock at monotonic time 0 and wall-clock time 2026-01-01T00:00:00Z. */
    public ManualTimeSource() {
        this(1_767_225_600_000_000L);
    }

    /**
     * Moves both readings forward.
     *
     * @param duration how far, not negative
     */
    public synchronized void advance(Duration duration) {
        long n = duration.toNanos();
        if (n < 0) {
            throw new IllegalArgumentException("Cannot move time backwards: " + duration);
        }
        nanos += n;
    }

    /**
     * Moves both readings forward.
     *
     * @param micros how far in microseconds, not negative
     */
    public void advanceMicros(long micros) {
        advance(Duration.ofNanos(micros * 1_000));
    }

    @Override
    public long nanoTime() {
        return nanos;
    }

    @Override
    public long epochMicros() {
        return startEpochMicros + nanos / 1_000;
    }

    @Override
    public String toString() {
        return "manual(nanos=" + nanos + ", epochMicros=" + epochMicros() + ")";
    }
}

package io.zsync.stream;

import java.time.Instant;

/**
 * The stream's clock: a monotonic one for rates and latencies, and wall-clock time for deadlines. Inject
 * a {@link ManualTimeSource} in tests so that rates and expiry follow the test, not the machine.
 */
public interface TimeSource {

    /**
     * Monotonic nanoseconds, as {@link System#nanoTime()}: only differences mean anything.
     *
     * @return the current monotonic time
     */
    long nanoTime();

    /**
     * Wall-clock time in microseconds since the epoch, the unit of {@link StreamMessage#deadline()}.
     *
     * @return the current time
     */
    long epochMicros();

    /**
     * The machine's clocks.
     *
     * @return the system time source
     */
    static TimeSource system() {
        return SystemTimeSource.INSTANCE;
    }

    /** The machine's clocks: {@link System#nanoTime()} and {@link Instant#now()} at microsecond precision. */
    final class SystemTimeSource implements TimeSource {
        static final SystemTimeSource INSTANCE = new SystemTimeSource();

        private SystemTimeSource() {
        }

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public long epochMicros() {
            Instant now = Instant.now();
            return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
        }

        @Override
        public String toString() {
            return "system";
        }
    }
}

package io.zsync.stream;

import java.util.concurrent.locks.LockSupport;

/**
 * How the dispatcher and the delivery threads wait for work. Spinning answers within a few hundred
 * nanoseconds but keeps a core busy; parking frees the core and costs a wake-up (tens of microseconds)
 * per idle period.
 */
public enum WaitStrategy {
    /** Sleep until signalled. The default: no CPU while idle. */
    PARK,
    /** Spin briefly, then yield, then sleep until signalled: fast after short gaps, idle after long ones. */
    BACKOFF,
    /** Spin, then yield, never sleep: the lowest latency, a core per waiting thread. */
    SPIN;

    static final int SPINS = 200;
    static final int YIELDS = 2_000;

    /**
     * One step of waiting for work that has not come after {@code idleRounds} checks.
     *
     * @return false when the caller should stop polling and sleep until signalled
     */
    boolean idle(int idleRounds) {
        switch (this) {
            case SPIN:
                if (idleRounds < SPINS) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
                return true;
            case BACKOFF:
                if (idleRounds < SPINS) {
                    Thread.onSpinWait();
                    return true;
                }
                if (idleRounds < SPINS + YIELDS) {
                    Thread.yield();
                    return true;
                }
                return false;
            default:
                return false;
        }
    }

    /** Waits for a bounded time, such as until the rate limit's next token. */
    void pause(long nanos) {
        if (this == SPIN && nanos < 50_000) {
            Thread.yield();
        } else {
            LockSupport.parkNanos(nanos);
        }
    }
}

package io.zsync.stream;

/**
 * A token bucket in exact integer arithmetic: {@code rate} tokens per second, holding at most
 * {@code burst} while idle. It starts full. Not thread-safe: one owner (the stream's dispatcher) calls it,
 * which is what makes an acquire a handful of arithmetic operations with no atomics and no allocation.
 *
 * <p>Tokens are kept in units of 10<sup>-9</sup> token, so that {@code elapsedNanos * rate} adds
 * exactly what accrued, with no rounding drift over any length of time. An acquire larger than the
 * burst succeeds once the bucket is full and leaves it in debt, so an oversized request waits its fair
 * time instead of forever.
 *
 * <p><b>Catch-up.</b> The burst caps what accrues while nobody wants tokens. It does not cap what accrues
 * while a request <em>waits</em>: from the moment a request is refused (by {@link #tryAcquire},
 * {@link #canAcquire} or {@link #nanosUntilAvailable}, or by a bucket that grants together with this one:
 * {@link #markWaitingOnAnother}), or the owner stops early with requests left ({@link #markWaiting}), until
 * the next grant, the bucket credits every token a continuously running owner would have taken, even if
 * the owner only comes back much later. An owner that can only call every 100 ms or every second (a Kafka
 * Streams task whose input is quiet runs once per {@code poll.ms}) so still gets the rate over time,
 * whatever the burst. The credit is bounded by the catch-up window given at construction: the bucket never
 * holds more than {@code max(burst, rate × window)} tokens, so after a stall longer than the window at
 * most a window's worth leaves at once and the rest of the stall is lost. Once a grant leaves the owner
 * with nothing waiting, the next refill trims the bucket to the burst again. A window of 0 is the classic
 * bucket: the burst caps everything.
 */
public final class TokenBucket {
    private static final long UNITS_PER_TOKEN = 1_000_000_000L;
    /** The most units a catch-up may credit: the largest burst's worth, so sums of units cannot overflow. */
    private static final long MAX_CATCH_UP_UNITS = UNITS_PER_TOKEN * UNITS_PER_TOKEN;

    private final long rate;
    private final long burst;
    private final long capacity;
    /** The catch-up window, shortened so that {@code catchUpNanos * rate} stays within MAX_CATCH_UP_UNITS. */
    private final long catchUpNanos;
    private final long catchUpUnits;
    private long available;
    private long lastRefillNanos;
    /** A request waits (refused, or marked) and nothing was granted since: time counts toward the catch-up. */
    private boolean waiting;
    private long waitingSinceNanos;
    /** What the bucket held when the wait began (for a wait on another bucket, at most the capacity). */
    private long waitingFromUnits;

    /**
     * A classic bucket: the burst caps what accrues, waiting or not.
     *
     * @param ratePerSecond tokens added per second, 1 to 10<sup>9</sup>
     * @param burst         the most tokens the bucket holds, 1 to 10<sup>9</sup>
     * @param nowNanos      the current monotonic time of the clock that will be passed to the bucket
     */
    public TokenBucket(long ratePerSecond, long burst, long nowNanos) {
        this(ratePerSecond, burst, 0, nowNanos);
    }

    /**
     * A bucket that catches up, for at most {@code catchUpNanos}, on time during which a request waited.
     *
     * @param ratePerSecond tokens added per second, 1 to 10<sup>9</sup>
     * @param burst         the most tokens the bucket holds after an idle period, 1 to 10<sup>9</sup>
     * @param catchUpNanos  the longest wait credited in full, at least 0 (0: none); the bucket never holds
     *                      more than {@code max(burst, rate × catchUpNanos)} tokens, and never more than
     *                      10<sup>9</sup> tokens of catch-up
     * @param nowNanos      the current monotonic time of the clock that will be passed to the bucket
     */
    public TokenBucket(long ratePerSecond, long burst, long catchUpNanos, long nowNanos) {
        if (ratePerSecond < 1 || ratePerSecond > UNITS_PER_TOKEN) {
            throw new IllegalArgumentException("rate must be between 1 and 1000000000 per second, was " + ratePerSecond);
        }
        if (burst < 1 || burst > UNITS_PER_TOKEN) {
            throw new IllegalArgumentException("burst must be between 1 and 1000000000, was " + burst);
        }
        if (catchUpNanos < 0) {
            throw new IllegalArgumentException("catch-up window must be at least 0 ns, was " + catchUpNanos);
        }
        this.rate = ratePerSecond;
        this.burst = burst;
        this.capacity = burst * UNITS_PER_TOKEN;
        this.catchUpNanos = Math.min(catchUpNanos, MAX_CATCH_UP_UNITS / ratePerSecond);
        this.catchUpUnits = this.catchUpNanos * ratePerSecond;
        this.available = capacity;
        this.lastRefillNanos = nowNanos;
    }

    /**
     * Takes {@code tokens} if they are there; a refusal starts a wait (see the class comment).
     *
     * @param tokens   how many, at least 0; more than the burst is granted only from a full bucket
     * @param nowNanos the current monotonic time
     * @return true if taken
     */
    public boolean tryAcquire(long tokens, long nowNanos) {
        refill(nowNanos);
        if (available >= needed(tokens)) {
            available -= tokens * UNITS_PER_TOKEN;
            waiting = false;
            return true;
        }
        startWaiting(nowNanos, available);
        return false;
    }

    /**
     * Whether {@code tokens} are there, without taking them; a refusal starts a wait.
     *
     * @param tokens   how many
     * @param nowNanos the current monotonic time
     * @return true if {@link #tryAcquire} would succeed now
     */
    public boolean canAcquire(long tokens, long nowNanos) {
        refill(nowNanos);
        if (available >= needed(tokens)) {
            return true;
        }
        startWaiting(nowNanos, available);
        return false;
    }

    /**
     * Takes {@code tokens} unconditionally, possibly into debt: a grant, so any wait ends. Pair with
     * {@link #canAcquire} when two buckets must grant together.
     *
     * @param tokens how many
     */
    public void consume(long tokens) {
        available -= tokens * UNITS_PER_TOKEN;
        waiting = false;
    }

    /**
     * Notes that requests wait although none was refused: the owner stopped early (a limit of its own) with
     * some left. What the bucket holds is kept for them, and time from now counts toward the catch-up, as
     * if they had been refused. No effect while a wait is already running.
     *
     * @param nowNanos the current monotonic time
     */
    public void markWaiting(long nowNanos) {
        refill(nowNanos);
        startWaiting(nowNanos, available);
    }

    /**
     * Notes that a request waits because another bucket that must grant together with this one refused it.
     * Time from now counts toward the catch-up, so that whichever bucket holds the next request back has
     * what a continuously running owner would have had; but what this bucket holds beyond its burst is not
     * carried through the wait, so a bucket that never binds stays near its burst. No effect while a wait
     * is already running.
     *
     * @param nowNanos the current monotonic time
     */
    public void markWaitingOnAnother(long nowNanos) {
        refill(nowNanos);
        startWaiting(nowNanos, Math.min(available, capacity));
    }

    /**
     * How long until {@code tokens} can be taken; a wait longer than 0 starts a wait for the catch-up.
     *
     * @param tokens   how many
     * @param nowNanos the current monotonic time
     * @return nanoseconds to wait, 0 if available now
     */
    public long nanosUntilAvailable(long tokens, long nowNanos) {
        refill(nowNanos);
        long deficit = needed(tokens) - available;
        if (deficit <= 0) {
            return 0;
        }
        startWaiting(nowNanos, available);
        return (deficit + rate - 1) / rate;
    }

    /**
     * The whole tokens available now.
     *
     * @param nowNanos the current monotonic time
     * @return the count, negative while in debt
     */
    public long availableTokens(long nowNanos) {
        refill(nowNanos);
        return Math.floorDiv(available, UNITS_PER_TOKEN);
    }

    /** Tokens per second. */
    public long rate() {
        return rate;
    }

    /** The most tokens the bucket holds after an idle period. */
    public long burst() {
        return burst;
    }

    /** The longest wait credited in full, in nanoseconds; 0 for a classic bucket. */
    public long catchUpNanos() {
        return catchUpNanos;
    }

    private long needed(long tokens) {
        // Capped at the capacity so that a request above the burst is granted from a full bucket.
        return tokens >= burst ? capacity : tokens * UNITS_PER_TOKEN;
    }

    private void startWaiting(long nowNanos, long fromUnits) {
        if (!waiting) {
            waiting = true;
            waitingSinceNanos = nowNanos;
            waitingFromUnits = fromUnits;
        }
    }

    /**
     * The most the bucket may hold now: the capacity, or while a request waits what a continuously running
     * owner would have had by now (what the bucket held when the wait began plus what accrued since, up to
     * the window), at most the catch-up and at least the capacity.
     */
    private long ceiling(long nowNanos) {
        if (!waiting) {
            return capacity;
        }
        long waited = Math.max(0, nowNanos - waitingSinceNanos);
        // waited < catchUpNanos keeps the product below catchUpUnits <= MAX_CATCH_UP_UNITS.
        long credit = waited >= catchUpNanos ? catchUpUnits : waited * rate;
        return Math.max(capacity, Math.min(catchUpUnits, waitingFromUnits + credit));
    }

    private void refill(long nowNanos) {
        long elapsed = nowNanos - lastRefillNanos;
        if (elapsed <= 0) {
            return;
        }
        lastRefillNanos = nowNanos;
        long ceiling = ceiling(nowNanos);
        // Both terms are at most about 2 * 10^18 (a debt is at most one request), so room cannot overflow,
        // and elapsed * rate is only taken when it is at most room.
        long room = ceiling - available;
        if (room <= 0) {
            // Above the ceiling: what a catch-up left once nothing waits any more is not kept while idle.
            available = ceiling;
        } else {
            available = elapsed > room / rate ? ceiling : available + elapsed * rate;
        }
    }

    @Override
    public String toString() {
        return "TokenBucket[rate=" + rate + "/s, burst=" + burst
                + (catchUpNanos == 0 ? "" : ", catch-up " + catchUpNanos / 1_000_000 + " ms") + "]";
    }
}

package io.zsync.stream;

/**
 * A token bucket in exact integer arithmetic: {@code rate} tokens per second, holding at most
 * {@code burst}. It starts full. Not thread-safe: one owner (the stream's dispatcher) calls it, which is
 * what makes an acquire a handful of arithmetic operations with no atomics.
 *
 * <p>Tokens are kept in units of 10<sup>-9</sup> token, so that {@code elapsedNanos * rate} adds
 * exactly what accrued, with no rounding drift over any length of time. An acquire larger than the
 * burst succeeds once the bucket is full and leaves it in debt, so an oversized request waits its fair
 * time instead of forever.
 */
public final class TokenBucket {
    private static final long UNITS_PER_TOKEN = 1_000_000_000L;

    private final long rate;
    private final long burst;
    private final long capacity;
    private final long nanosToFill;
    private long available;
    private long lastRefillNanos;

    /**
     * @param ratePerSecond tokens added per second, 1 to 10<sup>9</sup>
     * @param burst         the most tokens the bucket holds, 1 to 10<sup>9</sup>
     * @param nowNanos      the current monotonic time of the clock that will be passed to the bucket
     */
    public TokenBucket(long ratePerSecond, long burst, long nowNanos) {
        if (ratePerSecond < 1 || ratePerSecond > UNITS_PER_TOKEN) {
            throw new IllegalArgumentException("rate must be between 1 and 1000000000 per second, was " + ratePerSecond);
        }
        if (burst < 1 || burst > UNITS_PER_TOKEN) {
            throw new IllegalArgumentException("burst must be between 1 and 1000000000, was " + burst);
        }
        this.rate = ratePerSecond;
        this.burst = burst;
        this.capacity = burst * UNITS_PER_TOKEN;
        this.nanosToFill = (capacity + ratePerSecond - 1) / ratePerSecond;
        this.available = capacity;
        this.lastRefillNanos = nowNanos;
    }

    /**
     * Takes {@code tokens} if they are there.
     *
     * @param tokens   how many, at least 0; more than the burst is granted only from a full bucket
     * @param nowNanos the current monotonic time
     * @return true if taken
     */
    public boolean tryAcquire(long tokens, long nowNanos) {
        refill(nowNanos);
        if (available >= needed(tokens)) {
            available -= tokens * UNITS_PER_TOKEN;
            return true;
        }
        return false;
    }

    /**
     * Whether {@code tokens} are there, without taking them.
     *
     * @param tokens   how many
     * @param nowNanos the current monotonic time
     * @return true if {@link #tryAcquire} would succeed now
     */
    public boolean canAcquire(long tokens, long nowNanos) {
        refill(nowNanos);
        return available >= needed(tokens);
    }

    /**
     * Takes {@code tokens} unconditionally, possibly into debt. Pair with {@link #canAcquire} when two
     * buckets must grant together.
     *
     * @param tokens how many
     */
    public void consume(long tokens) {
        available -= tokens * UNITS_PER_TOKEN;
    }

    /**
     * How long until {@code tokens} can be taken.
     *
     * @param tokens   how many
     * @param nowNanos the current monotonic time
     * @return nanoseconds to wait, 0 if available now
     */
    public long nanosUntilAvailable(long tokens, long nowNanos) {
        refill(nowNanos);
        long deficit = needed(tokens) - available;
        return deficit <= 0 ? 0 : (deficit + rate - 1) / rate;
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

    /** The most tokens the bucket holds. */
    public long burst() {
        return burst;
    }

    private long needed(long tokens) {
        // Capped at the capacity so that a request above the burst is granted from a full bucket.
        return tokens >= burst ? capacity : tokens * UNITS_PER_TOKEN;
    }

    private void refill(long nowNanos) {
        long elapsed = nowNanos - lastRefillNanos;
        if (elapsed <= 0) {
            return;
        }
        lastRefillNanos = nowNanos;
        // Past nanosToFill even an empty bucket is full, and the product below cannot overflow before it
        // (elapsed * rate <= capacity + rate). A bucket in debt needs longer than nanosToFill, so it only
        // takes the shortcut when the product could overflow, where it refills to exactly the capacity.
        if (elapsed >= nanosToFill && (available >= 0 || elapsed > Long.MAX_VALUE / rate)) {
            available = capacity;
        } else {
            available = Math.min(capacity, available + elapsed * rate);
        }
    }

    @Override
    public String toString() {
        return "TokenBucket[rate=" + rate + "/s, burst=" + burst + "]";
    }
}

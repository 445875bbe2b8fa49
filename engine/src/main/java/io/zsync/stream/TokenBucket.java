package io.zsync.stream;

/**
 * A token bucket in exact integer arithmetic: {@code rate} tokens per second, holding at most
 * {@code burst} while idle. It starts full, or empty ({@code startFull} false). Not thread-safe: one owner
 * (the stream's dispatcher) calls it, which is what makes an acquire a handful of arithmetic operations with
 * no atomics and no allocation; {@link #setRate} too must come from the owner or under the owner's lock.
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
 *
 * <p><b>Changing the rate.</b> {@link #setRate} lets whoever shares a rate out (an application-wide
 * coordinator) change it while the owner runs: what accrued so far accrued at the old rate, the new one
 * applies from then on. A rate of 0 is allowed there and means nothing passes until the rate is raised
 * (not "no limit"): every request is refused and {@link #nanosUntilAvailable} says {@link Long#MAX_VALUE}.
 */
public final class TokenBucket {
    private static final long UNITS_PER_TOKEN = 1_000_000_000L;
    /** The most units a catch-up may credit: the largest burst's worth, so sums of units cannot overflow. */
    private static final long MAX_CATCH_UP_UNITS = UNITS_PER_TOKEN * UNITS_PER_TOKEN;

    private static final long MAX_RATE = UNITS_PER_TOKEN;

    /** The catch-up window asked for at construction, kept so that {@link #setRate} can fit it to a new rate. */
    private final long requestedCatchUpNanos;
    // Not final: setRate changes them. Same single owner as everything else here.
    /** Tokens per second, 0 (nothing passes) to MAX_RATE; 0 only through setRate. */
    private long rate;
    private long burst;
    private long capacity;
    /** The catch-up window, shortened so that {@code catchUpNanos * rate} stays within MAX_CATCH_UP_UNITS. */
    private long catchUpNanos;
    private long catchUpUnits;
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
        this(ratePerSecond, burst, catchUpNanos, nowNanos, true);
    }

    /**
     * A bucket that catches up like {@link #TokenBucket(long, long, long, long)}, starting full or empty. An
     * empty start suits a rate shared by many owners (an application's tasks): a task that restarts must not
     * bring a fresh burst each time.
     *
     * @param ratePerSecond tokens added per second, 1 to 10<sup>9</sup> (0 is only taken by {@link #setRate})
     * @param burst         the most tokens the bucket holds after an idle period, 1 to 10<sup>9</sup>
     * @param catchUpNanos  the longest wait credited in full, at least 0 (0: none)
     * @param nowNanos      the current monotonic time of the clock that will be passed to the bucket
     * @param startFull     true to start with {@code burst} tokens, false to start with none
     * @throws IllegalArgumentException if a value is out of range, naming it
     */
    public TokenBucket(long ratePerSecond, long burst, long catchUpNanos, long nowNanos, boolean startFull) {
        if (ratePerSecond < 1 || ratePerSecond > MAX_RATE) {
            throw new IllegalArgumentException("rate must be between 1 and 1000000000 per second, was " + ratePerSecond);
        }
        checkBurst(burst);
        if (catchUpNanos < 0) {
            throw new IllegalArgumentException("catch-up window must be at least 0 ns, was " + catchUpNanos);
        }
        this.requestedCatchUpNanos = catchUpNanos;
        apply(ratePerSecond, burst);
        this.available = startFull ? capacity : 0;
        this.lastRefillNanos = nowNanos;
    }

    /**
     * Changes the rate and the burst from {@code nowNanos} on. The tokens that accrued until then accrue at
     * the old rate; after that an idle bucket holds at most the new burst, and one whose requests wait keeps
     * its catch-up credit up to the new rate's window ({@code max(burst, rate × window)}), so a cut bounds
     * what leaves at once by the new rate, and frequent small changes (an application-wide coordinator's)
     * do not cost a rarely dispatching owner its catch-up. A debt stays a debt. A wait that was running
     * restarts now, from what the bucket now holds, so the catch-up credits the new rate only. The catch-up window given at
     * construction is kept (shortened for a large rate as at construction). A rate of 0 also empties the
     * bucket: nothing passes until the rate is raised, and then the bucket fills at the new rate from
     * empty. Setting the values the bucket already has changes nothing, so an allowance may be repeated
     * freely without costing the owner its catch-up.
     *
     * @param ratePerSecond tokens added per second, 0 (nothing passes until raised) to 10<sup>9</sup>
     * @param burst         the most tokens the bucket holds after an idle period, 1 to 10<sup>9</sup>
     * @param nowNanos      the current monotonic time
     * @throws IllegalArgumentException if a value is out of range, naming it; the bucket is then unchanged
     */
    public void setRate(long ratePerSecond, long burst, long nowNanos) {
        checkSettable(ratePerSecond, burst);
        if (ratePerSecond == rate && burst == this.burst) {
            return;
        }
        refill(nowNanos);
        apply(ratePerSecond, burst);
        // Idle, at most the new burst. While requests wait, what they were credited is kept up to the new
        // rate's catch-up window: a coordinator that adjusts the rate every few hundred ms must not cost an
        // owner that dispatches rarely its catch-up each time (it would fall below its rate), and a cut still
        // bounds what leaves at once by the new rate. Rate 0 keeps nothing (see the method comment). A debt
        // stays.
        long keep = ratePerSecond == 0 ? 0 : waiting ? Math.max(capacity, catchUpUnits) : capacity;
        available = Math.min(available, keep);
        if (waiting) {
            waitingSinceNanos = nowNanos;
            waitingFromUnits = available;
        }
    }

    /**
     * Checks values for {@link #setRate} without applying them, so that several buckets can be changed
     * together or not at all.
     *
     * @throws IllegalArgumentException if a value is out of range, naming it
     */
    static void checkSettable(long ratePerSecond, long burst) {
        if (ratePerSecond < 0 || ratePerSecond > MAX_RATE) {
            throw new IllegalArgumentException("rate must be between 0 (nothing passes) and 1000000000 per second, was "
                    + ratePerSecond);
        }
        checkBurst(burst);
    }

    private static void checkBurst(long burst) {
        if (burst < 1 || burst > UNITS_PER_TOKEN) {
            throw new IllegalArgumentException("burst must be between 1 and 1000000000, was " + burst);
        }
    }

    private void apply(long ratePerSecond, long burst) {
        this.rate = ratePerSecond;
        this.burst = burst;
        this.capacity = burst * UNITS_PER_TOKEN;
        // Rate 0 credits nothing, so the window needs no shortening (and must not divide by it).
        this.catchUpNanos = ratePerSecond == 0 ? requestedCatchUpNanos
                : Math.min(requestedCatchUpNanos, MAX_CATCH_UP_UNITS / ratePerSecond);
        this.catchUpUnits = this.catchUpNanos * ratePerSecond;
    }

    /**
     * Takes {@code tokens} if they are there; a refusal starts a wait (see the class comment). Always
     * refused while the rate is 0, even a request for 0 tokens.
     *
     * @param tokens   how many, at least 0; more than the burst is granted only from a full bucket
     * @param nowNanos the current monotonic time
     * @return true if taken
     */
    public boolean tryAcquire(long tokens, long nowNanos) {
        refill(nowNanos);
        if (rate != 0 && available >= needed(tokens)) {
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
     * @return true if {@link #tryAcquire} would succeed now; false while the rate is 0
     */
    public boolean canAcquire(long tokens, long nowNanos) {
        refill(nowNanos);
        if (rate != 0 && available >= needed(tokens)) {
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
     * @return nanoseconds to wait, 0 if available now; {@link Long#MAX_VALUE} while the rate is 0, meaning
     *         until the rate is raised (a duration to cap, never to add to a time)
     */
    public long nanosUntilAvailable(long tokens, long nowNanos) {
        refill(nowNanos);
        if (rate == 0) {
            startWaiting(nowNanos, available);
            return Long.MAX_VALUE;
        }
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

    /** Tokens per second now; 0 while nothing passes (see {@link #setRate}). */
    public long rate() {
        return rate;
    }

    /** The most tokens the bucket holds after an idle period. */
    public long burst() {
        return burst;
    }

    /** The longest wait credited in full at the current rate, in nanoseconds; 0 for a classic bucket. */
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
        } else if (rate == 0) {
            // Nothing accrues (and room / rate would divide by zero).
            return;
        } else {
            available = elapsed > room / rate ? ceiling : available + elapsed * rate;
        }
    }

    @Override
    public String toString() {
        return "TokenBucket[rate=" + rate + "/s" + (rate == 0 ? " (nothing passes)" : "") + ", burst=" + burst
                + (catchUpNanos == 0 ? "" : ", catch-up " + catchUpNanos / 1_000_000 + " ms") + "]";
    }
}

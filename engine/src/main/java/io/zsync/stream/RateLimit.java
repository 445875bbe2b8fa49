package io.zsync.stream;

/**
 * A rate limit of records and bytes: a records bucket and a bytes bucket, either optional, that must both
 * grant before a message passes, so that one held back by either spends neither. A message held back by
 * either makes both wait (see {@link TokenBucket}'s catch-up), so that an owner that only comes back now and
 * then gets both rates however the two alternate in holding it back. The stream's dispatcher uses it, and
 * so does the Connect {@code RateLimit} transform. Single owner, like {@link TokenBucket}.
 */
public final class RateLimit {
    private final TokenBucket records;
    private final TokenBucket bytes;

    /**
     * @param records the records bucket, or null for no record limit
     * @param bytes   the bytes bucket, or null for no byte limit
     * @throws IllegalArgumentException if both are null
     */
    public RateLimit(TokenBucket records, TokenBucket bytes) {
        if (records == null && bytes == null) {
            throw new IllegalArgumentException("a rate limit needs a records bucket, a bytes bucket or both");
        }
        this.records = records;
        this.bytes = bytes;
    }

    /**
     * Takes one record and {@code length} bytes if both buckets have them.
     *
     * @param length   the message's size in bytes
     * @param nowNanos the current monotonic time
     * @return true if taken
     */
    public boolean tryAcquire(long length, long nowNanos) {
        if (records != null && !records.canAcquire(1, nowNanos)) {
            if (bytes != null) {
                bytes.markWaitingOnAnother(nowNanos);
            }
            return false;
        }
        if (bytes != null) {
            if (!bytes.canAcquire(length, nowNanos)) {
                if (records != null) {
                    records.markWaitingOnAnother(nowNanos);
                }
                return false;
            }
            bytes.consume(length);
        }
        if (records != null) {
            records.consume(1);
        }
        return true;
    }

    /**
     * How long until one record of {@code length} bytes could pass.
     *
     * @param length   the message's size in bytes
     * @param nowNanos the current monotonic time
     * @return nanoseconds to wait, 0 if it could pass now
     */
    public long nanosUntilAvailable(long length, long nowNanos) {
        long recordsWait = records == null ? 0 : records.nanosUntilAvailable(1, nowNanos);
        long bytesWait = bytes == null ? 0 : bytes.nanosUntilAvailable(length, nowNanos);
        // A bucket that has to wait has started its wait; the other one waits on it.
        if (records != null && recordsWait == 0 && bytesWait > 0) {
            records.markWaitingOnAnother(nowNanos);
        }
        if (bytes != null && bytesWait == 0 && recordsWait > 0) {
            bytes.markWaitingOnAnother(nowNanos);
        }
        return Math.max(recordsWait, bytesWait);
    }

    /**
     * Changes the rates from {@code nowNanos} on, as {@link TokenBucket#setRate} does, for whichever buckets
     * this limit has: a value for a bucket it does not have is ignored (a limit built without a bytes bucket
     * gets none). The bytes bucket's burst becomes a tenth of a second's worth, {@code max(1, bytesPerSecond
     * / 10)}, as {@link StreamBuilder#withByteRateLimit} sets it. Either both buckets change or, if a value
     * is refused, neither. Same single owner as the rest of this class.
     *
     * @param recordsPerSecond records per second, 0 (nothing passes until raised) to 10<sup>9</sup>
     * @param recordsBurst     records after an idle period, 1 to 10<sup>9</sup>
     * @param bytesPerSecond   bytes per second, 0 (nothing passes until raised) to 10<sup>9</sup>
     * @param nowNanos         the current monotonic time
     * @throws IllegalArgumentException if a value for an existing bucket is out of range, naming it
     */
    public void setRates(long recordsPerSecond, long recordsBurst, long bytesPerSecond, long nowNanos) {
        long bytesBurst = Math.max(1, bytesPerSecond / 10);
        // Checked up front so that a refused bytes value does not leave the records rate changed alone.
        if (records != null) {
            check("records", () -> TokenBucket.checkSettable(recordsPerSecond, recordsBurst));
        }
        if (bytes != null) {
            check("bytes", () -> TokenBucket.checkSettable(bytesPerSecond, bytesBurst));
        }
        if (records != null) {
            records.setRate(recordsPerSecond, recordsBurst, nowNanos);
        }
        if (bytes != null) {
            bytes.setRate(bytesPerSecond, bytesBurst, nowNanos);
        }
    }

    private static void check(String what, Runnable check) {
        try {
            check.run();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " " + e.getMessage(), e);
        }
    }

    /**
     * Notes that messages wait although none was refused: the owner stopped early with some left. Both
     * buckets keep what they hold for them, and time from now counts toward their catch-up.
     *
     * @param nowNanos the current monotonic time
     */
    public void markWaiting(long nowNanos) {
        if (records != null) {
            records.markWaiting(nowNanos);
        }
        if (bytes != null) {
            bytes.markWaiting(nowNanos);
        }
    }

    @Override
    public String toString() {
        return (records == null ? "" : records.rate() + " records/s (burst " + records.burst() + ")")
                + (records != null && bytes != null ? ", " : "")
                + (bytes == null ? "" : bytes.rate() + " bytes/s (burst " + bytes.burst() + ")");
    }
}

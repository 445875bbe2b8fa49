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

package io.zsync.stream;

/**
 * The stream's rate limit: a records bucket and a bytes bucket, either optional, that must both grant
 * before a message is dispatched. Single owner, like {@link TokenBucket}.
 */
final class RateLimit {
    private final TokenBucket records;
    private final TokenBucket bytes;

    RateLimit(TokenBucket records, TokenBucket bytes) {
        this.records = records;
        this.bytes = bytes;
    }

    /** Takes one record and {@code length} bytes if both buckets have them. */
    boolean tryAcquire(int length, long nowNanos) {
        if (records != null && !records.canAcquire(1, nowNanos)) {
            return false;
        }
        if (bytes != null) {
            if (!bytes.canAcquire(length, nowNanos)) {
                return false;
            }
            bytes.consume(length);
        }
        if (records != null) {
            records.consume(1);
        }
        return true;
    }

    /** How long until one record of {@code length} bytes could be dispatched. */
    long nanosUntilAvailable(int length, long nowNanos) {
        long wait = records == null ? 0 : records.nanosUntilAvailable(1, nowNanos);
        return bytes == null ? wait : Math.max(wait, bytes.nanosUntilAvailable(length, nowNanos));
    }

    @Override
    public String toString() {
        return (records == null ? "" : records.rate() + " records/s (burst " + records.burst() + ")")
                + (records != null && bytes != null ? ", " : "")
                + (bytes == null ? "" : bytes.rate() + " bytes/s (burst " + bytes.burst() + ")");
    }
}

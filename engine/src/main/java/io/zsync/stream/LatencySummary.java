package io.zsync.stream;

/**
 * Send-to-deliver latency of one priority level since the stream started, from an HdrHistogram with
 * three significant digits.
 *
 * @param count   deliveries recorded
 * @param p50Nanos median
 * @param p99Nanos 99th percentile
 * @param p999Nanos 99.9th percentile
 * @param maxNanos the largest
 */
public record LatencySummary(long count, long p50Nanos, long p99Nanos, long p999Nanos, long maxNanos) {
    /** No deliveries yet. */
    public static final LatencySummary EMPTY = new LatencySummary(0, 0, 0, 0, 0);

    @Override
    public String toString() {
        return count == 0 ? "no deliveries"
                : String.format("n=%d p50=%.1fµs p99=%.1fµs p999=%.1fµs max=%.1fµs",
                        count, p50Nanos / 1e3, p99Nanos / 1e3, p999Nanos / 1e3, maxNanos / 1e3);
    }
}

package io.zsync.kafka;

/**
 * Time arithmetic on epoch microseconds that saturates instead of overflowing. Kafka lets a producer
 * write any non-negative long as a record timestamp (a timestamp in nanoseconds by mistake is common) and a
 * TTL may be configured up to {@code Long.MAX_VALUE} ms: {@code timestamp * 1000 + ttl} overflows for such
 * inputs, and a wrapped, negative deadline would expire the record at once. Saturated at
 * {@code Long.MAX_VALUE} (= {@code StreamMessage.NO_DEADLINE}), such a deadline means "never".
 */
public final class EpochMicros {
    private static final long MICROS_PER_MILLI = 1_000L;

    private EpochMicros() {
    }

    /** {@code ms * 1000}, clamped to the range of a long. */
    public static long fromMillis(long ms) {
        if (ms > Long.MAX_VALUE / MICROS_PER_MILLI) {
            return Long.MAX_VALUE;
        }
        if (ms < Long.MIN_VALUE / MICROS_PER_MILLI) {
            return Long.MIN_VALUE;
        }
        return ms * MICROS_PER_MILLI;
    }

    /** {@code a + b}, clamped to the range of a long. */
    public static long plus(long a, long b) {
        long sum = a + b;
        // Overflow iff both operands have the same sign and the sum's sign differs (Hacker's Delight 2-13).
        if (((a ^ sum) & (b ^ sum)) < 0) {
            return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return sum;
    }
}

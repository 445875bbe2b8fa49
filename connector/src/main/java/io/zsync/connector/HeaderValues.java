package io.zsync.connector;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.connect.header.Header;

/**
 * Reads zsync's text headers whatever the worker's header converter made of them. A source connector's
 * transform sees the string it wrote; a sink connector's sees what {@code header.converter} parsed from
 * the bytes: with the default {@code SimpleHeaderConverter} a deadline such as {@code 1732449600000000}
 * arrives as a {@code Long}, with {@code StringConverter} as a string, with {@code ByteArrayConverter} as
 * bytes. The readers here give the same answer for the same bytes under every one of them.
 */
public final class HeaderValues {
    /**
     * Digits left of the point past which a number cannot be a long (which has 19): checked before any
     * exact conversion, so that a header such as {@code 1e999999999} costs no more than a short one.
     */
    private static final int LONG_DIGITS = 19;

    private HeaderValues() {
    }

    /**
     * The header's value as the text it was written as, or null for a null value.
     *
     * @throws IllegalArgumentException if the converter turned it into something else (a map, a float)
     */
    public static String text(Header header) {
        Object v = header.value();
        if (v == null) {
            return null;
        }
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        if (v instanceof ByteBuffer b) {
            return StandardCharsets.UTF_8.decode(b.duplicate()).toString();
        }
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return v.toString();
        }
        throw new IllegalArgumentException("header " + header.key() + " holds a " + v.getClass().getSimpleName()
                + " (" + v + "), not text; set header.converter=org.apache.kafka.connect.storage.StringConverter");
    }

    /**
     * The {@code zsync.deadline} value: epoch microseconds, a whole number in decimal (after trimming
     * blanks; a sign, a fraction of zeros and an exponent are taken as {@link BigDecimal} takes them, since
     * that is how {@code SimpleHeaderConverter} reads them, e.g. {@code 1.5e15}). Negative values are times
     * before 1970, long past.
     *
     * <p>The same bytes give the same answer under every header converter: a converter's integer is that
     * number; its {@code BigDecimal} follows the text rule; a {@code Float} or {@code Double} is refused,
     * since {@code SimpleHeaderConverter} makes one only of a fraction or of a number beyond the range of a
     * long, both refused as text too, and its rounding could make either look whole and in range.
     *
     * @throws IllegalArgumentException if the header has no value, or it is not a number, not a whole
     *                                  number, or outside the range of a long (whose end, 9223372036854775807
     *                                  µs, is in the year 294247)
     */
    public static long epochMicros(Header header) {
        Object v = header.value();
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v == null) {
            throw invalid(header, "has no value");
        }
        if (v instanceof Float || v instanceof Double) {
            throw invalid(header, "was read as the floating-point number " + v + ", which is a fraction or out of range");
        }
        String text;
        if (v instanceof Number) {
            // BigDecimal from SimpleHeaderConverter (kept exactly), or a custom converter's BigInteger.
            text = v.toString();
        } else {
            text = text(header).trim();
        }
        BigDecimal number;
        try {
            number = new BigDecimal(text);
        } catch (NumberFormatException e) {
            throw invalid(header, "was '" + text + "'");
        }
        if (number.signum() != 0 && number.precision() - number.scale() > LONG_DIGITS) {
            throw invalid(header, "was '" + text + "', beyond the range of a long");
        }
        try {
            return number.longValueExact();
        } catch (ArithmeticException e) {
            throw invalid(header, "was '" + text + "', not a whole number or beyond the range of a long");
        }
    }

    private static IllegalArgumentException invalid(Header header, String what) {
        return new IllegalArgumentException("header " + header.key() + " must be epoch microseconds as a whole"
                + " decimal number, but it " + what);
    }
}

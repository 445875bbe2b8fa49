package io.zsync.connector;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.connect.header.Header;

/**
 * Reads zsync's text headers whatever the worker's header converter made of them. A source connector's
 * transform sees the string it wrote; a sink connector's sees what {@code header.converter} parsed from
 * the bytes: with the default {@code SimpleHeaderConverter} a deadline such as {@code 1732449600000000}
 * arrives as a {@code Long}, with {@code StringConverter} as a string, with {@code ByteArrayConverter} as
 * bytes.
 */
public final class HeaderValues {
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
     * The {@code zsync.deadline} value: epoch microseconds.
     *
     * @throws IllegalArgumentException if it is not a decimal number
     */
    public static long epochMicros(Header header) {
        Object v = header.value();
        if (v instanceof Long || v instanceof Integer) {
            return ((Number) v).longValue();
        }
        String text = text(header);
        try {
            return Long.parseLong(text == null ? "" : text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("header " + header.key() + " must be epoch microseconds as a decimal"
                    + " number, was '" + text + "'", e);
        }
    }
}

package io.zsync.accel;

import java.util.Arrays;
import java.util.Locale;

/**
 * A repeating XOR key, prepared once so that masking allocates nothing. Byte {@code i} of a stream is
 * XORed with {@code key[(phase + i) % key.length]}; the phase lets a stream be masked in pieces.
 *
 * <p>The key is kept with a repeated copy of itself long enough for any vector width, so the vector
 * and 8-byte paths load the key at any phase with one unaligned read.
 */
public final class XorKey {
    /**
     * Enough repetition for four of the widest vectors (2048-bit SVE) plus one 8-byte word: the vector
     * path loads the keys for four consecutive blocks from one contiguous stretch.
     */
    static final int PATTERN_SLACK = 4 * 256 + 8;

    private final byte[] key;
    private final byte[] pattern;

    private XorKey(byte[] key) {
        this.key = key;
        this.pattern = new byte[key.length + PATTERN_SLACK];
        for (int i = 0; i < pattern.length; i++) {
            pattern[i] = key[i % key.length];
        }
    }

    /**
     * A key of the given bytes, copied.
     *
     * @param key the key, at least one byte
     * @return the prepared key
     * @throws NullPointerException     if {@code key} is null
     * @throws IllegalArgumentException if {@code key} is empty
     */
    public static XorKey of(byte[] key) {
        if (key == null) {
            throw new NullPointerException("key must not be null");
        }
        if (key.length == 0) {
            throw new IllegalArgumentException("key must have at least 1 byte, got 0");
        }
        return new XorKey(key.clone());
    }

    /**
     * A key from hexadecimal text such as {@code 5a3c}, as Kafka configs carry it.
     *
     * @param hex an even number of hex digits, at least two
     * @return the prepared key
     * @throws IllegalArgumentException naming the text if it is empty, odd-length or not hex
     */
    public static XorKey fromHex(String hex) {
        if (hex == null) {
            throw new NullPointerException("key hex must not be null");
        }
        String text = hex.trim();
        if (text.isEmpty() || text.length() % 2 != 0) {
            throw new IllegalArgumentException("key hex must be a non-empty, even number of hex digits, got '"
                    + hex + "'");
        }
        byte[] bytes = new byte[text.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            int high = Character.digit(text.charAt(2 * i), 16);
            int low = Character.digit(text.charAt(2 * i + 1), 16);
            if (high < 0 || low < 0) {
                throw new IllegalArgumentException("key hex must contain only hex digits 0-9 and a-f, got '"
                        + hex + "'");
            }
            bytes[i] = (byte) (high << 4 | low);
        }
        return new XorKey(bytes);
    }

    /**
     * The key's length in bytes: the period of the mask.
     *
     * @return at least 1
     */
    public int length() {
        return key.length;
    }

    /**
     * A copy of the key bytes.
     *
     * @return the key
     */
    public byte[] bytes() {
        return key.clone();
    }

    /**
     * The key as lower-case hex.
     *
     * @return the hex text
     */
    public String toHex() {
        StringBuilder text = new StringBuilder(key.length * 2);
        for (byte b : key) {
            text.append(String.format(Locale.ROOT, "%02x", b & 0xff));
        }
        return text.toString();
    }

    /** The key repeated to {@code length() + PATTERN_SLACK} bytes; never handed out. */
    byte[] pattern() {
        return pattern;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof XorKey && Arrays.equals(key, ((XorKey) other).key);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(key);
    }

    /** Shows the length only: a masking key is a secret of sorts and must not reach logs. */
    @Override
    public String toString() {
        return "XorKey[" + key.length + " bytes]";
    }
}

package io.zsync.stream;

import java.util.Locale;

/**
 * A message's priority. A higher level is always dispatched before a lower one. Subscription masks
 * have bit {@code 1 << ordinal()} per level: {@link #LOW} {@code 0x1} up to {@link #CRITICAL}
 * {@code 0x8}; {@link #ALL} ({@code 0xFF}) takes every level.
 */
public enum Priority {
    LOW, NORMAL, HIGH, CRITICAL;

    /** The mask that takes every level. */
    public static final int ALL = 0xFF;

    private static final Priority[] VALUES = values();

    /** The number of levels. */
    public static final int COUNT = VALUES.length;

    /**
     * This level's bit in a subscription mask.
     *
     * @return {@code 1 << ordinal()}
     */
    public int mask() {
        return 1 << ordinal();
    }

    /**
     * The level with the given ordinal, without allocating.
     *
     * @param ordinal 0 ({@link #LOW}) to 3 ({@link #CRITICAL})
     * @return the level
     */
    public static Priority of(int ordinal) {
        return VALUES[ordinal];
    }

    /**
     * Parses a level's name, ignoring case and surrounding blanks, as the {@code zsync.priority} header
     * carries it.
     *
     * @param name the name, such as {@code "high"}
     * @return the level
     * @throws IllegalArgumentException naming the value and the allowed names if it is not a level
     */
    public static Priority parse(String name) {
        if (name != null) {
            String upper = name.trim().toUpperCase(Locale.ROOT);
            for (Priority p : VALUES) {
                if (p.name().equals(upper)) {
                    return p;
                }
            }
        }
        throw new IllegalArgumentException("Unknown priority '" + name + "'; allowed (any case): LOW, NORMAL, HIGH, CRITICAL");
    }

    /**
     * Combines levels into a subscription mask.
     *
     * @param levels the levels to take
     * @return the mask with each level's bit set
     */
    public static int maskOf(Priority... levels) {
        int mask = 0;
        for (Priority p : levels) {
            mask |= p.mask();
        }
        return mask;
    }
}

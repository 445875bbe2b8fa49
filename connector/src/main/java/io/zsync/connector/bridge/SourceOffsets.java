package io.zsync.connector.bridge;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Set;

/**
 * The bridge's source offset format: what one stored offset says about one source partition, written by
 * {@link PartitionProgress} and read back by it after a restart and by the connector's
 * {@code alterOffsets} (KIP-875).
 *
 * <p>An offset is one of:
 * <ul>
 *   <li>{@code {"offset": N}}: resume at N; every record from N on is read and delivered. This is what a
 *       user writes through {@code PATCH /connectors/<name>/offsets}.</li>
 *   <li>{@code {"offset": N, "next": M, "pending": P}} and optionally {@code "sent": S, "count": K}: resume
 *       at N, and of the records below M deliver only those in P, less the first K of S. Below M the others
 *       were delivered before. P is either the first version's text ranges ({@code "5,7-9"}) or a compact
 *       set: {@code r} + base64url of varint (gap, length) runs from N, or {@code b} + base64url of a bitmap
 *       from N, whichever is shorter. S is {@code l} + base64url of zigzag varint steps from N: the offsets a
 *       poll batch returned, in the order it returned them, so that every record of a batch can carry the
 *       exact offset for "this record and the ones before it are written" while sharing the two strings.</li>
 * </ul>
 *
 * <p>Either form may carry {@code "topicId"}: the source topic's ID (KIP-516) when it was written. A
 * topic deleted and recreated under the same name, or the same name on another cluster, has another ID,
 * and an offset of the old one means nothing there.
 *
 * <p>Every parse error is an {@link IllegalArgumentException} whose message names the field.
 */
public final class SourceOffsets {
    public static final String OFFSET = "offset";
    public static final String NEXT = "next";
    public static final String PENDING = "pending";
    public static final String SENT = "sent";
    public static final String COUNT = "count";
    /** The source topic's ID (KIP-516) when the offset was written; optional. */
    public static final String TOPIC_ID = "topicId";
    static final Set<String> FIELDS = Set.of(OFFSET, NEXT, PENDING, SENT, COUNT, TOPIC_ID);

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private SourceOffsets() {
    }

    /**
     * Where to resume one partition: at {@code offset}; below {@code next} only the offsets inside the
     * ranges {@code [starts[i], ends[i]]} (sorted, disjoint, inside {@code [offset, next)}) are still to be
     * delivered.
     *
     * @param offset the first offset to read
     * @param next   the first offset that was never read; equal to {@code offset} when nothing is skipped
     * @param starts the ranges' first offsets
     * @param ends   the ranges' last offsets (inclusive)
     * @param topicId the topic ID the offset was written for, or null when it does not say
     */
    public record Resume(long offset, long next, long[] starts, long[] ends, String topicId) {
        /** Whether offsets below {@link #next} are to be skipped unless listed. */
        public boolean skips() {
            return next > offset;
        }
    }

    /**
     * Reads a stored or user-written offset.
     *
     * @param stored the offset map; null when there is none
     * @return where to resume, or null when there is no offset (the consumer's reset policy applies)
     * @throws IllegalArgumentException naming the field that is missing, of the wrong type or malformed
     */
    public static Resume parse(Map<String, ?> stored) {
        if (stored == null) {
            return null;
        }
        for (String field : stored.keySet()) {
            if (!FIELDS.contains(field)) {
                throw new IllegalArgumentException("unknown field '" + field + "' (the fields are offset and"
                        + " topicId, and for offsets the bridge writes itself next, pending, sent and count)");
            }
        }
        Object topicId = stored.get(TOPIC_ID);
        if (topicId != null && !(topicId instanceof String)) {
            throw new IllegalArgumentException("field 'topicId' must be a string (a topic ID), got "
                    + topicId.getClass().getSimpleName() + " " + topicId);
        }
        String id = (String) topicId;
        long offset = whole(stored, OFFSET, true);
        if (offset < 0) {
            throw new IllegalArgumentException("field 'offset' must be at least 0, got " + offset);
        }
        boolean hasNext = stored.get(NEXT) != null;
        boolean hasPending = stored.get(PENDING) != null;
        if (hasNext != hasPending) {
            throw new IllegalArgumentException("fields 'next' and 'pending' go together: an offset with one must"
                    + " have the other (write {\"offset\": N} alone to resume at N)");
        }
        boolean hasSent = stored.get(SENT) != null;
        if (hasSent != (stored.get(COUNT) != null) || hasSent && !hasNext) {
            throw new IllegalArgumentException("fields 'sent' and 'count' go together, and only with 'next' and"
                    + " 'pending'");
        }
        if (!hasNext) {
            return new Resume(offset, offset, new long[0], new long[0], id);
        }
        long next = whole(stored, NEXT, true);
        if (next < offset) {
            throw new IllegalArgumentException("field 'next' (" + next + ") must not be below 'offset' (" + offset + ")");
        }
        long[][] ranges = pending(text(stored, PENDING), offset, next);
        if (hasSent) {
            long count = whole(stored, COUNT, true);
            long[] sent = decodeList(text(stored, SENT), offset, next);
            if (count < 0 || count > sent.length) {
                throw new IllegalArgumentException("field 'count' must be 0 to " + sent.length + " (the offsets in"
                        + " 'sent'), got " + count);
            }
            ranges = without(ranges, Arrays.copyOf(sent, (int) count));
        }
        return new Resume(offset, next, ranges[0], ranges[1], id);
    }

    private static long whole(Map<String, ?> stored, String field, boolean required) {
        Object value = stored.get(field);
        if (value == null) {
            if (required) {
                throw new IllegalArgumentException("field '" + field + "' is missing");
            }
            return -1;
        }
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        throw new IllegalArgumentException("field '" + field + "' must be a whole number, got "
                + (value instanceof String ? "the string \"" + value + "\"" : value.getClass().getSimpleName() + " "
                + value));
    }

    private static String text(Map<String, ?> stored, String field) {
        Object value = stored.get(field);
        if (!(value instanceof String s)) {
            throw new IllegalArgumentException("field '" + field + "' must be a string, got "
                    + value.getClass().getSimpleName() + " " + value);
        }
        return s;
    }

    /** The pending ranges: {starts, ends}. */
    private static long[][] pending(String text, long offset, long next) {
        if (text.startsWith("r") || text.startsWith("b")) {
            return decodeSet(text, offset, next);
        }
        // The first version's text ranges, "5,7-9", still read so that an upgrade resumes exactly.
        String[] parts = text.isBlank() ? new String[0] : text.split(",");
        long[] starts = new long[parts.length];
        long[] ends = new long[parts.length];
        long previous = offset - 1;
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i].trim();
            int dash = part.indexOf('-', 1);
            try {
                starts[i] = Long.parseLong(dash < 0 ? part : part.substring(0, dash));
                ends[i] = dash < 0 ? starts[i] : Long.parseLong(part.substring(dash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("field 'pending': '" + part + "' is not an offset or a range a-b");
            }
            if (starts[i] <= previous || ends[i] < starts[i] || ends[i] >= next) {
                throw new IllegalArgumentException("field 'pending': '" + part + "' is out of order or outside"
                        + " [offset, next) = [" + offset + ", " + next + ")");
            }
            previous = ends[i];
        }
        return new long[][] {starts, ends};
    }

    /**
     * Encodes a sorted set of offsets, given as runs, relative to {@code base}: the shorter of the run and
     * the bitmap form.
     *
     * @param starts runs' first offsets, ascending, at least {@code base}
     * @param ends   runs' last offsets (inclusive); runs do not touch or overlap
     * @param runs   how many runs of the arrays are used
     */
    static String encodeSet(long base, long[] starts, long[] ends, int runs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long previousEnd = base;
        for (int i = 0; i < runs; i++) {
            writeVarint(out, starts[i] - previousEnd);
            writeVarint(out, ends[i] - starts[i] + 1);
            previousEnd = ends[i] + 1;
        }
        long span = runs == 0 ? 0 : ends[runs - 1] - base + 1;
        if ((span + 7) / 8 < out.size()) {
            byte[] bits = new byte[(int) ((span + 7) / 8)];
            for (int i = 0; i < runs; i++) {
                for (long o = starts[i]; o <= ends[i]; o++) {
                    long bit = o - base;
                    bits[(int) (bit >>> 3)] |= (byte) (1 << (bit & 7));
                }
            }
            return "b" + ENCODER.encodeToString(bits);
        }
        return "r" + ENCODER.encodeToString(out.toByteArray());
    }

    /** Decodes {@link #encodeSet}'s form into {starts, ends}, all inside {@code [base, next)}. */
    static long[][] decodeSet(String text, long base, long next) {
        byte[] bytes = base64(text, PENDING);
        long[] starts = new long[8];
        long[] ends = new long[8];
        int runs = 0;
        if (text.charAt(0) == 'b') {
            long runStart = -1;
            long bitCount = (long) bytes.length * 8;
            for (long bit = 0; bit <= bitCount; bit++) {
                boolean set = bit < bitCount && (bytes[(int) (bit >>> 3)] & (1 << (bit & 7))) != 0;
                if (set && runStart < 0) {
                    runStart = bit;
                } else if (!set && runStart >= 0) {
                    if (runs == starts.length) {
                        starts = Arrays.copyOf(starts, runs * 2);
                        ends = Arrays.copyOf(ends, runs * 2);
                    }
                    starts[runs] = base + runStart;
                    ends[runs] = base + bit - 1;
                    runs++;
                    runStart = -1;
                }
            }
        } else {
            int[] at = {0};
            long previousEnd = base;
            while (at[0] < bytes.length) {
                long gap = readVarint(bytes, at, PENDING);
                long length = readVarint(bytes, at, PENDING);
                if (length < 1 || (runs > 0 && gap < 1)) {
                    throw new IllegalArgumentException("field 'pending': a run of the compact form is malformed");
                }
                if (runs == starts.length) {
                    starts = Arrays.copyOf(starts, runs * 2);
                    ends = Arrays.copyOf(ends, runs * 2);
                }
                starts[runs] = previousEnd + gap;
                ends[runs] = starts[runs] + length - 1;
                if (starts[runs] < previousEnd || ends[runs] < starts[runs]) {
                    throw new IllegalArgumentException("field 'pending': a run of the compact form overflows");
                }
                previousEnd = ends[runs] + 1;
                runs++;
            }
        }
        if (runs > 0 && (starts[0] < base || ends[runs - 1] >= next)) {
            throw new IllegalArgumentException("field 'pending' lists offsets outside [offset, next) = [" + base + ", "
                    + next + ")");
        }
        return new long[][] {Arrays.copyOf(starts, runs), Arrays.copyOf(ends, runs)};
    }

    /** Encodes offsets in their order, as zigzag varint steps from {@code base}. */
    static String encodeList(long base, long[] offsets, int count) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long previous = base;
        for (int i = 0; i < count; i++) {
            long step = offsets[i] - previous;
            writeVarint(out, (step << 1) ^ (step >> 63));
            previous = offsets[i];
        }
        return "l" + ENCODER.encodeToString(out.toByteArray());
    }

    /** Decodes {@link #encodeList}'s form; every offset inside {@code [base, next)}. */
    static long[] decodeList(String text, long base, long next) {
        if (!text.startsWith("l")) {
            throw new IllegalArgumentException("field 'sent' must start with 'l' (the bridge writes this field itself)");
        }
        byte[] bytes = base64(text, SENT);
        long[] offsets = new long[8];
        int n = 0;
        int[] at = {0};
        long previous = base;
        while (at[0] < bytes.length) {
            long zigzag = readVarint(bytes, at, SENT);
            long o = previous + ((zigzag >>> 1) ^ -(zigzag & 1));
            if (o < base || o >= next) {
                throw new IllegalArgumentException("field 'sent' lists offset " + o + ", outside [offset, next) = ["
                        + base + ", " + next + ")");
            }
            if (n == offsets.length) {
                offsets = Arrays.copyOf(offsets, n * 2);
            }
            offsets[n++] = o;
            previous = o;
        }
        return Arrays.copyOf(offsets, n);
    }

    /** The ranges less the given offsets: {starts, ends}. */
    static long[][] without(long[][] ranges, long[] removed) {
        long[] sorted = removed.clone();
        Arrays.sort(sorted);
        long[] starts = ranges[0];
        long[] ends = ranges[1];
        long[] outStarts = new long[starts.length + sorted.length];
        long[] outEnds = new long[outStarts.length];
        int n = 0;
        int r = 0;
        for (int i = 0; i < starts.length; i++) {
            long from = starts[i];
            while (r < sorted.length && sorted[r] < from) {
                r++;
            }
            while (r < sorted.length && sorted[r] <= ends[i]) {
                if (sorted[r] > from) {
                    outStarts[n] = from;
                    outEnds[n] = sorted[r] - 1;
                    n++;
                }
                from = Math.max(from, sorted[r] + 1);
                r++;
            }
            if (from <= ends[i]) {
                outStarts[n] = from;
                outEnds[n] = ends[i];
                n++;
            }
        }
        return new long[][] {Arrays.copyOf(outStarts, n), Arrays.copyOf(outEnds, n)};
    }

    private static byte[] base64(String text, String field) {
        try {
            return DECODER.decode(text.substring(1));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("field '" + field + "' is not valid base64url after its first letter");
        }
    }

    private static void writeVarint(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }

    private static long readVarint(byte[] bytes, int[] at, String field) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (at[0] >= bytes.length) {
                throw new IllegalArgumentException("field '" + field + "' ends inside a number");
            }
            byte b = bytes[at[0]++];
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("field '" + field + "' holds a number longer than 64 bits");
    }
}

package io.zsync.kafka;

import io.zsync.schemas.StreamMessage;
import io.zsync.stream.DeadLetterReason;
import io.zsync.stream.Priority;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Reads a Kafka record's priority and deadline as CONTRACT.md says, for the Streams processors and the
 * Connect connector alike:
 * <ul>
 *   <li>{@code zsync.envelope=none}: the {@code zsync.priority} header (a level's name, any case), else
 *   the topic's level from {@code zsync.priority.topics}, else {@code zsync.priority.default}; the
 *   {@code zsync.deadline} header (epoch µs, decimal ASCII), else record timestamp +
 *   {@code zsync.deadline.ttl.ms} when that is set. A header that does not parse makes the record an
 *   {@link DeadLetterReason#INVALID_HEADER} dead letter.</li>
 *   <li>{@code zsync.envelope=avro}: the value is a {@link StreamMessage} envelope carrying both (the
 *   TTL applies when it has no deadline); a value that does not decode is
 *   {@link DeadLetterReason#MALFORMED}. A tombstone (null value) takes the topic's level.</li>
 * </ul>
 * Thread-safe, and allocation-free for a record with valid headers and no deadline: header bytes are read
 * in place, and such classifications are shared instances.
 */
public final class RecordClassifier {
    private static final Priority[] LEVELS = Priority.values();
    private final Priority defaultPriority;
    private final Map<String, Priority> topicPriorities;
    private final long ttlMicros;
    private final boolean envelope;

    /**
     * @param config the validated settings
     */
    public RecordClassifier(ZsyncConfig config) {
        this.defaultPriority = config.priorityDefault();
        this.topicPriorities = config.priorityTopics();
        this.ttlMicros = EpochMicros.fromMillis(config.deadlineTtlMs());
        this.envelope = config.envelopeIsAvro();
    }

    /**
     * Classifies one record.
     *
     * @param topic       the record's topic
     * @param timestampMs the record's timestamp, negative if it has none
     * @param headers     its headers (may be null)
     * @param value       its value bytes (may be null)
     * @return the priority and deadline, or the dead-letter reason
     */
    public Classification classify(String topic, long timestampMs, Headers headers, byte[] value) {
        Priority topicLevel = topicPriorities.getOrDefault(topic, defaultPriority);
        if (envelope && value != null) {
            return fromEnvelope(timestampMs, value);
        }
        Priority priority = topicLevel;
        Header p = headers == null ? null : headers.lastHeader(ZsyncHeaders.PRIORITY);
        if (p != null) {
            Priority named = p.value() == null ? null : levelOf(p.value());
            if (named == null) {
                // Not a level's name in plain ASCII: the String parser has the last word (and the message).
                String name = p.value() == null ? null : new String(p.value(), StandardCharsets.UTF_8);
                try {
                    named = Priority.parse(name);
                } catch (IllegalArgumentException e) {
                    return Classification.failed(DeadLetterReason.INVALID_HEADER,
                            "header " + ZsyncHeaders.PRIORITY + ": " + e.getMessage());
                }
            }
            priority = named;
        }
        long deadline = ttlDeadline(timestampMs);
        Header d = headers == null ? null : headers.lastHeader(ZsyncHeaders.DEADLINE);
        if (d != null) {
            long parsed = parseMicros(d.value());
            if (parsed < 0) {
                return Classification.failed(DeadLetterReason.INVALID_HEADER, "header " + ZsyncHeaders.DEADLINE
                        + " must be epoch microseconds in decimal ASCII, was '" + printable(d.value()) + "'");
            }
            deadline = parsed;
        }
        return Classification.of(priority, deadline);
    }

    private Classification fromEnvelope(long timestampMs, byte[] value) {
        EnvelopeReader.Envelope e = EnvelopeReader.read(value);
        if (e.failure() != null) {
            return Classification.failed(DeadLetterReason.MALFORMED, e.failure());
        }
        long deadline = e.deadlineMicros() == io.zsync.stream.StreamMessage.NO_DEADLINE ? ttlDeadline(timestampMs)
                : e.deadlineMicros();
        return Classification.of(e.priority(), deadline);
    }

    /** Timestamp + TTL in epoch µs, saturating: a deadline past what a long holds means none. */
    private long ttlDeadline(long timestampMs) {
        if (ttlMicros <= 0 || timestampMs < 0) {
            return io.zsync.stream.StreamMessage.NO_DEADLINE;
        }
        return EpochMicros.plus(EpochMicros.fromMillis(timestampMs), ttlMicros);
    }

    /**
     * The level whose name the bytes spell in ASCII, in any case and with surrounding blanks as
     * {@link String#trim()} removes them; null otherwise. Reads the header without building a String.
     */
    static Priority levelOf(byte[] bytes) {
        int from = 0;
        int to = bytes.length;
        while (from < to && (bytes[from] & 0xff) <= ' ') {
            from++;
        }
        while (to > from && (bytes[to - 1] & 0xff) <= ' ') {
            to--;
        }
        for (Priority level : LEVELS) {
            if (spells(bytes, from, to, level.name())) {
                return level;
            }
        }
        return null;
    }

    private static boolean spells(byte[] bytes, int from, int to, String upperName) {
        if (to - from != upperName.length()) {
            return false;
        }
        for (int i = 0; i < upperName.length(); i++) {
            int b = bytes[from + i];
            int upper = b >= 'a' && b <= 'z' ? b - ('a' - 'A') : b;
            if (upper != upperName.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Decimal ASCII digits to a non-negative long; -1 if empty, not digits, or more than 18 digits (over
     * {@link ZsyncHeaders#MAX_DEADLINE_MICROS}).
     */
    static long parseMicros(byte[] digits) {
        if (digits == null || digits.length == 0 || digits.length > 18) {
            return -1;
        }
        long v = 0;
        for (byte b : digits) {
            if (b < '0' || b > '9') {
                return -1;
            }
            v = v * 10 + (b - '0');
        }
        return v;
    }

    private static String printable(byte[] bytes) {
        if (bytes == null) {
            return "null";
        }
        String s = new String(bytes, StandardCharsets.UTF_8);
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}

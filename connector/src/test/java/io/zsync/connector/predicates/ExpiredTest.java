package io.zsync.connector.predicates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zsync.kafka.ZsyncHeaders;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.utils.MockTime;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.transforms.Filter;
import org.apache.kafka.connect.transforms.predicates.Predicate;
import org.junit.jupiter.api.Test;

/** The Expired predicate alone and as Kafka's Filter uses it. */
class ExpiredTest {
    private static final long NOW_MS = 1_764_000_000_000L;
    private final MockTime time = new MockTime(0, NOW_MS, 0);

    private static SourceRecord record(Long timestamp, Object deadline) {
        SourceRecord r = new SourceRecord(null, null, "t", 0, null, "k", null, "v", timestamp);
        if (deadline instanceof String s) {
            r.headers().addString(ZsyncHeaders.DEADLINE, s);
        } else if (deadline instanceof Long l) {
            r.headers().addLong(ZsyncHeaders.DEADLINE, l);
        }
        return r;
    }

    private Expired<SourceRecord> expired(Map<String, ?> config) {
        Expired<SourceRecord> p = new Expired<>(time);
        p.configure(config);
        return p;
    }

    @Test
    void aDeadlineHeaderBeforeNowMatchesAsTextOrAsAParsedNumber() {
        Expired<SourceRecord> p = expired(Map.of());
        long nowMicros = NOW_MS * 1_000;
        assertTrue(p.test(record(NOW_MS, Long.toString(nowMicros - 1))));
        assertFalse(p.test(record(NOW_MS, Long.toString(nowMicros + 1_000_000))));
        assertTrue(p.test(record(NOW_MS, nowMicros - 1)), "SimpleHeaderConverter hands a sink a Long");
        assertFalse(p.test(record(0L, null)), "no header and no ttl.ms: never expired");
        assertFalse(p.test(record(NOW_MS, "soon")), "an unparseable header is left to zsync's INVALID_HEADER");
    }

    @Test
    void ttlMsCoversRecordsWithoutTheHeader() {
        Expired<SourceRecord> p = expired(Map.of("ttl.ms", "1000"));
        assertTrue(p.test(record(NOW_MS - 1_001, null)));
        assertFalse(p.test(record(NOW_MS - 999, null)));
        assertFalse(p.test(record(NOW_MS - 5_000, Long.toString(NOW_MS * 1_000 + 1))), "the header wins");
    }

    @Test
    void withKafkasFilterExpiredRecordsAreDroppedAndTheRestPass() {
        Filter<SourceRecord> filter = new Filter<>();
        filter.configure(Map.of());
        Predicate<SourceRecord> p = expired(new HashMap<>());
        SourceRecord stale = record(NOW_MS, Long.toString(NOW_MS * 1_000 - 1));
        SourceRecord fresh = record(NOW_MS, Long.toString(NOW_MS * 1_000 + 1));
        // What Connect's TransformationStage does: apply the transform only where the predicate matches.
        assertNull(p.test(stale) ? filter.apply(stale) : stale);
        assertEquals(fresh, p.test(fresh) ? filter.apply(fresh) : fresh);
    }

    @Test
    void theRowValueTtlOfLongMaxNeverExpiresARecordSoFilterKeepsIt() {
        // Row b: ttl.ms=9223372036854775807, a record timestamped now without a deadline header.
        Filter<SourceRecord> filter = new Filter<>();
        filter.configure(Map.of());
        Expired<SourceRecord> p = expired(Map.of("ttl.ms", "9223372036854775807"));
        SourceRecord now = record(NOW_MS, null);
        assertFalse(p.test(now));
        assertEquals(now, p.test(now) ? filter.apply(now) : now, "Filter keeps it");
        assertFalse(p.test(record(0L, null)), "not even a record from 1970 is that old");
    }

    @Test
    void ttlExpiryIsExactForEveryTimestampAndTtlWithoutOverflow() {
        // Kafka allows any long as a Connect record's timestamp; negative ones are its "no timestamp".
        long[] special = {Long.MIN_VALUE, Long.MIN_VALUE + 1, -1_000, -1, 0, 1, NOW_MS - 1, NOW_MS, NOW_MS + 1,
            Long.MAX_VALUE / 2, Long.MAX_VALUE - 1, Long.MAX_VALUE};
        long[] ttls = {0, 1, 1_000, NOW_MS - 1, NOW_MS, NOW_MS + 1, Long.MAX_VALUE / 2, Long.MAX_VALUE - 1,
            Long.MAX_VALUE};
        java.util.Random random = new java.util.Random(7);
        java.util.List<Long> timestamps = new java.util.ArrayList<>();
        for (long t : special) {
            timestamps.add(t);
        }
        for (int i = 0; i < 2_000; i++) {
            timestamps.add(random.nextLong());
            timestamps.add(NOW_MS - random.nextInt(1_000_000));
        }
        for (long ttl : ttls) {
            Expired<SourceRecord> p = expired(Map.of("ttl.ms", Long.toString(ttl)));
            for (long timestamp : timestamps) {
                // Exact: timestamp + ttl < now, in unbounded arithmetic, for records with a timestamp.
                boolean expected = ttl > 0 && timestamp >= 0 && java.math.BigInteger.valueOf(timestamp)
                        .add(java.math.BigInteger.valueOf(ttl)).compareTo(java.math.BigInteger.valueOf(NOW_MS)) < 0;
                assertEquals(expected, p.test(record(timestamp, null)), "timestamp " + timestamp + ", ttl.ms " + ttl);
            }
        }
    }

    @Test
    void deadlineHeadersAtTheEndsOfTimeAndAsParsedNumbersCompareWithoutOverflow() {
        Expired<SourceRecord> p = expired(Map.of("ttl.ms", "1"));
        long nowMicros = NOW_MS * 1_000;
        assertFalse(p.test(record(0L, Long.MAX_VALUE)));
        assertFalse(p.test(record(0L, Long.toString(Long.MAX_VALUE))));
        assertTrue(p.test(record(0L, Long.MIN_VALUE)), "before 1970: long past");
        assertTrue(p.test(record(0L, "-1")));
        assertTrue(p.test(record(NOW_MS, nowMicros - 1)));
        assertFalse(p.test(record(NOW_MS, nowMicros)), "due now is not yet past");
        assertTrue(p.test(record(NOW_MS, "1.5e15")), "as SimpleHeaderConverter reads it, a Long, and as text alike");
        assertFalse(p.test(record(0L, "92233720368547758070")), "beyond a long: refused, so it passes");
        SourceRecord floating = record(0L, null);
        floating.headers().addDouble(ZsyncHeaders.DEADLINE, 1.0);
        assertFalse(p.test(floating), "a float is refused, so it passes, and the ttl does not apply");
        SourceRecord noValue = record(0L, null);
        noValue.headers().addString(ZsyncHeaders.DEADLINE, null);
        assertFalse(p.test(noValue), "a header without a value is invalid too (SimpleHeaderConverter reads 'null' so)");
    }

    @Test
    void theSameDeadlineBytesGiveTheSameAnswerUnderEveryHeaderConverter() {
        Expired<SourceRecord> p = expired(Map.of());
        long nowMicros = NOW_MS * 1_000;
        for (String text : new String[] {Long.toString(nowMicros - 1), Long.toString(nowMicros + 1), "1.5e15",
            "1e19", "-1", "1.5", "null", "9223372036854775808"}) {
            java.util.Map<String, Boolean> answers = new java.util.LinkedHashMap<>();
            for (io.zsync.connector.HeaderConverters.Case c : io.zsync.connector.HeaderConverters.all()) {
                SourceRecord r = record(NOW_MS, null);
                r.headers().add(ZsyncHeaders.DEADLINE, c.read(ZsyncHeaders.DEADLINE, c.wire(ZsyncHeaders.DEADLINE, text)));
                answers.put(c.name(), p.test(r));
            }
            assertEquals(1, answers.values().stream().distinct().count(), text + ": " + answers);
        }
    }
}

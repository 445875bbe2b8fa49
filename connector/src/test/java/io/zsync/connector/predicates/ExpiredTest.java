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
}

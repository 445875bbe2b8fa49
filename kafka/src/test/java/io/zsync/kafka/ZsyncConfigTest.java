package io.zsync.kafka;

import io.zsync.stream.Backpressure;
import io.zsync.stream.Ordering;
import io.zsync.stream.Priority;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ZsyncConfigTest {

    @Test
    void shouldApplyTheContractDefaults() {
        ZsyncConfig c = new ZsyncConfig(Map.of());
        assertEquals(Priority.NORMAL, c.priorityDefault());
        assertTrue(c.priorityTopics().isEmpty());
        assertEquals(Ordering.FIFO, c.ordering());
        assertEquals(0, c.deadlineTtlMs());
        assertTrue(c.deadlineMarginIsDerived());
        assertEquals(120, c.deadlineMarginMs(100), "linger.ms + 20 ms");
        assertEquals(Backpressure.BLOCK, c.backpressure());
        assertEquals(0, c.rateLimit());
        assertEquals(1, c.rateBurst());
        assertFalse(c.rateScopeIsApplication());
        assertEquals("out.dlq", c.dlqTopic("out"));
        assertFalse(c.dlqFormatIsAvro());
        assertFalse(c.envelopeIsAvro());
    }

    @Test
    void aDownstreamGroupPacesReleaseAsOneBudgetForTheApplication() {
        ZsyncConfig off = new ZsyncConfig(Map.of());
        assertFalse(off.lagEnabled());
        assertEquals(1_000, off.lagMaxRecords());
        assertEquals(0, off.lagMaxAgeMs());
        ZsyncConfig on = new ZsyncConfig(Map.of("zsync.lag.group", " readers ", "zsync.lag.max.records", "250",
                "zsync.lag.max.age.ms", "2000"));
        assertTrue(on.lagEnabled());
        assertEquals("readers", on.lagGroup());
        assertEquals(250, on.lagMaxRecords());
        assertEquals(2_000, on.lagMaxAgeMs());
        assertTrue(on.rateScopeIsApplication(), "the lag is shared by every task, as an application-wide rate");
        assertFalse(new ZsyncConfig(Map.of("zsync.lag.group", "  ")).lagEnabled(), "blank: off");
        for (Map.Entry<String, String> bad : List.of(Map.entry("zsync.lag.max.records", "0"),
                Map.entry("zsync.lag.max.records", "many"), Map.entry("zsync.lag.max.age.ms", "-1"))) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> new ZsyncConfig(Map.of(bad.getKey(), bad.getValue())));
            assertTrue(e.getMessage().contains(bad.getKey()), e.getMessage());
        }
    }

    @Test
    void shouldReadEveryKeyIgnoringCaseOfEnumValues() {
        ZsyncConfig c = new ZsyncConfig(Map.of(
                "zsync.priority.default", "low",
                "zsync.priority.topics", "orders:HIGH, audit:low,a.b_c-d:critical",
                "zsync.ordering", "DEADLINE",
                "zsync.backpressure", "Drop_Oldest",
                "zsync.rate.limit", "5000",
                "zsync.rate.scope", "application",
                "zsync.dlq.topic", "errors",
                "zsync.dlq.format", "avro",
                "zsync.envelope", "avro",
                "unrelated.key", "ignored"));
        assertEquals(Priority.LOW, c.priorityDefault());
        assertEquals(Map.of("orders", Priority.HIGH, "audit", Priority.LOW, "a.b_c-d", Priority.CRITICAL), c.priorityTopics());
        assertEquals(Priority.HIGH, c.priorityFor("orders"));
        assertEquals(Priority.LOW, c.priorityFor("elsewhere"));
        assertEquals(Ordering.DEADLINE, c.ordering());
        assertEquals(Backpressure.DROP_OLDEST, c.backpressure());
        assertEquals(500, c.rateBurst(), "a tenth of the rate");
        assertTrue(c.rateScopeIsApplication());
        assertEquals("errors", c.dlqTopic("out"));
        assertTrue(c.dlqFormatIsAvro());
        assertTrue(c.envelopeIsAvro());
    }

    @Test
    void deadlineMarginIsTheProducersLingerPlusTheSendAllowanceUnlessSet() {
        ZsyncConfig derived = new ZsyncConfig(Map.of("zsync.deadline.margin.ms", "-1"));
        assertEquals(120, derived.deadlineMarginMs(100));
        assertEquals(25, derived.deadlineMarginMs(5));
        assertEquals(ZsyncConfig.DEADLINE_SEND_ALLOWANCE_MS, derived.deadlineMarginMs(0));
        assertEquals(ZsyncConfig.DEADLINE_MARGIN_MS_MAX, derived.deadlineMarginMs(Long.MAX_VALUE - 1), "capped");
        ZsyncConfig explicit = new ZsyncConfig(Map.of("zsync.deadline.margin.ms", "0"));
        assertFalse(explicit.deadlineMarginIsDerived());
        assertEquals(0, explicit.deadlineMarginMs(100), "an explicit value is taken as it is");
        assertEquals(250, new ZsyncConfig(Map.of("zsync.deadline.margin.ms", 250L)).deadlineMarginMs(100));
    }

    @Test
    void shouldRefuseBadValuesNamingTheKeyAndWhatIsAllowed() {
        assertRefused("zsync.backpressure", "drop_all", "block", "drop_oldest", "drop_newest", "error_on_full");
        assertRefused("zsync.priority.default", "URGENT", "LOW", "CRITICAL");
        assertRefused("zsync.priority.topics", "orders:URGENT", "orders:URGENT", "LOW, NORMAL, HIGH, CRITICAL");
        assertRefused("zsync.priority.topics", "orders", "topic:LEVEL");
        assertRefused("zsync.ordering", "lifo", "fifo", "deadline");
        assertRefused("zsync.buffer.max.records", "0", "1");
        assertRefused("zsync.deadline.ttl.ms", "-5", "0");
        assertRefused("zsync.rate.burst", "0", "-1");
        assertRefused("zsync.deadline.margin.ms", "-2", "-1", "3600000");
        assertRefused("zsync.deadline.margin.ms", "3600001", "-1", "3600000");
        assertRefused("zsync.deadline.margin.ms", "auto", "zsync.deadline.margin.ms");
        assertRefused("zsync.rate.limit", "fast", "zsync.rate.limit");
        assertRefused("zsync.dlq.format", "json", "raw", "avro");
    }

    private static void assertRefused(String key, String value, String... mentions) {
        ConfigException e = assertThrows(ConfigException.class, () -> new ZsyncConfig(Map.of(key, value)));
        assertTrue(e.getMessage().contains(key), e.getMessage());
        for (String m : mentions) {
            assertTrue(e.getMessage().contains(m), "'" + m + "' missing from: " + e.getMessage());
        }
    }

    @Test
    void shouldRefuseAFlowControlTopicThatRecordsAlsoGoThrough() {
        ZsyncConfig app = new ZsyncConfig(Map.of("zsync.rate.scope", "application", "zsync.flow.topic", "orders"));
        ConfigException e = assertThrows(ConfigException.class,
                () -> app.checkFlowTopic("app", List.of("orders", "audit"), "out"));
        assertTrue(e.getMessage().contains("zsync.flow.topic") && e.getMessage().contains("orders"), e.getMessage());
        ZsyncConfig dlq = new ZsyncConfig(Map.of("zsync.rate.scope", "application", "zsync.flow.topic", "out.dlq"));
        assertThrows(ConfigException.class, () -> dlq.checkFlowTopic("app", List.of("in"), "out"));
        ZsyncConfig derived = new ZsyncConfig(Map.of("zsync.rate.scope", "application"));
        derived.checkFlowTopic("app", List.of("in"), "out");
        derived.checkFlowTopic("app", List.of("in"), null);
        e = assertThrows(ConfigException.class, () -> derived.checkFlowTopic("my app", List.of("in"), "out"));
        assertTrue(e.getMessage().contains("zsync.flow.topic") && e.getMessage().contains("my app-zsync-flow"),
                e.getMessage());
        // Task scope has no control topic.
        new ZsyncConfig(Map.of("zsync.flow.topic", "in")).checkFlowTopic("app", List.of("in"), "out");
    }

    @Test
    void shouldDocumentEveryKey() {
        String rst = ZsyncConfig.CONFIG_DEF.toEnrichedRst();
        for (String key : ZsyncConfig.CONFIG_DEF.names()) {
            assertTrue(key.startsWith("zsync."), key);
            assertTrue(rst.contains(key), key);
            assertFalse(ZsyncConfig.CONFIG_DEF.configKeys().get(key).documentation.isBlank(), key);
        }
        assertEquals(22, ZsyncConfig.CONFIG_DEF.names().size());
    }
}

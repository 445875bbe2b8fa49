package io.zsync.kafka;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 21: the presets shared by the Streams app and the bridge, and the rule that the user's settings win. */
class PresetTest {

    @Test
    void shouldNameAPresetInAnyCaseAndNoneWhenBlank() {
        assertEquals(Optional.of(Preset.LOW_LATENCY), Preset.of(Preset.CONFIG, " Low_Latency "));
        assertEquals(Optional.of(Preset.RELIABLE), Preset.of(Preset.CONFIG, "RELIABLE"));
        assertEquals(Optional.empty(), Preset.of(Preset.CONFIG, null));
        assertEquals(Optional.empty(), Preset.of(Preset.CONFIG, "  "));
        assertEquals("high_throughput", Preset.HIGH_THROUGHPUT.configName());
    }

    @Test
    void shouldRefuseAnUnknownPresetNamingTheKeyAndTheAllowedValues() {
        ConfigException e = assertThrows(ConfigException.class, () -> Preset.of(Preset.CONFIG, "fastest"));
        assertTrue(e.getMessage().contains("zsync.preset") && e.getMessage().contains("fastest")
                && e.getMessage().contains("high_throughput, low_latency, reliable"), e.getMessage());
        ConfigException v = assertThrows(ConfigException.class,
                () -> Preset.validator().ensureValid(Preset.CONFIG, "fastest"));
        assertEquals(e.getMessage(), v.getMessage());
        assertEquals(Preset.ALLOWED, Preset.validator().toString());
    }

    @Test
    void shouldGiveEveryPresetValidBufferDefaults() {
        for (Preset p : Preset.values()) {
            ZsyncConfig c = new ZsyncConfig(p.bufferDefaults());
            assertTrue(c.bufferMaxRecords() > 0, p.configName());
        }
        assertEquals(8192, new ZsyncConfig(Preset.LOW_LATENCY.bufferDefaults()).bufferMaxRecords());
    }

    @Test
    void shouldFillInOnlyWhatTheUserGivesInNoSpelling() {
        Preset.Setting linger = new Preset.Setting("producer.linger.ms", "0", List.of("producer.linger.ms", "linger.ms"),
                "why");
        Preset.Setting poll = new Preset.Setting("poll.ms", "10", List.of("poll.ms"), "why");
        Map<String, Object> target = new HashMap<>();
        List<Preset.Setting> put = Preset.fillIn(target, Map.of("linger.ms", "50"), List.of(linger, poll));
        assertEquals(List.of(poll), put);
        assertEquals(Map.of("poll.ms", "10"), target, "linger.ms=50, the plain spelling, keeps the preset's out");

        target.clear();
        assertEquals(List.of(linger), Preset.fillIn(target, Map.of("poll.ms", "200"), List.of(linger, poll)));
        assertEquals(Map.of("producer.linger.ms", "0"), target);
    }

    @Test
    void shouldRefuseASettingWhoseKeyIsNotAmongItsSpellings() {
        assertThrows(IllegalArgumentException.class,
                () -> new Preset.Setting("producer.linger.ms", "0", List.of("linger.ms"), "why"));
    }
}

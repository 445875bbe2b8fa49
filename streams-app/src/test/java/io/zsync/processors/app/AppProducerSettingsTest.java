package io.zsync.processors.app;

import io.zsync.kafka.ZsyncConfig;
import io.zsync.processors.ZsyncStreams;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Issue 19, row d2 in the Streams app: its producer lingers 5 ms, not Kafka Streams' 100 ms, unless the
 * settings say otherwise, so the deadline margin is 25 ms.
 */
class AppProducerSettingsTest {

    @Test
    void theProducerLingersFiveMillisecondsUnlessTheSettingsSayOtherwise() {
        Map<String, Object> defaulted = ZsyncStreamsApp.streamsSettings(Map.of("application.id", "a",
                "zsync.rate.limit", "3000"));
        assertEquals("5", defaulted.get("producer.linger.ms"));
        assertFalse(defaulted.containsKey("zsync.rate.limit"), "zsync keys are not Kafka Streams settings");
        assertEquals(25, ZsyncStreams.deadlineMarginMs(new ZsyncConfig(Map.of()), defaulted));

        Map<String, Object> plain = ZsyncStreamsApp.streamsSettings(Map.of("linger.ms", "50"));
        assertEquals("50", plain.get("linger.ms"));
        assertFalse(plain.containsKey("producer.linger.ms"), "the user's plain linger.ms is left to apply");
        assertEquals(70, ZsyncStreams.deadlineMarginMs(new ZsyncConfig(Map.of()), plain));

        Map<String, Object> prefixed = ZsyncStreamsApp.streamsSettings(Map.of("producer.linger.ms", "100"));
        assertEquals("100", prefixed.get("producer.linger.ms"));
        assertEquals(120, ZsyncStreams.deadlineMarginMs(new ZsyncConfig(Map.of()), prefixed));
    }
}

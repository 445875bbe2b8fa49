package io.zsync.connector.transforms;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zsync.kafka.ZsyncHeaders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.connect.runtime.ConnectorConfig;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transforms and the predicate on a real Connect worker and broker, chained on Kafka's own file
 * source connector.
 */
class TransformsConnectIT {
    private static EmbeddedConnectCluster connect;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        Map<String, String> worker = new HashMap<>();
        worker.put("plugin.discovery", "service_load");
        worker.put("offset.flush.interval.ms", "1000");
        connect = new EmbeddedConnectCluster.Builder().name("zsync-transforms").numWorkers(1).numBrokers(1)
                .workerProps(worker).build();
        connect.start();
    }

    @AfterAll
    static void stop() {
        connect.stop();
    }

    @Test
    void theChainMasksChecksumsLabelsAndThrottlesAFileSourceToWithinFivePercentOfTheRate() throws Exception {
        int n = 600;
        long rate = 100;
        long burst = 10;
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            lines.add("line-" + i);
        }
        Path file = dir.resolve("input.txt");
        Files.write(file, lines, StandardCharsets.UTF_8);
        // Append times come from the broker, so the rate is read off its clock.
        connect.kafka().createTopic("throttled", 1, 1, Map.of("message.timestamp.type", "LogAppendTime"));

        Map<String, String> c = new HashMap<>();
        c.put(ConnectorConfig.CONNECTOR_CLASS_CONFIG, "org.apache.kafka.connect.file.FileStreamSourceConnector");
        c.put(ConnectorConfig.TASKS_MAX_CONFIG, "1");
        c.put("file", file.toString());
        c.put("topic", "throttled");
        c.put(ConnectorConfig.KEY_CONVERTER_CLASS_CONFIG, "org.apache.kafka.connect.converters.ByteArrayConverter");
        c.put(ConnectorConfig.VALUE_CONVERTER_CLASS_CONFIG, "org.apache.kafka.connect.converters.ByteArrayConverter");
        c.put("transforms", "mask,crc,priority,deadline,dropStale,throttle");
        c.put("transforms.mask.type", XorMask.Value.class.getName());
        c.put("transforms.mask.key.hex", "5a3c");
        c.put("transforms.crc.type", Checksum.class.getName());
        c.put("transforms.priority.type", SetPriority.class.getName());
        c.put("transforms.priority.priority", "HIGH");
        c.put("transforms.deadline.type", SetDeadline.class.getName());
        c.put("transforms.deadline.ttl.ms", "3600000");
        c.put("transforms.dropStale.type", "org.apache.kafka.connect.transforms.Filter");
        c.put("transforms.dropStale.predicate", "expired");
        c.put("predicates", "expired");
        c.put("predicates.expired.type", "io.zsync.connector.predicates.Expired");
        c.put("transforms.throttle.type", RateLimit.class.getName());
        c.put("transforms.throttle.rate", Long.toString(rate));
        c.put("transforms.throttle.burst", Long.toString(burst));
        connect.configureConnector("file-source", c);
        connect.assertions().assertConnectorAndAtLeastNumTasksAreRunning("file-source", 1, "the source runs");

        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        connect.kafka().consume(n, 60_000, "throttled").forEach(records::add);
        connect.deleteConnector("file-source");
        assertEquals(n, records.size());

        long now = System.currentTimeMillis() * 1_000;
        for (int i = 0; i < n; i++) {
            ConsumerRecord<byte[], byte[]> r = records.get(i);
            byte[] masked = r.value();
            byte[] plain = new byte[masked.length];
            for (int j = 0; j < masked.length; j++) {
                plain[j] = (byte) (masked[j] ^ (j % 2 == 0 ? 0x5a : 0x3c));
            }
            assertEquals("line-" + i, new String(plain, StandardCharsets.UTF_8), "masked, in order");
            CRC32C crc = new CRC32C();
            crc.update(masked);
            assertEquals(String.format("%08x", crc.getValue()), header(r, ZsyncHeaders.CRC32C));
            assertEquals("HIGH", header(r, ZsyncHeaders.PRIORITY));
            long deadline = Long.parseLong(header(r, ZsyncHeaders.DEADLINE));
            assertTrue(deadline > now, "an hour ahead, so Filter+Expired kept it");
        }
        long span = records.get(n - 1).timestamp() - records.get(0).timestamp();
        double measured = (n - 1) * 1000.0 / span;
        // After the first record the bucket holds burst - 1 more; the rest pass at the rate.
        double expected = (n - 1) * 1000.0 / ((n - burst) * 1000.0 / rate);
        System.out.printf("RateLimit on a file source: %d records in %d ms = %.1f/s; configured %d/s"
                + " (burst %d), expected %.1f/s over this span%n", n, span, measured, rate, burst, expected);
        assertTrue(Math.abs(measured - expected) <= 0.05 * expected,
                "measured " + measured + "/s, expected " + expected + "/s within 5%");
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        assertNotNull(h, name);
        return new String(h.value(), StandardCharsets.UTF_8);
    }
}

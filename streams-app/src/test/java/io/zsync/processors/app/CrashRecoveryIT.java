package io.zsync.processors.app;

import static io.zsync.processors.app.Records.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zsync.kafka.ZsyncHeaders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Streams app in its own JVM, killed with SIGKILL while records wait in its buffer, then restarted
 * on the same state directory: nothing is lost (at-least-once) and nothing is duplicated
 * ({@code exactly_once_v2}). The broker runs in the test's JVM.
 */
class CrashRecoveryIT {
    private static final String[] LEVELS = {"LOW", "NORMAL", "HIGH", "CRITICAL"};
    private static final int RECORDS = 10_000;
    @RegisterExtension
    static final BrokerExtension kafka = new BrokerExtension();

    @TempDir
    Path dir;

    @Test
    void atLeastOnceLosesNothingWhenTheAppIsKilled() throws Exception {
        List<ConsumerRecord<byte[], byte[]>> all = killAndRestart("alos", "at_least_once");
        Set<String> keys = all.stream().map(r -> string(r.key())).collect(Collectors.toSet());
        assertEquals(RECORDS, keys.size(), "every record arrives after the restart");
        System.out.println("at_least_once: " + all.size() + " records read for " + RECORDS + " keys ("
                + (all.size() - RECORDS) + " duplicates, allowed)");
    }

    @Test
    void exactlyOnceLosesAndDuplicatesNothingWhenTheAppIsKilled() throws Exception {
        List<ConsumerRecord<byte[], byte[]>> all = killAndRestart("eos", "exactly_once_v2");
        Map<String, Long> counts = all.stream().collect(Collectors.groupingBy(r -> string(r.key()),
                Collectors.counting()));
        assertEquals(RECORDS, counts.size(), "every record arrives after the restart");
        assertEquals(Set.of(1L), Set.copyOf(counts.values()), "and none twice");
    }

    private List<ConsumerRecord<byte[], byte[]>> killAndRestart(String name, String guarantee) throws Exception {
        String in = name + "-in";
        String out = name + "-out";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(in, 2, (short) 1), new NewTopic(out, 2, (short) 1),
                    new NewTopic(out + ".dlq", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            Topics.awaitReady(admin, List.of(in, out, out + ".dlq"), Duration.ofSeconds(30));
        }
        try (CheckedProducer producer = Records.producer(kafka.bootstrapServers())) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(Records.record(in, "k" + i, new byte[64], ZsyncHeaders.PRIORITY, LEVELS[i % 4]));
            }
        }
        Properties p = new Properties();
        p.put("application.id", name + "-app");
        p.put("bootstrap.servers", kafka.bootstrapServers());
        p.put("state.dir", dir.resolve("state").toString());
        p.put("processing.guarantee", guarantee);
        p.put("commit.interval.ms", "100");
        // Static membership: the restarted app takes its partitions back at once instead of waiting for
        // the killed member's session to time out.
        p.put("group.instance.id", name + "-instance");
        p.put("zsync.input.topics", in);
        p.put("zsync.output.topic", out);
        // 2 tasks x 1,500/s: the 10,000 records are read at once and wait in the buffers for ~3 s.
        p.put("zsync.rate.limit", "1500");
        p.put("zsync.buffer.max.records", "100000");
        Path config = dir.resolve(name + ".properties");
        try (var w = Files.newBufferedWriter(config)) {
            p.store(w, "crash test");
        }

        Process first = AppProcess.launch(config, dir.resolve(name + "-first.log"));
        try {
            List<ConsumerRecord<byte[], byte[]>> before = Records.readUntil(kafka.bootstrapServers(), List.of(out),
                    r -> r.size() >= 2_000, Duration.ofSeconds(90));
            assertTrue(before.size() >= 2_000 && before.size() < RECORDS,
                    "killed mid-run: " + before.size() + " of " + RECORDS + " delivered");
        } finally {
            first.destroyForcibly();   // SIGKILL on Linux: no shutdown hook, no commit, no close
            first.waitFor(30, TimeUnit.SECONDS);
        }
        String log = Files.readString(dir.resolve(name + "-first.log"));
        assertTrue(log.contains("RUNNING"), log);

        Process second = AppProcess.launch(config, dir.resolve(name + "-second.log"));
        try {
            List<ConsumerRecord<byte[], byte[]>> all = Records.readUntil(kafka.bootstrapServers(),
                    List.of(out, out + ".dlq"),
                    r -> r.stream().map(x -> string(x.key())).distinct().count() >= RECORDS, Duration.ofSeconds(120));
            long distinct = all.stream().map(x -> string(x.key())).distinct().count();
            assertEquals(RECORDS, distinct, () -> "every record arrives after the restart; first app:\n"
                    + digest(dir.resolve(name + "-first.log")) + "\nrestarted app:\n"
                    + digest(dir.resolve(name + "-second.log")));
            assertEquals(0, all.stream().filter(r -> r.topic().endsWith(".dlq")).count(), "no dead letters");
            String restarted = Files.readString(dir.resolve(name + "-second.log"));
            assertTrue(restarted.contains("restored"), "the restarted app emitted what the killed one had buffered:\n"
                    + restarted);
            return all;
        } finally {
            second.destroy();  // SIGTERM: the app closes cleanly
            if (!second.waitFor(60, TimeUnit.SECONDS)) {
                second.destroyForcibly();
            }
        }
    }

    /** The lines of an app's log worth reading when a run went wrong: zsync's own, warnings, errors, the end. */
    private static String digest(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            List<String> picked = new ArrayList<>();
            for (String line : lines) {
                if (line.contains("zsync") || line.contains("WARN") || line.contains("ERROR")
                        || line.contains("Exception")) {
                    picked.add(line);
                }
            }
            picked.add("... last lines:");
            picked.addAll(lines.subList(Math.max(0, lines.size() - 20), lines.size()));
            return String.join("\n", picked.subList(Math.max(0, picked.size() - 150), picked.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}

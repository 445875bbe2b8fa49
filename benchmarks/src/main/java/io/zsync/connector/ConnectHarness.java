package io.zsync.connector;

import io.zsync.processors.app.CheckedProducer;
import io.zsync.processors.app.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Kafka Connect measurements: the bridge next to MirrorMaker 2's {@code MirrorSourceConnector} moving the
 * same topic on the same in-process worker and broker, and each transform's cost per record next to
 * Kafka's {@code InsertHeader}.
 */
public final class ConnectHarness {
    private static final String INPUT = "bench-in";
    private static final int PARTITIONS = 2;
    private static final int ROUNDS = 4;

    private ConnectHarness() {
    }

    /** Per-record cost of each transform (JMH, average time) and its multiple of InsertHeader's. */
    public static String transforms(boolean quick) throws Exception {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include("io\\.zsync\\.connector\\.TransformBenchmark\\.").shouldFailOnError(true);
        if (quick) {
            options.warmupIterations(1).warmupTime(TimeValue.seconds(1))
                    .measurementIterations(2).measurementTime(TimeValue.seconds(1));
        }
        Map<String, Result<?>> scores = new LinkedHashMap<>();
        for (RunResult r : new Runner(options.build()).run()) {
            String label = r.getParams().getBenchmark();
            scores.put(label.substring(label.lastIndexOf('.') + 1), r.getPrimaryResult());
        }
        double reference = scores.get("insertHeader").getScore();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%nConnect transforms: one apply (predicate: one test) on a record with a"
                + " 100-byte value and 2 headers (ns/op)%n"));
        sb.append(String.format(Locale.ROOT, "  %-22s %10s %10s  %s%n", "transform", "ns/op", "error", "x InsertHeader"));
        for (String name : List.of("insertHeader", "setPriority", "setDeadline", "checksum", "xorMaskValue",
                "rateLimitUnderRate", "expiredPredicate")) {
            Result<?> r = scores.get(name);
            sb.append(String.format(Locale.ROOT, "  %-22s %10.1f %10.1f  %.2f%n", name, r.getScore(), r.getScoreError(),
                    r.getScore() / reference));
        }
        sb.append(String.format(Locale.ROOT, "  (InsertHeader is Kafka's: header zsync.priority, literal HIGH; x < 1 is"
                + " cheaper than it)%n"));
        return sb.toString();
    }

    /**
     * Records per second moved from a pre-filled topic to another by the bridge (no limits) and by
     * MirrorSourceConnector, alternately (each goes first in turn), {@value #ROUNDS} rounds each after an
     * uncounted warm-up round; the rate is taken between the first and the last record reaching the target, so
     * connector start-up is left out.
     */
    public static String bridge(boolean quick) throws Exception {
        int n = quick ? 200_000 : 2_000_000;
        int rounds = quick ? 1 : ROUNDS;
        Map<String, String> worker = new HashMap<>();
        worker.put("plugin.discovery", "service_load");
        worker.put("offset.flush.interval.ms", "5000");
        EmbeddedConnectCluster connect = new EmbeddedConnectCluster.Builder().name("zsync-bench").numWorkers(1)
                .numBrokers(1).workerProps(worker).build();
        connect.start();
        List<double[]> rows = new ArrayList<>();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", connect.kafka().bootstrapServers()))) {
            connect.kafka().createTopic(INPUT, PARTITIONS);
            // A batch written before the new topic's leaders serve can fail after the delivery timeout.
            Topics.awaitReady(admin, List.of(INPUT), Duration.ofSeconds(30));
            fill(connect.kafka().bootstrapServers(), n);
            // Round 0 warms the JIT for both connectors' code paths and is not counted: the first round
            // measured otherwise pays for compiling whichever connector runs first.
            for (int round = quick ? 1 : 0; round <= rounds; round++) {
                // Which one runs first alternates, so neither always follows the other's topic deletion.
                double bridge;
                double mirror;
                if (round % 2 == 0) {
                    bridge = runBridge(connect, admin, round, n);
                    mirror = runMirror(connect, admin, round, n);
                } else {
                    mirror = runMirror(connect, admin, round, n);
                    bridge = runBridge(connect, admin, round, n);
                }
                if (round == 0) {
                    System.out.printf(Locale.ROOT, "bridge warm-up round (not counted): zsync bridge %,.0f records/s,"
                            + " MirrorSourceConnector %,.0f records/s%n", bridge, mirror);
                    continue;
                }
                rows.add(new double[] {bridge, mirror});
                System.out.printf(Locale.ROOT, "bridge round %d: zsync bridge %,.0f records/s, MirrorSourceConnector"
                        + " %,.0f records/s%n", round, bridge, mirror);
            }
        } finally {
            connect.stop();
        }
        double bestBridge = rows.stream().mapToDouble(r -> r[0]).max().orElse(0);
        double bestMirror = rows.stream().mapToDouble(r -> r[1]).max().orElse(0);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%nTopic to topic on one Connect worker and broker: %,d x 100 B records,"
                + " %d partitions, tasks.max=%d, no limits (records/s)%n", n, PARTITIONS, PARTITIONS));
        sb.append(String.format(Locale.ROOT, "  %-8s %16s %24s%n", "round", "zsync bridge", "MirrorSourceConnector"));
        for (int i = 0; i < rows.size(); i++) {
            sb.append(String.format(Locale.ROOT, "  %-8d %,16.0f %,24.0f%n", i + 1, rows.get(i)[0], rows.get(i)[1]));
        }
        double medianBridge = median(rows, 0);
        double medianMirror = median(rows, 1);
        sb.append(String.format(Locale.ROOT, "  %-8s %,16.0f %,24.0f%n", "median", medianBridge, medianMirror));
        sb.append(String.format(Locale.ROOT, "  bridge / MirrorSourceConnector: best of each %.2fx, median %.2fx (> 1: the"
                + " bridge is faster; after one uncounted warm-up round each)%n", bestBridge / bestMirror,
                medianBridge / medianMirror));
        return sb.toString();
    }

    private static double median(List<double[]> rows, int column) {
        double[] v = rows.stream().mapToDouble(r -> r[column]).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static void fill(String bootstrap, int n) {
        byte[] value = new byte[100];
        ThreadLocalRandom.current().nextBytes(value);
        try (CheckedProducer producer = CheckedProducer.create(bootstrap, Map.of(ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024))) {
            for (int i = 0; i < n; i++) {
                producer.send(new ProducerRecord<>(INPUT, i % PARTITIONS, null, value));
            }
        }
    }

    private static double runBridge(EmbeddedConnectCluster connect, Admin admin, int round, int n) throws Exception {
        String target = "bridge-out-" + round;
        connect.kafka().createTopic(target, PARTITIONS);
        Map<String, String> c = new HashMap<>();
        c.put("connector.class", RealtimeBridgeSourceConnector.class.getName());
        c.put("tasks.max", Integer.toString(PARTITIONS));
        c.put("key.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        c.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        c.put("header.converter", "io.zsync.connector.converters.ZsyncHeaderConverter");
        c.put("source.bootstrap.servers", connect.kafka().bootstrapServers());
        c.put("source.topics", INPUT);
        c.put("target.topic", target);
        String name = "bridge-" + round;
        connect.configureConnector(name, c);
        try {
            return measure(admin, target, n);
        } finally {
            connect.deleteConnector(name);
            admin.deleteTopics(List.of(target)).all().get(30, TimeUnit.SECONDS);
        }
    }

    private static double runMirror(EmbeddedConnectCluster connect, Admin admin, int round, int n) throws Exception {
        String alias = "src" + round;
        Map<String, String> c = new HashMap<>();
        c.put("connector.class", "org.apache.kafka.connect.mirror.MirrorSourceConnector");
        c.put("tasks.max", Integer.toString(PARTITIONS));
        c.put("key.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        c.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        c.put("header.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        c.put("source.cluster.alias", alias);
        c.put("target.cluster.alias", "dst");
        c.put("source.cluster.bootstrap.servers", connect.kafka().bootstrapServers());
        c.put("target.cluster.bootstrap.servers", connect.kafka().bootstrapServers());
        c.put("topics", INPUT);
        c.put("replication.factor", "1");
        c.put("offset-syncs.topic.replication.factor", "1");
        // Moving records, as the bridge does: no config or ACL syncing. (Offset syncs stay on: the
        // connector refuses to run without them.)
        c.put("sync.topic.configs.enabled", "false");
        c.put("sync.topic.acls.enabled", "false");
        String name = "mirror-" + round;
        connect.configureConnector(name, c);
        try {
            return measure(admin, alias + "." + INPUT, n);
        } finally {
            connect.deleteConnector(name);
            admin.deleteTopics(List.of(alias + "." + INPUT)).all().get(30, TimeUnit.SECONDS);
        }
    }

    /** Polls the target's end offsets: records/s between the first and the n-th record arriving. */
    private static double measure(Admin admin, String topic, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        long first = -1;
        while (System.nanoTime() < deadline) {
            long count = count(admin, topic);
            long now = System.nanoTime();
            if (count > 0 && first < 0) {
                first = now;
            }
            if (count >= n) {
                return n / ((now - first) / 1e9);
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException(topic + " did not receive " + n + " records within 5 minutes");
    }

    private static long count(Admin admin, String topic) throws Exception {
        try {
            Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                specs.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            return admin.listOffsets(specs).all().get(10, TimeUnit.SECONDS).values().stream()
                    .collect(Collectors.summingLong(info -> info.offset()));
        } catch (java.util.concurrent.ExecutionException e) {
            return 0; // the target topic does not exist yet (MirrorSourceConnector creates it)
        }
    }
}

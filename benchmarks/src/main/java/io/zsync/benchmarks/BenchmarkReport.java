package io.zsync.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs benchmark groups side by side in one JVM session and prints each group's table with zsync's
 * ratio to every peer. {@code java -jar benchmarks/target/zsync-benchmarks.jar ring pool xor copy compare
 * crc32c stream ratelimit parallel latency overload rate presets streams streams-heap bridge transforms flow pipeline}; no group means all. Groups with parameters
 * (size, memory) print one row per combination; {@code latency}, {@code overload}, {@code rate} and {@code presets} are
 * paced harnesses ({@link io.zsync.stream.StreamHarness}) rather than JMH runs; {@code flow} runs the Streams app in
 * separate JVMs ({@link io.zsync.kafka.flow.FlowBudgetHarness}). {@code --quick} shortens warmup and measurement for a smoke run. For plain JMH use
 * {@code java -cp benchmarks/target/zsync-benchmarks.jar org.openjdk.jmh.Main}.
 */
public final class BenchmarkReport {

    /** A group: which benchmarks, which one is zsync's, and how to read the score. */
    record Group(String name, String title, String include, String ours, List<String> peers, String metric,
                 boolean higherIsBetter) {
    }

    static final Map<String, Group> GROUPS = new LinkedHashMap<>();

    static {
        add(new Group("ring", "SPSC throughput, 64-byte messages, 1 producer + 1 consumer (messages/s)",
                "io\\.zsync\\.zerocopy\\.RingBufferBenchmark\\.", "zsyncFramed",
                List.of("agronaOneToOne", "jctoolsSpsc", "arrayBlockingQueue"), "received", true));
        add(new Group("pool", "Acquire + release of a 64 KiB direct buffer, 1 thread (ns/op)",
                "io\\.zsync\\.zerocopy\\.(BufferPoolBenchmark|NettyThreadCacheBenchmark)\\.", "zsyncPool",
                List.of("nettyPooledThreadCache", "nettyPooledDefault", "allocateDirect"), null, false));
        add(new Group("xor", "XOR with a 13-byte key: Vector API vs scalar paths vs a copy of the same bytes (GB/s)",
                "io\\.zsync\\.accel\\.XorBenchmark\\.", "vector",
                List.of("scalarLong", "byteLoop", "arraycopy"), null, true));
        add(new Group("copy", "optimizedCopy vs System.arraycopy / direct bulk put (GB/s)",
                "io\\.zsync\\.accel\\.CopyCompareCrcBenchmark\\.(zsyncCopy|jdkCopy)$", "zsyncCopy",
                List.of("jdkCopy"), null, true));
        add(new Group("compare", "optimizedCompare vs Arrays.mismatch / ByteBuffer.mismatch, equal data (GB/s)",
                "io\\.zsync\\.accel\\.CopyCompareCrcBenchmark\\.(zsyncCompare|jdkMismatch)$", "zsyncCompare",
                List.of("jdkMismatch"), null, true));
        add(new Group("crc32c", "crc32c vs java.util.zip.CRC32C (GB/s)",
                "io\\.zsync\\.accel\\.CopyCompareCrcBenchmark\\.(zsyncCrc32c|jdkCrc32c)$", "zsyncCrc32c",
                List.of("jdkCrc32c"), null, true));
        add(new Group("stream", "Realtime stream throughput, 1 sender -> 1 subscriber, 64-byte payloads, no limit (messages/s)",
                "io\\.zsync\\.stream\\.StreamThroughputBenchmark\\.", "highThroughputBatch64",
                List.of("highThroughputOneAtATime", "lowLatencyOneAtATime", "reliableBatch64", "disruptorOneAtATime",
                        "disruptorBatch64", "arrayBlockingQueue"), null, true));
        add(new Group("ratelimit", "One rate-limit decision, 1 thread, clock read included (ns/op)",
                "io\\.zsync\\.stream\\.TokenBucketBenchmark\\.", "zsyncTryAcquire",
                List.of("zsyncTryAcquireClockPerBatch", "bucket4jTryConsume"), null, false));
        add(new Group("parallel", "parallelProcess, 256 Ki ints, CPU-bound function (ms/op)",
                "io\\.zsync\\.accel\\.ParallelProcessBenchmark\\.", "twoThreads",
                List.of("oneThread"), null, false));
    }

    /** Paced measurements outside JMH, by name; {@code true} asks for the short version. */
    interface Harness {
        String run(boolean quick) throws Exception;
    }

    static final Map<String, Harness> HARNESSES = new LinkedHashMap<>();

    static {
        HARNESSES.put("latency", io.zsync.stream.StreamHarness::latency);
        HARNESSES.put("overload", io.zsync.stream.StreamHarness::overload);
        HARNESSES.put("rate", io.zsync.stream.StreamHarness::rate);
        HARNESSES.put("presets", io.zsync.stream.StreamHarness::presets);
        HARNESSES.put("streams", io.zsync.processors.StreamsHarness::throughput);
        HARNESSES.put("streams-heap", io.zsync.processors.StreamsHarness::heap);
        HARNESSES.put("bridge", io.zsync.connector.ConnectHarness::bridge);
        HARNESSES.put("transforms", io.zsync.connector.ConnectHarness::transforms);
        HARNESSES.put("flow", io.zsync.kafka.flow.FlowBudgetHarness::run);
        HARNESSES.put("slow", io.zsync.kafka.flow.SlowConsumerHarness::run);
        HARNESSES.put("pipeline", io.zsync.mainjob.PipelineLatencyHarness::run);
    }

    private static void add(Group g) {
        GROUPS.put(g.name(), g);
    }

    private BenchmarkReport() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = Arrays.asList(args).contains("--quick");
        List<String> names = new ArrayList<>();
        for (String a : args) {
            if (!a.startsWith("--")) {
                names.add(a);
            }
        }
        if (names.isEmpty()) {
            names.addAll(GROUPS.keySet());
            names.addAll(HARNESSES.keySet());
        }
        for (String n : names) {
            if (!GROUPS.containsKey(n) && !HARNESSES.containsKey(n)) {
                System.err.println("Unknown benchmark group '" + n + "'; groups are " + GROUPS.keySet()
                        + " and " + HARNESSES.keySet());
                System.exit(2);
            }
        }
        StringBuilder report = new StringBuilder();
        report.append(String.format("zsync benchmarks on Java %s, %s, %d cores%n", Runtime.version(), cpuModel(),
                Runtime.getRuntime().availableProcessors()));
        for (String n : names) {
            if (HARNESSES.containsKey(n)) {
                String section = HARNESSES.get(n).run(quick);
                System.out.print(section);
                report.append(section);
            } else {
                report.append(run(GROUPS.get(n), quick));
            }
        }
        System.out.println();
        System.out.println(report);
        Path out = Path.of("target", "benchmark-report.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report.toString());
        System.out.println("(also written to " + out.toAbsolutePath() + ")");
    }

    private static String run(Group group, boolean quick) throws Exception {
        ChainedOptionsBuilder options = new OptionsBuilder().include(group.include()).shouldFailOnError(true);
        if (quick) {
            options.warmupIterations(1).warmupTime(TimeValue.seconds(1))
                    .measurementIterations(2).measurementTime(TimeValue.seconds(1));
        }
        Map<String, Map<String, Result<?>>> byParams = new LinkedHashMap<>();
        Map<String, Integer> sizes = new LinkedHashMap<>();
        for (RunResult r : new Runner(options.build()).run()) {
            String label = r.getParams().getBenchmark();
            label = label.substring(label.lastIndexOf('.') + 1);
            Result<?> score = group.metric() == null
                    ? r.getPrimaryResult()
                    : r.getSecondaryResults().get(group.metric());
            StringBuilder key = new StringBuilder();
            for (String param : r.getParams().getParamsKeys()) {
                key.append(String.format(Locale.ROOT, "%-8s", param.equals("size")
                        ? humanSize(Integer.parseInt(r.getParams().getParam(param)))
                        : r.getParams().getParam(param)));
            }
            String size = r.getParams().getParam("size");
            if (size != null) {
                sizes.put(key.toString(), Integer.parseInt(size));
            }
            byParams.computeIfAbsent(key.toString(), k -> new LinkedHashMap<>()).put(label, score);
        }
        if (byParams.size() == 1 && byParams.containsKey("")) {
            return table(group, byParams.get(""));
        }
        return paramTable(group, byParams, sizes);
    }

    static String humanSize(int bytes) {
        if (bytes >= 1 << 20 && bytes % (1 << 20) == 0) {
            return (bytes >> 20) + " MiB";
        }
        if (bytes >= 1 << 10 && bytes % (1 << 10) == 0) {
            return (bytes >> 10) + " KiB";
        }
        return bytes + " B";
    }

    /** One row per parameter combination; with a size parameter, throughput is shown in GB/s. */
    static String paramTable(Group group, Map<String, Map<String, Result<?>>> byParams, Map<String, Integer> sizes) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%n%s%n", group.title()));
        List<String> order = new ArrayList<>();
        order.add(group.ours());
        order.addAll(group.peers());
        sb.append(String.format(Locale.ROOT, "  %-16s", "params"));
        for (String name : order) {
            sb.append(String.format(Locale.ROOT, " %12s", name));
        }
        for (String peer : group.peers()) {
            sb.append(String.format(Locale.ROOT, " %14s", "vs " + peer));
        }
        sb.append(System.lineSeparator());
        for (Map.Entry<String, Map<String, Result<?>>> row : byParams.entrySet()) {
            Integer size = sizes.get(row.getKey());
            sb.append(String.format(Locale.ROOT, "  %-16s", row.getKey().trim()));
            for (String name : order) {
                Result<?> r = row.getValue().get(name);
                double value = r == null ? Double.NaN : r.getScore() * (size == null ? 1 : size / 1e9);
                sb.append(String.format(Locale.ROOT, " %12.2f", value));
            }
            Result<?> ours = row.getValue().get(group.ours());
            for (String peer : group.peers()) {
                Result<?> r = row.getValue().get(peer);
                String ratio = "";
                if (ours != null && r != null) {
                    double x = group.higherIsBetter() ? ours.getScore() / r.getScore() : r.getScore() / ours.getScore();
                    ratio = String.format(Locale.ROOT, "%.2fx", x);
                }
                sb.append(String.format(Locale.ROOT, " %14s", ratio));
            }
            sb.append(System.lineSeparator());
        }
        sb.append(String.format(Locale.ROOT, "  (ratio > 1 means %s is faster)%n", group.ours()));
        return sb.toString();
    }

    static String table(Group group, Map<String, Result<?>> scores) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%n%s%n", group.title()));
        sb.append(String.format(Locale.ROOT, "  %-24s %16s %12s  %s%n", "benchmark", "score", "error", "zsync vs this"));
        Result<?> ours = scores.get(group.ours());
        List<String> order = new ArrayList<>();
        order.add(group.ours());
        order.addAll(group.peers());
        for (String name : order) {
            Result<?> r = scores.get(name);
            if (r == null) {
                sb.append(String.format(Locale.ROOT, "  %-24s %16s%n", name, "(not run)"));
                continue;
            }
            String ratio = "";
            if (ours != null && !name.equals(group.ours())) {
                double x = group.higherIsBetter() ? ours.getScore() / r.getScore() : r.getScore() / ours.getScore();
                ratio = String.format(Locale.ROOT, "%.2fx", x);
            }
            sb.append(String.format(Locale.ROOT, "  %-24s %,16.1f %,12.1f  %s%n", name, r.getScore(),
                    r.getScoreError(), ratio));
        }
        sb.append(String.format(Locale.ROOT, "  (ratio > 1 means zsync is faster; unit %s)%n",
                ours == null ? "?" : ours.getScoreUnit()));
        return sb.toString();
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (Exception e) {
            // Not Linux: the JVM's architecture is the best we have.
        }
        return System.getProperty("os.arch");
    }
}

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
 * ratio to every peer. {@code java -jar benchmarks/target/zsync-benchmarks.jar ring pool}; no group
 * means all; {@code --quick} shortens warmup and measurement for a smoke run. For plain JMH use
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
        }
        for (String n : names) {
            if (!GROUPS.containsKey(n)) {
                System.err.println("Unknown benchmark group '" + n + "'; groups are " + GROUPS.keySet());
                System.exit(2);
            }
        }
        StringBuilder report = new StringBuilder();
        report.append(String.format("zsync benchmarks on Java %s, %s, %d cores%n", Runtime.version(), cpuModel(),
                Runtime.getRuntime().availableProcessors()));
        for (String n : names) {
            report.append(run(GROUPS.get(n), quick));
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
        Map<String, Result<?>> scores = new LinkedHashMap<>();
        for (RunResult r : new Runner(options.build()).run()) {
            String label = r.getParams().getBenchmark();
            label = label.substring(label.lastIndexOf('.') + 1);
            Result<?> score = group.metric() == null
                    ? r.getPrimaryResult()
                    : r.getSecondaryResults().get(group.metric());
            scores.put(label, score);
        }
        return table(group, scores);
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

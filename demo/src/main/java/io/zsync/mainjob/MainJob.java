package io.zsync.mainjob;

import io.zsync.kafka.ZsyncConfig;
import io.zsync.processors.app.EmbeddedKafka;
import io.zsync.processors.app.Topics;
import io.zsync.processors.app.ZsyncAppConfig;
import io.zsync.processors.app.ZsyncStreamsApp;
import io.zsync.stream.Priority;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.utils.Time;

/**
 * The main job: the whole of zsync on one machine. It starts a KRaft broker in this JVM (or uses the
 * cluster {@code bootstrap.servers} names), a Connect worker that loads the bridge and the transforms from
 * the plugin archive, and the Streams app, all configured from {@code config/}:
 *
 * <pre>workload → orders, audit → [bridge: priority, deadlines, rate limit] → prioritized
 *          → [Streams app: buffer, checksum] → deliveries    (dead letters: prioritized.dlq, deliveries.dlq)</pre>
 *
 * The workload starts only when every part runs ({@link Readiness}: the Streams app RUNNING with a task
 * for each of its input partitions, the connector and its tasks RUNNING, and a {@link Probe} record
 * through each source partition read at the output); it fails, naming what is not ready, after
 * {@value #READY_TIMEOUT_SECONDS} s. It drives a mixed workload (four priorities, deadlines of which some
 * expire, bursts over the bridge's rate limit), prints progress once a second, and ends with a report and
 * an HTML chart in {@code output.dir}: latency per priority over the steady part, the first
 * {@value #WARM_UP_MS} ms of the workload on a line of their own. After the workload, the
 * {@link SlowPhase slow-consumer phase} floods zsync with release paced by a slow downstream group's lag,
 * and a plain pass-through beside it, for a section of the report and the chart of its own. It exits 0
 * when every record produced was delivered or dead-lettered, and every flood record was found.
 *
 * <pre>java -cp ... io.zsync.mainjob.MainJob config/main-job.properties [key=value ...]</pre>
 */
public final class MainJob {
    private static final Duration CONNECTOR_START = Duration.ofSeconds(60);
    static final int READY_TIMEOUT_SECONDS = 60;
    /** The first part of the workload, shown apart from the steady part's latency. */
    static final long WARM_UP_MS = 3_000;
    static final Monitor.Phase WARM_UP = new Monitor.Phase("warm-up", 0, WARM_UP_MS);
    static final Monitor.Phase STEADY = new Monitor.Phase("steady", WARM_UP_MS, Long.MAX_VALUE);
    /** The phases of the workload, in order: the report's headline latency is {@link #STEADY}'s. */
    static final List<Monitor.Phase> PHASES = List.of(WARM_UP, STEADY);

    private MainJob() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: MainJob <main-job.properties> [key=value ...]");
            System.exit(2);
        }
        int code;
        try {
            code = run(args);
        } catch (ConfigException e) {
            System.err.println("zsync main job: invalid configuration: " + e.getMessage());
            code = 1;
        }
        System.exit(code);
    }

    /** Runs the job; returns 0 when every record was accounted for. */
    static int run(String[] args) throws Exception {
        Properties settings = load(Path.of(args[0]));
        for (int i = 1; i < args.length; i++) {
            if (args[i].isBlank()) {
                continue;
            }
            for (String pair : args[i].trim().split("\\s+")) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new ConfigException("argument '" + pair + "' is not key=value");
                }
                settings.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        MainJobConfig config = new MainJobConfig(settings);
        Map<String, String> worker = asMap(load(Path.of(config.getString(MainJobConfig.WORKER_CONFIG))));
        Map<String, String> bridge = asMap(load(Path.of(config.getString(MainJobConfig.BRIDGE_CONFIG))));
        Properties streamsSettings = load(Path.of(config.getString(MainJobConfig.STREAMS_CONFIG)));
        Path out = Path.of(config.getString(MainJobConfig.OUTPUT_DIR_CONFIG));
        Files.createDirectories(out);

        // The Streams app's config is checked here; the bridge's by the worker's validate call below (the
        // connector's classes live in the plugin archive only). A bad value stops the job, naming the key.
        ZsyncAppConfig streamsConfig = new ZsyncAppConfig(streamsSettings);
        List<String> sources = new ArrayList<>();
        for (String t : bridge.getOrDefault("source.topics", "").split(",")) {
            if (!t.isBlank()) {
                sources.add(t.trim());
            }
        }
        String prioritized = bridge.getOrDefault("target.topic", "").trim();
        String bridgeDlq = new ZsyncConfig(bridge).dlqTopic(prioritized);
        if (!streamsConfig.inputTopics().contains(prioritized)) {
            throw new ConfigException(ZsyncAppConfig.INPUT_TOPICS_CONFIG, streamsConfig.inputTopics(),
                    "the Streams app must read the bridge's target.topic (" + prioritized + ") for the pipeline");
        }

        // The slow-consumer phase's flood must fit in its zsync app's buffer: checked before anything starts.
        SlowPhase.check(config, streamsSettings);

        List<AutoCloseable> running = new ArrayList<>();
        Thread hook = new Thread(() -> closeAll(running), "zsync-main-job-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            String bootstrap = config.getString(MainJobConfig.BOOTSTRAP_SERVERS_CONFIG);
            if (config.embedded()) {
                System.out.println("zsync main job: starting an embedded KRaft broker ...");
                EmbeddedKafka kafka = EmbeddedKafka.start(Map.of("num.partitions", "2"));
                running.add(kafka);
                bootstrap = kafka.bootstrapServers();
                System.out.println("zsync main job: broker at " + bootstrap);
            }

            System.out.println("zsync main job: starting a Connect worker with the plugin archive "
                    + config.getString(MainJobConfig.PLUGIN_ARCHIVE_CONFIG) + " ...");
            ConnectWorker connect = ConnectWorker.start(worker, bootstrap,
                    Path.of(config.getString(MainJobConfig.PLUGIN_ARCHIVE_CONFIG)), out);
            running.add(connect);
            Map<String, String> connector = new HashMap<>(bridge);
            connector.put("source.bootstrap.servers", bootstrap);
            String name = connector.getOrDefault("name", "zsync-bridge");
            connector.put("name", name);
            List<String> errors = connect.validate(connector);
            if (!errors.isEmpty()) {
                throw new ConfigException("the worker rejects " + config.getString(MainJobConfig.BRIDGE_CONFIG) + ": "
                        + String.join("; ", errors));
            }
            int sourcePartitions = createTopics(bootstrap, sources, prioritized, bridgeDlq);
            // The bridge runs a task per source partition, up to tasks.max.
            int tasks = Math.min(Integer.parseInt(connector.getOrDefault("tasks.max", "1")), sourcePartitions);
            connect.runConnector(name, connector, tasks, CONNECTOR_START);
            System.out.println("zsync main job: Connect worker at " + connect.rest() + " runs " + name + " ("
                    + connector.get("connector.class") + ", transforms: " + connector.getOrDefault("transforms", "none")
                    + ")");

            streamsSettings.put("bootstrap.servers", bootstrap);
            streamsSettings.put("state.dir", out.resolve("streams-state").toString());
            ZsyncStreamsApp streams = ZsyncStreamsApp.start(streamsSettings, false);
            running.add(streams);
            System.out.println("zsync main job: Streams app reads " + streamsConfig.inputTopics() + ", writes "
                    + streamsConfig.outputTopic());

            Workload workload = new Workload(config, bootstrap, sources);
            BridgeFlow.Budget budget = BridgeFlow.Budget.of(name, connector, tasks);
            Monitor monitor = new Monitor(bootstrap, streamsConfig.outputTopic(),
                    List.of(bridgeDlq, streamsConfig.dlqTopic()), workload::produced,
                    new BridgeFlow(bootstrap, prioritized, budget), PHASES);
            Thread monitorThread = new Thread(monitor, "zsync-main-job-monitor");
            monitorThread.start();
            running.add(() -> {
                monitor.stop();
                monitorThread.join();
            });

            System.out.printf(Locale.ROOT, "zsync main job: waiting until every part runs (at most %d s) ...%n",
                    READY_TIMEOUT_SECONDS);
            Readiness.Result ready;
            int probes;
            try (Probe probe = new Probe(bootstrap, sources, monitor)) {
                ready = new Readiness(Time.SYSTEM).await(List.of(
                        Readiness.streams(streams, partitions(bootstrap, streamsConfig.inputTopics())),
                        Readiness.connector(connect, name, tasks)), probe, Duration.ofSeconds(READY_TIMEOUT_SECONDS));
                probes = probe.sent();
            } catch (IllegalStateException e) {
                System.err.println("zsync main job: " + e.getMessage());
                return 1;
            }
            System.out.println("zsync main job: " + ready.summary());
            ready.details().forEach(d -> System.out.println("  " + d));
            monitor.begin(Duration.ofSeconds(10));
            Thread workloadThread = new Thread(workload, "zsync-main-job-workload");
            Instant started = Instant.now();
            long slowMs = config.getLong(MainJobConfig.SLOW_DURATION_CONFIG);
            System.out.printf(Locale.ROOT, "zsync main job: %d s of workload, then until every record is accounted"
                    + " for (at most %d s more)%s%n", config.getLong(MainJobConfig.DURATION_CONFIG) / 1000,
                    config.getLong(MainJobConfig.DRAIN_TIMEOUT_CONFIG) / 1000, slowMs == 0 ? ""
                            : String.format(Locale.ROOT, "; then the slow-consumer phase (%.0f s of flood)",
                            slowMs / 1000.0));
            workloadThread.start();
            workloadThread.join();
            long produced = workload.produced();
            long drainUntil = System.nanoTime()
                    + TimeUnit.MILLISECONDS.toNanos(config.getLong(MainJobConfig.DRAIN_TIMEOUT_CONFIG));
            while (monitor.accounted() < produced && System.nanoTime() < drainUntil && monitor.failure() == null
                    && streams.failure().isEmpty()) {
                Thread.sleep(200);
            }
            // One more second, so repeats that arrive late are counted too.
            Thread.sleep(1_000);
            monitor.stop();
            monitorThread.join();
            Duration took = Duration.between(started, Instant.now());

            // After the workload, so the two share no CPU: the slow-consumer phase on topics of its own.
            SlowPhase.Result slow = null;
            if (config.getLong(MainJobConfig.SLOW_DURATION_CONFIG) > 0) {
                SlowPhase phase = new SlowPhase(config, bootstrap, streamsSettings, out);
                running.add(phase);
                try {
                    slow = phase.run();
                } catch (Exception e) {
                    System.err.println("zsync main job: slow-consumer phase failed: " + e);
                    slow = SlowPhase.Result.failed(e.toString());
                }
            }

            String report = report(config, bootstrap, name, connector, budget, streamsConfig, workload, monitor,
                    produced, took, ready, probes) + (slow == null ? "" : slow.section());
            Files.writeString(out.resolve("report.txt"), report, StandardCharsets.UTF_8);
            Files.writeString(out.resolve("chart.html"), Chart.html("zsync main job", monitor.samples(),
                    budget.total(), WARM_UP, slow, report), StandardCharsets.UTF_8);
            System.out.println();
            System.out.print(report);
            System.out.println("zsync main job: report " + out.resolve("report.txt") + ", chart "
                    + out.resolve("chart.html"));
            if (workload.failure() != null) {
                System.err.println("zsync main job: the workload's producer failed: " + workload.failure());
                return 1;
            }
            if (slow != null && !slow.ok()) {
                System.err.println("zsync main job: the slow-consumer phase did not account for every flood record");
                return 1;
            }
            return monitor.accounted() == produced ? 0 : 1;
        } finally {
            closeAll(running);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down
            }
        }
    }

    private static String report(MainJobConfig config, String bootstrap, String connectorName,
                                 Map<String, String> connector, BridgeFlow.Budget budget, ZsyncAppConfig streams,
                                 Workload workload, Monitor monitor, long produced, Duration took,
                                 Readiness.Result ready, int probes) {
        StringBuilder sb = new StringBuilder();
        sb.append("zsync main job report\n");
        sb.append(String.format(Locale.ROOT, "  Kafka: %s%s%n", bootstrap, config.embedded() ? " (embedded KRaft broker)"
                : ""));
        sb.append(String.format(Locale.ROOT, "  pipeline: %s -> Connect %s (zsync.rate.limit=%s, zsync.rate.scope=%s,"
                + " zsync.backpressure=%s, transforms=%s) -> %s -> Streams app -> %s%n", connector.get("source.topics"),
                connectorName, connector.getOrDefault("zsync.rate.limit", "0"),
                budget.application() ? "application" : "task", connector.getOrDefault("zsync.backpressure", "block"),
                connector.getOrDefault("transforms", "none"), connector.get("target.topic"), streams.outputTopic()));
        sb.append(String.format(Locale.ROOT, "  workload: %d s at %,d records/s, bursts of %,d records/s for %d ms every"
                + " %d ms; mix %s; %d%% with a %d ms deadline%n",
                config.getLong(MainJobConfig.DURATION_CONFIG) / 1000, config.getInt(MainJobConfig.RATE_CONFIG),
                config.getInt(MainJobConfig.BURST_RATE_CONFIG), config.getLong(MainJobConfig.BURST_LENGTH_CONFIG),
                config.getLong(MainJobConfig.BURST_EVERY_CONFIG), config.getList(MainJobConfig.PRIORITY_MIX_CONFIG),
                config.getInt(MainJobConfig.DEADLINE_SHARE_CONFIG), config.getLong(MainJobConfig.DEADLINE_CONFIG)));
        sb.append(String.format(Locale.ROOT, "  %s, then the workload started:%n", ready.summary()));
        ready.details().forEach(d -> sb.append("    ").append(d).append('\n'));
        sb.append(String.format(Locale.ROOT, "  run: %.1f s (workload and drain)%n", took.toMillis() / 1000.0));
        sb.append(String.format(Locale.ROOT, "%n  records produced          %,10d%n", produced));
        sb.append(String.format(Locale.ROOT, "  delivered to %-12s %,10d%n", streams.outputTopic(), monitor.outTotal()));
        sb.append(bridgeLine(connector.get("target.topic"), budget, BridgeFlow.backlog(monitor.samples())));
        monitor.deadByTopicAndReason().forEach((key, n) -> sb.append(String.format(Locale.ROOT,
                "  dead letter %-30s %,10d%n", key, n)));
        BitSet failedSends = workload.failedSends();
        if (!failedSends.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "  producer sends failed     %,10d (never written to the source topics, so"
                    + " not expected downstream; first error: %s)%n", failedSends.cardinality(), workload.failure()));
        }
        long missing = produced - monitor.accounted();
        sb.append(String.format(Locale.ROOT, "  accounted for             %,10d of %,d: %s%n", monitor.accounted(),
                produced, missing <= 0 ? "every record was delivered or dead-lettered with a reason"
                        : missing + " MISSING, e.g. sequence numbers "
                        + monitor.missing(workload.sent(), failedSends, 10)));
        sb.append(String.format(Locale.ROOT, "  delivered more than once  %,10d (at-least-once: repeats are possible"
                + " after a crash, none are expected in a clean run)%n", monitor.repeated()));
        sb.append(String.format(Locale.ROOT, "  readiness probes          %,10d sent before the workload, %,d read at the"
                + " output, %,d dead-lettered (not among the records above)%n", probes,
                monitor.probesDelivered().size(), monitor.probesDeadLettered().size()));
        sb.append(latencyTable(monitor, STEADY));
        for (Monitor.Phase phase : PHASES) {
            if (phase != STEADY) {
                sb.append(latencyLine(monitor, phase));
            }
        }
        return sb.toString();
    }

    /** The headline: latency per priority of the records {@code phase} produced, from p50 to the max. */
    static String latencyTable(Monitor monitor, Monitor.Phase phase) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%n  latency, produce to delivery (ms), %s:"
                + " records %s of the workload%n  %-9s %10s %8s %8s %8s %8s%n", phase.name(), phase.records(),
                "priority", "delivered", "p50", "p99", "p99.9", "max"));
        for (int i = Priority.COUNT - 1; i >= 0; i--) {
            Priority p = Priority.of(i);
            Histogram h = monitor.latency(phase, p);
            if (h.getTotalCount() == 0) {
                sb.append(String.format(Locale.ROOT, "  %-9s %,10d %8s %8s %8s %8s%n", p.name(), 0, "-", "-", "-", "-"));
                continue;
            }
            sb.append(String.format(Locale.ROOT, "  %-9s %,10d %,8d %,8d %,8d %,8d%n", p.name(),
                    monitor.delivered(phase, p), h.getValueAtPercentile(50), h.getValueAtPercentile(99),
                    h.getValueAtPercentile(99.9), h.getMaxValue()));
        }
        return sb.toString();
    }

    /** One line for another phase: p99 per priority of the records it produced, and how many were delivered. */
    static String latencyLine(Monitor monitor, Monitor.Phase phase) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "  %s, records %s: p99 ms", phase.name(),
                phase.records()));
        for (int i = Priority.COUNT - 1; i >= 0; i--) {
            Priority p = Priority.of(i);
            Histogram h = monitor.latency(phase, p);
            sb.append(i == Priority.COUNT - 1 ? " " : ", ").append(p.name()).append(' ').append(h.getTotalCount() == 0
                    ? "-" : String.format(Locale.ROOT, "%,d", h.getValueAtPercentile(99)));
        }
        return sb.append(String.format(Locale.ROOT, " (%,d delivered)%n", monitor.delivered(phase))).toString();
    }

    /**
     * The bridge's delivered rate into its target topic over the seconds it had a backlog (so that its
     * budget, not its input, set the pace), against that budget.
     */
    static String bridgeLine(String target, BridgeFlow.Budget budget, BridgeFlow.Backlog backlog) {
        String head = String.format(Locale.ROOT, "  bridge -> %-15s ", target);
        if (backlog.seconds() == 0) {
            return head + String.format(Locale.ROOT, "%10s records/s: no second with a backlog in the bridge, so its"
                    + " budget (%s) never held it back%n", "-", budget.label());
        }
        String rate = String.format(Locale.ROOT, "%,10d records/s over the %d s with a backlog in the bridge",
                backlog.perSecond(), backlog.seconds());
        if (budget.limit() <= 0) {
            return head + rate + String.format(Locale.ROOT, ", no rate limit%n");
        }
        return head + rate + String.format(Locale.ROOT, ", budget %s: %.2f of the budget%n", budget.label(),
                backlog.ofBudget(budget.total()));
    }

    /** Creates the missing topics and waits for them; returns how many partitions the source topics have. */
    private static int createTopics(String bootstrap, List<String> sources, String target, String dlq)
            throws Exception {
        Set<String> wanted = new LinkedHashSet<>(sources);
        wanted.add(target);
        wanted.add(dlq);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            // Broker defaults for partitions and replication; waits until every leader serves, so the
            // workload's first batches are not refused.
            Topics.createMissing(admin, wanted, java.util.Optional.empty(), Duration.ofSeconds(30));
            return admin.describeTopics(sources).allTopicNames().get(30, TimeUnit.SECONDS).values().stream()
                    .mapToInt(d -> d.partitions().size()).sum();
        }
    }

    /** The partitions of {@code topics}. */
    private static Set<TopicPartition> partitions(String bootstrap, List<String> topics) throws Exception {
        Set<TopicPartition> out = new LinkedHashSet<>();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).values().forEach(d ->
                    d.partitions().forEach(p -> out.add(new TopicPartition(d.name(), p.partition()))));
        }
        return out;
    }

    private static void closeAll(List<AutoCloseable> running) {
        synchronized (running) {
            for (int i = running.size() - 1; i >= 0; i--) {
                try {
                    running.get(i).close();
                } catch (Exception e) {
                    System.err.println("zsync main job: closing " + running.get(i).getClass().getSimpleName()
                            + " failed: " + e);
                }
            }
            running.clear();
        }
    }

    private static Properties load(Path file) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ConfigException("no such file: " + file.toAbsolutePath());
        }
        return p;
    }

    private static Map<String, String> asMap(Properties p) {
        Map<String, String> m = new HashMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
        return m;
    }
}

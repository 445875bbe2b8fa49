package io.zsync.kafka.flow;

import io.zsync.kafka.ZsyncHeaders;
import io.zsync.processors.app.CheckedProducer;
import io.zsync.processors.app.EmbeddedKafka;
import io.zsync.processors.app.Topics;
import io.zsync.processors.app.ZsyncStreamsApp;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;

/**
 * Issue 20's application-wide flow budget, measured: 1, 2 and 4 instances of the Streams app
 * ({@link ZsyncStreamsApp}, each in its own JVM) on one in-process broker, fed LOW records with 1 % CRITICAL
 * among them at 1.5 times the budget, all on one of 8 input partitions (skewed) or spread over the 8 (even).
 * Each case runs twice: {@code zsync.rate.scope=application} (the coordinated budget) and
 * {@code zsync.rate.scope=task} with the budget divided by the partition count, the fixed per-partition share
 * a user had to configure before (and what {@code application} scope meant before issue 20). The output topic
 * stamps each record with the broker's append time; the delivered rate and the latencies (append time minus the
 * feeder's send time, carried in the value) are taken over the records appended in the steady part of the
 * feed, its first and last second left out.
 */
public final class FlowBudgetHarness {
    /**
     * Records per second for the whole application ({@code -Dflow.budget}). 1,000 by default: at 3,000 (fed 4,500)
     * the fresh app JVMs, the broker and the feeder on 2 cores took 10 s or more to keep up with their input in
     * both modes, so the table showed the machine's warm-up rather than the budget.
     */
    private static final long BUDGET = Long.getLong("flow.budget", 1_000);
    private static final int PARTITIONS = 8;
    /** Fed at 1.5 times the budget, so records wait throughout and the budget, not the input, sets the rate. */
    private static final long FEED_RATE = BUDGET * 3 / 2;
    /** One record in this many is CRITICAL, the rest LOW. */
    private static final int CRITICAL_EVERY = 100;
    private static final int VALUE_BYTES = 100;
    private static final byte LOW = 0;
    private static final byte CRITICAL = 3;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

    private FlowBudgetHarness() {
    }

    /** How the budget is applied in one run. */
    private enum Mode {
        COORDINATED("application", BUDGET), PER_PARTITION("task", BUDGET / PARTITIONS);

        final String scope;
        final long rateLimit;

        Mode(String scope, long rateLimit) {
            this.scope = scope;
            this.rateLimit = rateLimit;
        }
    }

    /** What one run measured. */
    private record Cell(int instances, boolean skewed, Mode mode, double delivered, double criticalP99,
                        double lowP99, long critical, long low, long deadLetters, String assignment) {
    }

    /**
     * Runs every case and returns the table.
     *
     * @param quick 3 s measured instead of 10 (after the warm-up, {@code -Dflow.warmup.ms}, 10 s by default)
     */
    public static String run(boolean quick) throws Exception {
        // Fresh app JVMs on 2 cores took 5 to 11 s to keep up with their input (the per-second counts printed for
        // each run show it): the first 10 s are warm-up (-Dflow.warmup.ms), the last second is left out as well.
        long warmupMs = Long.getLong("flow.warmup.ms", 10_000);
        long tailMs = 1_000;
        long feedMs = warmupMs + (quick ? 3_000 : 10_000) + tailMs;
        long started = System.nanoTime();
        Path work = Files.createTempDirectory("zsync-bench-flow-");
        List<Cell> cells = new ArrayList<>();
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            int[] counts = Arrays.stream(System.getProperty("flow.instances", "1,2,4").split(","))
                    .mapToInt(x -> Integer.parseInt(x.trim())).toArray();
            // The first cells of a run on a fresh broker showed CRITICAL p99 of seconds whatever the mode and the
            // instance count (the broker's and the feeder's own warm-up): one unreported cell first.
            Cell warm = cell(kafka.bootstrapServers(), admin, work, 1, false, Mode.COORDINATED, feedMs, warmupMs, tailMs);
            System.out.printf(Locale.ROOT, "  flow: warm-up cell (not reported): %,.0f/s, CRITICAL p99 %,.0f ms%n",
                    warm.delivered(), warm.criticalP99());
            for (int instances : counts) {
                for (boolean skewed : new boolean[] {true, false}) {
                    for (Mode mode : Mode.values()) {
                        Cell cell = cell(kafka.bootstrapServers(), admin, work, instances, skewed, mode, feedMs,
                                warmupMs, tailMs);
                        System.out.printf(Locale.ROOT, "  flow %d instance(s), %s, %s: %,.0f/s (%.3f of %,d),"
                                        + " CRITICAL p99 %,.0f ms (%d), LOW p99 %,.0f ms (%d), dead letters %d;"
                                        + " partitions per instance %s%n",
                                instances, skewed ? "skewed" : "even", mode.scope, cell.delivered(),
                                cell.delivered() / BUDGET, BUDGET, cell.criticalP99(), cell.critical(),
                                cell.lowP99(), cell.low(), cell.deadLetters(), cell.assignment());
                        cells.add(cell);
                    }
                }
            }
        } finally {
            if (Boolean.getBoolean("flow.keep")) {
                System.out.println("  flow: the apps' logs and state are kept in " + work);
            } else {
                Utils.delete(work.toFile());
            }
        }
        return table(cells, feedMs, warmupMs, tailMs, (System.nanoTime() - started) / 1e9);
    }

    private static int cellsRun;

    private static Cell cell(String bootstrap, Admin admin, Path work, int instances, boolean skewed, Mode mode,
                             long feedMs, long warmupMs, long tailMs) throws Exception {
        // Numbered: every cell has topics and a group of its own (the warm-up cell repeats a reported one's setup).
        String app = String.format(Locale.ROOT, "flow-%d-%d-%s-%s", ++cellsRun, instances, skewed ? "skewed" : "even",
                mode.scope);
        String input = app + "-in";
        String output = app + "-out";
        String dlq = output + ".dlq";
        admin.createTopics(List.of(new NewTopic(input, PARTITIONS, (short) 1),
                new NewTopic(output, PARTITIONS, (short) 1).configs(Map.of("message.timestamp.type", "LogAppendTime")),
                new NewTopic(dlq, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
        Topics.awaitReady(admin, List.of(input, output, dlq), Duration.ofSeconds(30));

        Properties settings = new Properties();
        settings.put("application.id", app);
        settings.put("bootstrap.servers", bootstrap);
        settings.put("zsync.input.topics", input);
        settings.put("zsync.output.topic", output);
        settings.put("zsync.rate.scope", mode.scope);
        settings.put("zsync.rate.limit", Long.toString(mode.rateLimit));
        // Room for the whole backlog: under block a full buffer would leave CRITICAL records in the topic, behind LOW.
        settings.put("zsync.buffer.max.records", "200000");
        List<Process> processes = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        try {
            for (int i = 0; i < instances; i++) {
                Path dir = Files.createDirectories(work.resolve(app).resolve("instance-" + i));
                Properties own = new Properties();
                own.putAll(settings);
                own.put("state.dir", dir.resolve("state").toString());
                Path config = dir.resolve("app.properties");
                try (OutputStream out = Files.newOutputStream(config)) {
                    own.store(out, null);
                }
                Path log = dir.resolve("app.log");
                logs.add(log);
                processes.add(launch(config, log));
            }
            String assignment = awaitStable(admin, app, instances, processes, logs);
            long feedStart = System.currentTimeMillis();
            long fed = feed(bootstrap, input, skewed, feedStart, feedMs);
            System.out.printf(Locale.ROOT, "  flow %s: fed %,d records in %,d ms (%,d ms late)%n", app, fed,
                    System.currentTimeMillis() - feedStart, System.currentTimeMillis() - feedStart - feedMs);
            for (int i = 0; i < processes.size(); i++) {
                if (!processes.get(i).isAlive()) {
                    throw new IllegalStateException(app + " instance " + i + " stopped:\n" + tail(logs.get(i)));
                }
            }
            long from = feedStart + warmupMs;
            long to = feedStart + feedMs - tailMs;
            return measure(bootstrap, output, dlq, instances, skewed, mode, feedStart, from, to, assignment);
        } finally {
            for (Process p : processes) {
                p.destroyForcibly();
            }
            for (Process p : processes) {
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** The Streams app on {@code config} in its own JVM with this JVM's class path, its output to {@code log}. */
    private static Process launch(Path config, Path log) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx256m");
        cmd.add("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ZsyncStreamsApp.class.getName());
        cmd.add(config.toString());
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /**
     * Waits until the app's group is stable with all {@code instances} members and every input partition assigned;
     * returns how many partitions each member holds.
     */
    private static String awaitStable(Admin admin, String app, int instances, List<Process> processes,
                                      List<Path> logs) throws Exception {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        String last = "no description";
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < processes.size(); i++) {
                if (!processes.get(i).isAlive()) {
                    throw new IllegalStateException(app + " instance " + i + " stopped:\n" + tail(logs.get(i)));
                }
            }
            ConsumerGroupDescription group;
            try {
                group = admin.describeConsumerGroups(List.of(app)).all().get(30, TimeUnit.SECONDS).get(app);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                    throw e;
                }
                Thread.sleep(200);  // no member joined yet
                continue;
            }
            int[] held = group.members().stream()
                    .mapToInt(m -> (int) m.assignment().topicPartitions().stream()
                            .filter(tp -> tp.topic().equals(app + "-in")).count())
                    .sorted().toArray();
            last = group.groupState() + ", " + group.members().size() + " members holding " + Arrays.toString(held);
            if (group.groupState() == GroupState.STABLE && group.members().size() == instances
                    && Arrays.stream(held).sum() == PARTITIONS) {
                return Arrays.toString(held);
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(app + ": the group was not stable with " + instances + " members within "
                + READY_TIMEOUT.toSeconds() + " s (" + last + "):\n" + tail(logs.get(0)));
    }

    /** Sends {@link #FEED_RATE} records a second for {@code feedMs}, paced every millisecond against the clock. */
    private static long feed(String bootstrap, String input, boolean skewed, long start, long feedMs)
            throws InterruptedException {
        long sent = 0;
        try (CheckedProducer producer = CheckedProducer.create(bootstrap, Map.of())) {
            while (true) {
                long now = System.currentTimeMillis();
                long elapsed = now - start;
                if (elapsed >= feedMs) {
                    break;
                }
                long due = FEED_RATE * elapsed / 1000;
                for (; sent < due; sent++) {
                    boolean critical = sent % CRITICAL_EVERY == CRITICAL_EVERY / 2;
                    byte[] value = new byte[VALUE_BYTES];
                    ByteBuffer.wrap(value).putLong(now).put(critical ? CRITICAL : LOW);
                    RecordHeaders headers = new RecordHeaders();
                    headers.add(ZsyncHeaders.PRIORITY,
                            (critical ? "CRITICAL" : "LOW").getBytes(StandardCharsets.UTF_8));
                    int partition = skewed ? 0 : (int) (sent % PARTITIONS);
                    producer.send(new ProducerRecord<>(input, partition, now,
                            ("k" + sent).getBytes(StandardCharsets.UTF_8), value, headers));
                }
                Thread.sleep(1);
            }
        }
        return sent;
    }

    /** Reads the output and dead letters to their ends and takes the records appended within [from, to). */
    private static Cell measure(String bootstrap, String output, String dlq, int instances, boolean skewed,
                                Mode mode, long feedStart, long from, long to, String assignment) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        List<Long> critical = new ArrayList<>();
        List<Long> low = new ArrayList<>();
        long inWindow = 0;
        long deadLetters = 0;
        long[] perSecond = new long[(int) ((to - feedStart) / 1000) + 4];
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                partitions.add(new TopicPartition(output, p));
                partitions.add(new TopicPartition(dlq, p));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(output + ": could not read to the end offsets " + end);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.topic().equals(dlq)) {
                        deadLetters++;
                        continue;
                    }
                    if (r.timestampType() != TimestampType.LOG_APPEND_TIME) {
                        throw new IllegalStateException(output + " is not stamped with LogAppendTime: "
                                + r.timestampType());
                    }
                    int second = (int) Math.floorDiv(r.timestamp() - feedStart, 1000);
                    perSecond[Math.max(0, Math.min(perSecond.length - 1, second))]++;
                    if (r.timestamp() < from || r.timestamp() >= to) {
                        continue;
                    }
                    inWindow++;
                    ByteBuffer value = ByteBuffer.wrap(r.value());
                    long latency = r.timestamp() - value.getLong();
                    (value.get() == CRITICAL ? critical : low).add(latency);
                }
            }
        }
        System.out.println("  flow " + output + ": appended per second since the feed started (the last slot: all later) "
                + Arrays.toString(perSecond));
        return new Cell(instances, skewed, mode, inWindow * 1000.0 / (to - from), p99(critical), p99(low),
                critical.size(), low.size(), deadLetters, assignment);
    }

    private static double p99(List<Long> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)];
    }

    private static String table(List<Cell> cells, long feedMs, long warmupMs, long tailMs, double seconds) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%nApplication-wide flow budget (issue 20): the Streams app, 1/2/4 instances"
                        + " in separate JVMs, one in-process broker, an input topic of %d partitions fed %,d records/s"
                        + " (1 in %d CRITICAL, the rest LOW, %d B values) for %d s, all on partition 0 (skewed) or"
                        + " spread over the %d (even); budget %,d records/s.%n"
                        + "coordinated = zsync.rate.scope=application, zsync.rate.limit=%d;"
                        + " per-partition share = zsync.rate.scope=task, zsync.rate.limit=%d (budget / partitions, what"
                        + " a user had to set before, and what application scope computed before issue 20).%n"
                        + "Rate and latencies from the broker's LogAppendTime on the output, over the records appended"
                        + " from %d s after the feed started to %d s before it stopped (%.0f s);"
                        + " p99 of append time - send time.%n%n",
                PARTITIONS, FEED_RATE, CRITICAL_EVERY, VALUE_BYTES, feedMs / 1000, PARTITIONS, BUDGET, BUDGET,
                BUDGET / PARTITIONS, warmupMs / 1000, tailMs / 1000, (feedMs - warmupMs - tailMs) / 1000.0));
        sb.append("| instances | input | budget/s | coordinated: delivered/s | ratio | CRITICAL p99 | LOW p99"
                + " | per-partition share: delivered/s | ratio | CRITICAL p99 | LOW p99 |\n");
        sb.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int i = 0; i + 1 < cells.size(); i += 2) {
            Cell c = cells.get(i);
            Cell s = cells.get(i + 1);
            sb.append(String.format(Locale.ROOT, "| %d | %s | %,d | %,.0f | %.3f | %s | %s | %,.0f | %.3f | %s | %s |%n",
                    c.instances(), c.skewed() ? "skewed" : "even", BUDGET, c.delivered(), c.delivered() / BUDGET,
                    ms(c.criticalP99()), ms(c.lowP99()), s.delivered(), s.delivered() / BUDGET, ms(s.criticalP99()),
                    ms(s.lowP99())));
        }
        long deadLetters = cells.stream().mapToLong(Cell::deadLetters).sum();
        sb.append(String.format(Locale.ROOT, "%n(%d dead letters in all; whole run %.0f s)%n", deadLetters, seconds));
        return sb.toString();
    }

    private static String ms(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%,.0f ms", value);
    }

    private static String tail(Path log) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - 30), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}

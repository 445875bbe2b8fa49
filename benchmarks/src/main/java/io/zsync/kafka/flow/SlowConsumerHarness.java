package io.zsync.kafka.flow;

import io.zsync.kafka.ZsyncHeaders;
import io.zsync.processors.app.CheckedProducer;
import io.zsync.processors.app.EmbeddedKafka;
import io.zsync.processors.app.Topics;
import io.zsync.processors.app.ZsyncStreamsApp;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;

/**
 * Issue 21's slow-consumer benchmark: a downstream group reads the output at 500 records/s, committing after
 * every batch of 25, while the input gets 2,500 records/s of LOW with 1 % CRITICAL among them for 60 s. Run
 * twice on one in-process broker, each app in its own JVM: the Streams app ({@link ZsyncStreamsApp}) releasing
 * by the group's lag ({@code zsync.lag.group}), and a plain Kafka Streams pass-through with the same client
 * settings ({@link PassThrough}). A record's wait is the time the group handled it minus the time the feeder
 * sent it (carried in the value; both clocks are this JVM's).
 *
 * <p>Each mode first runs a warm-up at 400 records/s, under the group's rate, until the group has handled all of
 * it (not reported). The group keeps reading 5 s after the feed stops, then leaves; a record it never handled
 * waited at least until then, and counts with that wait: a percentile that such a lower bound reaches is shown
 * as "≥". At the end every fed record is accounted for: in the output topic, dead-lettered, or (zsync) held in
 * the app's buffer, checked against the app's own counters.
 */
public final class SlowConsumerHarness {
    /** Input records/s ({@code -Dslow.rate}). */
    private static final long FEED_RATE = Long.getLong("slow.rate", 2_500);
    /** The downstream group's records/s ({@code -Dslow.group.rate}). */
    private static final long GROUP_RATE = Long.getLong("slow.group.rate", 500);
    /** {@code zsync.lag.max.records} ({@code -Dslow.bound}): 0.4 s of the group's work at 500/s. */
    private static final long BOUND = Long.getLong("slow.bound", 200);
    /** {@code zsync.flow.interval.ms} ({@code -Dslow.interval.ms}): how often the group's lag is read. */
    private static final long INTERVAL_MS = Long.getLong("slow.interval.ms", 100);
    /** Under the group's rate, so the warm-up leaves no backlog. */
    private static final long WARMUP_RATE = 400;
    /** How long the group keeps reading after the feed stops, for the records released last. */
    private static final long TAIL_MS = 5_000;
    /** One record in this many is CRITICAL, the rest LOW. */
    private static final int CRITICAL_EVERY = 100;
    private static final int VALUE_BYTES = 100;
    private static final int INPUT_PARTITIONS = 4;
    private static final int OUTPUT_PARTITIONS = 2;
    /** The group's {@code max.poll.records}: it commits after each batch of this many. */
    private static final int BATCH = 25;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private static final Pattern PROGRESS = Pattern.compile(
            "zsync: progress: in (\\d+), out (\\d+), dead letters (\\d+), buffered (\\d+)");

    private SlowConsumerHarness() {
    }

    /** Which app sits between the input and the group. */
    private enum Mode {
        ZSYNC("zsync lag release"), PASS_THROUGH("plain pass-through");

        final String label;

        Mode(String label) {
            this.label = label;
        }

        /** Its name in {@code -Dslow.modes}, and in its topics' and group's names. */
        String key() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * Waits of one priority over the measured feed, ms; each {@code …AtLeast} says that records never handled
     * (counted with their wait until the group left) reach that figure, so it is a lower bound.
     */
    private record Waits(long produced, long consumed, long p50, long p99, long max, boolean p50AtLeast,
                         boolean p99AtLeast, boolean maxAtLeast) {
    }

    /**
     * Where the records fed (warm-up included) are once the group has left: {@code held} is what is neither in
     * the output nor dead-lettered; {@code confirmed} when that is 0 (pass-through) or the app's own counters
     * say the same (zsync: read everything, released what the output holds, buffers the rest).
     */
    private record Balance(long fed, long output, long deadLetters, long held, boolean confirmed) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s: fed %,d = output %,d + dead letters %,d + held %,d",
                    confirmed ? "accounted for" : "NOT CONFIRMED", fed, output, deadLetters, held);
        }
    }

    /** What one mode measured. */
    private record Result(Mode mode, Waits critical, Waits low, long consumed, long lagPeak, long lagAtEnd,
                          Balance balance, String worstBySlot, String lagBySlot) {
    }

    /**
     * Runs both modes and returns the table.
     *
     * @param quick a 15 s feed after a 5 s warm-up instead of 60 s after 10 s ({@code -Dslow.seconds} and
     *              {@code -Dslow.warmup.seconds} override either; {@code -Dslow.modes=zsync} runs one mode,
     *              {@code -Dslow.keep=true} keeps the apps' logs and each mode's timeline)
     */
    public static String run(boolean quick) throws Exception {
        long feedMs = TimeUnit.SECONDS.toMillis(Long.getLong("slow.seconds", quick ? 15 : 60));
        long warmupMs = TimeUnit.SECONDS.toMillis(Long.getLong("slow.warmup.seconds", quick ? 5 : 10));
        long started = System.nanoTime();
        Path work = Files.createTempDirectory("zsync-bench-slow-");
        List<Result> results = new ArrayList<>();
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            for (Mode mode : Mode.values()) {
                if (!System.getProperty("slow.modes", "zsync,pass-through").contains(mode.key())) {
                    continue;
                }
                Result r = mode(kafka.bootstrapServers(), admin, work, mode, warmupMs, feedMs);
                System.out.printf(Locale.ROOT, "  slow %s: CRITICAL p99 %s, LOW p99 %s, group handled %,d,"
                                + " output lag peak %,d; %s%n  slow %s: worst CRITICAL wait per 5 s of the feed"
                                + " (ms, by send time) %s%n  slow %s: the group's lag every 5 s %s%n", mode.label,
                        ms(r.critical().p99(), r.critical().p99AtLeast()), ms(r.low().p99(), r.low().p99AtLeast()),
                        r.consumed(), r.lagPeak(), r.balance(), mode.label, r.worstBySlot(), mode.label,
                        r.lagBySlot());
                results.add(r);
            }
        } finally {
            if (Boolean.getBoolean("slow.keep")) {
                System.out.println("  slow: the apps' logs are kept in " + work);
            } else {
                Utils.delete(work.toFile());
            }
        }
        return table(results, warmupMs, feedMs, (System.nanoTime() - started) / 1e9);
    }

    private static Result mode(String bootstrap, Admin admin, Path work, Mode mode, long warmupMs, long feedMs)
            throws Exception {
        String app = "slow-" + mode.key();
        String input = app + "-in";
        String output = app + "-out";
        String dlq = output + ".dlq";
        String group = app + "-group";
        admin.createTopics(List.of(new NewTopic(input, INPUT_PARTITIONS, (short) 1),
                new NewTopic(output, OUTPUT_PARTITIONS, (short) 1), new NewTopic(dlq, 1, (short) 1)))
                .all().get(30, TimeUnit.SECONDS);
        Topics.awaitReady(admin, List.of(input, output, dlq), Duration.ofSeconds(30));

        int capacity = (int) (WARMUP_RATE * warmupMs / 1000 + FEED_RATE * feedMs / 1000 + 1);
        Properties settings = new Properties();
        settings.put("application.id", app);
        settings.put("bootstrap.servers", bootstrap);
        // ZsyncStreamsApp's default, set here so that the pass-through's producer lingers the same.
        settings.put("producer.linger.ms", "5");
        settings.put("zsync.input.topics", input);
        settings.put("zsync.output.topic", output);
        if (mode == Mode.ZSYNC) {
            settings.put("zsync.lag.group", group);
            settings.put("zsync.lag.max.records", Long.toString(BOUND));
            settings.put("zsync.flow.interval.ms", Long.toString(INTERVAL_MS));
            // Room for every record fed: under block a full buffer would leave CRITICAL records in the topic.
            settings.put("zsync.buffer.max.records", Long.toString(Math.max(200_000, capacity + 10_000L)));
        }
        Path dir = Files.createDirectories(work.resolve(app));
        settings.put("state.dir", dir.resolve("state").toString());
        Path config = dir.resolve("app.properties");
        try (OutputStream out = Files.newOutputStream(config)) {
            settings.store(out, null);
        }
        Path log = dir.resolve("app.log");
        Process process = launch(mode == Mode.ZSYNC ? ZsyncStreamsApp.class : PassThrough.class, config, log);
        long[] sentAt = new long[capacity];
        long[] handledAt = new long[capacity];
        try {
            awaitStable(admin, app, input, process, log);
            try (SlowGroup slow = new SlowGroup(bootstrap, group, output, handledAt);
                 LagProbe probe = new LagProbe(bootstrap, group, output);
                 CheckedProducer producer = CheckedProducer.create(bootstrap, Map.of())) {
                long warm = feed(producer, input, WARMUP_RATE, warmupMs, 0, sentAt);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (slow.handled() < warm) {
                    alive(process, app, log);
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(app + ": the group handled " + slow.handled() + " of the "
                                + warm + " warm-up records in 60 s:\n" + tail(log));
                    }
                    Thread.sleep(100);
                }
                long handledBefore = slow.handled();
                probe.reset();
                long feedStart = System.currentTimeMillis();
                long fed = feed(producer, input, FEED_RATE, feedMs, warm, sentAt);
                producer.flush();
                System.out.printf(Locale.ROOT, "  slow %s: fed %,d records after %,d warm-up ones in %,d ms%n",
                        mode.label, fed, warm, System.currentTimeMillis() - feedStart);
                Thread.sleep(TAIL_MS);
                alive(process, app, log);
                slow.close();
                long stopMs = System.currentTimeMillis();
                long consumed = slow.handled() - handledBefore;
                long lagAtEnd = probe.last();
                probe.close();
                long total = warm + fed;
                Waits critical = waits(sentAt, handledAt, warm, total, stopMs, true);
                Waits low = waits(sentAt, handledAt, warm, total, stopMs, false);
                if (Boolean.getBoolean("slow.keep")) {
                    timeline(dir, sentAt, handledAt, warm, total, feedStart, probe.samples());
                }
                Balance balance = settle(admin, mode, output, dlq, total, process, app, log);
                if (!balance.confirmed()) {
                    System.out.println("  slow " + mode.label + ": " + balance + "; the app's log ends with\n"
                            + tail(log));
                }
                return new Result(mode, critical, low, consumed, probe.peak(), lagAtEnd, balance,
                        worstBySlot(sentAt, handledAt, warm, total, feedStart, stopMs), probe.slots());
            }
        } finally {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * After the group left: zsync releases until the lag reaches the bound, then holds. Waits until the end
     * offsets stay put and (zsync) the app's progress line agrees with them and with the records fed.
     *
     * @return the balance, unconfirmed if it did not settle within 60 s
     */
    private static Balance settle(Admin admin, Mode mode, String output, String dlq, long total, Process process,
                                 String app, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long out = -1;
        long dead = -1;
        long held = -1;
        while (System.nanoTime() < deadline) {
            alive(process, app, log);
            out = endOffset(admin, output);
            dead = endOffset(admin, dlq);
            held = total - out - dead;
            if (mode == Mode.PASS_THROUGH) {
                if (held == 0) {
                    return new Balance(total, out, dead, held, true);
                }
            } else {
                long[] p = lastProgress(log);
                // in, out, dead letters, buffered: the app read everything, and what it says it released is there.
                if (p != null && p[0] == total && p[1] == out && p[2] == dead && p[3] == held) {
                    return new Balance(total, out, dead, held, true);
                }
            }
            Thread.sleep(500);
        }
        return new Balance(total, out, dead, held, false);
    }

    /**
     * For a closer look ({@code -Dslow.keep=true}): {@code critical.csv} (each CRITICAL record's send and handling
     * time, ms since the feed started) and {@code lag.csv} (the probe's samples) next to the app's log.
     */
    private static void timeline(Path dir, long[] sentAt, long[] handledAt, long from, long to, long feedStart,
                                 List<long[]> samples) throws IOException {
        StringBuilder c = new StringBuilder("seq,sent_ms,handled_ms,wait_ms\n");
        for (long seq = from; seq < to; seq++) {
            int i = (int) seq;
            if (isCritical(seq)) {
                c.append(seq).append(',').append(sentAt[i] - feedStart).append(',')
                        .append(handledAt[i] == 0 ? "" : Long.toString(handledAt[i] - feedStart)).append(',')
                        .append(handledAt[i] == 0 ? "" : Long.toString(handledAt[i] - sentAt[i])).append('\n');
            }
        }
        Files.writeString(dir.resolve("critical.csv"), c);
        StringBuilder l = new StringBuilder("t_ms,end,committed,lag\n");
        for (long[] s : samples) {
            l.append(s[0] - feedStart).append(',').append(s[1]).append(',').append(s[2]).append(',')
                    .append(s[1] - s[2]).append('\n');
        }
        Files.writeString(dir.resolve("lag.csv"), l);
    }

    /** The app's last progress line: in, out, dead letters, buffered; null if none yet. */
    private static long[] lastProgress(Path log) throws IOException {
        long[] last = null;
        for (String line : Files.readAllLines(log)) {
            Matcher m = PROGRESS.matcher(line);
            if (m.find()) {
                last = new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                        Long.parseLong(m.group(4))};
            }
        }
        return last;
    }

    /**
     * The waits of the records {@code [from, to)} of one priority; a record the group never handled waited at
     * least until {@code stopMs}.
     */
    private static Waits waits(long[] sentAt, long[] handledAt, long from, long to, long stopMs, boolean critical) {
        Histogram h = new Histogram(TimeUnit.HOURS.toMillis(1), 3);
        long produced = 0;
        long consumed = 0;
        long lowestCensored = Long.MAX_VALUE;
        for (long seq = from; seq < to; seq++) {
            if (isCritical(seq) != critical) {
                continue;
            }
            produced++;
            int i = (int) seq;
            long wait;
            if (handledAt[i] != 0) {
                consumed++;
                wait = handledAt[i] - sentAt[i];
            } else {
                wait = stopMs - sentAt[i];
                lowestCensored = Math.min(lowestCensored, wait);
            }
            h.recordValue(Math.max(0, wait));
        }
        long p50 = h.getValueAtPercentile(50);
        long p99 = h.getValueAtPercentile(99);
        long max = h.getMaxValue();
        // Longer true waits of the censored records leave a percentile as it is only if they are all above it.
        return new Waits(produced, consumed, p50, p99, max, lowestCensored <= p50, lowestCensored <= p99,
                consumed < produced);
    }

    /** The worst CRITICAL wait among the records sent in each 5 s of the feed (unhandled ones: "≥"). */
    private static String worstBySlot(long[] sentAt, long[] handledAt, long from, long to, long feedStart,
                                      long stopMs) {
        List<String> slots = new ArrayList<>();
        long worst = -1;
        boolean atLeast = false;
        int slot = 0;
        for (long seq = from; seq < to; seq++) {
            int i = (int) seq;
            int s = (int) ((sentAt[i] - feedStart) / 5_000);
            if (s != slot) {
                slots.add(worst < 0 ? "-" : (atLeast ? "≥" : "") + worst);
                worst = -1;
                atLeast = false;
                slot = s;
            }
            if (isCritical(seq)) {
                long wait = handledAt[i] != 0 ? handledAt[i] - sentAt[i] : stopMs - sentAt[i];
                atLeast |= handledAt[i] == 0 && wait >= worst;
                worst = Math.max(worst, wait);
            }
        }
        slots.add(worst < 0 ? "-" : (atLeast ? "≥" : "") + worst);
        return slots.toString();
    }

    private static boolean isCritical(long seq) {
        return seq % CRITICAL_EVERY == CRITICAL_EVERY / 2;
    }

    /**
     * Sends {@code rate} records a second for {@code durationMs}, paced every millisecond against the clock,
     * numbered from {@code first}; the value carries the send time and the number.
     */
    private static long feed(CheckedProducer producer, String input, long rate, long durationMs, long first,
                             long[] sentAt) throws InterruptedException {
        long start = System.currentTimeMillis();
        long sent = 0;
        while (true) {
            long now = System.currentTimeMillis();
            long elapsed = now - start;
            if (elapsed >= durationMs) {
                break;
            }
            long due = rate * elapsed / 1000;
            for (; sent < due; sent++) {
                long seq = first + sent;
                boolean critical = isCritical(seq);
                byte[] value = new byte[VALUE_BYTES];
                ByteBuffer.wrap(value).putLong(now).putLong(seq);
                sentAt[(int) seq] = now;
                RecordHeaders headers = new RecordHeaders();
                headers.add(ZsyncHeaders.PRIORITY, (critical ? "CRITICAL" : "LOW").getBytes(StandardCharsets.UTF_8));
                producer.send(new ProducerRecord<>(input, (int) (seq % INPUT_PARTITIONS), now,
                        ("k" + seq).getBytes(StandardCharsets.UTF_8), value, headers));
            }
            Thread.sleep(1);
        }
        return sent;
    }

    /** {@code main} on {@code config} in its own JVM with this JVM's class path, its output to {@code log}. */
    private static Process launch(Class<?> main, Path config, Path log) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx256m");
        cmd.add("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.add(config.toString());
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Waits until the app's group is stable with every input partition assigned. */
    private static void awaitStable(Admin admin, String app, String input, Process process, Path log)
            throws Exception {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        String last = "no description";
        while (System.nanoTime() < deadline) {
            alive(process, app, log);
            ConsumerGroupDescription group = describe(admin, app);
            if (group != null) {
                long held = group.members().stream().mapToLong(m -> m.assignment().topicPartitions().stream()
                        .filter(tp -> tp.topic().equals(input)).count()).sum();
                last = group.groupState() + ", " + held + " input partitions assigned";
                if (group.groupState() == GroupState.STABLE && held == INPUT_PARTITIONS) {
                    return;
                }
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(app + ": the group was not stable within " + READY_TIMEOUT.toSeconds()
                + " s (" + last + "):\n" + tail(log));
    }

    private static ConsumerGroupDescription describe(Admin admin, String group) throws Exception {
        try {
            return admin.describeConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return null;
            }
            throw e;
        }
    }

    private static void alive(Process process, String app, Path log) {
        if (!process.isAlive()) {
            throw new IllegalStateException(app + " stopped:\n" + tail(log));
        }
    }

    private static long endOffset(Admin admin, String topic) throws Exception {
        int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                .partitions().size();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int i = 0; i < partitions; i++) {
            latest.put(new TopicPartition(topic, i), OffsetSpec.latest());
        }
        long sum = 0;
        for (var info : admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).values()) {
            sum += info.offset();
        }
        return sum;
    }

    private static String table(List<Result> results, long warmupMs, long feedMs, double seconds) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%nSlow consumer (issue 21): a group reading the output at %,d records/s,"
                        + " committing after each batch of %d; input %,d records/s (1 in %d CRITICAL, the rest LOW,"
                        + " %d B values) on %d partitions for %d s, output on %d partitions, after a %d s warm-up at"
                        + " %d records/s; each app in its own JVM.%n"
                        + "zsync = the Streams app with zsync.lag.group, zsync.lag.max.records=%d,"
                        + " zsync.flow.interval.ms=%d; pass-through = Kafka Streams source -> sink, no zsync; both"
                        + " producer.linger.ms=5. Wait = when the group handled the record - when it was sent; the"
                        + " group reads %d s past the feed, a record it never handled counts its wait until then"
                        + " (\"≥\": a lower bound).%n%n",
                GROUP_RATE, BATCH, FEED_RATE, CRITICAL_EVERY, VALUE_BYTES, INPUT_PARTITIONS, feedMs / 1000,
                OUTPUT_PARTITIONS, warmupMs / 1000, WARMUP_RATE, BOUND, INTERVAL_MS, TAIL_MS / 1000));
        sb.append("|");
        for (Result r : results) {
            sb.append(" | ").append(r.mode().label);
        }
        sb.append(" |\n|---");
        results.forEach(r -> sb.append("|---:"));
        sb.append("|\n");
        row(sb, "CRITICAL wait p50 / p99 / max", results, r -> ms(r.critical().p50(), r.critical().p50AtLeast())
                + " / " + ms(r.critical().p99(), r.critical().p99AtLeast()) + " / "
                + ms(r.critical().max(), r.critical().maxAtLeast()));
        row(sb, "CRITICAL handled / sent", results, r -> String.format(Locale.ROOT, "%,d / %,d", r.critical().consumed(),
                r.critical().produced()));
        row(sb, "LOW wait p50 / p99", results, r -> ms(r.low().p50(), r.low().p50AtLeast()) + " / "
                + ms(r.low().p99(), r.low().p99AtLeast()));
        row(sb, "LOW handled / sent", results, r -> String.format(Locale.ROOT, "%,d / %,d", r.low().consumed(),
                r.low().produced()));
        row(sb, "records the group handled (feed + 5 s)", results, r -> String.format(Locale.ROOT, "%,d", r.consumed()));
        row(sb, "the group's lag on the output: peak / at the end", results,
                r -> String.format(Locale.ROOT, "%,d / %,d", r.lagPeak(), r.lagAtEnd()));
        row(sb, "held in the app at the end", results, r -> String.format(Locale.ROOT, "%,d", r.balance().held()));
        row(sb, "dead letters", results, r -> String.format(Locale.ROOT, "%,d", r.balance().deadLetters()));
        row(sb, "fed (warm-up included) = output + dead letters + held", results, r -> {
            Balance b = r.balance();
            return String.format(Locale.ROOT, "%,d = %,d + %,d + %,d%s", b.fed(), b.output(), b.deadLetters(),
                    b.held(), b.confirmed() ? "" : " NOT CONFIRMED");
        });
        sb.append(String.format(Locale.ROOT, "%n(whole run %.0f s)%n", seconds));
        return sb.toString();
    }

    private static void row(StringBuilder sb, String name, List<Result> results,
                            java.util.function.Function<Result, String> cell) {
        sb.append("| ").append(name);
        for (Result r : results) {
            sb.append(" | ").append(cell.apply(r));
        }
        sb.append(" |\n");
    }

    private static String ms(long value, boolean atLeast) {
        return String.format(Locale.ROOT, "%s%,d ms", atLeast ? "≥ " : "", value);
    }

    private static String tail(Path log) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - 30), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /**
     * The downstream group: reads the output at {@link #GROUP_RATE} records/s, {@link #BATCH} a poll, committing
     * after each, on its own thread until closed (which leaves the group). Marks when it handled each record.
     */
    private static final class SlowGroup implements AutoCloseable {
        private final AtomicBoolean reading = new AtomicBoolean(true);
        private final AtomicLong handled = new AtomicLong();
        private final Thread thread;
        private volatile Throwable failure;

        SlowGroup(String bootstrap, String group, String output, long[] handledAt) {
            thread = new Thread(() -> {
                Map<String, Object> c = new HashMap<>();
                c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
                c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
                c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
                c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
                c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, BATCH);
                try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
                        new ByteArrayDeserializer())) {
                    consumer.subscribe(List.of(output));
                    long start = System.nanoTime();
                    long count = 0;
                    while (reading.get()) {
                        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(50));
                        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
                        for (ConsumerRecord<byte[], byte[]> r : records) {
                            long wait = start + count * 1_000_000_000L / GROUP_RATE - System.nanoTime();
                            if (wait > 0) {
                                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                            } else if (wait < -1_000_000_000L) {
                                // Idle for a while: no credit for the time nothing came.
                                start = System.nanoTime() - count * 1_000_000_000L / GROUP_RATE;
                            }
                            count++;
                            int seq = (int) ByteBuffer.wrap(r.value()).getLong(Long.BYTES);
                            if (handledAt[seq] == 0) {
                                handledAt[seq] = System.currentTimeMillis();
                                handled.incrementAndGet();
                            }
                            commit.put(new TopicPartition(r.topic(), r.partition()),
                                    new OffsetAndMetadata(r.offset() + 1));
                        }
                        if (!commit.isEmpty()) {
                            consumer.commitSync(commit);
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    failure = e;
                }
            }, "slow-group");
            thread.start();
        }

        /** Distinct records handled so far. */
        long handled() {
            if (failure != null) {
                throw new IllegalStateException("the slow group failed", failure);
            }
            return handled.get();
        }

        /** Stops reading and leaves the group; what it wrote to {@code handledAt} is visible after this. */
        @Override
        public void close() throws InterruptedException {
            reading.set(false);
            thread.join(30_000);
        }
    }

    /** Samples the group's lag on the output every 100 ms, on its own thread, until closed. */
    private static final class LagProbe implements AutoCloseable {
        private final AtomicLong peak = new AtomicLong();
        private final AtomicLong last = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Long> slots = new ArrayList<>();
        private final List<long[]> samples = new ArrayList<>();
        private final Thread thread;
        private volatile long resetAt = Long.MAX_VALUE;

        LagProbe(String bootstrap, String group, String output) {
            thread = new Thread(() -> {
                try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                    long nextSlot = 0;
                    while (running.get()) {
                        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
                        long end = endOffset(admin, output);
                        long done = committed.values().stream().filter(o -> o != null)
                                .mapToLong(OffsetAndMetadata::offset).sum();
                        long lag = end - done;
                        synchronized (samples) {
                            samples.add(new long[] {System.currentTimeMillis(), end, done});
                        }
                        last.set(lag);
                        peak.accumulateAndGet(lag, Math::max);
                        long now = System.currentTimeMillis();
                        if (now >= resetAt && now >= nextSlot) {
                            synchronized (slots) {
                                slots.add(lag);
                            }
                            nextSlot = (nextSlot == 0 ? now : nextSlot) + 5_000;
                        }
                        Thread.sleep(100);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Exception e) {
                    if (running.get()) {
                        System.out.println("  slow: the lag probe stopped: " + e);
                    }
                }
            }, "lag-probe");
            thread.start();
        }

        /** Starts the peak and the 5 s samples afresh (the measured feed starts). */
        void reset() {
            peak.set(last.get());
            resetAt = System.currentTimeMillis();
        }

        long peak() {
            return peak.get();
        }

        long last() {
            return last.get();
        }

        /** Every sample: time ms, Σ end offsets, Σ committed offsets. */
        List<long[]> samples() {
            synchronized (samples) {
                return List.copyOf(samples);
            }
        }

        String slots() {
            synchronized (slots) {
                return slots.toString();
            }
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(10_000);
        }
    }

    /**
     * The peer: a plain Kafka Streams app copying {@code zsync.input.topics} to {@code zsync.output.topic} (source
     * to sink, byte arrays), with every other setting of the same properties file, in its own JVM.
     */
    public static final class PassThrough {
        private PassThrough() {
        }

        public static void main(String[] args) throws Exception {
            Properties file = new Properties();
            try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
                file.load(in);
            }
            Properties settings = new Properties();
            file.forEach((k, v) -> {
                if (!k.toString().startsWith("zsync.")) {
                    settings.put(k, v);
                }
            });
            Topology topology = new Topology()
                    .addSource("in", new ByteArrayDeserializer(), new ByteArrayDeserializer(),
                            file.getProperty("zsync.input.topics").split(","))
                    .addSink("out", file.getProperty("zsync.output.topic"), new ByteArraySerializer(),
                            new ByteArraySerializer(), "in");
            KafkaStreams streams = new KafkaStreams(topology, settings);
            CountDownLatch stopped = new CountDownLatch(1);
            streams.setStateListener((now, before) -> {
                System.out.println("pass-through: Kafka Streams " + before + " -> " + now);
                if (now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.ERROR) {
                    stopped.countDown();
                }
            });
            Runtime.getRuntime().addShutdownHook(new Thread(() -> streams.close(Duration.ofSeconds(30))));
            streams.start();
            stopped.await();
        }
    }
}

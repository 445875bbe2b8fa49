package io.zsync.mainjob;

import io.zsync.kafka.ZsyncConfig;
import io.zsync.kafka.ZsyncHeaders;
import io.zsync.processors.app.Topics;
import io.zsync.processors.app.ZsyncAppConfig;
import io.zsync.processors.app.ZsyncStreamsApp;
import io.zsync.stream.Backpressure;
import io.zsync.stream.Priority;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;

/**
 * The slow-consumer phase, after the workload: release paced by the downstream group's lag
 * ({@code zsync.lag.group}) next to a plain pass-through, under the same flood.
 *
 * <pre>flood ─┬→ flood-zsync → [zsync Streams app, zsync.lag.group=slow-consumer-zsync] → slow-zsync → group slow-consumer-zsync
 *        └→ flood-plain → [Kafka Streams pass-through, no zsync]                  → slow-plain → group slow-consumer-plain</pre>
 *
 * The flood writes every record alike into both inputs; each output is read by its own consumer group
 * ({@link SlowGroup}) at the same slow rate, committing after each poll. The zsync app is the Streams app
 * of {@code config/streams-app.properties} with its own application.id and topics, the lag keys, and no
 * default deadline (so it holds what it does not release instead of expiring it); the pass-through takes
 * that file's Kafka Streams settings. Both apps, both groups and a probe record per input partition must be
 * through before the flood starts. Once a second a progress line; at the end both groups stop (committing
 * what they handled) and, once the apps are idle, every flood record is found: consumed, waiting in the
 * output, held in zsync's buffer, not yet read from the input, or dead-lettered; what is none of those is
 * missing, and fails the job. The phase's topics and groups are expected new (as on the embedded broker):
 * records an earlier run left in them would be counted too.
 */
final class SlowPhase implements AutoCloseable {
    static final String ZSYNC_INPUT = "flood-zsync";
    static final String ZSYNC_OUTPUT = "slow-zsync";
    static final String ZSYNC_DLQ = "slow-zsync.dlq";
    static final String ZSYNC_GROUP = "slow-consumer-zsync";
    static final String PLAIN_INPUT = "flood-plain";
    static final String PLAIN_OUTPUT = "slow-plain";
    static final String PLAIN_GROUP = "slow-consumer-plain";
    static final String PLAIN_APP = "plain-pass-through";
    /** The zsync app's zsync.flow.interval.ms: how often it reads the group's lag. */
    static final long FLOW_INTERVAL_MS = 100;
    /** The two paths, in the order of every per-path array here. */
    static final List<String> PATHS = List.of("zsync, lag release", "plain pass-through");
    static final int ZSYNC = 0;
    static final int PLAIN = 1;
    /** The levels the flood sends, highest first. */
    static final List<Priority> LEVELS = List.of(Priority.CRITICAL, Priority.LOW);
    private static final int READY_TIMEOUT_SECONDS = 60;
    private static final long SECOND_NANOS = 1_000_000_000L;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** The apps are idle once nothing changed for this long (zsync's buffer gauge is refreshed every second). */
    private static final long SETTLED_MS = 2_000;
    private static final long SETTLE_TIMEOUT_MS = 30_000;

    /**
     * One second of the phase.
     *
     * @param lag      per path, the group's lag on its output at the second's end (records), -1 if unknown
     * @param buffered records in the zsync app's buffer at the second's end, -1 if unknown
     * @param p99Ms    per path, then per level of {@link #LEVELS}: p99 of the records consumed in that second,
     *                 -1 when none was
     */
    record Sample(int second, long floodPerSecond, long[] consumedPerSecond, long[] lag, long buffered,
                  long[][] p99Ms) {
    }

    /**
     * Where one path's flood records are at the phase's end.
     *
     * @param held     records in zsync's buffer (its gauge), 0 on the plain path, -1 if it could not be read
     * @param unread   records in the input the app had not read (after its committed offsets)
     * @param repeated records the group consumed more than once (counted once in {@code consumed})
     */
    record Account(long produced, long consumed, long waiting, long held, long unread, long dead, long repeated) {
        /** The records none of the others account for (negative: counted twice). */
        long missing() {
            return produced - consumed - waiting - Math.max(0, held) - unread - dead;
        }

        boolean complete() {
            return held >= 0 && missing() == 0;
        }
    }

    /**
     * The phase's outcome.
     *
     * @param section the report's lines
     * @param ok      whether the phase ran and every flood record was found
     */
    record Result(String section, List<Sample> samples, long lagBound, boolean ok) {
        static Result failed(String why) {
            return new Result(String.format(Locale.ROOT, "%n  slow-consumer phase: did not complete: %s%n", why),
                    List.of(), 0, false);
        }
    }

    private final MainJobConfig config;
    private final String bootstrap;
    private final Properties streamsFile;
    private final Path out;
    private final List<AutoCloseable> parts = new ArrayList<>();

    /**
     * @param streamsFile the Streams app's settings ({@code streams.config}), bootstrap.servers not yet set
     */
    SlowPhase(MainJobConfig config, String bootstrap, Properties streamsFile, Path out) {
        this.config = config;
        this.bootstrap = bootstrap;
        this.streamsFile = streamsFile;
        this.out = out;
    }

    /**
     * The zsync path's Streams app settings: {@code streamsFile} with its own application.id
     * ({@code <application.id>-lag}), topics and state, the lag keys, no default deadline and no topic
     * priorities (the flood's records carry theirs).
     */
    static Properties zsyncSettings(Properties streamsFile, MainJobConfig config) {
        Properties p = new Properties();
        p.putAll(streamsFile);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, streamsFile.getProperty(StreamsConfig.APPLICATION_ID_CONFIG,
                "zsync-streams-app") + "-lag");
        p.put(ZsyncAppConfig.INPUT_TOPICS_CONFIG, ZSYNC_INPUT);
        p.put(ZsyncAppConfig.OUTPUT_TOPIC_CONFIG, ZSYNC_OUTPUT);
        p.put(ZsyncConfig.DLQ_TOPIC_CONFIG, ZSYNC_DLQ);
        p.put(ZsyncConfig.PRIORITY_TOPICS_CONFIG, "");
        p.put(ZsyncConfig.DEADLINE_TTL_MS_CONFIG, "0");
        p.put(ZsyncConfig.FLOW_TOPIC_CONFIG, "");
        p.put(ZsyncConfig.LAG_GROUP_CONFIG, ZSYNC_GROUP);
        p.put(ZsyncConfig.LAG_MAX_RECORDS_CONFIG, Long.toString(config.getLong(MainJobConfig.SLOW_LAG_MAX_RECORDS_CONFIG)));
        p.put(ZsyncConfig.FLOW_INTERVAL_MS_CONFIG, Long.toString(FLOW_INTERVAL_MS));
        return p;
    }

    /**
     * Checks, before anything starts, that the flood fits in the zsync path's buffer: under block (or
     * error_on_full) a full buffer stops the input and then fails the task, so the phase would measure that.
     *
     * @throws ConfigException naming {@code slow.duration.ms}
     */
    static void check(MainJobConfig config, Properties streamsFile) {
        long duration = config.getLong(MainJobConfig.SLOW_DURATION_CONFIG);
        if (duration == 0) {
            return;
        }
        ZsyncConfig zsync = new ZsyncAppConfig(zsyncSettings(streamsFile, config)).zsync();
        long flood = config.getInt(MainJobConfig.SLOW_FLOOD_RATE_CONFIG) * duration / 1000;
        if (flood > zsync.bufferMaxRecords() && zsync.backpressure() != Backpressure.DROP_OLDEST
                && zsync.backpressure() != Backpressure.DROP_NEWEST) {
            throw new ConfigException(MainJobConfig.SLOW_DURATION_CONFIG, duration, String.format(Locale.ROOT,
                    "the flood (%s records/s for %d ms: %,d records) must fit in the zsync path's buffer, %s=%,d"
                            + " in %s: under zsync.backpressure=%s a full buffer stops the input and then fails the"
                            + " task; shorten the phase, lower %s or raise the buffer",
                    config.getInt(MainJobConfig.SLOW_FLOOD_RATE_CONFIG), duration, flood,
                    ZsyncConfig.BUFFER_MAX_RECORDS_CONFIG, zsync.bufferMaxRecords(),
                    config.getString(MainJobConfig.STREAMS_CONFIG), zsync.backpressure().name().toLowerCase(Locale.ROOT),
                    MainJobConfig.SLOW_FLOOD_RATE_CONFIG));
        }
    }

    /** Runs the phase; a part that fails or is not ready ends it with a {@link Result#failed} section. */
    Result run() throws Exception {
        long durationMs = config.getLong(MainJobConfig.SLOW_DURATION_CONFIG);
        int floodRate = config.getInt(MainJobConfig.SLOW_FLOOD_RATE_CONFIG);
        int consumerRate = config.getInt(MainJobConfig.SLOW_CONSUMER_RATE_CONFIG);
        long bound = config.getLong(MainJobConfig.SLOW_LAG_MAX_RECORDS_CONFIG);
        System.out.printf(Locale.ROOT, "zsync main job: slow-consumer phase: %,d records/s into %s (zsync, lag"
                + " release) and %s (plain pass-through), each output read at %,d records/s ...%n", floodRate,
                ZSYNC_INPUT, PLAIN_INPUT, consumerRate);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            // The broker's default partitions for every topic of both paths, so they are alike.
            Topics.createMissing(admin, List.of(ZSYNC_INPUT, ZSYNC_OUTPUT, ZSYNC_DLQ, PLAIN_INPUT, PLAIN_OUTPUT),
                    Optional.empty(), Duration.ofSeconds(30));
            Properties zsyncSettings = zsyncSettings(streamsFile, config);
            zsyncSettings.put("bootstrap.servers", bootstrap);
            zsyncSettings.put("state.dir", out.resolve("streams-state").toString());
            String zsyncApp = zsyncSettings.getProperty(StreamsConfig.APPLICATION_ID_CONFIG);
            // A store left by an earlier run belongs to that run's cluster: with a new embedded broker its
            // changelog is empty, and Kafka Streams (at-least-once) keeps a checkpointed store all the same, so
            // the zsync app would release what it held at that run's end. On a real cluster the changelog
            // restores what is removed here.
            for (String app : List.of(zsyncApp, PLAIN_APP)) {
                deleteRecursively(out.resolve("streams-state").resolve(app));
            }
            ZsyncStreamsApp zsync = add(ZsyncStreamsApp.start(zsyncSettings, false));
            PlainApp plain = add(PlainApp.start(plainSettings()));
            SlowGroup[] groups = {new SlowGroup(bootstrap, ZSYNC_GROUP, ZSYNC_OUTPUT, consumerRate),
                new SlowGroup(bootstrap, PLAIN_GROUP, PLAIN_OUTPUT, consumerRate)};
            for (SlowGroup g : groups) {
                add(g).start();
            }

            Map<String, List<TopicPartition>> partitions = partitions(admin,
                    List.of(ZSYNC_INPUT, ZSYNC_OUTPUT, ZSYNC_DLQ, PLAIN_INPUT, PLAIN_OUTPUT));
            Readiness.Result ready;
            try (Probe probe = new Probe(bootstrap, List.of(ZSYNC_INPUT, PLAIN_INPUT), union(groups))) {
                ready = new Readiness(Time.SYSTEM).await(List.of(
                        Readiness.streams("zsync app " + zsyncApp, zsync.streams(), zsync::failure,
                                Set.copyOf(partitions.get(ZSYNC_INPUT))),
                        Readiness.streams("plain app " + PLAIN_APP, plain.streams, () -> Optional.ofNullable(plain.failure),
                                Set.copyOf(partitions.get(PLAIN_INPUT))),
                        groups[ZSYNC].readiness(partitions.get(ZSYNC_OUTPUT).size()),
                        groups[PLAIN].readiness(partitions.get(PLAIN_OUTPUT).size())), probe,
                        Duration.ofSeconds(READY_TIMEOUT_SECONDS));
            } catch (IllegalStateException e) {
                System.err.println("zsync main job: slow-consumer phase: " + e.getMessage());
                return Result.failed(e.getMessage());
            }
            System.out.println("zsync main job: slow-consumer phase: " + ready.summary());

            Flood flood = new Flood(bootstrap, List.of(ZSYNC_INPUT, PLAIN_INPUT), floodRate,
                    config.getInt(MainJobConfig.SLOW_CRITICAL_PERCENT_CONFIG), durationMs,
                    config.getInt(MainJobConfig.VALUE_BYTES_CONFIG));
            Thread floodThread = new Thread(flood, "zsync-main-job-flood");
            List<Sample> samples = new ArrayList<>();
            long[] lagPeak = new long[PATHS.size()];
            long start = System.nanoTime();
            floodThread.start();
            long nextSample = start + SECOND_NANOS;
            long lastFlood = 0;
            long[] lastConsumed = new long[PATHS.size()];
            while (floodThread.isAlive()) {
                long now = System.nanoTime();
                if (now < nextSample) {
                    floodThread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextSample - now)));
                    continue;
                }
                nextSample += SECOND_NANOS;
                long flooded = flood.produced(ZSYNC);
                long[] consumed = new long[PATHS.size()];
                long[] lag = new long[PATHS.size()];
                long[][] p99 = new long[PATHS.size()][];
                for (int i = 0; i < PATHS.size(); i++) {
                    long c = groups[i].consumed();
                    consumed[i] = c - lastConsumed[i];
                    lastConsumed[i] = c;
                    lag[i] = lag(admin, groups[i].group(), partitions.get(groups[i].topic()));
                    lagPeak[i] = Math.max(lagPeak[i], lag[i]);
                    long[] all = groups[i].takeSecond()[0];
                    p99[i] = new long[LEVELS.size()];
                    for (int l = 0; l < LEVELS.size(); l++) {
                        p99[i][l] = all[LEVELS.get(l).ordinal()];
                    }
                }
                Sample s = new Sample((int) ((now - start) / SECOND_NANOS), flooded - lastFlood, consumed, lag,
                        buffered(zsync.streams()), p99);
                lastFlood = flooded;
                samples.add(s);
                System.out.println(line(s));
                Optional<Throwable> failed = zsync.failure().or(() -> Optional.ofNullable(plain.failure));
                if (failed.isPresent()) {
                    floodThread.interrupt();
                    floodThread.join();
                    return Result.failed("an app stopped during the flood: " + failed.get());
                }
            }
            // The flood is over: the groups stop where they are, committing what they handled.
            for (SlowGroup g : groups) {
                g.stop(Duration.ofSeconds(30));
            }
            long settledMs = settle(admin, zsyncApp, zsync.streams(), partitions);
            Account[] accounts = {
                account(admin, flood, ZSYNC, groups[ZSYNC], zsyncApp, partitions, buffered(zsync.streams()),
                        ZSYNC_INPUT, ZSYNC_DLQ),
                account(admin, flood, PLAIN, groups[PLAIN], PLAIN_APP, partitions, 0, PLAIN_INPUT, null)};
            String section = section(durationMs, floodRate, consumerRate, bound, zsyncApp, ready, groups, flood,
                    lagPeak, accounts, settledMs);
            boolean ok = flood.failure() == null && accounts[ZSYNC].complete() && accounts[PLAIN].complete();
            return new Result(section, samples, bound, ok);
        } finally {
            close();
        }
    }

    private synchronized <T extends AutoCloseable> T add(T part) {
        parts.add(part);
        return part;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** The pass-through's settings: the Streams app file's Kafka Streams keys, its own id, no zsync keys. */
    private Properties plainSettings() {
        Properties p = new Properties();
        streamsFile.forEach((k, v) -> {
            if (!k.toString().startsWith("zsync.")) {
                p.put(k, v);
            }
        });
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, PLAIN_APP);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.STATE_DIR_CONFIG, out.resolve("streams-state").toString());
        // As the zsync Streams app does (ZsyncStreamsApp): 5 ms unless the file sets it, not Streams' 100 ms.
        String linger = StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG);
        if (!p.containsKey(linger) && !p.containsKey(ProducerConfig.LINGER_MS_CONFIG)) {
            p.put(linger, "5");
        }
        return p;
    }

    /** A Kafka Streams app that copies {@link #PLAIN_INPUT} to {@link #PLAIN_OUTPUT} as it is: no zsync. */
    private static final class PlainApp implements AutoCloseable {
        private final KafkaStreams streams;
        private volatile Throwable failure;

        private PlainApp(KafkaStreams streams) {
            this.streams = streams;
        }

        static PlainApp start(Properties settings) {
            Topology topology = new Topology();
            topology.addSource("flood", new ByteArrayDeserializer(), new ByteArrayDeserializer(), PLAIN_INPUT);
            topology.addSink("slow", PLAIN_OUTPUT, new ByteArraySerializer(), new ByteArraySerializer(), "flood");
            PlainApp app = new PlainApp(new KafkaStreams(topology, settings));
            app.streams.setUncaughtExceptionHandler(e -> {
                app.failure = e;
                System.err.println("zsync main job: the plain pass-through stops: " + e);
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            });
            app.streams.start();
            return app;
        }

        @Override
        public void close() {
            streams.close(Duration.ofSeconds(30));
        }
    }

    /** Both groups as one reader of the probe records. */
    private static Probe.Sink union(SlowGroup[] groups) {
        return new Probe.Sink() {
            @Override
            public Set<String> probesDelivered() {
                Set<String> all = new LinkedHashSet<>();
                for (SlowGroup g : groups) {
                    all.addAll(g.probesDelivered());
                }
                return all;
            }

            @Override
            public Map<String, String> probesDeadLettered() {
                return Map.of();
            }

            @Override
            public Exception failure() {
                for (SlowGroup g : groups) {
                    if (g.failure() != null) {
                        return g.failure();
                    }
                }
                return null;
            }
        };
    }

    /**
     * Waits until the apps are idle: the end offsets of every topic of the phase, the apps' committed input
     * offsets and zsync's buffer unchanged for {@value #SETTLED_MS} ms (at most {@value #SETTLE_TIMEOUT_MS} ms).
     *
     * @return how long it took, ms
     */
    private static long settle(Admin admin, String zsyncApp, KafkaStreams zsync,
                               Map<String, List<TopicPartition>> partitions) throws Exception {
        long start = System.currentTimeMillis();
        List<Long> last = null;
        long since = start;
        while (true) {
            List<Long> now = new ArrayList<>();
            for (List<TopicPartition> tps : partitions.values()) {
                now.add(endOffsets(admin, tps).values().stream().mapToLong(Long::longValue).sum());
            }
            now.add(committed(admin, zsyncApp, partitions.get(ZSYNC_INPUT)).values().stream().mapToLong(Long::longValue)
                    .sum());
            now.add(committed(admin, PLAIN_APP, partitions.get(PLAIN_INPUT)).values().stream().mapToLong(Long::longValue)
                    .sum());
            now.add(buffered(zsync));
            long t = System.currentTimeMillis();
            if (!now.equals(last)) {
                last = now;
                since = t;
            } else if (t - since >= SETTLED_MS || t - start >= SETTLE_TIMEOUT_MS) {
                return t - start;
            }
            if (t - start >= SETTLE_TIMEOUT_MS) {
                return t - start;
            }
            Thread.sleep(250);
        }
    }

    /** Where one path's flood records are, by reading what waits in its topics. */
    private Account account(Admin admin, Flood flood, int path, SlowGroup group, String app,
                            Map<String, List<TopicPartition>> partitions, long held, String input, String dlq)
            throws Exception {
        long waiting = count(partitions.get(group.topic()), committed(admin, group.group(), partitions.get(group.topic())));
        long unread = count(partitions.get(input), committed(admin, app, partitions.get(input)));
        long dead = dlq == null ? 0 : count(partitions.get(dlq), Map.of());
        return new Account(flood.produced(path), group.consumed(), waiting, held, unread, dead, group.repeated());
    }

    /** The flood records in {@code tps} from {@code from} (the beginning where it has none) to the end. */
    private long count(List<TopicPartition> tps, Map<TopicPartition, Long> from) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, "zsync-main-job-slow-phase-count");
        long n = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(tps);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps, REQUEST_TIMEOUT);
            for (TopicPartition tp : tps) {
                consumer.seek(tp, from.getOrDefault(tp, 0L));
            }
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > until) {
                    throw new IllegalStateException("could not read " + tps + " to its end offsets " + end);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition())) && isFlood(r)) {
                        n++;
                    }
                }
            }
        }
        return n;
    }

    private static boolean isFlood(ConsumerRecord<byte[], byte[]> r) {
        Header level = r.headers().lastHeader(ZsyncHeaders.PRIORITY);
        return r.key() != null && r.key().length == Long.BYTES && level != null && !Probe.isProbe(r.key());
    }

    /** The group's lag on {@code tps}: end offsets minus committed offsets (0 where it has none). */
    private static long lag(Admin admin, String group, List<TopicPartition> tps) {
        try {
            Map<TopicPartition, Long> committed = committed(admin, group, tps);
            long lag = 0;
            for (Map.Entry<TopicPartition, Long> e : endOffsets(admin, tps).entrySet()) {
                lag += e.getValue() - committed.getOrDefault(e.getKey(), 0L);
            }
            return lag;
        } catch (Exception e) {
            return -1;
        }
    }

    private static Map<TopicPartition, Long> committed(Admin admin, String group, List<TopicPartition> tps)
            throws Exception {
        Map<TopicPartition, Long> out = new HashMap<>();
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        for (TopicPartition tp : tps) {
            OffsetAndMetadata o = offsets.get(tp);
            if (o != null) {
                out.put(tp, o.offset());
            }
        }
        return out;
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin, List<TopicPartition> tps) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        tps.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(latest).all().get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    private static Map<String, List<TopicPartition>> partitions(Admin admin, List<String> topics) throws Exception {
        Map<String, List<TopicPartition>> out = new java.util.LinkedHashMap<>();
        var described = admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS);
        for (String t : topics) {
            List<TopicPartition> tps = new ArrayList<>();
            described.get(t).partitions().forEach(p -> tps.add(new TopicPartition(t, p.partition())));
            out.put(t, tps);
        }
        return out;
    }

    /** Records in the zsync app's buffer: the sum of its tasks' buffer-records gauges, -1 if it has none. */
    private static long buffered(KafkaStreams streams) {
        long sum = -1;
        for (var e : streams.metrics().entrySet()) {
            if (e.getKey().group().equals("zsync") && e.getKey().name().equals("buffer-records")
                    && e.getValue().metricValue() instanceof Number n && !Double.isNaN(n.doubleValue())) {
                sum = Math.max(sum, 0) + n.longValue();
            }
        }
        return sum;
    }

    /** {@code [slow  7s] flood 2,500/s  zsync: consumed 500/s lag 201 buffered 12,400 p99 ms CRITICAL 380 LOW 520  plain: ...} */
    static String line(Sample s) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "[slow %3ds] flood %,6d/s", s.second(),
                s.floodPerSecond()));
        for (int i = 0; i < PATHS.size(); i++) {
            sb.append(String.format(Locale.ROOT, "  %s: consumed %,4d/s lag %6s", i == ZSYNC ? "zsync" : "plain",
                    s.consumedPerSecond()[i], gauge(s.lag()[i])));
            if (i == ZSYNC) {
                sb.append(" buffered ").append(gauge(s.buffered()));
            }
            sb.append(" p99 ms");
            for (int l = 0; l < LEVELS.size(); l++) {
                sb.append(' ').append(LEVELS.get(l).name()).append(' ').append(gauge(s.p99Ms()[i][l]));
            }
        }
        return sb.toString();
    }

    private static String gauge(long v) {
        return v < 0 ? "-" : String.format(Locale.ROOT, "%,d", v);
    }

    private String section(long durationMs, int floodRate, int consumerRate, long bound, String zsyncApp,
                           Readiness.Result ready, SlowGroup[] groups, Flood flood, long[] lagPeak, Account[] accounts,
                           long settledMs) {
        StringBuilder sb = new StringBuilder();
        int critical = config.getInt(MainJobConfig.SLOW_CRITICAL_PERCENT_CONFIG);
        sb.append(String.format(Locale.ROOT, "%n  slow-consumer phase: %s s of flood, %,d records/s (%d %% CRITICAL, the"
                + " rest LOW) into each of two paths, each output read by its own consumer group at %,d records/s"
                + " (polls of %d, committed after each)%n", seconds(durationMs), floodRate, critical, consumerRate,
                SlowGroup.POLL_RECORDS));
        sb.append(String.format(Locale.ROOT, "    zsync: %s -> Streams app %s (%s; zsync.lag.group=%s,"
                + " zsync.lag.max.records=%,d, zsync.flow.interval.ms=%d) -> %s%n", ZSYNC_INPUT, zsyncApp,
                config.getString(MainJobConfig.STREAMS_CONFIG), ZSYNC_GROUP, bound, FLOW_INTERVAL_MS, ZSYNC_OUTPUT));
        sb.append(String.format(Locale.ROOT, "    plain: %s -> Kafka Streams pass-through %s (no zsync, the same Kafka"
                + " Streams settings) -> %s%n", PLAIN_INPUT, PLAIN_APP, PLAIN_OUTPUT));
        sb.append(String.format(Locale.ROOT, "    %s: apps, groups and a probe per input partition%n", ready.summary()));
        sb.append(String.format(Locale.ROOT, "    latency, produce to consume; lag, the records waiting for the group in"
                + " its output, read once a second:%n"));
        sb.append(String.format(Locale.ROOT, "    %-34s %22s %22s%n", "", PATHS.get(ZSYNC), PATHS.get(PLAIN)));
        for (Priority p : LEVELS) {
            sb.append(row(p.name() + " consumed", i -> String.format(Locale.ROOT, "%,d of %,d", groups[i].consumed(p),
                    flood.produced(i, p))));
            sb.append(row(p.name() + " p50 / p99 ms", i -> {
                Histogram h = groups[i].latency(p);
                return h.getTotalCount() == 0 ? "-" : String.format(Locale.ROOT, "%,d / %,d",
                        h.getValueAtPercentile(50), h.getValueAtPercentile(99));
            }));
        }
        // The group's lag as zsync reads it, sampled with the progress lines while the group consumed.
        sb.append(row("output lag peak (records)", i -> gauge(lagPeak[i])));
        sb.append(String.format(Locale.ROOT, "    every flood record at the end (the apps idle %.1f s after the flood):%n",
                settledMs / 1000.0));
        sb.append(row("  produced", i -> String.format(Locale.ROOT, "%,d", accounts[i].produced())));
        sb.append(row("  consumed by the group", i -> String.format(Locale.ROOT, "%,d", accounts[i].consumed())));
        sb.append(row("  waiting in the output", i -> String.format(Locale.ROOT, "%,d", accounts[i].waiting())));
        sb.append(row("  held in zsync's buffer", i -> i == PLAIN ? "-" : gauge(accounts[i].held())));
        sb.append(row("  not yet read from the input", i -> String.format(Locale.ROOT, "%,d", accounts[i].unread())));
        sb.append(row("  dead-lettered", i -> i == PLAIN ? "-" : String.format(Locale.ROOT, "%,d", accounts[i].dead())));
        sb.append(row("  missing", i -> accounts[i].held() < 0 ? "unknown (no buffer gauge)"
                : String.format(Locale.ROOT, "%,d", accounts[i].missing())));
        for (int i = 0; i < PATHS.size(); i++) {
            if (accounts[i].repeated() > 0) {
                sb.append(String.format(Locale.ROOT, "    %s: %,d records consumed more than once (counted once above)%n",
                        PATHS.get(i), accounts[i].repeated()));
            }
            if (flood.failed(i) > 0) {
                sb.append(String.format(Locale.ROOT, "    %s: %,d flood sends failed (never written; first error: %s)%n",
                        PATHS.get(i), flood.failed(i), flood.failure()));
            }
        }
        boolean complete = accounts[ZSYNC].complete() && accounts[PLAIN].complete();
        String verdict = complete ? "every flood record was consumed or is still waiting, none missing"
                : accounts[ZSYNC].missing() < 0 || accounts[PLAIN].missing() < 0
                ? "MORE RECORDS THAN THE FLOOD'S (a negative 'missing': records of an earlier run on these topics?)"
                : "FLOOD RECORDS MISSING (see above)";
        sb.append(String.format(Locale.ROOT, "    %s; latency is of the records consumed, those still waiting have"
                + " waited longer%n", verdict));
        return sb.toString();
    }

    private static String row(String label, java.util.function.IntFunction<String> cell) {
        return String.format(Locale.ROOT, "    %-34s %22s %22s%n", label, cell.apply(ZSYNC), cell.apply(PLAIN));
    }

    private static String seconds(long ms) {
        return ms % 1000 == 0 ? Long.toString(ms / 1000) : String.format(Locale.ROOT, "%.1f", ms / 1000.0);
    }

    /** Closes the apps, then the groups (which the zsync app would otherwise log as gone). */
    @Override
    public synchronized void close() {
        for (AutoCloseable part : parts) {
            try {
                part.close();
            } catch (Exception e) {
                System.err.println("zsync main job: slow-consumer phase: closing " + part.getClass().getSimpleName()
                        + " failed: " + e);
            }
        }
        parts.clear();
    }
}

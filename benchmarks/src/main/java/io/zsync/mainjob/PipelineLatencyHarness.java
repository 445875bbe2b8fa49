package io.zsync.mainjob;

import io.zsync.connector.bridge.BridgeConfig;
import io.zsync.kafka.ZsyncHeaders;
import io.zsync.processors.app.CheckedProducer;
import io.zsync.processors.app.EmbeddedKafka;
import io.zsync.processors.app.Topics;
import io.zsync.processors.app.ZsyncStreamsApp;
import io.zsync.stream.Priority;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.connect.cli.ConnectStandalone;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.Herder;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorInfo;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.util.FutureCallback;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

/**
 * Issue 21's steady-state latency: the main job's two-hop pipeline (the bridge on a standalone Connect worker, then
 * the Streams app, each configured by its file in {@code config/}, so with {@code zsync.preset=low_latency}) beside a
 * plain two-hop pass-through with the same Kafka client settings (MirrorMaker 2's {@code MirrorSourceConnector} on
 * the same worker, then a Kafka Streams app that only copies records, given exactly the Kafka Streams settings the
 * zsync app runs with). One in-process broker, the worker and both apps share this JVM, as in the main job.
 *
 * <p>Both pipelines run at the same time and are fed the same records: each record the feeder makes is sent to
 * both (which one first alternates), {@value #DEFAULT_RATE} records/s each, 1 % CRITICAL, the rest HIGH, NORMAL
 * and LOW in turn, 200 B values, CRITICAL and HIGH to {@code orders}, the others to {@code audit}, as the main
 * job's workload does. On a shared machine the load changes from one second to the next; feeding both at once
 * gives each the same load, so the ratio compares the pipelines and not two moments. Latency is produce to
 * consume: from the feeder's {@code send} to a consumer of the pipeline's last topic receiving the record
 * ({@code System.nanoTime()} carried in the value), over the records sent after the warm-up.
 */
public final class PipelineLatencyHarness {
    static final long DEFAULT_RATE = 1_500;
    private static final int VALUE_BYTES = 200;
    /** One record in this many is CRITICAL; the rest are HIGH, NORMAL and LOW in turn. */
    private static final int CRITICAL_EVERY = 100;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);
    /** MirrorMaker 2 names the copy of topic t {@code <alias>.t}. */
    private static final String MIRROR_ALIAS = "src";

    private PipelineLatencyHarness() {
    }

    /** The two pipelines. */
    enum Pipeline {
        ZSYNC("zsync: bridge -> Streams app"), PASS("pass-through: MirrorSourceConnector -> Streams copy");

        final String label;

        Pipeline(String label) {
            this.label = label;
        }
    }

    /** What one round measured of one pipeline: latency per priority (µs), records fed, received, dead-lettered. */
    record Run(Pipeline pipeline, int round, Histogram[] latency, long fed, long received, long deadLetters) {
    }

    /** The settings every round starts from: the main job's three files, with -Dpipeline.* overrides. */
    record Settings(Map<String, String> worker, Map<String, String> bridge, Map<String, String> streams,
                    List<String> sources) {
    }

    /**
     * One pipeline, running: where the feeder writes ({@code urgent} for CRITICAL and HIGH, {@code other} for the
     * rest), the topic its records end in, its dead letters (null for none) and the topics between its hops.
     */
    private record Stage(Pipeline pipeline, String urgent, String other, String output, String dlq, List<String> mid,
                         AutoCloseable app, String connector) {
    }

    /**
     * Runs both pipelines side by side and returns the table.
     *
     * @param quick one round of 5 s measured instead of two of 30 s
     */
    public static String run(boolean quick) throws Exception {
        long rate = Long.getLong("pipeline.rate", DEFAULT_RATE);
        long warmupMs = Long.getLong("pipeline.warmup.ms", 15_000);
        long measureMs = Long.getLong("pipeline.measure.ms", quick ? 5_000 : 30_000);
        int rounds = Integer.getInteger("pipeline.rounds", quick ? 1 : 2);
        Settings settings = settings(Path.of(System.getProperty("pipeline.main.config", "config/main-job.properties")));
        long started = System.nanoTime();
        String loadBefore = loadAverage();
        Path work = Files.createTempDirectory("zsync-bench-pipeline-");
        List<Run> runs = new ArrayList<>();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(Map.of("num.partitions", "2"));
             Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            Connect<?> connect = startWorker(settings.worker(), kafka.bootstrapServers(), work);
            try {
                for (int round = 1; round <= rounds; round++) {
                    for (Run r : round(round, settings, kafka.bootstrapServers(), admin, connect, work, rate, warmupMs,
                            measureMs)) {
                        System.out.println("  pipeline " + line(r));
                        runs.add(r);
                    }
                }
            } finally {
                connect.stop();
                connect.awaitStop();
            }
        } finally {
            Utils.delete(work.toFile());
        }
        return table(runs, settings, rate, warmupMs, measureMs, rounds, (System.nanoTime() - started) / 1e9)
                + String.format(Locale.ROOT, "(load average, 1/5/15 min: %s at the start, %s at the end)%n", loadBefore,
                        loadAverage());
    }

    /** Reads main-job.properties and the three files it names (paths relative to the working directory). */
    static Settings settings(Path mainJob) throws IOException {
        Map<String, String> main = load(mainJob);
        Map<String, String> worker = load(Path.of(main.getOrDefault("connect.worker.config",
                "config/connect-standalone.properties")));
        Map<String, String> bridge = load(Path.of(main.getOrDefault("connect.bridge.config",
                "config/connect-bridge.properties")));
        Map<String, String> streams = load(Path.of(main.getOrDefault("streams.config",
                "config/streams-app.properties")));
        // -Dpipeline.bridge.<key>=<value> and -Dpipeline.streams.<key>=<value> change a file's setting for the run;
        // the pass-through takes its client settings from the changed files too.
        bridge.putAll(overrides("pipeline.bridge."));
        streams.putAll(overrides("pipeline.streams."));
        List<String> sources = Arrays.stream(bridge.getOrDefault("source.topics", "orders,audit").split(","))
                .map(String::trim).filter(t -> !t.isEmpty()).toList();
        return new Settings(worker, bridge, streams, sources);
    }

    private static Map<String, String> load(Path file) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (NoSuchFileException e) {
            throw new IOException("pipeline: no " + file.toAbsolutePath() + "; run from the repository root (or set"
                    + " -Dpipeline.main.config)", e);
        }
        Map<String, String> m = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
        return m;
    }

    private static Map<String, String> overrides(String prefix) {
        Map<String, String> m = new HashMap<>();
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith(prefix))
                .forEach(k -> m.put(k.substring(prefix.length()), System.getProperty(k)));
        return m;
    }

    /** A standalone worker in this JVM with the worker file's settings; plugins come from the class path. */
    private static Connect<?> startWorker(Map<String, String> file, String bootstrap, Path work) {
        Map<String, String> props = new HashMap<>(file);
        props.put("bootstrap.servers", bootstrap);
        props.put("listeners", "http://localhost:0");
        props.remove("plugin.path");
        props.put("offset.storage.file.filename", work.resolve("connect.offsets").toString());
        return new ConnectStandalone().startConnect(props);
    }

    /** Starts both pipelines on fresh topics, feeds them together, and measures each. */
    private static List<Run> round(int round, Settings settings, String bootstrap, Admin admin, Connect<?> connect,
                                   Path work, long rate, long warmupMs, long measureMs) throws Exception {
        List<Stage> stages = new ArrayList<>();
        List<Measure> measures = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        try {
            stages.add(startZsync("r" + round + "-zsync", settings, bootstrap, admin, connect, work));
            stages.add(startPass("r" + round + "-pass", settings, bootstrap, admin, connect, work));
            for (Stage s : stages) {
                measures.add(new Measure(bootstrap, List.of(s.output()), s.dlq()));
                if (Boolean.getBoolean("pipeline.hops")) {
                    measures.add(new Measure(bootstrap, s.mid(), null));
                }
            }
            for (Measure m : measures) {
                Thread t = new Thread(m, "pipeline-measure-" + m.topics);
                t.start();
                threads.add(t);
            }
            long fed = feed(bootstrap, stages, rate, warmupMs, measureMs, measures);
            int step = measures.size() / stages.size();
            long until = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
            for (int i = 0; i < measures.size(); i += step) {
                Measure m = measures.get(i);
                while (m.inWindow.get() + m.deadInWindow.get() < fed && System.nanoTime() < until) {
                    Thread.sleep(50);
                }
            }
            for (Measure m : measures) {
                m.stop = true;
            }
            for (Thread t : threads) {
                t.join();
            }
            for (Measure m : measures) {
                if (m.failure != null) {
                    throw new IllegalStateException("pipeline: reading " + m.topics + " failed", m.failure);
                }
            }
            List<Run> runs = new ArrayList<>();
            for (int i = 0; i < stages.size(); i++) {
                Measure m = measures.get(i * step);
                runs.add(new Run(stages.get(i).pipeline(), round, m.latency, fed, m.inWindow.get(),
                        m.deadInWindow.get()));
                if (step > 1) {
                    Measure hop = measures.get(i * step + 1);
                    System.out.println("  pipeline first hop, " + line(new Run(stages.get(i).pipeline(), round,
                            hop.latency, fed, hop.inWindow.get(), 0)) + "; largest per second "
                            + Arrays.toString(Arrays.copyOf(hop.maxPerSecond, (int) (measureMs / 1000))));
                    System.out.println("  pipeline " + stages.get(i).pipeline().name().toLowerCase(Locale.ROOT)
                            + ": largest latency (ms) of the records sent in each second "
                            + Arrays.toString(Arrays.copyOf(m.maxPerSecond, (int) (measureMs / 1000))));
                }
            }
            return runs;
        } finally {
            for (Measure m : measures) {
                m.stop = true;
            }
            for (Stage s : stages) {
                s.app().close();
                FutureCallback<Herder.Created<ConnectorInfo>> deleted = new FutureCallback<>();
                connect.herder().deleteConnectorConfig(s.connector(), deleted);
                deleted.get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** The main job's pipeline: the bridge as connect-bridge.properties says, then the Streams app. */
    private static Stage startZsync(String prefix, Settings settings, String bootstrap, Admin admin,
                                    Connect<?> connect, Path work) throws Exception {
        List<String> sources = settings.sources().stream().map(t -> prefix + "-" + t).toList();
        String prioritized = prefix + "-prioritized";
        String output = prefix + "-deliveries";
        List<String> topics = new ArrayList<>(sources);
        topics.add(prioritized);
        topics.add(prioritized + ".dlq");
        // The broker's default partitions (2), as the main job creates them.
        Topics.createMissing(admin, topics, Optional.empty(), Duration.ofSeconds(30));
        String connector = prefix + "-bridge";
        Map<String, String> c = new HashMap<>(settings.bridge());
        c.put("name", connector);
        c.put("source.bootstrap.servers", bootstrap);
        c.put("source.topics", String.join(",", sources));
        c.put("target.topic", prioritized);
        c.put("zsync.dlq.topic", "");
        c.put("zsync.priority.topics", sources.get(0) + ":HIGH," + sources.get(sources.size() - 1) + ":LOW");
        startConnector(connect.herder(), connector, c);
        Properties s = new Properties();
        s.putAll(settings.streams());
        s.put("application.id", prefix + "-app");
        s.put("bootstrap.servers", bootstrap);
        s.put("state.dir", work.resolve(prefix).toString());
        s.put("zsync.input.topics", prioritized);
        s.put("zsync.output.topic", output);
        s.put("zsync.dlq.topic", "");
        ZsyncStreamsApp app = ZsyncStreamsApp.start(s, false);
        awaitRunning(app.streams(), prefix);
        return new Stage(Pipeline.ZSYNC, sources.get(0), sources.get(sources.size() - 1), output, output + ".dlq",
                List.of(prioritized), app, connector);
    }

    /**
     * The pass-through: MirrorSourceConnector with the bridge's client settings, then a Kafka Streams app that copies
     * records with the zsync app's Kafka Streams settings.
     */
    private static Stage startPass(String prefix, Settings settings, String bootstrap, Admin admin,
                                   Connect<?> connect, Path work) throws Exception {
        List<String> sources = settings.sources().stream().map(t -> prefix + "-" + t).toList();
        List<String> mirrored = sources.stream().map(t -> MIRROR_ALIAS + "." + t).toList();
        String output = prefix + "-out";
        List<String> topics = new ArrayList<>(sources);
        topics.addAll(mirrored);
        Topics.createMissing(admin, topics, Optional.empty(), Duration.ofSeconds(30));
        // As many partitions as the zsync app gives the output topic it creates.
        int partitions = Integer.parseInt(settings.streams().getOrDefault("zsync.topics.partitions", "-1").trim());
        Topics.createMissing(admin, List.of(output), partitions > 0 ? Optional.of(partitions) : Optional.empty(),
                Duration.ofSeconds(30));
        String connector = prefix + "-mirror";
        startConnector(connect.herder(), connector, mirrorConfig(connector, settings, bootstrap, sources));
        Properties s = new Properties();
        s.putAll(settings.streams());
        s.put("application.id", prefix + "-app");
        s.put("bootstrap.servers", bootstrap);
        s.put("state.dir", work.resolve(prefix).toString());
        // Exactly the Kafka Streams settings the zsync app runs with: the file's, with its preset's under them.
        KafkaStreams copy = new KafkaStreams(copyTopology(mirrored, output),
                new StreamsConfig(ZsyncStreamsApp.streamsSettings(s)));
        copy.start();
        awaitRunning(copy, prefix);
        return new Stage(Pipeline.PASS, sources.get(0), sources.get(sources.size() - 1), output, null, mirrored,
                () -> copy.close(Duration.ofSeconds(30)), connector);
    }

    /**
     * MirrorSourceConnector with the bridge's client settings: its producer overrides, its source consumer's
     * settings (the preset's included) and its poll timeout; no config or ACL syncing, as the bridge does none.
     */
    private static Map<String, String> mirrorConfig(String name, Settings settings, String bootstrap,
                                                    List<String> topics) {
        Map<String, String> c = new HashMap<>();
        c.put("name", name);
        c.put("connector.class", "org.apache.kafka.connect.mirror.MirrorSourceConnector");
        c.put("tasks.max", settings.bridge().getOrDefault("tasks.max", "1"));
        c.put("key.converter", settings.bridge().get("key.converter"));
        c.put("value.converter", settings.bridge().get("value.converter"));
        c.put("header.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        c.put("source.cluster.alias", MIRROR_ALIAS);
        c.put("target.cluster.alias", "dst");
        c.put("source.cluster.bootstrap.servers", bootstrap);
        c.put("target.cluster.bootstrap.servers", bootstrap);
        c.put("topics", String.join(",", topics));
        c.put("replication.factor", "1");
        c.put("offset-syncs.topic.replication.factor", "1");
        c.put("sync.topic.configs.enabled", "false");
        c.put("sync.topic.acls.enabled", "false");
        c.put("refresh.topics.interval.seconds", "600");
        settings.bridge().forEach((k, v) -> {
            if (k.startsWith("producer.override.")) {
                c.put(k, v);
            }
        });
        Map<String, String> bridge = new HashMap<>(settings.bridge());
        bridge.put("source.bootstrap.servers", bootstrap);
        bridge.put("source.topics", String.join(",", topics));
        bridge.put("target.topic", name + "-unused");
        BridgeConfig config = new BridgeConfig(bridge);
        config.sourceClientSettings().forEach((k, v) -> {
            if (!k.equals("bootstrap.servers")) {
                c.put("consumer." + k, String.valueOf(v));
            }
        });
        c.put("consumer.isolation.level", String.valueOf(config.sourceConsumerSettings(name).get("isolation.level")));
        c.put("consumer.poll.timeout.ms", Long.toString(config.pollTimeoutMs()));
        return c;
    }

    /** Source topics to the output topic, one sub-topology per topic, so each task reads one partition. */
    private static Topology copyTopology(List<String> inputs, String output) {
        Topology t = new Topology();
        String[] sources = new String[inputs.size()];
        for (int i = 0; i < inputs.size(); i++) {
            sources[i] = "in-" + i;
            t.addSource(sources[i], new ByteArrayDeserializer(), new ByteArrayDeserializer(), inputs.get(i));
        }
        t.addSink("out", output, new ByteArraySerializer(), new ByteArraySerializer(), sources);
        return t;
    }

    private static void startConnector(Herder herder, String name, Map<String, String> config) throws Exception {
        FutureCallback<Herder.Created<ConnectorInfo>> created = new FutureCallback<>();
        herder.putConnectorConfig(name, config, false, created);
        created.get(30, TimeUnit.SECONDS);
        long until = System.nanoTime() + START_TIMEOUT.toNanos();
        int tasks = Integer.parseInt(config.getOrDefault("tasks.max", "1"));
        String last = "";
        while (System.nanoTime() < until) {
            ConnectorStateInfo s = herder.connectorStatus(name);
            last = s.connector().state() + " " + s.tasks().stream().map(ConnectorStateInfo.AbstractState::state).toList();
            for (ConnectorStateInfo.TaskState t : s.tasks()) {
                if ("FAILED".equals(t.state())) {
                    throw new IllegalStateException(name + ": a task failed: " + t.trace());
                }
            }
            if ("RUNNING".equals(s.connector().state()) && s.tasks().size() >= tasks
                    && s.tasks().stream().allMatch(t -> "RUNNING".equals(t.state()))) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(name + " did not run within " + START_TIMEOUT.toSeconds() + " s: " + last);
    }

    private static void awaitRunning(KafkaStreams streams, String name) throws InterruptedException {
        long until = System.nanoTime() + START_TIMEOUT.toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            if (System.nanoTime() > until || streams.state() == KafkaStreams.State.ERROR) {
                throw new IllegalStateException(name + ": Kafka Streams is " + streams.state());
            }
            Thread.sleep(50);
        }
    }

    /**
     * Sends {@code rate} records a second to every stage for {@code warmupMs + measureMs}, paced every millisecond,
     * each record to all stages (which first alternates); returns how many were sent after the warm-up.
     */
    private static long feed(String bootstrap, List<Stage> stages, long rate, long warmupMs, long measureMs,
                             List<Measure> measures) throws InterruptedException {
        Random random = new Random(42);
        byte[] filler = new byte[VALUE_BYTES];
        random.nextBytes(filler);
        Priority[] others = {Priority.HIGH, Priority.NORMAL, Priority.LOW};
        long sent = 0;
        long inWindow = 0;
        try (CheckedProducer producer = CheckedProducer.create(bootstrap, Map.of(ProducerConfig.LINGER_MS_CONFIG, 0))) {
            long start = System.nanoTime();
            long from = start + TimeUnit.MILLISECONDS.toNanos(warmupMs);
            long end = from + TimeUnit.MILLISECONDS.toNanos(measureMs);
            for (Measure m : measures) {
                m.from = from;
            }
            while (System.nanoTime() < end) {
                long due = rate * (System.nanoTime() - start) / 1_000_000_000L;
                for (; sent < due; sent++) {
                    Priority level = sent % CRITICAL_EVERY == CRITICAL_EVERY / 2 ? Priority.CRITICAL
                            : others[(int) (sent % others.length)];
                    byte[] key = ByteBuffer.allocate(Long.BYTES).putLong(sent).array();
                    // One send time for the record in every stage; the stage sent to first alternates.
                    long sendNanos = System.nanoTime();
                    for (int i = 0; i < stages.size(); i++) {
                        Stage s = stages.get((int) ((i + sent) % stages.size()));
                        byte[] value = filler.clone();
                        ByteBuffer.wrap(value).putLong(sendNanos).put((byte) level.ordinal());
                        RecordHeaders headers = new RecordHeaders();
                        headers.add(ZsyncHeaders.PRIORITY, level.name().getBytes(StandardCharsets.US_ASCII));
                        String topic = level.compareTo(Priority.HIGH) >= 0 ? s.urgent() : s.other();
                        producer.send(new ProducerRecord<>(topic, null, System.currentTimeMillis(), key, value,
                                headers));
                    }
                    if (sendNanos >= from) {
                        inWindow++;
                    }
                }
                Thread.sleep(1);
            }
        }
        return inWindow;
    }

    /** Reads topics (and dead letters) as records arrive, taking the latency of records sent after the warm-up. */
    private static final class Measure implements Runnable {
        final Histogram[] latency = new Histogram[Priority.COUNT];
        final AtomicLong inWindow = new AtomicLong();
        final AtomicLong deadInWindow = new AtomicLong();
        /** The largest latency (ms) of the records sent in each second after the warm-up. */
        final long[] maxPerSecond = new long[3_600];
        final String bootstrap;
        final List<String> topics;
        final String dlq;
        volatile long from = Long.MAX_VALUE;
        volatile boolean stop;
        volatile Exception failure;

        Measure(String bootstrap, List<String> topics, String dlq) {
            this.bootstrap = bootstrap;
            this.topics = topics;
            this.dlq = dlq;
            for (int i = 0; i < latency.length; i++) {
                latency[i] = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
            }
        }

        @Override
        public void run() {
            Map<String, Object> p = new HashMap<>();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                List<String> all = new ArrayList<>(topics);
                if (dlq != null) {
                    all.add(dlq);
                }
                List<TopicPartition> partitions = new ArrayList<>();
                for (String topic : all) {
                    consumer.partitionsFor(topic, Duration.ofSeconds(30))
                            .forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
                }
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                while (!stop) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                        long now = System.nanoTime();
                        ByteBuffer v = ByteBuffer.wrap(r.value());
                        long sent = v.getLong();
                        int level = v.get();
                        if (sent < from) {
                            continue;
                        }
                        if (r.topic().equals(dlq)) {
                            deadInWindow.incrementAndGet();
                            continue;
                        }
                        long micros = Math.max(0, (now - sent) / 1_000);
                        latency[level].recordValue(Math.min(latency[level].getHighestTrackableValue(), micros));
                        int second = (int) Math.min(maxPerSecond.length - 1, (sent - from) / 1_000_000_000L);
                        maxPerSecond[second] = Math.max(maxPerSecond[second], micros / 1_000);
                        inWindow.incrementAndGet();
                    }
                }
            } catch (Exception e) {
                failure = e;
            }
        }
    }

    /** The machine's load average: on a shared machine it says more about a run's tail than any setting. */
    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** The settings that decide a record's wait, as both pipelines run with them. */
    static String latencySettings(Settings settings) {
        Map<String, String> s = new HashMap<>(settings.streams());
        s.put("bootstrap.servers", "localhost:9092");
        StreamsConfig streams = new StreamsConfig(ZsyncStreamsApp.streamsSettings(s));
        Map<String, String> b = new HashMap<>(settings.bridge());
        b.put("source.bootstrap.servers", "localhost:9092");
        BridgeConfig bridge = new BridgeConfig(b);
        return String.format(Locale.ROOT, "Streams hop (zsync.preset=%s): %s, producer linger.ms=%s, main consumer"
                        + " fetch.max.wait.ms=%s, poll.ms=%d, commit.interval.ms=%d. Connect hop (zsync.preset=%s):"
                        + " producer linger.ms=%d (%s), source consumer fetch.max.wait.ms=%s, poll timeout %d ms."
                        + " The pass-through runs with the same Kafka settings.%n",
                settings.streams().getOrDefault("zsync.preset", ""), streams.getString("processing.guarantee"),
                streams.getProducerConfigs("c").getOrDefault("linger.ms", "100"),
                streams.getMainConsumerConfigs("g", "c", 0).getOrDefault("fetch.max.wait.ms", "500"),
                streams.getLong("poll.ms"), streams.getLong("commit.interval.ms"),
                settings.bridge().getOrDefault("zsync.preset", ""), bridge.producerLingerMs(),
                bridge.producerLingerSource(), bridge.sourceConsumerSettings("c").getOrDefault("fetch.max.wait.ms", "500"),
                bridge.pollTimeoutMs());
    }

    private static String line(Run r) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "round %d %s: fed %,d after the warm-up,"
                + " received %,d, dead letters %,d; p50/p99 ms", r.round(), r.pipeline().label, r.fed(), r.received(),
                r.deadLetters()));
        for (int i = Priority.COUNT - 1; i >= 0; i--) {
            Histogram h = r.latency()[i];
            sb.append(String.format(Locale.ROOT, "  %s %s/%s", Priority.of(i).name(), ms(h, 50), ms(h, 99)));
        }
        return sb.toString();
    }

    private static String ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? "-" : String.format(Locale.ROOT, "%.1f",
                h.getValueAtPercentile(percentile) / 1000.0);
    }

    private static double p99(Histogram h) {
        return h.getValueAtPercentile(99);
    }

    private static String table(List<Run> runs, Settings settings, long rate, long warmupMs, long measureMs,
                                int rounds, double seconds) {
        Map<Pipeline, Histogram[]> all = new LinkedHashMap<>();
        for (Pipeline p : Pipeline.values()) {
            Histogram[] merged = new Histogram[Priority.COUNT];
            for (int i = 0; i < merged.length; i++) {
                merged[i] = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
                for (Run r : runs) {
                    if (r.pipeline() == p) {
                        merged[i].add(r.latency()[i]);
                    }
                }
            }
            all.put(p, merged);
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%nSteady-state latency, produce to consume: both pipelines side by side,"
                        + " each fed the same %,d records/s (1 in %d CRITICAL, the rest HIGH/NORMAL/LOW), %d B values;"
                        + " %d round(s) of %d s warm-up + %d s measured; one in-process broker, Connect worker and"
                        + " apps in one JVM%n", rate, CRITICAL_EVERY, VALUE_BYTES, rounds, warmupMs / 1000,
                measureMs / 1000));
        sb.append(latencySettings(settings));
        sb.append("| pipeline | priority | records | p50 ms | p99 ms | max ms |\n|---|---|---:|---:|---:|---:|\n");
        for (Map.Entry<Pipeline, Histogram[]> e : all.entrySet()) {
            for (int i = Priority.COUNT - 1; i >= 0; i--) {
                Histogram h = e.getValue()[i];
                sb.append(String.format(Locale.ROOT, "| %s | %s | %,d | %s | %s | %s |%n", e.getKey().label,
                        Priority.of(i).name(), h.getTotalCount(), ms(h, 50), ms(h, 99), ms(h, 100)));
            }
        }
        int critical = Priority.CRITICAL.ordinal();
        sb.append(String.format(Locale.ROOT, "%nCRITICAL p99, zsync / pass-through: %.2fx (target <= 2x); per round:",
                p99(all.get(Pipeline.ZSYNC)[critical]) / p99(all.get(Pipeline.PASS)[critical])));
        for (int round = 1; round <= rounds; round++) {
            final int rr = round;
            double[] p99 = runs.stream().filter(r -> r.round() == rr).sorted((a, b) -> a.pipeline().compareTo(b.pipeline()))
                    .mapToDouble(r -> p99(r.latency()[critical])).toArray();
            sb.append(String.format(Locale.ROOT, " %.2fx", p99[0] / p99[1]));
        }
        long dead = runs.stream().mapToLong(Run::deadLetters).sum();
        long missing = runs.stream().mapToLong(r -> r.fed() - r.received() - r.deadLetters()).sum();
        sb.append(String.format(Locale.ROOT, "%n(%,d dead letters, %,d not received within %d s; whole run %.0f s)%n",
                dead, missing, DRAIN_TIMEOUT.toSeconds(), seconds));
        return sb.toString();
    }
}

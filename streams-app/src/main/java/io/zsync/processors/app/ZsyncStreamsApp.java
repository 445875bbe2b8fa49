package io.zsync.processors.app;

import io.zsync.kafka.Preset;
import io.zsync.processors.ChecksumTransform;
import io.zsync.processors.RealtimeProcessor;
import io.zsync.processors.XorTransform;
import io.zsync.processors.ZsyncStreams;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;

/**
 * The ready-made Streams app: {@code zsync.input.topics} → realtime buffer → transforms →
 * {@code zsync.output.topic}, dead letters to {@code zsync.dlq.topic}, configured by one properties file
 * holding Kafka Streams settings and {@code zsync.*} keys. {@code bootstrap.servers=embedded} starts an
 * in-process broker. Missing topics are created. {@code zsync.preset=low_latency} also sets the Kafka settings
 * that decide how long a record waits ({@link ZsyncAppConfig#presetKafkaSettings}), each unless the settings give
 * it; otherwise the producer lingers {@value #DEFAULT_LINGER_MS} ms unless {@code producer.linger.ms} or
 * {@code linger.ms} says otherwise (Kafka Streams' own default is 100 ms, which would widen the deadline margin to
 * 120 ms). SIGTERM (or Ctrl-C) closes it cleanly.
 *
 * <pre>java -cp ... io.zsync.processors.app.ZsyncStreamsApp config/streams-app.properties [key=value ...]</pre>
 */
public final class ZsyncStreamsApp implements AutoCloseable {
    private static final String PROCESSOR = "zsync";
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration TOPICS_TIMEOUT = Duration.ofSeconds(30);
    private static final int PROGRESS_SECONDS = 5;
    /** The producer's {@code linger.ms} the app sets unless the settings give one (Kafka Streams' is 100). */
    static final int DEFAULT_LINGER_MS = 5;

    private final ZsyncAppConfig config;
    private final EmbeddedKafka embedded;
    private final KafkaStreams streams;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Throwable failure;
    private final java.util.concurrent.ScheduledExecutorService progress =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "zsync-progress");
                t.setDaemon(true);
                return t;
            });
    private String lastProgress = "";

    private ZsyncStreamsApp(ZsyncAppConfig config, EmbeddedKafka embedded, KafkaStreams streams) {
        this.config = config;
        this.embedded = embedded;
        this.streams = streams;
    }

    /**
     * Validates the settings, starts the embedded broker if asked for, creates missing topics and starts
     * Kafka Streams.
     *
     * @param settings Kafka Streams settings and zsync.* keys
     * @return the running app
     * @throws ConfigException naming the first invalid key
     */
    public static ZsyncStreamsApp start(Map<?, ?> settings) throws Exception {
        return start(settings, true);
    }

    /**
     * As {@link #start(Map)}, choosing whether the app prints a progress line every
     * {@value #PROGRESS_SECONDS} s (a caller with its own display turns them off).
     */
    public static ZsyncStreamsApp start(Map<?, ?> settings, boolean progressLines) throws Exception {
        ZsyncAppConfig config = new ZsyncAppConfig(settings);
        ZsyncStreams.validate(settings);
        Map<String, Object> streamsSettings = streamsSettings(settings);
        printPreset(settings);
        EmbeddedKafka embedded = null;
        if (ZsyncAppConfig.EMBEDDED.equals(String.valueOf(streamsSettings.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG))
                .trim())) {
            embedded = EmbeddedKafka.start();
            streamsSettings.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, embedded.bootstrapServers());
            System.out.println("zsync: started an embedded Kafka broker at " + embedded.bootstrapServers());
        }
        try {
            StreamsConfig streamsConfig = new StreamsConfig(streamsSettings);
            createMissingTopics(streamsConfig, config);
            KafkaStreams streams = new KafkaStreams(topology(config), streamsConfig);
            ZsyncStreamsApp app = new ZsyncStreamsApp(config, embedded, streams);
            app.begin(progressLines);
            return app;
        } catch (Exception | Error e) {
            if (embedded != null) {
                embedded.close();
            }
            throw e;
        }
    }

    /**
     * The Kafka Streams settings the app runs with: every key but the {@code zsync.*} ones; then the Kafka
     * settings of the {@code zsync.preset} ({@link ZsyncAppConfig#presetKafkaSettings}) that the settings do not
     * give in any spelling; then {@code producer.linger.ms=}{@value #DEFAULT_LINGER_MS} unless
     * {@code producer.linger.ms} or {@code linger.ms} is given by either.
     *
     * @param settings the app's settings as the user gave them
     * @return a new map, for {@link StreamsConfig}
     * @throws ConfigException naming {@code zsync.preset} if its value is not a preset
     */
    public static Map<String, Object> streamsSettings(Map<?, ?> settings) {
        Map<String, Object> streamsSettings = new HashMap<>();
        settings.forEach((k, v) -> {
            if (!k.toString().startsWith("zsync.")) {
                streamsSettings.put(k.toString(), v);
            }
        });
        Preset.fillIn(streamsSettings, settings, ZsyncAppConfig.presetKafkaSettings(settings));
        // Kafka Streams' producer lingers 100 ms by default: a record zsync releases waits up to that long
        // before it is sent, so the deadline margin (linger.ms + 20 ms, zsync.deadline.margin.ms) would
        // dead-letter every record released within 120 ms of its deadline. 5 ms, the plain producer's default
        // since Kafka 4.0, still batches under load and keeps the margin at 25 ms.
        String lingerKey = StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG);
        if (!streamsSettings.containsKey(lingerKey) && !streamsSettings.containsKey(ProducerConfig.LINGER_MS_CONFIG)) {
            streamsSettings.put(lingerKey, Integer.toString(DEFAULT_LINGER_MS));
        }
        return streamsSettings;
    }

    /** One line naming the Kafka settings the preset set and those the settings gave themselves. */
    private static void printPreset(Map<?, ?> settings) {
        List<Preset.Setting> all = ZsyncAppConfig.presetKafkaSettings(settings);
        if (all.isEmpty()) {
            return;
        }
        List<Preset.Setting> set = all.stream().filter(s -> !s.givenIn(settings)).toList();
        List<Preset.Setting> kept = all.stream().filter(s -> s.givenIn(settings)).toList();
        System.out.println("zsync: preset " + settings.get(ZsyncAppConfig.PRESET_CONFIG).toString().trim() + " sets "
                + (set.isEmpty() ? "no Kafka setting" : set.stream().map(Preset.Setting::toString)
                        .collect(Collectors.joining(", ")))
                + (kept.isEmpty() ? "" : "; the settings' own value kept for " + kept.stream()
                        .map(Preset.Setting::key).collect(Collectors.joining(", "))));
    }

    /** The app's topology, for {@code TopologyTestDriver} and for describing it. */
    public static Topology topology(ZsyncAppConfig config) {
        List<ProcessorSupplier<byte[], byte[], byte[], byte[]>> transforms = new ArrayList<>();
        for (String t : config.transforms()) {
            if (t.equals("xor")) {
                var key = config.xorKey();
                transforms.add(() -> new XorTransform(key));
            } else {
                transforms.add(ChecksumTransform::new);
            }
        }
        Map<String, Object> zsync = new HashMap<>(config.originals());
        RealtimeProcessor processor = ZsyncStreams.processor(PROCESSOR, zsync);
        return ZsyncStreams.addTo(new Topology(), processor, config.inputTopics(), config.outputTopic(), transforms);
    }

    private void begin(boolean progressLines) {
        streams.setUncaughtExceptionHandler(e -> {
            failure = e;
            System.err.println("zsync: the Streams app stops: " + rootMessage(e));
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.setStateListener((now, before) -> {
            System.out.println("zsync: Kafka Streams " + before + " -> " + now);
            if (now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.ERROR) {
                stopped.countDown();
            }
        });
        streams.start();
        if (progressLines) {
            progress.scheduleWithFixedDelay(this::printProgress, PROGRESS_SECONDS, PROGRESS_SECONDS, TimeUnit.SECONDS);
        }
        System.out.println("zsync: reading " + config.inputTopics() + ", writing " + config.outputTopic()
                + ", dead letters to " + config.dlqTopic());
    }

    private static void createMissingTopics(StreamsConfig streamsConfig, ZsyncAppConfig config)
            throws InterruptedException, ExecutionException {
        Map<String, Object> adminSettings = streamsConfig.getAdminConfigs("zsync-topics");
        adminSettings.put(AdminClientConfig.CLIENT_ID_CONFIG, "zsync-topics");
        Set<String> wanted = new LinkedHashSet<>(config.inputTopics());
        wanted.add(config.outputTopic());
        wanted.add(config.dlqTopic());
        Optional<Integer> partitions = config.topicPartitions() > 0 ? Optional.of(config.topicPartitions())
                : Optional.empty();
        try (Admin admin = Admin.create(adminSettings)) {
            List<String> created = Topics.createMissing(admin, wanted, partitions, TOPICS_TIMEOUT);
            if (!created.isEmpty()) {
                System.out.println("zsync: created topics " + created);
            }
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("zsync: the brokers at "
                    + adminSettings.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG) + " did not make topics " + wanted
                    + " ready within " + TOPICS_TIMEOUT.toSeconds() + " s", e);
        }
    }

    /** One line of totals over this instance's tasks, printed when it changed since the last one. */
    private void printProgress() {
        long[] totals = new long[4];
        streams.metrics().forEach((name, metric) -> {
            if (!name.group().equals("zsync") || !(metric.metricValue() instanceof Number n)) {
                return;
            }
            switch (name.name()) {
                case "records-in-total" -> totals[0] += n.longValue();
                case "records-out-total" -> totals[1] += n.longValue();
                case "dropped-total" -> totals[2] += n.longValue();
                case "buffer-records" -> totals[3] += n.longValue();
                default -> { }
            }
        });
        String line = "zsync: progress: in " + totals[0] + ", out " + totals[1] + ", dead letters " + totals[2]
                + ", buffered " + totals[3] + " (this instance's tasks)";
        if (!line.equals(lastProgress)) {
            lastProgress = line;
            System.out.println(line);
        }
    }

    /** The running Kafka Streams instance. */
    public KafkaStreams streams() {
        return streams;
    }

    /** The embedded broker's address, if this app started one. */
    public Optional<String> embeddedBootstrapServers() {
        return Optional.ofNullable(embedded).map(EmbeddedKafka::bootstrapServers);
    }

    /** Waits until Kafka Streams stops (closed, or failed). */
    public void awaitTermination() throws InterruptedException {
        stopped.await();
    }

    /** The error that stopped the app, if one did. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    @Override
    public void close() throws Exception {
        progress.shutdownNow();
        streams.close(CLOSE_TIMEOUT);
        stopped.countDown();
        if (embedded != null) {
            embedded.close();
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: ZsyncStreamsApp <properties file> [key=value ...]");
            System.exit(2);
        }
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
            props.load(in);
        } catch (IOException e) {
            System.err.println("zsync: cannot read " + args[0] + ": " + e.getMessage());
            System.exit(2);
        }
        // key=value arguments override the file, as Kafka's own tools' --override does.
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq <= 0) {
                System.err.println("zsync: argument '" + args[i] + "' is not key=value");
                System.exit(2);
            }
            props.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        ZsyncStreamsApp app;
        try {
            app = start(props);
        } catch (ConfigException e) {
            System.err.println("zsync: invalid configuration in " + args[0] + ": " + e.getMessage());
            System.exit(1);
            return;
        }
        Thread hook = new Thread(() -> {
            try {
                app.close();
            } catch (Exception e) {
                System.err.println("zsync: close failed: " + e);
            }
        }, "zsync-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        app.awaitTermination();
        if (app.failure().isPresent()) {
            Runtime.getRuntime().removeShutdownHook(hook);
            app.close();
            System.exit(1);
        }
    }

    private static String rootMessage(Throwable e) {
        StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
            if (c.getMessage() != null && c.getMessage().startsWith("zsync")) {
                sb.setLength(0);
                sb.append(c.getMessage());
            }
        }
        return sb.toString();
    }
}

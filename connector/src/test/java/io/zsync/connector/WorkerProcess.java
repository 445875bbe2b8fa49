package io.zsync.connector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.kafka.connect.cli.ConnectDistributed;

/**
 * A distributed Connect worker in its own JVM, with only Kafka's jars on its class path: the zsync plugin
 * comes from an unzipped archive in {@code plugin.path}, through Connect's isolated plugin class loader,
 * exactly as a user installs it. Killable with SIGKILL.
 */
final class WorkerProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final Process process;
    private final Path log;
    private final String rest;

    private WorkerProcess(Process process, Path log, String rest) {
        this.process = process;
        this.log = log;
        this.rest = rest;
    }

    /** Unzips {@code archive} into {@code pluginPath}. */
    static void unzip(Path archive, Path pluginPath) throws IOException {
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(archive))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                Path target = pluginPath.resolve(e.getName()).normalize();
                if (!target.startsWith(pluginPath)) {
                    throw new IOException("entry outside the plugin path: " + e.getName());
                }
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(zip, target);
                }
            }
        }
    }

    /** The archive {@code mvn package} built. */
    static Path archive() throws IOException {
        try (var files = Files.list(Path.of("target"))) {
            return files.filter(f -> f.getFileName().toString().matches("zsync-connector-.*\\.zip")).findFirst()
                    .orElseThrow(() -> new IOException("no connector/target/zsync-connector-*.zip: run mvn package"));
        }
    }

    /**
     * Starts a worker and waits until its REST API answers.
     *
     * @param dir   its working directory (config and log)
     * @param group the Connect group, which names its internal topics too
     */
    static WorkerProcess start(Path dir, String bootstrap, String group, Path pluginPath) throws Exception {
        return start(dir, bootstrap, group, pluginPath, true);
    }

    /**
     * Starts a worker, with or without exactly-once source support, and waits until its REST API answers.
     */
    static WorkerProcess start(Path dir, String bootstrap, String group, Path pluginPath, boolean exactlyOnce)
            throws Exception {
        return start(dir, bootstrap, group, pluginPath, exactlyOnce, Map.of());
    }

    /**
     * Starts a worker with {@code settings} added to (or replacing) its worker properties, and waits until its
     * REST API answers.
     */
    static WorkerProcess start(Path dir, String bootstrap, String group, Path pluginPath, boolean exactlyOnce,
                               Map<String, String> settings) throws Exception {
        Files.createDirectories(dir);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Properties w = new Properties();
        w.put("bootstrap.servers", bootstrap);
        w.put("group.id", group);
        w.put("config.storage.topic", group + "-configs");
        w.put("offset.storage.topic", group + "-offsets");
        w.put("status.storage.topic", group + "-status");
        w.put("config.storage.replication.factor", "1");
        w.put("offset.storage.replication.factor", "1");
        w.put("status.storage.replication.factor", "1");
        w.put("key.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        w.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        w.put("header.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        w.put("plugin.path", pluginPath.toAbsolutePath().toString());
        w.put("plugin.discovery", "service_load");
        w.put("listeners", "http://localhost:" + port);
        w.put("exactly.once.source.support", exactlyOnce ? "enabled" : "disabled");
        w.put("offset.flush.interval.ms", "500");
        // A killed worker's tasks go to the next worker at once, not after the default five minutes.
        w.put("scheduled.rebalance.max.delay.ms", "0");
        w.put("session.timeout.ms", "6000");
        w.put("heartbeat.interval.ms", "1000");
        w.putAll(settings);
        Path config = dir.resolve("worker.properties");
        try (var out = Files.newBufferedWriter(config)) {
            w.store(out, "zsync plugin-path test worker");
        }
        Path log = dir.resolve("worker-" + System.nanoTime() + ".log");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx384m");
        cmd.add("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
        cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        cmd.add("-Dorg.slf4j.simpleLogger.log.io.zsync=info");
        cmd.add("-Dorg.slf4j.simpleLogger.log.org.apache.kafka.connect.runtime.isolation=info");
        cmd.add("-cp");
        cmd.add(kafkaOnlyClassPath());
        cmd.add(ConnectDistributed.class.getName());
        cmd.add(config.toString());
        Process process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        WorkerProcess worker = new WorkerProcess(process, log, "http://localhost:" + port);
        long end = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < end) {
            if (!process.isAlive()) {
                throw new IllegalStateException("worker exited: " + worker.logTail());
            }
            try {
                if (worker.status("/") == 200) {
                    return worker;
                }
            } catch (IOException notYet) {
                // REST not listening yet.
            }
            Thread.sleep(200);
        }
        worker.close();
        throw new IllegalStateException("worker REST did not answer in 60 s: " + worker.logTail());
    }

    /**
     * This JVM's class path without zsync's own classes and jars (this repository's modules and
     * {@code io/zsync} in the local Maven repository): what is left is Kafka, its dependencies and the
     * test tools, so the worker can only find zsync in its plugin path.
     */
    private static String kafkaOnlyClassPath() {
        String repo = Path.of("").toAbsolutePath().getParent().toString();
        return List.of(System.getProperty("java.class.path").split(File.pathSeparator)).stream()
                .filter(e -> !Path.of(e).toAbsolutePath().startsWith(repo))
                .filter(e -> !e.replace(File.separatorChar, '/').contains("/io/zsync/"))
                .collect(Collectors.joining(File.pathSeparator));
    }

    int status(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(rest + path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(rest + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IOException("GET " + path + ": " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    /** Creates or updates a connector. */
    void putConnector(String name, Map<String, String> config) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(rest + "/connectors/" + name + "/config"))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(config))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IOException("PUT connector " + name + ": " + r.statusCode() + " " + r.body());
        }
    }

    /** Deletes a connector; its tasks stop. */
    void deleteConnector(String name) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(rest + "/connectors/" + name))
                .timeout(Duration.ofSeconds(60)).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IOException("DELETE connector " + name + ": " + r.statusCode() + " " + r.body());
        }
    }

    /** Waits until the connector and {@code tasks} tasks run. */
    void awaitRunning(String name, int tasks) throws Exception {
        long end = System.currentTimeMillis() + 90_000;
        String last = "";
        while (System.currentTimeMillis() < end) {
            try {
                JsonNode s = get("/connectors/" + name + "/status");
                last = s.toString();
                int running = 0;
                for (JsonNode t : s.path("tasks")) {
                    if ("FAILED".equals(t.path("state").asText())) {
                        throw new IllegalStateException("task failed: " + t.path("trace").asText());
                    }
                    if ("RUNNING".equals(t.path("state").asText())) {
                        running++;
                    }
                }
                if ("RUNNING".equals(s.path("connector").path("state").asText()) && running == tasks) {
                    return;
                }
            } catch (IOException notYet) {
                last = notYet.getMessage();
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(name + " not running with " + tasks + " tasks: " + last + "\n" + logTail());
    }

    /** Kills the worker with SIGKILL: no shutdown hook, no final commit. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    String logTail() {
        try (InputStream in = Files.newInputStream(log)) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return text.substring(Math.max(0, text.length() - 6_000));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}

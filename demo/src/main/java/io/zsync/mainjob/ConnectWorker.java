package io.zsync.mainjob;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.kafka.connect.cli.ConnectStandalone;
import org.apache.kafka.connect.runtime.Connect;

/**
 * A standalone Connect worker in this JVM whose {@code plugin.path} holds the unzipped plugin archive,
 * so the bridge and the transforms load from the archive through Connect's plugin class loader, as on
 * any worker. Connectors are created and watched through its REST API.
 */
final class ConnectWorker implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Connect<?> connect;
    private final URI rest;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private ConnectWorker(Connect<?> connect) {
        this.connect = connect;
        this.rest = connect.rest().advertisedUrl();
    }

    /**
     * Unzips the archive into {@code pluginDir} and starts a worker.
     *
     * @param workerProps the worker's settings; bootstrap.servers, listeners, plugin.path and the offsets
     *                    file are replaced
     */
    static ConnectWorker start(Map<String, String> workerProps, String bootstrapServers, Path archive, Path workDir)
            throws IOException {
        Path pluginDir = workDir.resolve("plugins");
        unzip(archive, pluginDir);
        Map<String, String> props = new HashMap<>(workerProps);
        props.put("bootstrap.servers", bootstrapServers);
        props.put("listeners", "http://localhost:0");
        props.put("plugin.path", pluginDir.toAbsolutePath().toString());
        Path offsets = workDir.resolve("connect.offsets");
        Files.deleteIfExists(offsets);
        props.put("offset.storage.file.filename", offsets.toAbsolutePath().toString());
        return new ConnectWorker(new ConnectStandalone().startConnect(props));
    }

    /** The worker's REST address. */
    URI rest() {
        return rest;
    }

    /** Creates (or updates) a connector and waits until it and {@code tasks} tasks run. */
    void runConnector(String name, Map<String, String> config, int tasks, Duration timeout) throws Exception {
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(rest.resolve("/connectors/" + name + "/config"))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(config))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (put.statusCode() >= 300) {
            throw new IllegalStateException("Connect refused connector " + name + ": " + put.body());
        }
        long until = System.nanoTime() + timeout.toNanos();
        Status last = null;
        while (System.nanoTime() < until) {
            last = status(name);
            if (last.running(tasks)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("connector " + name + " did not run " + tasks + " tasks within "
                + timeout.toSeconds() + " s; last status: " + last);
    }

    /**
     * A connector's state and its tasks' ({@code GET /connectors/<name>/status}).
     *
     * @param connector the connector's state, {@code UNKNOWN} before the worker reports one
     * @param tasks     each task's state, in task order
     */
    record Status(String name, String connector, List<String> tasks) {
        /** Whether the connector and at least {@code wanted} of its tasks are RUNNING. */
        boolean running(int wanted) {
            return "RUNNING".equals(connector) && tasks.stream().filter("RUNNING"::equals).count() >= wanted;
        }

        /** {@code RUNNING, tasks RUNNING, RUNNING} */
        String detail() {
            return connector + ", tasks " + (tasks.isEmpty() ? "none yet" : String.join(", ", tasks));
        }

        @Override
        public String toString() {
            return name + " " + detail();
        }
    }

    /**
     * The connector's status.
     *
     * @throws IllegalStateException when the connector or one of its tasks FAILED, with the worker's trace
     */
    Status status(String name) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(rest.resolve("/connectors/" + name + "/status"))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            return new Status(name, "UNKNOWN (HTTP " + r.statusCode() + ")", List.of());
        }
        JsonNode s = JSON.readTree(r.body());
        if ("FAILED".equals(s.path("connector").path("state").asText())) {
            throw new IllegalStateException("connector " + name + " failed: " + s.path("connector").path("trace").asText());
        }
        List<String> tasks = new ArrayList<>();
        for (JsonNode task : s.path("tasks")) {
            if ("FAILED".equals(task.path("state").asText())) {
                throw new IllegalStateException("task " + task.path("id").asText() + " of " + name + " failed: "
                        + task.path("trace").asText());
            }
            tasks.add(task.path("state").asText());
        }
        return new Status(name, s.path("connector").path("state").asText("UNKNOWN"), tasks);
    }

    /**
     * The worker's validation of a connector config ({@code PUT /connector-plugins/<class>/config/validate}).
     *
     * @return one "key: message" per error; empty when the config is valid
     */
    List<String> validate(Map<String, String> config) throws Exception {
        String type = config.get("connector.class");
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                rest.resolve("/connector-plugins/" + type + "/config/validate"))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(config))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) {
            return List.of("connector.class: " + type + ": " + r.body());
        }
        List<String> errors = new ArrayList<>();
        for (JsonNode c : JSON.readTree(r.body()).path("configs")) {
            for (JsonNode e : c.path("value").path("errors")) {
                errors.add(c.path("value").path("name").asText() + ": " + e.asText());
            }
        }
        return errors;
    }

    @Override
    public void close() {
        connect.stop();
        connect.awaitStop();
    }

    private static void unzip(Path archive, Path dir) throws IOException {
        if (!Files.isRegularFile(archive)) {
            throw new IOException("no plugin archive at " + archive.toAbsolutePath() + ": build it with mvn package");
        }
        Files.createDirectories(dir);
        Path root = dir.toAbsolutePath().normalize();
        try (InputStream in = Files.newInputStream(archive); ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                Path target = root.resolve(e.getName()).normalize();
                if (!target.startsWith(root)) {
                    throw new IOException("archive entry " + e.getName() + " points outside " + root);
                }
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(zip, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}

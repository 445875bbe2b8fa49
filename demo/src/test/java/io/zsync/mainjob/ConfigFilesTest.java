package io.zsync.mainjob;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zsync.connector.RealtimeBridgeSourceConnector;
import io.zsync.connector.bridge.BridgeConfig;
import io.zsync.processors.ZsyncStreams;
import io.zsync.processors.app.ZsyncAppConfig;
import io.zsync.processors.app.ZsyncStreamsApp;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.runtime.standalone.StandaloneConfig;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The files under {@code config/} and what {@code docker-compose.yml} mounts: no Docker engine runs
 * here, so the compose file is parsed and every config it mounts is checked to exist and to pass the
 * ConfigDefs of the part that reads it, with the overrides its command passes.
 */
class ConfigFilesTest {
    private static final Path ROOT = Path.of(System.getProperty("zsync.root", ".."));
    private static final String VERSION = System.getProperty("zsync.version", "");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+):-([^}]*)}");

    @Test
    void everyConfigTheComposeFileMountsExistsAndIsValidForItsPart() throws IOException {
        Map<String, Object> compose;
        try (InputStream in = Files.newInputStream(ROOT.resolve("docker-compose.yml"))) {
            compose = new Yaml().load(in);
        }
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose.get("services");
        assertEquals(List.of("kafka", "topics", "connect", "streams"), new ArrayList<>(services.keySet()));

        List<String> checked = new ArrayList<>();
        for (Map.Entry<String, Map<String, Object>> service : services.entrySet()) {
            Map<String, String> mounts = mounts(service.getValue());
            List<String> command = command(service.getValue());
            for (Map.Entry<String, String> mount : mounts.entrySet()) {
                String source = mount.getKey();
                Path file = ROOT.resolve(source);
                if (source.startsWith("./config/")) {
                    assertTrue(Files.isRegularFile(file), service.getKey() + " mounts " + source + ", which does not exist");
                    assertTrue(command.contains(mount.getValue()), service.getKey() + " mounts " + source
                            + " at " + mount.getValue() + " but its command does not read it: " + command);
                    validate(file, overrides(command, mount.getValue()), mounts);
                    checked.add(source);
                } else {
                    // A build output: the name the build gives it, there once mvn package ran.
                    assertTrue(source.equals("./connector/target/zsync-connector-" + VERSION)
                            || source.equals("./streams-app/target/app")
                            || source.equals("./streams-app/target/zsync-streams-app-" + VERSION + ".jar"),
                            service.getKey() + " mounts " + source + ", which the build does not make");
                    if (Files.exists(ROOT.resolve("connector/target/zsync-connector-" + VERSION + ".zip"))) {
                        assertTrue(Files.exists(file), source + " is missing although the build ran");
                    }
                }
            }
        }
        assertEquals(List.of("./config/connect-standalone.properties", "./config/connect-bridge.properties",
                "./config/streams-app.properties"), checked);
    }

    @Test
    void everyExampleFileUnderConfigPassesItsConfigDef() throws IOException {
        new MainJobConfig(load(ROOT.resolve("config/main-job.properties")));
        validate(ROOT.resolve("config/connect-standalone.properties"), Map.of(), Map.of());
        validate(ROOT.resolve("config/connect-bridge.properties"), Map.of(), Map.of());
        // The file's bootstrap.servers=embedded is the Streams app's own; StreamsConfig needs host:port.
        validate(ROOT.resolve("config/streams-app.properties"), Map.of("bootstrap.servers", "localhost:9092"), Map.of());
    }

    /** Issue 21: the main job's pipeline runs with low_latency, the bridge's producer included. */
    @Test
    void theMainJobsPipelineRunsWithLowLatency() throws IOException {
        Map<String, String> app = load(ROOT.resolve("config/streams-app.properties"));
        app.put("bootstrap.servers", "localhost:9092");
        StreamsConfig streams = new StreamsConfig(ZsyncStreamsApp.streamsSettings(app));
        assertEquals("low_latency", app.get("zsync.preset"));
        assertEquals("0", String.valueOf(streams.getProducerConfigs("c").get("linger.ms")));
        assertEquals(10L, streams.getLong(StreamsConfig.POLL_MS_CONFIG));
        Map<String, String> bridge = load(ROOT.resolve("config/connect-bridge.properties"));
        assertEquals("low_latency", bridge.get("zsync.preset"));
        BridgeConfig config = new BridgeConfig(bridge);
        assertEquals(0L, config.producerLingerMs(), "the worker's producer, through the connector's override");
        assertEquals("50", String.valueOf(config.sourceConsumerSettings("c").get("fetch.max.wait.ms")));
    }

    @Test
    void aBadMainJobValueNamesTheKeyAndTheAllowedValues() {
        ConfigException e = assertThrows(ConfigException.class, () -> new MainJobConfig(
                Map.of(MainJobConfig.PRIORITY_MIX_CONFIG, "URGENT:5,LOW:1")));
        assertTrue(e.getMessage().contains(MainJobConfig.PRIORITY_MIX_CONFIG), e.getMessage());
        assertTrue(e.getMessage().contains("LOW, NORMAL, HIGH, CRITICAL"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> new MainJobConfig(Map.of(MainJobConfig.DURATION_CONFIG, "10")));
        assertTrue(e.getMessage().contains(MainJobConfig.DURATION_CONFIG), e.getMessage());
    }

    /** Checks a file with the ConfigDefs of the part that reads it, after the command's overrides. */
    private static void validate(Path file, Map<String, String> overrides, Map<String, String> mounts) throws IOException {
        Map<String, String> props = load(file);
        props.putAll(overrides);
        String name = file.getFileName().toString();
        switch (name) {
            case "connect-standalone.properties" -> {
                new StandaloneConfig(props);
                if (!mounts.isEmpty()) {
                    assertTrue(mounts.containsValue(props.get("plugin.path")), "plugin.path " + props.get("plugin.path")
                            + " is where the plugin is mounted");
                }
            }
            case "connect-bridge.properties" -> {
                Config result = new RealtimeBridgeSourceConnector().validate(props);
                for (ConfigValue v : result.configValues()) {
                    assertTrue(v.errorMessages().isEmpty(), name + ": " + v.name() + ": " + v.errorMessages());
                }
                for (String alias : props.getOrDefault("transforms", "").split(",")) {
                    if (alias.isBlank()) {
                        continue;
                    }
                    String prefix = "transforms." + alias.trim() + ".";
                    Transformation<?> t = transformation(props.get(prefix + "type"));
                    Map<String, String> own = new HashMap<>();
                    props.forEach((k, v) -> {
                        if (k.startsWith(prefix) && !k.equals(prefix + "type")) {
                            own.put(k.substring(prefix.length()), v);
                        }
                    });
                    t.config().parse(own);
                }
            }
            case "streams-app.properties" -> {
                ZsyncAppConfig app = new ZsyncAppConfig(props);
                ZsyncStreams.validate(props);
                // What the app hands Kafka Streams: the file's settings with its preset's under them.
                new StreamsConfig(ZsyncStreamsApp.streamsSettings(props));
                assertFalse(app.inputTopics().isEmpty());
            }
            default -> throw new AssertionError("no check for " + name);
        }
    }

    private static Transformation<?> transformation(String type) {
        try {
            return (Transformation<?>) Class.forName(type).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("transform class " + type + " does not load", e);
        }
    }

    /** Mount source (with ${VAR:-default} resolved to the default) to mount target, in order. */
    private static Map<String, String> mounts(Map<String, Object> service) {
        Map<String, String> out = new LinkedHashMap<>();
        Object volumes = service.get("volumes");
        if (volumes == null) {
            return out;
        }
        for (Object v : (List<?>) volumes) {
            Matcher m = VARIABLE.matcher(v.toString());
            StringBuilder resolved = new StringBuilder();
            while (m.find()) {
                assertEquals("ZSYNC_VERSION", m.group(1));
                assertEquals(VERSION, m.group(2), "the compose file's default version is the build's");
                m.appendReplacement(resolved, Matcher.quoteReplacement(m.group(2)));
            }
            m.appendTail(resolved);
            String[] parts = resolved.toString().split(":");
            out.put(parts[0], parts[1]);
        }
        return out;
    }

    private static List<String> command(Map<String, Object> service) {
        Object c = service.get("command");
        List<String> out = new ArrayList<>();
        if (c instanceof List<?> list) {
            list.forEach(x -> out.add(x.toString()));
        }
        return out;
    }

    /** The key=value arguments that follow a properties file in a command (the Streams app's overrides). */
    private static Map<String, String> overrides(List<String> command, String file) {
        Map<String, String> out = new HashMap<>();
        for (int i = command.indexOf(file) + 1; i < command.size(); i++) {
            String arg = command.get(i);
            int eq = arg.indexOf('=');
            if (eq > 0 && !arg.startsWith("-") && !arg.startsWith("/")) {
                out.put(arg.substring(0, eq), arg.substring(eq + 1));
            }
        }
        return out;
    }

    private static Map<String, String> load(Path file) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        }
        Map<String, String> m = new HashMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
        return m;
    }
}

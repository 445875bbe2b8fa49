package io.zsync.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.connector.policy.AllConnectorClientConfigOverridePolicy;
import org.apache.kafka.connect.runtime.Worker;
import org.apache.kafka.connect.runtime.isolation.Plugins;
import org.apache.kafka.connect.runtime.rest.entities.ConfigInfo;
import org.apache.kafka.connect.runtime.rest.entities.ConfigInfos;
import org.apache.kafka.connect.runtime.standalone.StandaloneConfig;
import org.apache.kafka.connect.runtime.standalone.StandaloneHerder;
import org.apache.kafka.connect.storage.HeaderConverter;
import org.apache.kafka.connect.storage.MemoryOffsetBackingStore;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.predicates.Predicate;
import org.apache.kafka.connect.util.FutureCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a plugin's {@code configure()} refuses, Connect's {@code config/validate} reports, on the same key:
 * for every transform, predicate and header converter the plugin lists in {@code META-INF/services}, over
 * bad and good settings, through the herder's own validation (a standalone herder on a worker that needs
 * no broker) with a stock connector whose config names the plugin as Connect users do
 * ({@code transforms.x.type=...}, {@code predicates.p.type=...}, {@code header.converter=...}).
 */
class ValidateAgreesWithConfigureTest {
    private static final Path SERVICES = Path.of("src/main/resources/META-INF/services");
    private static final String CONNECTOR = "org.apache.kafka.connect.file.FileStreamSourceConnector";
    /** "Invalid value V for configuration KEY: ..." or "Missing required configuration "KEY" ...". */
    private static final Pattern NAMED_KEY = Pattern.compile("for configuration (\\S+?):|configuration \"([^\"]+)\"");

    private static Worker worker;
    private static StandaloneHerder herder;

    /** A worker config that needs no broker: the cluster id is what a broker would have said. */
    private static final class NoBrokerConfig extends StandaloneConfig {
        NoBrokerConfig(Map<String, String> props) {
            super(props);
        }

        @Override
        public String kafkaClusterId() {
            return "validate-test";
        }
    }

    @BeforeAll
    static void startHerder(@org.junit.jupiter.api.io.TempDir Path dir) {
        Map<String, String> props = new HashMap<>();
        props.put("bootstrap.servers", "localhost:9");
        props.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        props.put("value.converter", "org.apache.kafka.connect.storage.StringConverter");
        props.put("offset.storage.file.filename", dir.resolve("offsets").toString());
        // The plugins on the test classpath, ours and Kafka's, found through their service manifests.
        props.put("plugin.discovery", "service_load");
        NoBrokerConfig config = new NoBrokerConfig(props);
        Plugins plugins = new Plugins(props);
        AllConnectorClientConfigOverridePolicy policy = new AllConnectorClientConfigOverridePolicy();
        MemoryOffsetBackingStore offsets = new MemoryOffsetBackingStore() {
            @Override
            public Set<Map<String, Object>> connectorPartitions(String connectorName) {
                return Set.of();
            }
        };
        worker = new Worker("validate-test", Time.SYSTEM, plugins, config, offsets, policy);
        herder = new StandaloneHerder(worker, "validate-test", policy);
    }

    @AfterAll
    static void stopHerder() {
        if (herder != null) {
            herder.stop();
        }
    }

    /** The settings tried per plugin class: bad ones, good ones, and the row values. */
    private static Map<String, List<Map<String, String>>> cases() {
        Map<String, List<Map<String, String>>> cases = new LinkedHashMap<>();
        cases.put("io.zsync.connector.transforms.RateLimit", List.of(
                Map.of(),                                                  // row h: neither rate nor bytes.rate
                Map.of("rate", "0", "bytes.rate", "0"),
                Map.of("rate", "10"),
                Map.of("bytes.rate", "1000"),
                Map.of("rate", "-1"),
                Map.of("rate", "abc"),
                Map.of("rate", "1000000001"),
                Map.of("rate", "1", "burst", "0"),
                Map.of("rate", "1", "burst", "abc"),
                Map.of("rate", "10", "burst", "5"),
                Map.of("bytes.rate", "10", "burst", "5"),
                Map.of("rate", "1", "scope", "cluster"),
                Map.of("rate", "100", "scope", "connector"),               // without tasks.max
                Map.of("rate", "100", "scope", "connector", "tasks.max", "4"),
                Map.of("rate", "3", "scope", "connector", "tasks.max", "4"),
                Map.of("bytes.rate", "3", "scope", "connector", "tasks.max", "4"),
                Map.of("rate", "8", "burst", "3", "scope", "connector", "tasks.max", "4"),
                Map.of("rate", "8", "burst", "-1", "scope", "Connector", "tasks.max", "4"),
                Map.of("rate", "1", "tasks.max", "0"),
                Map.of("rate", "1", "tasks.max", "x"),
                Map.of("rate", "5", "tasks.max", "100"),
                Map.of("rate", "1000000000", "burst", "1000000000", "bytes.rate", "1000000000", "scope", "connector",
                        "tasks.max", "1000000000"),
                Map.of("scope", "connector")));
        cases.put("io.zsync.connector.transforms.SetPriority", List.of(
                Map.of(), Map.of("priority", "high"), Map.of("priority", "URGENT"), Map.of("priority", " Critical ")));
        cases.put("io.zsync.connector.transforms.SetDeadline", List.of(
                Map.of(), Map.of("ttl.ms", "0"), Map.of("ttl.ms", "1"), Map.of("ttl.ms", "3153600000000"),
                Map.of("ttl.ms", "3153600000001"), Map.of("ttl.ms", "x"), Map.of("ttl.ms", "9223372036854775807")));
        List<Map<String, String>> xor = List.of(Map.of(), Map.of("key.hex", "5a3c0f"), Map.of("key.hex", "abc"),
                Map.of("key.hex", "zz"), Map.of("key.hex", ""));
        cases.put("io.zsync.connector.transforms.XorMask$Key", xor);
        cases.put("io.zsync.connector.transforms.XorMask$Value", xor);
        cases.put("io.zsync.connector.transforms.Checksum", List.of(
                Map.of(), Map.of("verify", "true"), Map.of("verify", "maybe")));
        cases.put("io.zsync.connector.predicates.Expired", List.of(
                Map.of(), Map.of("ttl.ms", "1000"), Map.of("ttl.ms", "9223372036854775807"), Map.of("ttl.ms", "-1"),
                Map.of("ttl.ms", "x")));
        cases.put("io.zsync.connector.converters.ZsyncHeaderConverter", List.of(
                Map.of(), Map.of("unknown.key", "1")));
        return cases;
    }

    /** Every plugin class the services files list, but the bridge connector (not this issue's). */
    private static List<String> listedPlugins() throws IOException {
        List<String> classes = new ArrayList<>();
        try (var files = Files.list(SERVICES)) {
            for (Path file : files.sorted().toList()) {
                for (String line : Files.readAllLines(file)) {
                    String name = line.trim();
                    if (!name.isEmpty() && !name.startsWith("#")
                            && !name.equals(RealtimeBridgeSourceConnector.class.getName())) {
                        classes.add(name);
                    }
                }
            }
        }
        return classes;
    }

    @Test
    void everyListedPluginRefusesInConfigureExactlyWhatValidateReportsOnTheSameKey() throws Exception {
        List<String> plugins = listedPlugins();
        Map<String, List<Map<String, String>>> cases = cases();
        assertEquals(new java.util.TreeSet<>(plugins), new java.util.TreeSet<>(cases.keySet()),
                "every listed plugin needs cases here");
        int refused = 0;
        for (String plugin : plugins) {
            for (Map<String, String> settings : cases.get(plugin)) {
                String what = plugin + " " + settings;
                Map<String, List<String>> errors = validate(plugin, settings);
                ConfigException thrown = configure(plugin, settings);
                if (thrown == null) {
                    assertTrue(errors.isEmpty(), what + ": configure accepts it, validate reports " + errors);
                    continue;
                }
                refused++;
                assertFalse(errors.isEmpty(), what + ": configure refuses it (" + thrown.getMessage()
                        + "), validate reports nothing");
                String key = namedKey(thrown);
                assertTrue(errors.containsKey(key), what + ": configure names " + key + " (" + thrown.getMessage()
                        + "), validate reports " + errors);
            }
        }
        assertTrue(refused > 20, "the cases hold bad settings: " + refused);
    }

    @Test
    void theRowValueRateLimitWithNothingSetIsReportedByValidateOnRate() throws Exception {
        Map<String, List<String>> errors = validate("io.zsync.connector.transforms.RateLimit", Map.of());
        assertEquals(List.of("rate"), List.copyOf(errors.keySet()));
        assertTrue(errors.get("rate").get(0).contains("bytes.rate"), errors.toString());
    }

    private static String namedKey(ConfigException e) {
        Matcher m = NAMED_KEY.matcher(e.getMessage());
        if (!m.find()) {
            fail("the refusal names no key: " + e.getMessage());
        }
        return m.group(1) != null ? m.group(1) : m.group(2);
    }

    /**
     * Configures a new instance as the worker does: a transform or predicate gets its alias's settings with
     * {@code type} among them, a header converter its {@code header.converter.*} settings and
     * {@code converter.type=header}.
     *
     * @return what it threw, or null
     */
    private static ConfigException configure(String plugin, Map<String, String> settings) throws Exception {
        Object instance = Class.forName(plugin).getDeclaredConstructor().newInstance();
        Map<String, Object> config = new HashMap<>(settings);
        try {
            if (instance instanceof Transformation<?> t) {
                config.put("type", plugin);
                t.configure(config);
            } else if (instance instanceof Predicate<?> p) {
                config.put("type", plugin);
                p.configure(config);
            } else if (instance instanceof HeaderConverter c) {
                config.put("converter.type", "header");
                c.configure(config);
            } else {
                fail(plugin + " is not a transform, predicate or header converter");
            }
        } catch (RuntimeException e) {
            return assertInstanceOf(ConfigException.class, e, plugin + " " + settings + ": configure must refuse"
                    + " with a ConfigException naming the key");
        }
        assertInstanceOf(Versioned.class, instance, plugin);
        return null;
    }

    /**
     * The errors Connect's validate reports on the plugin's own keys, by key without the plugin's prefix,
     * for a FileStreamSourceConnector configured with the plugin.
     */
    private static Map<String, List<String>> validate(String plugin, Map<String, String> settings)
            throws Exception {
        Class<?> type = Class.forName(plugin);
        String prefix;
        Map<String, String> props = new HashMap<>();
        props.put("name", "validate");
        props.put("connector.class", CONNECTOR);
        props.put("tasks.max", "1");
        props.put("topic", "t");
        if (Transformation.class.isAssignableFrom(type)) {
            prefix = "transforms.x.";
            props.put("transforms", "x");
        } else if (Predicate.class.isAssignableFrom(type)) {
            prefix = "predicates.p.";
            props.put("predicates", "p");
        } else {
            prefix = "header.converter.";
            props.put("header.converter", plugin);
        }
        if (!prefix.startsWith("header")) {
            props.put(prefix + "type", plugin);
        }
        settings.forEach((k, v) -> props.put(prefix + k, v));
        FutureCallback<ConfigInfos> result = new FutureCallback<>();
        herder.validateConnectorConfig(props, result);
        ConfigInfos infos = result.get(60, TimeUnit.SECONDS);
        Map<String, List<String>> errors = new TreeMap<>();
        for (ConfigInfo info : infos.configs()) {
            String name = info.configValue().name();
            if (name.startsWith(prefix) && !info.configValue().errors().isEmpty()) {
                errors.put(name.substring(prefix.length()), info.configValue().errors());
            }
            // The connector's own keys must be fine, or a plugin's error could hide among them.
            if (name.equals("name") || name.equals("connector.class") || name.equals("transforms")
                    || name.equals("predicates") || name.equals("header.converter")) {
                assertTrue(info.configValue().errors().isEmpty(), name + ": " + info.configValue().errors());
            }
        }
        return errors;
    }
}

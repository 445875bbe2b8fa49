package io.zsync.mainjob;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.zsync.connector.ConfigReference;
import io.zsync.connector.bridge.BridgeConfig;
import io.zsync.processors.app.ZsyncAppConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.config.ConfigDef;
import org.junit.jupiter.api.Test;

/**
 * {@code config/REFERENCE.md}, every key of every entry point, is generated from the ConfigDefs: this test
 * renders it and fails when the file differs. {@code mvn -pl demo test -Dtest=ConfigReferenceTest
 * -Dzsync.reference.write=true} rewrites it.
 */
class ConfigReferenceTest {
    private static final Path FILE = Path.of(System.getProperty("zsync.root", "..")).resolve("config/REFERENCE.md");

    @Test
    void theReferenceMatchesTheConfigDefs() throws IOException {
        String rendered = render();
        if (Boolean.getBoolean("zsync.reference.write")) {
            Files.writeString(FILE, rendered, StandardCharsets.UTF_8);
        }
        String committed = Files.exists(FILE) ? Files.readString(FILE, StandardCharsets.UTF_8) : "";
        assertEquals(rendered, committed, "config/REFERENCE.md is out of date: run mvn -pl demo test"
                + " -Dtest=ConfigReferenceTest -Dzsync.reference.write=true");
    }

    static String render() {
        StringBuilder out = new StringBuilder();
        out.append("# zsync configuration reference\n\n");
        out.append("Generated from the ConfigDefs by `demo/src/test/java/io/zsync/mainjob/ConfigReferenceTest.java`;"
                + " do not edit. The example files beside it show each entry point in use.\n\n");
        section(out, "Main job (`config/main-job.properties`)", "The main job's own keys.", MainJobConfig.CONFIG_DEF);
        section(out, "Streams app (`config/streams-app.properties`)", "The app's keys; any Kafka Streams setting may"
                + " appear beside them. The `zsync.*` keys of the buffer are shared with the bridge.",
                ZsyncAppConfig.CONFIG_DEF);
        // The plugin archive's own list, so a new transform shows up here and in its doc/ alike.
        for (ConfigReference.Plugin p : ConfigReference.plugins()) {
            boolean connector = p.def() == BridgeConfig.CONFIG_DEF;
            section(out, p.kind() + " `" + p.name() + "`" + (connector ? " (`config/connect-bridge.properties`)" : ""),
                    p.overview() + (connector ? " Besides Connect's own connector keys (name, tasks.max, converters,"
                            + " transforms...)." : ""), p.def());
        }
        return out.toString();
    }

    private static void section(StringBuilder out, String title, String overview, ConfigDef def) {
        out.append("## ").append(title).append("\n\n").append(overview).append("\n\n");
        // Declaration order: groups and their keys as the ConfigDef lists them.
        List<ConfigDef.ConfigKey> keys = new java.util.ArrayList<>(def.configKeys().values());
        if (keys.isEmpty()) {
            out.append("No settings.\n\n");
            return;
        }
        out.append("| key | type | default | allowed values | importance | description |\n");
        out.append("|---|---|---|---|---|---|\n");
        for (ConfigDef.ConfigKey k : keys) {
            out.append("| `").append(k.name).append("` | ").append(k.type.name().toLowerCase(java.util.Locale.ROOT))
                    .append(" | ").append(cell(defaultOf(k))).append(" | ")
                    .append(cell(k.validator == null ? "" : k.validator.toString())).append(" | ")
                    .append(k.importance.name().toLowerCase(java.util.Locale.ROOT)).append(" | ")
                    .append(cell(k.documentation)).append(" |\n");
        }
        out.append('\n');
    }

    private static String defaultOf(ConfigDef.ConfigKey k) {
        if (!k.hasDefault()) {
            return "(required)";
        }
        if (k.defaultValue == null) {
            return "null";
        }
        if (k.type == ConfigDef.Type.PASSWORD) {
            return "[hidden]";
        }
        String text = ConfigDef.convertToString(k.defaultValue, k.type);
        // Machine-dependent defaults (the plugin archive's absolute path) are shown by their meaning.
        return k.name.equals(MainJobConfig.PLUGIN_ARCHIVE_CONFIG) ? "the archive mvn package built" : "\"" + text + "\"";
    }

    private static String cell(String s) {
        return s == null ? "" : s.replace("|", "\\|").replace("\n", " ");
    }
}

package io.zsync.connector;

import io.zsync.connector.bridge.BridgeConfig;
import io.zsync.connector.predicates.Expired;
import io.zsync.connector.transforms.Checksum;
import io.zsync.connector.transforms.RateLimit;
import io.zsync.connector.transforms.SetDeadline;
import io.zsync.connector.transforms.SetPriority;
import io.zsync.connector.transforms.XorMask;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Writes the plugin's configuration reference from its {@link ConfigDef}s, so the archive's {@code doc/}
 * can never disagree with the code. The build runs it before packaging.
 */
public final class ConfigReference {

    private ConfigReference() {
    }

    /**
     * One plugin of the archive in the reference.
     *
     * @param kind     "Source connector", "Transform" or "Predicate"
     * @param name     the class a user configures
     * @param overview what it does
     * @param def      its settings
     */
    public record Plugin(String kind, String name, String overview, ConfigDef def) {
    }

    /** Every plugin of the archive that has settings, in the order the references list them. */
    public static List<Plugin> plugins() {
        return List.of(
                new Plugin("Source connector", RealtimeBridgeSourceConnector.class.getName(), "Moves records from"
                        + " source.topics to target.topic through the zsync engine.", BridgeConfig.CONFIG_DEF),
                new Plugin("Transform", RateLimit.class.getName(), RateLimit.OVERVIEW_DOC, RateLimit.CONFIG_DEF),
                new Plugin("Transform", SetPriority.class.getName(), SetPriority.OVERVIEW_DOC, SetPriority.CONFIG_DEF),
                new Plugin("Transform", SetDeadline.class.getName(), SetDeadline.OVERVIEW_DOC, SetDeadline.CONFIG_DEF),
                new Plugin("Transform", XorMask.class.getName() + "$Key / $Value", XorMask.OVERVIEW_DOC,
                        XorMask.CONFIG_DEF),
                new Plugin("Transform", Checksum.class.getName(), Checksum.OVERVIEW_DOC, Checksum.CONFIG_DEF),
                new Plugin("Predicate", Expired.class.getName(), Expired.OVERVIEW_DOC, Expired.CONFIG_DEF));
    }

    /** The whole reference, as reStructuredText. */
    public static String render() {
        StringBuilder out = new StringBuilder();
        out.append("zsync Kafka Connect plugin ").append(Version.get()).append(": configuration reference\n");
        out.append("=".repeat(80)).append("\n\n");
        out.append("Generated from the plugin's ConfigDefs.\n\n");
        for (Plugin p : plugins()) {
            String title = p.kind() + " " + p.name();
            out.append(title).append('\n').append("-".repeat(title.length())).append("\n\n");
            out.append(p.overview()).append("\n\n");
            out.append(p.def().toEnrichedRst()).append('\n');
        }
        return out.toString();
    }

    /**
     * Writes {@code configuration.rst} into the directory {@code args[0]}.
     *
     * @throws IOException if it cannot be written
     */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : ".");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("configuration.rst"), render(), StandardCharsets.UTF_8);
    }
}

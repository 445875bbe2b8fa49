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
import org.apache.kafka.common.config.ConfigDef;

/**
 * Writes the plugin's configuration reference from its {@link ConfigDef}s, so the archive's {@code doc/}
 * can never disagree with the code. The build runs it before packaging.
 */
public final class ConfigReference {

    private ConfigReference() {
    }

    /** The whole reference, as reStructuredText. */
    public static String render() {
        StringBuilder out = new StringBuilder();
        out.append("zsync Kafka Connect plugin ").append(Version.get()).append(": configuration reference\n");
        out.append("=".repeat(80)).append("\n\n");
        out.append("Generated from the plugin's ConfigDefs.\n\n");
        section(out, RealtimeBridgeSourceConnector.class.getName(), "Source connector: moves records from"
                + " source.topics to target.topic through the zsync engine.", BridgeConfig.CONFIG_DEF);
        section(out, RateLimit.class.getName(), RateLimit.OVERVIEW_DOC, RateLimit.CONFIG_DEF);
        section(out, SetPriority.class.getName(), SetPriority.OVERVIEW_DOC, SetPriority.CONFIG_DEF);
        section(out, SetDeadline.class.getName(), SetDeadline.OVERVIEW_DOC, SetDeadline.CONFIG_DEF);
        section(out, XorMask.class.getName() + "$Key / $Value", XorMask.OVERVIEW_DOC, XorMask.CONFIG_DEF);
        section(out, Checksum.class.getName(), Checksum.OVERVIEW_DOC, Checksum.CONFIG_DEF);
        section(out, Expired.class.getName() + " (predicate)", Expired.OVERVIEW_DOC, Expired.CONFIG_DEF);
        return out.toString();
    }

    private static void section(StringBuilder out, String title, String overview, ConfigDef def) {
        out.append(title).append('\n').append("-".repeat(title.length())).append("\n\n");
        out.append(overview).append("\n\n");
        out.append(def.toEnrichedRst()).append('\n');
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

package io.zsync.connector;

import io.zsync.connector.converters.ZsyncHeaderConverter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.connect.converters.ByteArrayConverter;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.storage.HeaderConverter;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;
import org.apache.kafka.connect.storage.StringConverter;

/**
 * Every header converter a worker may carry zsync's headers through: Kafka's stock ones and ours, each
 * configured as a worker configures its {@code header.converter} ({@code converter.type=header} plus the
 * connector's {@code header.converter.*} settings).
 */
public final class HeaderConverters {
    static final String TOPIC = "topic";

    /**
     * One converter.
     *
     * @param name      for assertion messages
     * @param converter configured
     */
    public record Case(String name, HeaderConverter converter) {
        /** Whether the worker can write a String header through it (ByteArrayConverter takes only bytes). */
        public boolean writesText() {
            return !(converter instanceof ByteArrayConverter);
        }

        /** The bytes a source connector's worker writes for a text header. */
        public byte[] write(String key, String text) {
            return converter.fromConnectHeader(TOPIC, key, Schema.STRING_SCHEMA, text);
        }

        /**
         * The bytes on the wire for a text header: what this converter writes, or for one that cannot write
         * text, the UTF-8 that the others write for a plain string (what a sink reading with it sees).
         */
        public byte[] wire(String key, String text) {
            return writesText() ? write(key, text) : text.getBytes(StandardCharsets.UTF_8);
        }

        /** What a sink connector's worker hands the transforms for {@code wire}. */
        public SchemaAndValue read(String key, byte[] wire) {
            return converter.toConnectHeader(TOPIC, key, wire);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private HeaderConverters() {
    }

    /** All of them, newly configured. */
    public static List<Case> all() {
        return List.of(
                of("SimpleHeaderConverter", SimpleHeaderConverter::new, Map.of()),
                of("StringConverter", StringConverter::new, Map.of()),
                of("ByteArrayConverter", ByteArrayConverter::new, Map.of()),
                of("JsonConverter schemas.enable=true", JsonConverter::new, Map.of("schemas.enable", "true")),
                of("JsonConverter schemas.enable=false", JsonConverter::new, Map.of("schemas.enable", "false")),
                of("ZsyncHeaderConverter", ZsyncHeaderConverter::new, Map.of()));
    }

    private static Case of(String name, Supplier<HeaderConverter> factory, Map<String, String> settings) {
        HeaderConverter c = factory.get();
        Map<String, Object> config = new java.util.HashMap<>(settings);
        config.put("converter.type", "header");
        c.configure(config);
        return new Case(name, c);
    }
}

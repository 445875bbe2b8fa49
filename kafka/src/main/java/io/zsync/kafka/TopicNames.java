package io.zsync.kafka;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.internals.Topic;

/**
 * Topic-name settings checked when they are read, not at the first send: each name by Kafka's own rule
 * ({@link Topic#validate(String)}: 1 to 249 characters of {@code [a-zA-Z0-9._-]}, not {@code .} or
 * {@code ..}), and the topics one part reads and writes as a graph without loops: inputs, output and
 * dead-letter topic pairwise distinct. A dead-letter topic in the inputs would read its own dead letters
 * back, and dead-letter them again, for ever.
 */
public final class TopicNames {
    private static final String RULE = "a topic name: 1 to 249 characters of a-z, A-Z, 0-9, '.', '_' and '-',"
            + " not '.' or '..'";

    private TopicNames() {
    }

    /** A {@code STRING} setting holding one topic name (surrounding blanks are ignored). */
    public static ConfigDef.Validator name() {
        return ConfigDef.LambdaValidator.with((key, value) -> {
            if (value != null) {
                check(key, value.toString().trim());
            }
        }, () -> RULE);
    }

    /** A {@code STRING} setting holding a topic name, or empty for a derived default. */
    public static ConfigDef.Validator nameOrEmpty() {
        return ConfigDef.LambdaValidator.with((key, value) -> {
            String name = value == null ? "" : value.toString().trim();
            if (!name.isEmpty()) {
                check(key, name);
            }
        }, () -> "empty, or " + RULE);
    }

    /** A {@code LIST} setting of one or more topic names; an empty entry ({@code a,,b}, {@code ,}) is refused. */
    public static ConfigDef.Validator list() {
        return ConfigDef.LambdaValidator.with((key, value) -> {
            if (value == null) {
                return; // a missing required key: ConfigDef reports it on its own
            }
            List<?> names = (List<?>) value;
            if (names.isEmpty()) {
                throw new KeyedConfigException(key, value, "must name at least one topic");
            }
            for (Object n : names) {
                String name = n == null ? "" : n.toString().trim();
                if (name.isEmpty()) {
                    throw new KeyedConfigException(key, value, "has an empty entry; list topic names separated by commas");
                }
                check(key, name);
            }
        }, () -> "a comma-separated list of one or more topic names");
    }

    /**
     * Checks one topic name by Kafka's rule.
     *
     * @param key  the setting it came from, for the message
     * @param name the name
     * @throws ConfigException naming {@code key}, the value and the rule
     */
    public static void check(String key, String name) {
        try {
            Topic.validate(name);
        } catch (InvalidTopicException e) {
            throw new KeyedConfigException(key, name, "is not " + RULE + " (" + e.getMessage() + ")");
        }
    }

    private static void collision(String key, String value, String otherKey, String other) {
        collision(key, value, otherKey, other, value);
    }

    private static void collision(String key, String value, String otherKey, String other, String name) {
        if (!name.equals(other) && Topic.hasCollision(name, other)) {
            throw new KeyedConfigException(key, value, "gives the topic '" + name + "', which collides with '" + other
                    + "' (" + otherKey + "): Kafka treats '.' and '_' in topic names as the same and refuses to"
                    + " create one while the other exists");
        }
    }

    /**
     * Checks what one part reads and writes: every name valid (the dead-letter topic too when it is derived
     * from the output, {@code <output>.dlq}), and inputs, output and dead-letter topic pairwise distinct.
     *
     * @param inputsKey the setting naming the inputs
     * @param inputs    the topics read
     * @param outputKey the setting naming the output
     * @param output    the topic delivered records go to
     * @param dlq       the dead-letter topic's effective name: {@code zsync.dlq.topic}, or derived from the output
     * @param dlqDerived whether {@code dlq} was derived ({@code zsync.dlq.topic} empty)
     * @throws ConfigException naming the key whose value makes the graph invalid: for a derived dead-letter
     *                         topic the output's key, whose value it came from
     */
    public static void checkGraph(String inputsKey, Collection<String> inputs, String outputKey, String output,
                                  String dlq, boolean dlqDerived) {
        String dlqKey = dlqDerived ? outputKey : ZsyncConfig.DLQ_TOPIC_CONFIG;
        List<String> in = new ArrayList<>(inputs.size());
        for (String t : inputs) {
            check(inputsKey, t);
            in.add(t);
        }
        check(outputKey, output);
        if (dlqDerived) {
            try {
                Topic.validate(dlq);
            } catch (InvalidTopicException e) {
                throw new KeyedConfigException(outputKey, output, "gives the dead-letter topic name '" + dlq + "', which"
                        + " is not " + RULE + "; set " + ZsyncConfig.DLQ_TOPIC_CONFIG + " to a valid name");
            }
        } else {
            check(dlqKey, dlq);
        }
        if (in.contains(output)) {
            throw new KeyedConfigException(outputKey, output, "must not be one of the input topics (" + inputsKey + "="
                    + String.join(",", in) + "): the part would read what it writes");
        }
        if (in.contains(dlq)) {
            String inputsText = inputsKey + "=" + String.join(",", in);
            if (dlqDerived) {
                throw new KeyedConfigException(outputKey, output, "gives the dead-letter topic '" + dlq + "', which is one"
                        + " of the input topics (" + inputsText + "): dead letters would be read and dead-lettered"
                        + " again, for ever; set " + ZsyncConfig.DLQ_TOPIC_CONFIG + " to another topic");
            }
            throw new KeyedConfigException(dlqKey, dlq, "must not be one of the input topics (" + inputsText + "): dead"
                    + " letters would be read and dead-lettered again, for ever");
        }
        if (dlq.equals(output)) {
            throw new KeyedConfigException(ZsyncConfig.DLQ_TOPIC_CONFIG, dlq, "must differ from the output topic ("
                    + outputKey + "): dead letters would be mixed with delivered records");
        }
        // Kafka refuses to create a topic whose name differs from an existing one only by '.' against '_'
        // (their metric names would collide): such a pair would fail at the first send, maybe days later.
        for (String t : in) {
            collision(outputKey, output, inputsKey, t);
            collision(dlqKey, dlqDerived ? output : dlq, inputsKey, t, dlq);
        }
        collision(dlqKey, dlqDerived ? output : dlq, outputKey, output, dlq);
    }
}

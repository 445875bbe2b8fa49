package io.zsync.processors;

import io.zsync.kafka.ZsyncConfig;
import io.zsync.stream.Backpressure;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
import org.apache.kafka.streams.errors.LogAndFailProcessingExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;

/**
 * One call to put zsync into a Kafka Streams application.
 *
 * <pre>{@code
 * // DSL: input topics -> realtime buffer -> output topic, dead letters -> zsync.dlq.topic
 * StreamsBuilder builder = new StreamsBuilder();
 * ZsyncStreams.route(builder, List.of("orders", "audit"), "deliveries", zsyncSettings);
 *
 * // DSL, mid-topology: keep both branches
 * ZsyncStreams.Branches b = ZsyncStreams.realtime(stream, zsyncSettings);
 * b.output().to("deliveries");
 *
 * // Processor API
 * ZsyncStreams.addTo(topology, ZsyncStreams.processor("zsync", zsyncSettings), List.of("orders"), "deliveries");
 * }</pre>
 */
public final class ZsyncStreams {
    private static final int CONSUMER_DEFAULT_MAX_POLL_INTERVAL_MS = 300_000;
    private static final int PRODUCER_DEFAULT_MAX_REQUEST_SIZE = 1_048_576;
    /** The producer's {@code transaction.timeout.ms} Kafka Streams sets under exactly-once ({@code StreamsConfig}). */
    static final int EOS_DEFAULT_TRANSACTION_TIMEOUT_MS = 10_000;
    /** The producer's {@code linger.ms} Kafka Streams sets unless told otherwise ({@code StreamsConfig}'s producer defaults). */
    public static final long STREAMS_DEFAULT_LINGER_MS = 100;
    /** Where Kafka Streams takes the producer's {@code linger.ms} from, first match wins. */
    private static final String[] LINGER_KEYS = {StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG),
            ProducerConfig.LINGER_MS_CONFIG};
    /** Kafka Streams' default {@code poll.ms} ({@code StreamsConfig}). */
    static final long STREAMS_DEFAULT_POLL_MS = 100;

    private ZsyncStreams() {
    }

    /** The delivered records and the dead letters of a {@link #realtime} stream. */
    public record Branches(KStream<byte[], byte[]> output, KStream<byte[], byte[]> deadLetters) {
    }

    /**
     * A realtime processor whose children are named {@code name + "-output"} and {@code name + "-dlq"}.
     *
     * @throws ConfigException if a {@code zsync.*} setting is invalid, naming the key and the allowed values
     */
    public static RealtimeProcessor processor(String name, Map<String, ?> zsync) {
        return new RealtimeProcessor(name, zsync, name + "-output", name + "-dlq");
    }

    /**
     * Adds to a Processor API topology: a byte-array source over {@code inputTopics}, {@code processor} (with
     * its buffer store) and two sinks, named as the processor's children, to {@code outputTopic} and to the
     * dead-letter topic ({@code zsync.dlq.topic}, by default {@code outputTopic + ".dlq"}).
     *
     * @return {@code topology}
     */
    public static Topology addTo(Topology topology, RealtimeProcessor processor, Collection<String> inputTopics,
                                 String outputTopic) {
        return addTo(topology, processor, inputTopics, outputTopic, List.of());
    }

    /**
     * As {@link #addTo(Topology, RealtimeProcessor, Collection, String)}, with {@code transforms} applied in
     * order to delivered records before the output sink (the first one takes the processor's output
     * child name).
     *
     * @return {@code topology}
     */
    public static Topology addTo(Topology topology, RealtimeProcessor processor, Collection<String> inputTopics,
                                 String outputTopic,
                                 List<ProcessorSupplier<byte[], byte[], byte[], byte[]>> transforms) {
        processor.config().checkTopics("inputTopics", inputTopics, "outputTopic", outputTopic);
        String source = processor.name() + "-source";
        topology.addSource(source, new ByteArrayDeserializer(), new ByteArrayDeserializer(),
                inputTopics.toArray(new String[0]));
        RealtimeProcessor wired = processor.inputTopics().isEmpty() ? processor.withInputTopics(inputTopics) : processor;
        topology.addProcessor(processor.name(), wired.outputTopic() == null ? wired.withOutputTopic(outputTopic) : wired,
                source);
        String parent = processor.name();
        String node = processor.outputChild();
        for (int i = 0; i < transforms.size(); i++) {
            topology.addProcessor(node, transforms.get(i), parent);
            parent = node;
            node = processor.name() + "-transform-" + (i + 2);
        }
        topology.addSink(node, outputTopic, new ByteArraySerializer(), new ByteArraySerializer(), parent);
        topology.addSink(processor.deadLetterChild(), processor.config().dlqTopic(outputTopic),
                new ByteArraySerializer(), new ByteArraySerializer(), processor.name());
        return topology;
    }

    /**
     * Passes {@code input} through a realtime buffer named {@value RealtimeProcessor#DEFAULT_NAME}.
     *
     * @see #realtime(KStream, String, Map)
     */
    public static Branches realtime(KStream<byte[], byte[]> input, Map<String, ?> zsync) {
        return realtime(input, RealtimeProcessor.DEFAULT_NAME, zsync);
    }

    /**
     * Passes {@code input} through a realtime buffer (its store is added with it) and splits the result
     * into delivered records and dead letters, which carry the {@code zsync.dlq.reason} header.
     *
     * @param input byte-array records
     * @param name  the processor's name, unique in the topology
     * @param zsync the {@code zsync.*} settings
     * @return the two branches
     */
    public static Branches realtime(KStream<byte[], byte[]> input, String name, Map<String, ?> zsync) {
        return realtime(input, name, zsync, List.of());
    }

    /**
     * As {@link #realtime(KStream, String, Map)}, naming the source topics that feed {@code input}, which
     * {@code zsync.rate.scope=application} needs to divide the rate among tasks.
     *
     * @param inputTopics the source topics of {@code input}'s sub-topology
     * @throws ConfigException if {@code zsync.rate.scope=application} and {@code inputTopics} is empty
     */
    public static Branches realtime(KStream<byte[], byte[]> input, String name, Map<String, ?> zsync,
                                    Collection<String> inputTopics) {
        // The processor forwards to these two nodes by name: the split never looks at a header.
        return realtime(input, new RealtimeProcessor(name, zsync, name + "-delivered", name + "-dead-letters")
                .withInputTopics(inputTopics));
    }

    private static Branches realtime(KStream<byte[], byte[]> input, RealtimeProcessor processor) {
        // Checked here as well as when the topology is built, so the error points at this call.
        processor.stores();
        KStream<byte[], byte[]> all = input.process(processor, Named.as(processor.name()));
        KStream<byte[], byte[]> dead = all.processValues(PassThrough::new, Named.as(processor.deadLetterChild()));
        KStream<byte[], byte[]> out = all.processValues(PassThrough::new, Named.as(processor.outputChild()));
        return new Branches(out, dead);
    }

    /**
     * The whole job in one call: reads {@code inputTopics} as bytes, passes them through a realtime buffer
     * and writes delivered records to {@code outputTopic} and dead letters to {@code zsync.dlq.topic}.
     *
     * @return {@code builder}
     */
    public static StreamsBuilder route(StreamsBuilder builder, Collection<String> inputTopics, String outputTopic,
                                       Map<String, ?> zsync) {
        ZsyncConfig config = new ZsyncConfig(zsync);
        config.checkTopics("inputTopics", inputTopics, "outputTopic", outputTopic);
        KStream<byte[], byte[]> input = builder.stream(inputTopics, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()));
        Branches b = realtime(input, new RealtimeProcessor(RealtimeProcessor.DEFAULT_NAME, zsync,
                RealtimeProcessor.DEFAULT_NAME + "-delivered", RealtimeProcessor.DEFAULT_NAME + "-dead-letters")
                .withInputTopics(inputTopics).withOutputTopic(outputTopic));
        Produced<byte[], byte[]> bytes = Produced.with(Serdes.ByteArray(), Serdes.ByteArray());
        b.output().to(outputTopic, bytes);
        b.deadLetters().to(config.dlqTopic(outputTopic), bytes);
        return builder;
    }

    /**
     * Checks the {@code zsync.*} settings against the Streams settings they run under, as the realtime
     * processor does itself when its task initialises (so calling this is optional: it reports the same
     * errors before the app starts). The rules, all about a task blocked for {@code zsync.block.max.ms}:
     * <ul>
     *   <li>{@code zsync.block.max.ms} must be below {@code max.poll.interval.ms} (consumer default
     *       300,000), or the consumer group takes the blocked task for dead and rebalances it away. This
     *       holds whatever {@code zsync.backpressure} is.</li>
     *   <li>With {@code processing.guarantee=exactly_once_v2} and {@code zsync.backpressure=block}, it must
     *       also be below the producer's {@code transaction.timeout.ms} as Streams sets it
     *       ({@code producer.transaction.timeout.ms}, else {@code transaction.timeout.ms}, else 10,000, Kafka
     *       Streams' default under exactly-once), or the transaction times out while a send blocks: the
     *       producer is fenced and the task migrates instead of failing with zsync's error. An explicit
     *       {@code zsync.block.max.ms} that is not below it is refused. The default (10,000, equal to that
     *       transaction timeout) is not refused: the processor waits at most half the transaction timeout
     *       instead and logs so at INFO, leaving the other half to the rest of the transaction.</li>
     * </ul>
     * It also resolves the deadline margin ({@link #deadlineMarginMs}), so a {@code linger.ms} that is not a
     * number is reported here, naming its key.
     *
     * @param streamsSettings every setting of the Streams app, {@code zsync.*} keys included
     * @throws ConfigException naming {@code zsync.block.max.ms} and the setting it conflicts with, and the
     *                         allowed range
     */
    public static void validate(Map<?, ?> streamsSettings) {
        checkProcessingExceptionHandler(streamsSettings);
        ZsyncConfig zsync = new ZsyncConfig(streamsSettings);
        blockMaxMs(zsync, streamsSettings);
        deadlineMarginMs(zsync, streamsSettings);
    }

    /**
     * How far ahead of its deadline a record must be for a task of {@code zsync} to release it to the
     * producer (else it is dead-lettered {@code EXPIRED}): {@code zsync.deadline.margin.ms} if set, else the
     * producer's {@code linger.ms} ({@link #producerLingerMs}) plus
     * {@value ZsyncConfig#DEADLINE_SEND_ALLOWANCE_MS} ms. The producer holds a record for up to its
     * {@code linger.ms} after {@code send}, and the broker's append time is what "delivered" means, so a
     * record released with less than that to go could reach the broker after its deadline.
     *
     * @param zsync           the processor's settings
     * @param streamsSettings the Streams settings (as {@code appConfigs()} or the app's properties)
     * @return milliseconds, at least 0
     * @throws ConfigException naming the {@code linger.ms} key if its value is not a number
     */
    public static long deadlineMarginMs(ZsyncConfig zsync, Map<?, ?> streamsSettings) {
        return zsync.deadlineMarginMs(producerLingerMs(streamsSettings));
    }

    /**
     * The {@code linger.ms} of the producer Kafka Streams writes a task's output with, found as Kafka Streams
     * finds it: {@code producer.linger.ms} over {@code linger.ms} over Streams' own default,
     * {@value #STREAMS_DEFAULT_LINGER_MS} (not the plain producer's 5).
     *
     * @throws ConfigException naming the key if its value is not a number
     */
    public static long producerLingerMs(Map<?, ?> streamsSettings) {
        return longSetting(streamsSettings, STREAMS_DEFAULT_LINGER_MS, LINGER_KEYS);
    }

    /** Which setting {@link #producerLingerMs} took its value from, for logs; Streams' default if none is set. */
    static String producerLingerSource(Map<?, ?> streamsSettings) {
        for (String key : LINGER_KEYS) {
            if (streamsSettings.get(key) != null) {
                return key;
            }
        }
        return "Kafka Streams' default";
    }

    /**
     * The longest a task of {@code zsync} waits under {@code zsync.backpressure=block}, after the rules of
     * {@link #validate}: {@code zsync.block.max.ms}, or, with its default under exactly-once, half the
     * transaction timeout when that is lower.
     *
     * @param zsync           the processor's settings
     * @param streamsSettings the Streams settings (as {@code appConfigs()} or the app's properties)
     * @throws ConfigException as {@link #validate} says
     */
    static long blockMaxMs(ZsyncConfig zsync, Map<?, ?> streamsSettings) {
        long limit = zsync.blockMaxMs();
        if (zsync.backpressure() == Backpressure.BLOCK && exactlyOnce(streamsSettings)) {
            long transactionTimeout = transactionTimeoutMs(streamsSettings);
            if (limit >= transactionTimeout) {
                if (zsync.originals().containsKey(ZsyncConfig.BLOCK_MAX_MS_CONFIG)) {
                    throw new ConfigException(ZsyncConfig.BLOCK_MAX_MS_CONFIG, limit, "must be below the"
                            + " producer's transaction.timeout.ms (" + transactionTimeout + " under "
                            + StreamsConfig.EXACTLY_ONCE_V2 + " in Kafka Streams), or the producer is fenced while"
                            + " a send blocks and the task migrates instead of failing; lower "
                            + ZsyncConfig.BLOCK_MAX_MS_CONFIG + " or raise "
                            + StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG));
                }
                limit = Math.max(1, transactionTimeout / 2);
            }
        }
        long maxPoll = maxPollIntervalMs(streamsSettings);
        // Only block waits; the other strategies never hold the stream thread, whatever the limit says.
        if (zsync.backpressure() == Backpressure.BLOCK && limit >= maxPoll) {
            throw new ConfigException(ZsyncConfig.BLOCK_MAX_MS_CONFIG, limit,
                    "must be below max.poll.interval.ms (" + maxPoll + "), or the consumer group takes a blocked"
                            + " task for dead and rebalances it away; lower " + ZsyncConfig.BLOCK_MAX_MS_CONFIG
                            + " or raise " + ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG);
        }
        return limit;
    }

    static boolean exactlyOnce(Map<?, ?> settings) {
        Object guarantee = settings.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG);
        return guarantee != null && StreamsConfig.EXACTLY_ONCE_V2.equals(guarantee.toString().trim());
    }

    /**
     * The producer's {@code transaction.timeout.ms} under exactly-once, found as Kafka Streams finds it:
     * the {@code producer.}-prefixed key over the plain one over Streams' own default.
     */
    static long transactionTimeoutMs(Map<?, ?> settings) {
        return longSetting(settings, EOS_DEFAULT_TRANSACTION_TIMEOUT_MS,
                StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG),
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG);
    }

    /**
     * Refuses Kafka's {@code LogAndContinueProcessingExceptionHandler} (KIP-1033): it catches what the
     * realtime processor throws to fail its task, commits the input offset and goes on, so a record the
     * buffer refused under {@code error_on_full} or {@code block} would be skipped with only a log line.
     * A handler of the user's own is allowed (it may continue for other nodes); it must answer FAIL for the
     * realtime processor's node.
     *
     * @param streamsSettings the Streams settings (as {@code appConfigs()} or the app's properties)
     * @throws ConfigException naming {@code processing.exception.handler}
     */
    public static void checkProcessingExceptionHandler(Map<?, ?> streamsSettings) {
        Object handler = streamsSettings.get(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG);
        if (handler == null) {
            return;
        }
        Class<?> type = handler instanceof Class<?> c ? c : null;
        String name = type != null ? type.getName() : handler.toString().trim();
        boolean continues = LogAndContinueProcessingExceptionHandler.class.getName().equals(name)
                || (type != null && LogAndContinueProcessingExceptionHandler.class.isAssignableFrom(type));
        if (continues) {
            throw new ConfigException(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, name, "must not be "
                    + LogAndContinueProcessingExceptionHandler.class.getSimpleName() + " with zsync: it would skip,"
                    + " with only a log line, the records zsync fails its task for so that they are processed again"
                    + " (zsync.backpressure=error_on_full, block past zsync.block.max.ms). Use the default "
                    + LogAndFailProcessingExceptionHandler.class.getSimpleName() + ", or a handler that answers FAIL"
                    + " for zsync's processor node");
        }
    }

    /**
     * The producer's {@code max.request.size} as Kafka Streams configures it ({@code producer.} prefix over
     * the plain key over the producer's default, 1,048,576 bytes): the largest record, with its batch, that
     * the producer sends at all.
     */
    static long maxRequestSize(Map<?, ?> settings) {
        return longSetting(settings, PRODUCER_DEFAULT_MAX_REQUEST_SIZE,
                StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG),
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
    }

    /**
     * {@code poll.ms}: how long the stream thread waits in the consumer's poll when no input arrives, and so
     * how often a task with quiet input gets to run its wall-clock punctuator.
     */
    static long pollMs(Map<?, ?> settings) {
        return longSetting(settings, STREAMS_DEFAULT_POLL_MS, StreamsConfig.POLL_MS_CONFIG);
    }

    static long maxPollIntervalMs(Map<?, ?> settings) {
        return longSetting(settings, CONSUMER_DEFAULT_MAX_POLL_INTERVAL_MS,
                StreamsConfig.mainConsumerPrefix(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG),
                StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG),
                ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG);
    }

    /** The first of {@code keys} that is set, as milliseconds; else {@code otherwise}. */
    private static long longSetting(Map<?, ?> settings, long otherwise, String... keys) {
        for (String key : keys) {
            Object v = settings.get(key);
            if (v != null) {
                try {
                    return Long.parseLong(Objects.toString(v).trim());
                } catch (NumberFormatException e) {
                    throw new ConfigException(key, v, "must be a number of milliseconds");
                }
            }
        }
        return otherwise;
    }
}

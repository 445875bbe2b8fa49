package io.zsync.processors;

import io.zsync.kafka.ZsyncConfig;
import io.zsync.kafka.flow.FlowJoiner;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * Kafka Streams processor supplier that passes byte-array records through a zsync realtime stream:
 * priority ordering, deadlines, the rate limit, buffer limits and backpressure as the {@code zsync.*} keys
 * say ({@link ZsyncConfig}). Records that cannot be delivered are forwarded as dead letters.
 *
 * <p>The supplier declares its own store: every buffered record is kept in a changelogged key-value
 * store (RocksDB, so its bytes are off the heap) until it is forwarded or dead-lettered, and, under
 * at-least-once, until the task's next commit has flushed the producer, so the entry leaves the changelog
 * only once its output (or dead letter) is acknowledged ({@link DeferredDeleteStore}). Kafka Streams
 * commits input offsets whether or not a record was forwarded; the store is what lets a restarted or
 * migrated task emit what its predecessor had buffered.
 *
 * <p>Output goes to the child named by {@code outputChild} and dead letters to {@code deadLetterChild}:
 * records are routed by the node they are forwarded to, never by a header, because an input record can
 * carry any header, {@code zsync.dlq.reason} included (a dead letter replayed into the input).
 *
 * <p>With {@code zsync.rate.scope=application} the rate limits are for the whole application: each task
 * takes the share of the input partitions it reads, found at task initialisation (so again after every
 * rebalance) from the cluster. That needs the input topics, given with {@link #withInputTopics}
 * ({@link ZsyncStreams} does it).
 */
public final class RealtimeProcessor implements ProcessorSupplier<byte[], byte[], byte[], byte[]> {
    /** The processor name {@link ZsyncStreams} uses when none is given. */
    public static final String DEFAULT_NAME = "zsync-realtime";

    private final String name;
    private final ZsyncConfig config;
    private final String outputChild;
    private final String deadLetterChild;
    private final ProcessorClock clock;
    private final List<String> inputTopics;
    /** The topic delivered records go to, when known (null mid-topology); its dead-letter topic follows. */
    private final String outputTopic;
    private final PartitionCounts partitionCounts;
    private final TopicLimits topicLimits;
    private final FlowJoiner flowJoin;

    /**
     * @param name            the processor's name; the buffer store is {@code name + "-buffer"}
     * @param zsyncConfig     the {@code zsync.*} settings (other keys are ignored)
     * @param outputChild     the name of the child node that receives delivered records
     * @param deadLetterChild the name of the child node that receives dead letters
     * @throws org.apache.kafka.common.config.ConfigException if a setting is invalid, naming the key
     */
    public RealtimeProcessor(String name, Map<String, ?> zsyncConfig, String outputChild, String deadLetterChild) {
        this(name, new ZsyncConfig(zsyncConfig), outputChild, deadLetterChild, ProcessorClock.system(), List.of(),
                null, PartitionCounts.admin(), TopicLimits.admin(), FlowJoiner.kafka());
    }

    private RealtimeProcessor(String name, ZsyncConfig config, String outputChild, String deadLetterChild,
                              ProcessorClock clock, List<String> inputTopics, String outputTopic,
                              PartitionCounts partitionCounts, TopicLimits topicLimits, FlowJoiner flowJoin) {
        this.name = Objects.requireNonNull(name, "name");
        this.config = config;
        if (outputChild == null || deadLetterChild == null || outputChild.equals(deadLetterChild)) {
            throw new IllegalArgumentException("name both children, output and dead letters, and name them apart;"
                    + " were " + outputChild + " and " + deadLetterChild);
        }
        this.outputChild = outputChild;
        this.deadLetterChild = deadLetterChild;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.inputTopics = List.copyOf(inputTopics);
        this.outputTopic = outputTopic;
        this.partitionCounts = Objects.requireNonNull(partitionCounts, "partitionCounts");
        this.topicLimits = Objects.requireNonNull(topicLimits, "topicLimits");
        this.flowJoin = Objects.requireNonNull(flowJoin, "flowJoin");
    }

    /**
     * The same processor on another clock, for deterministic tests.
     *
     * @param clock the clock for deadlines, the rate limit and waiting under block
     * @return a new supplier
     */
    public RealtimeProcessor withClock(ProcessorClock clock) {
        return new RealtimeProcessor(name, config, outputChild, deadLetterChild, clock, inputTopics, outputTopic,
                partitionCounts, topicLimits, flowJoin);
    }

    /**
     * The same processor, told which topics feed it: {@code zsync.rate.scope=application} divides the rate
     * among tasks by the partitions of these topics each one reads.
     *
     * @param topics the source topics of the sub-topology this processor is in
     * @return a new supplier
     */
    public RealtimeProcessor withInputTopics(Collection<String> topics) {
        return new RealtimeProcessor(name, config, outputChild, deadLetterChild, clock, List.copyOf(topics),
                outputTopic, partitionCounts, topicLimits, flowJoin);
    }

    /**
     * The same processor, told the topic its output child writes to: a record larger than that topic's
     * {@code max.message.bytes} (or its dead letter larger than the dead-letter topic's) is then dead-lettered
     * as {@code TOO_LARGE} when it arrives, not refused by the broker when it is released. Without it only
     * the producer's {@code max.request.size} is checked. {@link ZsyncStreams#addTo} and
     * {@link ZsyncStreams#route} set it.
     *
     * @param topic the output topic
     * @return a new supplier
     */
    public RealtimeProcessor withOutputTopic(String topic) {
        return new RealtimeProcessor(name, config, outputChild, deadLetterChild, clock, inputTopics,
                Objects.requireNonNull(topic, "topic"), partitionCounts, topicLimits, flowJoin);
    }

    /** The output topic, if known (null otherwise). */
    public String outputTopic() {
        return outputTopic;
    }

    /** The same processor with another partition-count lookup, for tests without a broker. */
    RealtimeProcessor withPartitionCounts(PartitionCounts counts) {
        return new RealtimeProcessor(name, config, outputChild, deadLetterChild, clock, inputTopics, outputTopic,
                counts, topicLimits, flowJoin);
    }

    /** The same processor with another topic-limit lookup, for tests without a broker. */
    RealtimeProcessor withTopicLimits(TopicLimits limits) {
        return new RealtimeProcessor(name, config, outputChild, deadLetterChild, clock, inputTopics, outputTopic,
                partitionCounts, limits, flowJoin);
    }

    /** The same processor with another way to join the application's flow budget, for tests without a broker. */
    RealtimeProcessor withFlowJoiner(FlowJoiner join) {
        return new RealtimeProcessor(name, config, outputChild, deadLetterChild, clock, inputTopics, outputTopic,
                partitionCounts, topicLimits, join);
    }

    /** The topics feeding this processor, if known (empty otherwise). */
    public List<String> inputTopics() {
        return inputTopics;
    }

    /** The processor's name. */
    public String name() {
        return name;
    }

    /** The name of the buffer store (its changelog topic is {@code <application.id>-<store>-changelog}). */
    public String storeName() {
        return name + "-buffer";
    }

    /** The child that receives delivered records. */
    public String outputChild() {
        return outputChild;
    }

    /** The child that receives dead letters. */
    public String deadLetterChild() {
        return deadLetterChild;
    }

    /** The parsed settings. */
    public ZsyncConfig config() {
        return config;
    }

    @Override
    public Set<StoreBuilder<?>> stores() {
        // Called when the processor is added to a topology: the earliest point to refuse a setting it
        // cannot honour.
        if (config.lagEnabled() && outputTopic == null) {
            throw new ConfigException(ZsyncConfig.LAG_GROUP_CONFIG, config.lagGroup(), "needs the output topic the"
                    + " group reads: build the processor with ZsyncStreams (route or addTo) or call"
                    + " RealtimeProcessor.withOutputTopic; or leave zsync.lag.group empty");
        }
        if (config.rateScopeIsApplication() && inputTopics.isEmpty()) {
            boolean lag = config.lagEnabled();
            throw new ConfigException(lag ? ZsyncConfig.LAG_GROUP_CONFIG : ZsyncConfig.RATE_SCOPE_CONFIG,
                    lag ? config.lagGroup() : "application", "needs the processor's input"
                    + " topics to share the " + (lag ? "downstream lag" : "rate") + " among tasks: build it with"
                    + " ZsyncStreams (route, addTo, or realtime with the input topics) or call"
                    + " RealtimeProcessor.withInputTopics" + (lag ? "" : "; or use task"));
        }
        return Set.of(new BufferStoreBuilder(storeName()));
    }

    @Override
    public Processor<byte[], byte[], byte[], byte[]> get() {
        return new RealtimeBufferProcessor(name, storeName(), config, outputChild, deadLetterChild, clock,
                config.rateScopeIsApplication() ? inputTopics : List.of(), partitionCounts, outputTopic, topicLimits,
                flowJoin);
    }
}

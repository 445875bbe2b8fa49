package io.zsync.kafka.flow;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Reads a downstream consumer group's lag on the output topics with the Admin client, for one
 * {@link LagBudget}, driven by the flow coordinator's thread (never a stream or task thread) without
 * blocking it: the coordinator must keep reading its control topic meanwhile. One reading is three requests
 * sent together (the end offsets, the group's committed offsets, the group's state), at most one per
 * interval; the output's partitions are described again every {@value #DESCRIBE_EVERY_MS} ms, so partitions
 * added later count.
 *
 * <p>End offsets are read {@code read_uncommitted} (the high watermark): records of open transactions count
 * as waiting, which errs on holding. Every change of what the reading finds is logged once: a group with no
 * committed offset on some output partitions, a group with no members, a lag that cannot be read.
 */
final class LagReader implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(LagReader.class.getName());
    static final long DESCRIBE_EVERY_MS = 30_000;

    private final LagSpec spec;
    private final String scope;
    private final LagBudget budget;
    private final int timeoutMs;
    private final long intervalNanos;
    private final long warnAfterNanos;
    private Admin admin;
    private KafkaFuture<Map<String, TopicDescription>> describing;
    private KafkaFuture<Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo>> ends;
    private KafkaFuture<Map<TopicPartition, OffsetAndMetadata>> committed;
    private KafkaFuture<Map<String, ConsumerGroupDescription>> state;
    private long sentAtNanos;
    private long describeFailedAtNanos = Long.MIN_VALUE / 2;
    private boolean missingTopicLogged;
    private List<TopicPartition> partitions = List.of();
    private long describedAtNanos;
    private boolean described;
    private long lastGoodNanos;
    private boolean failing;
    private boolean missingLogged;
    private boolean emptyLogged;
    private String lastError;

    LagReader(String scope, LagSpec spec, long intervalNanos, long warnAfterNanos, long nowNanos) {
        this.scope = scope;
        this.spec = spec;
        this.budget = new LagBudget(spec.maxRecords(), spec.maxAgeMs(), intervalNanos);
        this.intervalNanos = intervalNanos;
        // Long enough for a broker under load; a reading that takes longer holds the output meanwhile.
        this.timeoutMs = (int) Math.max(1_000, 4 * TimeUnit.NANOSECONDS.toMillis(intervalNanos));
        this.warnAfterNanos = warnAfterNanos;
        this.lastGoodNanos = nowNanos;
        LOG.log(System.Logger.Level.INFO, "zsync ({0}) releases to {1} only while consumer group {2} has fewer than"
                + " {3} records waiting there{4}; its lag is read every {5} ms", scope, spec.topics(), spec.group(),
                spec.maxRecords(), spec.maxAgeMs() > 0 ? " (and they would take at most " + spec.maxAgeMs()
                        + " ms to consume)" : "", TimeUnit.NANOSECONDS.toMillis(intervalNanos));
    }

    LagSpec spec() {
        return spec;
    }

    LagBudget budget() {
        return budget;
    }

    /**
     * Moves the reading on without blocking: takes the answers of a reading in flight once all have come,
     * or sends the next reading's requests when none is in flight and an interval has passed since the last
     * (describing the output's partitions first when due). Every request carries a timeout, so each one
     * completes, if only with an error, which is logged (see the class comment), never thrown.
     *
     * @param nowNanos now, on the monotonic clock the budget is read on
     * @return whether the budget took a new reading
     */
    boolean poll(long nowNanos) {
        try {
            if (admin == null) {
                Map<String, Object> configs = new HashMap<>(spec.adminConfigs());
                configs.put(AdminClientConfig.CLIENT_ID_CONFIG, "zsync-lag-" + spec.group());
                admin = Admin.create(configs);
            }
            if (describing != null) {
                if (!describing.isDone()) {
                    return false;
                }
                KafkaFuture<Map<String, TopicDescription>> d = describing;
                describing = null;
                List<TopicPartition> out = new ArrayList<>();
                d.get().forEach((name, t) -> t.partitions().forEach(p -> out.add(new TopicPartition(name, p.partition()))));
                partitions = out;
                describedAtNanos = nowNanos;
                described = true;
            }
            if (ends != null) {
                if (!(ends.isDone() && committed.isDone() && state.isDone())) {
                    return false;
                }
                return take(nowNanos);
            }
            if ((!described || nowNanos - describedAtNanos > TimeUnit.MILLISECONDS.toNanos(DESCRIBE_EVERY_MS))
                    && nowNanos - describeFailedAtNanos >= intervalNanos) {
                describing = admin.describeTopics(spec.topics(), new DescribeTopicsOptions().timeoutMs(timeoutMs))
                        .allTopicNames();
                return false;
            }
            if (sentAtNanos != 0 && nowNanos - sentAtNanos < intervalNanos) {
                return false;
            }
            sentAtNanos = nowNanos;
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (TopicPartition tp : partitions) {
                latest.put(tp, OffsetSpec.latest());
            }
            ends = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)
                    .timeoutMs(timeoutMs)).all();
            committed = admin.listConsumerGroupOffsets(spec.group(),
                    new ListConsumerGroupOffsetsOptions().timeoutMs(timeoutMs)).partitionsToOffsetAndMetadata();
            state = admin.describeConsumerGroups(List.of(spec.group()),
                    new DescribeConsumerGroupsOptions().timeoutMs(timeoutMs)).all();
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(nowNanos, e.toString());
        } catch (ExecutionException e) {
            fail(nowNanos, String.valueOf(e.getCause()));
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                // Described again an interval later; meanwhile nothing is released (no lag can be read).
                described = false;
                describeFailedAtNanos = nowNanos;
                if (!missingTopicLogged) {
                    missingTopicLogged = true;
                    LOG.log(System.Logger.Level.WARNING, "zsync ({0}): the output topic {1} does not exist, so the lag"
                            + " of consumer group {2} cannot be read there: nothing is released to it until it exists."
                            + " Create it: release waits for it, and the broker creates a topic only when something is"
                            + " written to it", scope, spec.topics(), spec.group());
                }
            }
        } catch (RuntimeException e) {
            fail(nowNanos, e.toString());
        }
        return false;
    }

    /** Takes the answers of the reading in flight (all done). */
    private boolean take(long nowNanos) throws InterruptedException, ExecutionException {
        KafkaFuture<Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo>> e = ends;
        KafkaFuture<Map<TopicPartition, OffsetAndMetadata>> c = committed;
        KafkaFuture<Map<String, ConsumerGroupDescription>> st = state;
        ends = null;
        committed = null;
        state = null;
        Map<TopicPartition, Long> endOffsets = new HashMap<>();
        e.get().forEach((tp, info) -> endOffsets.put(tp, info.offset()));
        Map<TopicPartition, Long> committedOffsets = new HashMap<>();
        orNone(c, Map.<TopicPartition, OffsetAndMetadata>of()).forEach((tp, o) -> {
            if (o != null && endOffsets.containsKey(tp)) {
                committedOffsets.put(tp, o.offset());
            }
        });
        ConsumerGroupDescription description = orNone(st, Map.<String, ConsumerGroupDescription>of())
                .get(spec.group());
        budget.reading(nowNanos, endOffsets, committedOffsets);
        lastGoodNanos = nowNanos;
        if (failing) {
            failing = false;
            LOG.log(System.Logger.Level.INFO, "zsync ({0}): the lag of consumer group {1} can be read again ({2}"
                    + " records)", scope, spec.group(), budget.lag());
        }
        logGroup(description);
        return true;
    }

    /** The future's value; a group that does not exist gives {@code none}. */
    private static <T> T orNone(KafkaFuture<T> future, T none) throws InterruptedException, ExecutionException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return none;
            }
            throw e;
        }
    }

    private void fail(long nowNanos, String error) {
        lastError = error;
        if (!failing && nowNanos - lastGoodNanos >= warnAfterNanos) {
            failing = true;
            LOG.log(System.Logger.Level.WARNING, "zsync ({0}): the lag of consumer group {1} on {2} has not been"
                    + " read for {3} ms (last error: {4}); nothing is released to the output until it is, and the"
                    + " records wait in the buffer", scope, spec.group(), spec.topics(),
                    TimeUnit.NANOSECONDS.toMillis(nowNanos - lastGoodNanos), lastError);
        }
    }

    private void logGroup(ConsumerGroupDescription description) {
        boolean missing = budget.uncommitted() > 0;
        if (missing != missingLogged) {
            missingLogged = missing;
            if (missing) {
                LOG.log(System.Logger.Level.WARNING, "zsync ({0}): consumer group {1} has no committed offset on {2}"
                        + " of the {3} partitions of {4} (it has not started, was deleted, or was reset without a"
                        + " commit): their lag counts from the end offsets read now, so at most {5} records are"
                        + " released there until it commits; the rest waits in the buffer", scope, spec.group(),
                        budget.uncommitted(), partitions.size(), spec.topics(), spec.maxRecords());
            } else {
                LOG.log(System.Logger.Level.INFO, "zsync ({0}): consumer group {1} has committed offsets on every"
                        + " partition of {2}: release follows its lag ({3} records)", scope, spec.group(),
                        spec.topics(), budget.lag());
            }
        }
        boolean empty = hasNoMembers(description);
        if (empty != emptyLogged) {
            emptyLogged = empty;
            LOG.log(System.Logger.Level.INFO, empty
                    ? "zsync ({0}): consumer group {1} has no members: zsync releases until its lag reaches {2}"
                    + " records, then holds the rest in its buffer until the group consumes"
                    : "zsync ({0}): consumer group {1} has members again", scope, spec.group(), spec.maxRecords());
        }
    }

    /**
     * Whether the group consumes nothing because nobody is in it: empty, or gone (deleted or never started:
     * described {@code Dead}, or not found, {@code description} null). A deleted group is not one whose
     * members came back.
     */
    static boolean hasNoMembers(ConsumerGroupDescription description) {
        return description == null || description.members().isEmpty();
    }

    @Override
    public void close() {
        if (admin != null) {
            admin.close(java.time.Duration.ofSeconds(5));
            admin = null;
        }
    }
}

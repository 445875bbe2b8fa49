package io.zsync.mainjob;

import io.zsync.kafka.ZsyncConfig;
import io.zsync.kafka.flow.FlowCoordinator;
import io.zsync.kafka.flow.FlowReport;
import io.zsync.kafka.flow.FlowTable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What the main job sees of the bridge's rate, from the broker only (the worker may run elsewhere): the
 * records the bridge appended to its target topic, from the sum of that topic's end offsets sampled once a
 * second against this process's monotonic clock, and, under {@code zsync.rate.scope=application}, how many
 * of its tasks are live in the control topic, judged as the tasks judge it ({@link FlowTable}: a task whose
 * report was not renewed within {@link FlowCoordinator#expiryMs} of reading is gone).
 *
 * <p>End offsets count records exactly as long as nothing writes transactions to the target topic: true
 * of the standalone worker the main job runs (a distributed worker with exactly-once source support would
 * add a marker per transaction). Not thread-safe: the monitor thread owns it.
 */
final class BridgeFlow implements AutoCloseable {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration CONTROL_POLL = Duration.ofMillis(50);

    /**
     * The bridge's configured budget.
     *
     * @param connector   the connector's name: the scope its tasks report under
     * @param application whether {@code zsync.rate.scope=application} (one budget for all tasks)
     * @param limit       {@code zsync.rate.limit}, records/s: the whole connector's with application scope,
     *                    each task's otherwise; 0 for none
     * @param tasks       the tasks the connector runs (task scope multiplies the limit by them)
     * @param controlTopic the control topic the tasks share the budget through (application scope)
     * @param expiryMs    how long a task may go without reporting before the others drop it
     */
    record Budget(String connector, boolean application, long limit, int tasks, String controlTopic, long expiryMs) {
        static Budget of(String connector, Map<String, String> connectorConfig, int tasks) {
            ZsyncConfig zsync = new ZsyncConfig(connectorConfig);
            return new Budget(connector, zsync.rateScopeIsApplication(), zsync.rateLimit(), tasks,
                    zsync.flowTopic(connector), FlowCoordinator.expiryMs(zsync.flowIntervalMs()));
        }

        /** Records/s the whole connector may deliver; 0 for no limit. */
        long total() {
            return application ? limit : limit * tasks;
        }

        /** Whether the control topic tells how many tasks share the budget. */
        boolean coordinated() {
            return application && limit > 0;
        }

        /** The budget as the progress line and the report show it: {@code 3,000/s} or {@code 2×3,000/s per task}. */
        String label() {
            if (limit <= 0) {
                return "no rate limit";
            }
            return application ? String.format(Locale.ROOT, "%,d/s", limit)
                    : String.format(Locale.ROOT, "%d×%,d/s per task", tasks, limit);
        }

        /** The bridge's rate against the budget for the progress line. */
        String progress(long perSecond, int liveTasks) {
            String rate = perSecond < 0 ? "-" : String.format(Locale.ROOT, "%,d", perSecond);
            if (limit <= 0) {
                return "bridge " + rate + "/s";
            }
            if (!application) {
                return "bridge " + rate + "/" + label();
            }
            return "bridge " + rate + "/" + label() + " (" + (liveTasks < 0 ? "-" : Integer.toString(liveTasks))
                    + (liveTasks == 1 ? " task)" : " tasks)");
        }
    }

    /**
     * One second of the bridge.
     *
     * @param records   records appended to the target topic since the last reading, -1 if unknown
     * @param nanos     how long since the last reading
     * @param liveTasks the connector's tasks live in the control topic, -1 if not known or not coordinated
     */
    record Reading(long records, long nanos, int liveTasks) {
        static final Reading UNKNOWN = new Reading(-1, 0, -1);

        /** Records per second over the reading, -1 if unknown. */
        long perSecond() {
            return records < 0 || nanos <= 0 ? -1 : Math.round(records * 1e9 / nanos);
        }
    }

    /**
     * The bridge's delivery over the seconds it had a backlog, when its budget, not its input, limited it.
     *
     * @param seconds how many seconds counted
     * @param records records it appended to the target topic in them
     * @param nanos   their length
     */
    record Backlog(int seconds, long records, long nanos) {
        /** Records per second over those seconds, -1 if there were none. */
        long perSecond() {
            return nanos <= 0 ? -1 : Math.round(records * 1e9 / nanos);
        }

        /** {@link #perSecond} as a fraction of {@code budget} records/s; NaN without either. */
        double ofBudget(long budget) {
            return nanos <= 0 || budget <= 0 ? Double.NaN : records * 1e9 / nanos / budget;
        }
    }

    /**
     * Sums the seconds during which records waited in the bridge throughout: its buffer gauge above 0 at
     * the second's start (the previous sample) and at its end, and the second's reading known and not
     * spanning a missed one. The first second of a burst (a full token bucket, an empty buffer at its start)
     * and the second the backlog drains (input, not budget, limits it) do not count.
     */
    static Backlog backlog(List<Monitor.Sample> samples) {
        int seconds = 0;
        long records = 0;
        long nanos = 0;
        for (int i = 1; i < samples.size(); i++) {
            Monitor.Sample before = samples.get(i - 1);
            Monitor.Sample s = samples.get(i);
            Reading r = s.bridge();
            if (before.bridgeBuffered() > 0 && s.bridgeBuffered() > 0 && r.records() >= 0
                    && before.bridge().records() >= 0 && r.nanos() > 0) {
                seconds++;
                records += r.records();
                nanos += r.nanos();
            }
        }
        return new Backlog(seconds, records, nanos);
    }

    private final Budget budget;
    private final String targetTopic;
    private final Admin admin;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final FlowTable table = new FlowTable();
    private boolean controlRead;
    private Map<TopicPartition, OffsetSpec> targetPartitions = Map.of();
    private boolean controlAssigned;
    private long lastOffsets = -1;
    private long lastNanos;

    BridgeFlow(String bootstrapServers, String targetTopic, Budget budget) {
        this.budget = budget;
        this.targetTopic = targetTopic;
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.CLIENT_ID_CONFIG, "zsync-main-job-bridge-offsets"));
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "zsync-main-job-bridge-flow");
        // No group: the control topic is assigned and read from its start.
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    Budget budget() {
        return budget;
    }

    /** Takes the reading of the second that ends at {@code nowNanos}; the first call only sets the baseline. */
    Reading sample(long nowNanos) {
        int live = budget.coordinated() ? liveTasks() : -1;
        long offsets;
        try {
            offsets = endOffsets();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            // A slow or briefly unreachable broker: the next reading spans both seconds.
            return new Reading(-1, 0, live);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Reading(-1, 0, live);
        }
        if (offsets < 0) {
            return new Reading(-1, 0, live);
        }
        Reading r = lastOffsets < 0 ? new Reading(-1, 0, live)
                : new Reading(offsets - lastOffsets, nowNanos - lastNanos, live);
        lastOffsets = offsets;
        lastNanos = nowNanos;
        return r;
    }

    /**
     * The sum of the target topic's end offsets (high watermarks: what the broker appended and replicated),
     * or -1 while its partitions are not known.
     */
    private long endOffsets() throws ExecutionException, TimeoutException, InterruptedException {
        long timeout = REQUEST_TIMEOUT.toMillis();
        if (targetPartitions.isEmpty()) {
            TopicDescription d = admin.describeTopics(List.of(targetTopic)).allTopicNames()
                    .get(timeout, TimeUnit.MILLISECONDS).get(targetTopic);
            Map<TopicPartition, OffsetSpec> found = new HashMap<>();
            d.partitions().forEach(p -> found.put(new TopicPartition(targetTopic, p.partition()), OffsetSpec.latest()));
            targetPartitions = found;
        }
        long sum = 0;
        for (ListOffsetsResult.ListOffsetsResultInfo end : admin.listOffsets(targetPartitions).all()
                .get(timeout, TimeUnit.MILLISECONDS).values()) {
            sum += end.offset();
        }
        return sum;
    }

    /** The connector's tasks with a fresh report in the control topic; -1 until a control record was read. */
    private int liveTasks() {
        try {
            if (!controlAssigned) {
                List<PartitionInfo> infos = consumer.partitionsFor(budget.controlTopic(), REQUEST_TIMEOUT);
                if (infos == null || infos.isEmpty()) {
                    return -1;
                }
                TopicPartition control = new TopicPartition(budget.controlTopic(), 0);
                consumer.assign(List.of(control));
                consumer.seekToBeginning(List.of(control));
                controlAssigned = true;
            }
            // Polled once a second, briefly: returns at once with the reports that came since the last time.
            long nowMs = System.nanoTime() / 1_000_000;
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(CONTROL_POLL)) {
                if (r.key() == null) {
                    continue;
                }
                table.apply(new String(r.key(), StandardCharsets.UTF_8),
                        r.value() == null ? null : FlowReport.decode(r.value()), nowMs);
                controlRead = true;
            }
            if (!controlRead) {
                return -1; // nothing read yet
            }
            table.expire(nowMs, budget.expiryMs());
            return table.tasks(budget.connector());
        } catch (RuntimeException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
        admin.close(Duration.ofSeconds(5));
    }
}

package io.zsync.mainjob;

import io.zsync.processors.app.ZsyncStreamsApp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;

/**
 * The wait before the workload: it starts only when every part of the pipeline runs, so that its first
 * seconds measure the pipeline and not the pipeline's start-up (a Streams app still rebalancing held
 * records for seconds). The parts are asked together, round after round; once all of them are ready in
 * one round, the probe is asked too (it sends records through the whole pipeline and waits for them at
 * the end). A part that failed for good throws at once; a wait longer than the timeout fails naming every
 * part not ready and what it was doing.
 */
final class Readiness {
    /** How often the parts are asked. */
    static final Duration POLL = Duration.ofMillis(100);
    private static final Comparator<TopicPartition> PARTITION_ORDER =
            Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

    /** A part's answer: whether it is ready, and what it is doing either way (for the report or the error). */
    record Status(boolean ready, String detail) {
        static Status ready(String detail) {
            return new Status(true, detail);
        }

        static Status waiting(String detail) {
            return new Status(false, detail);
        }
    }

    /** One part of the pipeline. */
    interface Part {
        String name();

        /**
         * Where the part is.
         *
         * @throws Exception when it failed for good: the wait ends with it
         */
        Status status() throws Exception;
    }

    /**
     * The wait's outcome.
     *
     * @param waitedMs how long from the first round until every part and the probe were ready
     * @param probeMs  how long the probe took, from its first round
     * @param details  each part's and the probe's {@link Status#detail()}, as "name: detail"
     */
    record Result(long waitedMs, long probeMs, List<String> details) {
        /** {@code every part ready after 3.4 s (the probe took 0.4 s of it)} */
        String summary() {
            return String.format(Locale.ROOT, "every part ready after %.1f s (the probe took %.1f s of it)",
                    waitedMs / 1000.0, probeMs / 1000.0);
        }
    }

    private final Time time;

    Readiness(Time time) {
        this.time = time;
    }

    /**
     * Waits until every part is ready and then the probe is, within {@code timeout}.
     *
     * @throws IllegalStateException when the timeout passed, naming what was not ready
     */
    Result await(List<Part> parts, Part probe, Duration timeout) throws Exception {
        long start = time.milliseconds();
        long deadline = start + timeout.toMillis();
        long probeStart = -1;
        while (true) {
            List<String> details = new ArrayList<>();
            List<String> waiting = new ArrayList<>();
            for (Part part : parts) {
                Status s = part.status();
                details.add(part.name() + ": " + s.detail());
                if (!s.ready()) {
                    waiting.add(part.name() + ": " + s.detail());
                }
            }
            if (waiting.isEmpty()) {
                if (probeStart < 0) {
                    probeStart = time.milliseconds();
                }
                Status s = probe.status();
                details.add(probe.name() + ": " + s.detail());
                if (s.ready()) {
                    long now = time.milliseconds();
                    return new Result(now - start, now - probeStart, details);
                }
                waiting.add(probe.name() + ": " + s.detail());
            } else if (probeStart < 0) {
                waiting.add(probe.name() + ": not sent, it waits for the parts above");
            }
            if (time.milliseconds() >= deadline) {
                throw new IllegalStateException(String.format(Locale.ROOT, "the pipeline was not ready within %d s,"
                        + " so the workload did not start; not ready: %s", timeout.toSeconds(),
                        String.join("; ", waiting)));
            }
            time.sleep(POLL.toMillis());
        }
    }

    /**
     * The Streams app: ready in state RUNNING with an active task for every partition of its input
     * topics (a member that just joined is RUNNING with no tasks until the rebalance ends).
     */
    static Part streams(ZsyncStreamsApp app, Set<TopicPartition> inputs) {
        return streams("Streams app", app.streams(), app::failure, inputs);
    }

    /**
     * A Kafka Streams instance called {@code name}, ready as {@link #streams(ZsyncStreamsApp, Set)} says;
     * {@code failure} is the error that stopped it, if one did.
     */
    static Part streams(String name, KafkaStreams streams, Supplier<Optional<Throwable>> failure,
                        Set<TopicPartition> inputs) {
        return new Part() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Status status() {
                if (failure.get().isPresent()) {
                    throw new IllegalStateException(name + " failed: " + failure.get().get());
                }
                KafkaStreams.State state = streams.state();
                if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING
                        || state == KafkaStreams.State.PENDING_ERROR || state == KafkaStreams.State.PENDING_SHUTDOWN) {
                    throw new IllegalStateException(name + " stopped before the workload: state " + state);
                }
                return streamsStatus(state, streams.metadataForLocalThreads(), inputs);
            }
        };
    }

    static Status streamsStatus(KafkaStreams.State state, Set<ThreadMetadata> threads, Set<TopicPartition> inputs) {
        Set<TopicPartition> assigned = new TreeSet<>(PARTITION_ORDER);
        int tasks = 0;
        for (ThreadMetadata thread : threads) {
            for (TaskMetadata task : thread.activeTasks()) {
                tasks++;
                assigned.addAll(task.topicPartitions());
            }
        }
        Set<TopicPartition> missing = new TreeSet<>(PARTITION_ORDER);
        missing.addAll(inputs);
        missing.removeAll(assigned);
        String detail = String.format(Locale.ROOT, "%s, %d active tasks reading %s", state, tasks, names(assigned));
        if (state != KafkaStreams.State.RUNNING) {
            return Status.waiting(detail);
        }
        if (!missing.isEmpty()) {
            return Status.waiting(detail + ", no task yet for " + names(missing));
        }
        return Status.ready(detail);
    }

    /** A connector: ready when it and {@code tasks} of its tasks are RUNNING, by the worker's REST status. */
    static Part connector(ConnectWorker worker, String name, int tasks) {
        return new Part() {
            @Override
            public String name() {
                return "connector " + name;
            }

            @Override
            public Status status() throws Exception {
                ConnectWorker.Status s = worker.status(name);
                return s.running(tasks) ? Status.ready(s.detail())
                        : Status.waiting(s.detail() + " (" + tasks + " should run)");
            }
        };
    }

    private static String names(Set<TopicPartition> partitions) {
        return partitions.isEmpty() ? "no partition" : partitions.stream().map(TopicPartition::toString)
                .collect(Collectors.joining(", "));
    }
}

package io.zsync.processors.app;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the topics the app needs and waits until every partition's leader serves requests. A topic
 * exists in the metadata a moment before its leader takes writes; an idempotent producer that writes in
 * that moment can have its first batch refused while later ones are appended, and then fails that batch
 * with an out-of-order sequence after its delivery timeout. Waiting for the leaders closes that window.
 */
public final class Topics {
    private static final long RETRY_MILLIS = 100;

    private Topics() {
    }

    /**
     * Creates those of {@code topics} that do not exist, then waits until all of them are ready.
     *
     * @param admin the admin client
     * @param topics the topics
     * @param partitions partitions for new topics; empty for the broker's default
     * @param timeout how long to wait in all
     * @return the topics that were created
     */
    public static List<String> createMissing(Admin admin, Collection<String> topics, Optional<Integer> partitions,
                                             Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        List<NewTopic> missing = new ArrayList<>();
        for (String topic : topics) {
            if (!existing.contains(topic)) {
                missing.add(new NewTopic(topic, partitions, Optional.empty()));
            }
        }
        if (!missing.isEmpty()) {
            try {
                admin.createTopics(missing).all().get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                // Another instance of the app created it first.
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
        awaitReady(admin, topics, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        return missing.stream().map(NewTopic::name).toList();
    }

    /**
     * Waits until the leader of every partition of {@code topics} answers a list-offsets request, which only
     * a partition's serving leader does.
     *
     * @throws TimeoutException naming the topics if they are not ready in time
     */
    public static void awaitReady(Admin admin, Collection<String> topics, Duration timeout)
            throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames()
                        .get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
                Map<TopicPartition, OffsetSpec> request = new HashMap<>();
                boolean leaders = true;
                for (TopicDescription d : described.values()) {
                    for (var p : d.partitions()) {
                        leaders &= p.leader() != null && !p.leader().isEmpty();
                        request.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest());
                    }
                }
                if (leaders) {
                    admin.listOffsets(request).all().get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
                    return;
                }
            } catch (ExecutionException e) {
                last = e;
            }
            Thread.sleep(RETRY_MILLIS);
        }
        TimeoutException e = new TimeoutException("zsync: topics " + topics + " have no serving leader for every"
                + " partition within " + timeout.toMillis() + " ms");
        if (last != null) {
            e.initCause(last);
        }
        throw e;
    }

    private static long remainingMillis(long deadline) {
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }
}

package io.zsync.connector;

import io.zsync.processors.app.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * The topics of a connector integration test, awaited until every partition's leader serves; the input
 * is written with {@link io.zsync.processors.app.CheckedProducer}, which checks every send.
 *
 * <p>Both guard against one failure seen in full CI runs: an idempotent producer writing into a topic
 * created a moment before had its first batch refused, later batches appended, and the first one failed
 * with an out-of-order sequence after the two-minute delivery timeout. An unchecked send hid that, and the
 * bridge was blamed for 445 records that were never in its source topic.
 */
final class TestInput {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private TestInput() {
    }

    /** Creates the topics and waits until they are ready. */
    static void createTopics(String bootstrap, NewTopic... topics) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(topics)).all().get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            Topics.awaitReady(admin, List.of(topics).stream().map(NewTopic::name).toList(), READY_TIMEOUT);
        }
    }

    /** Waits until topics created elsewhere (e.g. by the test kit) are ready. */
    static void awaitReady(String bootstrap, String... topics) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            Topics.awaitReady(admin, List.of(topics), READY_TIMEOUT);
        }
    }
}

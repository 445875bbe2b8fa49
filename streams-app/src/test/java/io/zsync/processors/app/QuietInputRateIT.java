package io.zsync.processors.app;

import static io.zsync.processors.app.Records.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zsync.kafka.ZsyncHeaders;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19 row c on a real broker: 3,000 records wait in the input before the app starts, so once it has
 * read them its input is quiet and its stream thread waits in the consumer's poll for {@code poll.ms}
 * between punctuations. At {@code zsync.rate.limit=1000} they must still leave in about 3 s (not 30 s with a
 * burst of 10), and none may expire waiting. The span is read off the broker's clock: the output topic
 * stamps each record with its append time (LogAppendTime). One broker for the class.
 */
class QuietInputRateIT {
    private static final int RECORDS = 3_000;
    private static final long RATE = 1_000;
    @RegisterExtension
    static final BrokerExtension kafka = new BrokerExtension();

    @TempDir
    Path stateDir;

    @Test
    void aPrefilledBacklogLeavesAtTheRateWithABurstOfTen() throws Exception {
        drainsAtTheRate("burst", Map.of("zsync.rate.burst", "10"));
    }

    @Test
    void aPrefilledBacklogLeavesAtTheRateWithTheDefaultBurstAndPollMsOfOneSecond() throws Exception {
        drainsAtTheRate("poll", Map.of("poll.ms", "1000"));
    }

    private void drainsAtTheRate(String name, Map<String, String> extra) throws Exception {
        String in = name + "-in";
        String out = name + "-out";
        String dlq = out + ".dlq";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(in, 1, (short) 1),
                    new NewTopic(out, 1, (short) 1).configs(Map.of("message.timestamp.type", "LogAppendTime")),
                    new NewTopic(dlq, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            Topics.awaitReady(admin, List.of(in, out, dlq), Duration.ofSeconds(30));
        }
        try (CheckedProducer producer = Records.producer(kafka.bootstrapServers())) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(Records.record(in, String.format("k%04d", i), new byte[100]));
            }
        }
        Map<String, Object> settings = new HashMap<>(extra);
        settings.put("application.id", name + "-app");
        settings.put("bootstrap.servers", kafka.bootstrapServers());
        settings.put("state.dir", stateDir.resolve(name).toString());
        settings.put("zsync.input.topics", in);
        settings.put("zsync.output.topic", out);
        settings.put("zsync.rate.limit", Long.toString(RATE));
        // Long enough for a slow start, far shorter than the 30 s a burst per poll would take: without the
        // catch-up most records would be dead-lettered EXPIRED.
        settings.put("zsync.deadline.ttl.ms", "20000");
        List<ConsumerRecord<byte[], byte[]>> all;
        try (ZsyncStreamsApp app = ZsyncStreamsApp.start(settings, false)) {
            all = Records.readUntil(kafka.bootstrapServers(), List.of(out, dlq), r -> r.size() >= RECORDS,
                    Duration.ofSeconds(90));
            assertTrue(app.failure().isEmpty(), () -> "the app failed: " + app.failure().orElseThrow());
        }
        Map<String, Long> deadLetters = all.stream().filter(r -> r.topic().equals(dlq))
                .collect(Collectors.groupingBy(r -> String.valueOf(Records.header(r, ZsyncHeaders.DLQ_REASON)),
                        TreeMap::new, Collectors.counting()));
        assertEquals(Map.of(), deadLetters, "no record dead-lettered (EXPIRED or otherwise)");
        List<ConsumerRecord<byte[], byte[]>> delivered = all.stream().filter(r -> r.topic().equals(out)).toList();
        assertEquals(RECORDS, delivered.stream().map(r -> string(r.key())).distinct().count(),
                "every record delivered");
        long first = delivered.stream().mapToLong(ConsumerRecord::timestamp).min().orElseThrow();
        long last = delivered.stream().mapToLong(ConsumerRecord::timestamp).max().orElseThrow();
        double seconds = (last - first) / 1000.0;
        // Appended per 500 ms from the first: a steady rate shows as about 500 in each.
        int[] perHalfSecond = new int[(int) ((last - first) / 500) + 1];
        delivered.forEach(r -> perHalfSecond[(int) ((r.timestamp() - first) / 500)]++);
        String timeline = Arrays.toString(perHalfSecond);
        System.out.printf("%s: %d records appended over %.3f s of broker time at %d/s, settings %s, per 500 ms %s%n",
                name, RECORDS, seconds, RATE, extra, timeline);
        // The rate allows (3,000 - burst) / 1,000 = 2.9 to 2.99 s, never less (the catch-up credits no more
        // than the time that passed), plus up to a poll of lateness at the end and producer batching: 2.5 to
        // 4.5 s holds on a loaded machine. A burst per poll would take 30 s.
        assertTrue(seconds >= 2.5 && seconds <= 4.5, "3,000 records at 1,000/s took " + seconds + " s of append time,"
                + " expected about 3 s (2.5 to 4.5); appended per 500 ms: " + timeline);
    }
}

package io.zsync.processors;

import io.zsync.kafka.ZsyncHeaders;
import io.zsync.processors.app.CheckedProducer;
import io.zsync.processors.app.EmbeddedKafka;
import io.zsync.processors.app.Topics;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.test.TestRecord;

/**
 * Kafka Streams measurements: records per second through a topology with {@link RealtimeProcessor} next to
 * the same topology with a pass-through processor, on one in-process broker and the same input; and the
 * heap a task's buffer takes while it holds many records.
 */
public final class StreamsHarness {
    private static final String[] LEVELS = {"LOW", "NORMAL", "HIGH", "CRITICAL"};
    private static final String INPUT = "bench-in";
    private static final int PARTITIONS = 2;
    /** Alternating rounds: the first also warms up the JIT for both, so the best round of each is compared. */
    private static final int ROUNDS = 3;

    private StreamsHarness() {
    }

    /**
     * Both topologies read the same pre-filled topic from the beginning, alternately, three times each; the rate
     * is taken between the first and the last output record, so start-up and rebalancing are left out.
     */
    public static String throughput(boolean quick) throws Exception {
        int records = quick ? 200_000 : 1_000_000;
        int valueBytes = 100;
        Path stateDir = Files.createTempDirectory("zsync-bench-streams-");
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            Topics.createMissing(admin, List.of(INPUT), Optional.of(PARTITIONS), Duration.ofSeconds(30));
            fill(kafka.bootstrapServers(), records, valueBytes);
            List<Double> pass = new ArrayList<>();
            List<Double> zsync = new ArrayList<>();
            for (int round = 1; round <= ROUNDS; round++) {
                pass.add(run(kafka, admin, stateDir, "pass" + round, false, records));
                zsync.add(run(kafka, admin, stateDir, "zsync" + round, true, records));
            }
            double bestPass = pass.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            double bestZsync = zsync.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "%nKafka Streams: %,d records of %d B (4 priorities) from a %d-partition"
                    + " topic to another, 1 stream thread, at_least_once, in-process broker (records/s)%n",
                    records, valueBytes, PARTITIONS));
            sb.append(String.format(Locale.ROOT, "  %-40s %12s %12s %12s%n", "", "round 1", "round 2", "round 3"));
            sb.append(String.format(Locale.ROOT, "  %-40s %,12.0f %,12.0f %,12.0f%n", "RealtimeProcessor (no limit, no drops)",
                    zsync.get(0), zsync.get(1), zsync.get(2)));
            sb.append(String.format(Locale.ROOT, "  %-40s %,12.0f %,12.0f %,12.0f%n", "pass-through processor",
                    pass.get(0), pass.get(1), pass.get(2)));
            sb.append(String.format(Locale.ROOT, "  best of each: RealtimeProcessor / pass-through = %.2fx (target >= 0.9x)%n",
                    bestZsync / bestPass));
            return sb.toString();
        } finally {
            Utils.delete(stateDir.toFile());
        }
    }

    private static void fill(String bootstrap, int records, int valueBytes) throws Exception {
        byte[] value = new byte[valueBytes];
        try (CheckedProducer producer = CheckedProducer.create(bootstrap, Map.of(ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024))) {
            for (int i = 0; i < records; i++) {
                RecordHeaders h = new RecordHeaders();
                h.add(ZsyncHeaders.PRIORITY, LEVELS[i & 3].getBytes(StandardCharsets.UTF_8));
                producer.send(new ProducerRecord<>(INPUT, null, ("k" + i).getBytes(StandardCharsets.UTF_8), value, h));
            }
        }
    }

    private static double run(EmbeddedKafka kafka, Admin admin, Path stateDir, String name, boolean realtime,
                              int records) throws Exception {
        String output = "bench-out-" + name;
        Topics.createMissing(admin, List.of(output, output + ".dlq"), Optional.of(PARTITIONS), Duration.ofSeconds(30));
        Topology topology = new Topology();
        if (realtime) {
            // No rate limit and a buffer that never fills: nothing waits, so this is the processor's own cost.
            Map<String, Object> zsync = new HashMap<>();
            zsync.put("zsync.buffer.max.records", "100000");
            ZsyncStreams.addTo(topology, ZsyncStreams.processor("zsync", zsync), List.of(INPUT), output);
        } else {
            topology.addSource("source", new ByteArrayDeserializer(), new ByteArrayDeserializer(), INPUT);
            topology.addProcessor("pass", PassThrough::new, "source");
            topology.addSink("sink", output, new ByteArraySerializer(), new ByteArraySerializer(), "pass");
        }
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "bench-" + name);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
        List<TopicPartition> partitions = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            partitions.add(new TopicPartition(output, p));
        }
        try (KafkaStreams streams = new KafkaStreams(topology, props)) {
            streams.start();
            long first = -1;
            long firstCount = 0;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (System.nanoTime() < deadline) {
                long count = endOffsets(admin, partitions);
                long now = System.nanoTime();
                if (first < 0 && count > 0) {
                    first = now;
                    firstCount = count;
                }
                if (count >= records) {
                    double rate = (records - firstCount) / ((now - first) / 1e9);
                    System.out.printf(Locale.ROOT, "  %s: %,d records out, %,.0f records/s%n", name, count, rate);
                    return rate;
                }
                Thread.sleep(20);
            }
            throw new IllegalStateException(name + ": not all records arrived within 10 minutes");
        }
    }

    private static long endOffsets(Admin admin, List<TopicPartition> partitions) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(tp -> request.put(tp, OffsetSpec.latest()));
        return admin.listOffsets(request).all().get(30, TimeUnit.SECONDS).values().stream()
                .mapToLong(r -> r.offset()).sum();
    }

    /** The baseline: forwards every record unchanged. */
    private static final class PassThrough implements Processor<byte[], byte[], byte[], byte[]> {
        private ProcessorContext<byte[], byte[]> context;

        @Override
        public void init(ProcessorContext<byte[], byte[]> context) {
            this.context = context;
        }

        @Override
        public void process(Record<byte[], byte[]> record) {
            context.forward(record);
        }
    }

    /**
     * Heap and direct memory taken by one task's buffer holding {@code records} 1 KiB records (rate-limited
     * to one a second, so all of them wait), under {@code TopologyTestDriver} with the real RocksDB store.
     * The changelog records the driver captures are read off as they come, so they are not counted.
     */
    public static String heap(boolean quick) throws Exception {
        int records = quick ? 100_000 : 1_000_000;
        int valueBytes = 1024;
        Path stateDir = Files.createTempDirectory("zsync-bench-heap-");
        Map<String, Object> zsync = new HashMap<>();
        zsync.put("zsync.rate.limit", "1");
        zsync.put("zsync.rate.burst", "1");
        zsync.put("zsync.buffer.max.records", Integer.toString(records + 1));
        zsync.put("zsync.buffer.max.bytes", Long.toString((long) records * (valueBytes + 256)));
        Topology topology = ZsyncStreams.addTo(new Topology(), ZsyncStreams.processor("zsync", zsync),
                List.of("in"), "out");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "bench-heap");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        Instant start = Instant.now();
        long heapBefore;
        long directBefore;
        long heapAfter;
        long directAfter;
        long stillBuffered;
        try (TopologyTestDriver driver = new TopologyTestDriver(topology, props, start)) {
            TestInputTopic<byte[], byte[]> in = driver.createInputTopic("in", new ByteArraySerializer(),
                    new ByteArraySerializer(), start, Duration.ZERO);
            TestOutputTopic<byte[], byte[]> changelog = driver.createOutputTopic("bench-heap-zsync-buffer-changelog",
                    new ByteArrayDeserializer(), new ByteArrayDeserializer());
            TestOutputTopic<byte[], byte[]> out = driver.createOutputTopic("out", new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            in.pipeInput(new TestRecord<>(new byte[1], new byte[valueBytes], new RecordHeaders(), start));
            changelog.readRecordsToList();
            out.readRecordsToList();
            heapBefore = usedHeapAfterGc();
            directBefore = directMemoryUsed();
            byte[] value = new byte[valueBytes];
            for (int i = 0; i < records; i++) {
                RecordHeaders h = new RecordHeaders();
                h.add(ZsyncHeaders.PRIORITY, LEVELS[i & 3].getBytes(StandardCharsets.UTF_8));
                in.pipeInput(new TestRecord<>(("k" + i).getBytes(StandardCharsets.UTF_8), value, h, start));
                if ((i & 0x3FFF) == 0) {
                    changelog.readRecordsToList();
                }
            }
            changelog.readRecordsToList();
            int forwarded = out.readRecordsToList().size();
            heapAfter = usedHeapAfterGc();
            directAfter = directMemoryUsed();
            // One token a second of wall-clock time: a few records leave while the others are piped in.
            if (forwarded > records / 100) {
                throw new IllegalStateException("records were forwarded instead of buffered: " + forwarded);
            }
            stillBuffered = records + 1 - forwarded;
        } finally {
            Utils.delete(stateDir.toFile());
        }
        long heap = heapAfter - heapBefore;
        long direct = directAfter - directBefore;
        return String.format(Locale.ROOT, "%nOne task buffering %,d records of %d B (rate-limited to 1/s: %,d still"
                        + " buffered when measured)%n"
                        + "  heap growth after GC: %,.1f MiB (%,.0f B per record; target < 64 MiB in all)%n"
                        + "  direct (off-heap) buffers: %,.1f MiB (%,.0f B per record); the RocksDB store's native memory"
                        + " and disk are not counted%n",
                records, valueBytes, stillBuffered, heap / 1048576.0, (double) heap / records, direct / 1048576.0,
                (double) direct / records);
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }

    private static long directMemoryUsed() {
        for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (b.getName().equals("direct")) {
                return b.getMemoryUsed();
            }
        }
        return -1;
    }
}

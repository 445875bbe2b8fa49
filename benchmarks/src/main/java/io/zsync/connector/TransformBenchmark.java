package io.zsync.connector;

import io.zsync.connector.predicates.Expired;
import io.zsync.connector.transforms.Checksum;
import io.zsync.connector.transforms.RateLimit;
import io.zsync.connector.transforms.SetDeadline;
import io.zsync.connector.transforms.SetPriority;
import io.zsync.connector.transforms.XorMask;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.transforms.InsertHeader;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One {@code apply} of each zsync transform (and one {@code test} of the predicate) on a source record with
 * a 100-byte value and two headers, next to Kafka's own {@code InsertHeader} on the same record.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TransformBenchmark {
    private SourceRecord record;
    private InsertHeader<SourceRecord> insertHeader;
    private SetPriority<SourceRecord> setPriority;
    private SetDeadline<SourceRecord> setDeadline;
    private Checksum<SourceRecord> checksum;
    private XorMask.Value<SourceRecord> xorMaskValue;
    private RateLimit<SourceRecord> rateLimit;
    private Expired<SourceRecord> expired;

    @Setup
    public void setUp() {
        byte[] value = new byte[100];
        ThreadLocalRandom.current().nextBytes(value);
        ConnectHeaders headers = new ConnectHeaders();
        headers.addString("trace-id", "3f2a9c1e");
        headers.addString("zsync.deadline", Long.toString(System.currentTimeMillis() * 1_000 + 3_600_000_000L));
        record = new SourceRecord(Map.of("p", 0), Map.of("o", 0L), "t", 0, Schema.BYTES_SCHEMA,
                "key-1".getBytes(StandardCharsets.UTF_8), Schema.BYTES_SCHEMA, value, System.currentTimeMillis(), headers);
        insertHeader = new InsertHeader<>();
        insertHeader.configure(Map.of("header", "zsync.priority", "value.literal", "HIGH"));
        setPriority = new SetPriority<>();
        setPriority.configure(Map.of("priority", "HIGH"));
        setDeadline = new SetDeadline<>();
        setDeadline.configure(Map.of("ttl.ms", "60000"));
        checksum = new Checksum<>();
        checksum.configure(Map.of());
        xorMaskValue = new XorMask.Value<>();
        xorMaskValue.configure(Map.of("key.hex", "5a3c7e19"));
        rateLimit = new RateLimit<>();
        rateLimit.configure(Map.of("rate", "1000000000", "burst", "1000000000"));
        expired = new Expired<>();
        expired.configure(Map.of());
    }

    @TearDown
    public void tearDown() {
        insertHeader.close();
        setPriority.close();
        setDeadline.close();
        checksum.close();
        xorMaskValue.close();
        rateLimit.close();
        expired.close();
    }

    @Benchmark
    public SourceRecord insertHeader() {
        return insertHeader.apply(record);
    }

    @Benchmark
    public SourceRecord setPriority() {
        return setPriority.apply(record);
    }

    @Benchmark
    public SourceRecord setDeadline() {
        return setDeadline.apply(record);
    }

    @Benchmark
    public SourceRecord checksum() {
        return checksum.apply(record);
    }

    @Benchmark
    public SourceRecord xorMaskValue() {
        return xorMaskValue.apply(record);
    }

    @Benchmark
    public SourceRecord rateLimitUnderRate() {
        return rateLimit.apply(record);
    }

    @Benchmark
    public boolean expiredPredicate() {
        return expired.test(record);
    }
}

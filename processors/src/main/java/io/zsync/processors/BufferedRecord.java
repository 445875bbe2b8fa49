package io.zsync.processors;

import io.zsync.stream.Priority;
import org.apache.kafka.common.header.Headers;

/**
 * A record held in the realtime buffer: the input record as it arrived, where it came from, and the
 * priority and deadline it was classified with. It is what the changelogged buffer store keeps, so a
 * restarted task can emit it exactly as its predecessor would have.
 *
 * @param topic          the input topic ("" when the record did not come from a topic)
 * @param partition      the input partition, or -1
 * @param offset         the input offset, or -1
 * @param timestamp      the record timestamp, epoch ms
 * @param priority       the level it was classified at
 * @param deadlineMicros its deadline, epoch µs, or {@link io.zsync.stream.StreamMessage#NO_DEADLINE}
 * @param key            the key, or null
 * @param value          the value, or null (a tombstone)
 * @param headers        the headers as they arrived
 */
public record BufferedRecord(String topic, int partition, long offset, long timestamp, Priority priority,
                             long deadlineMicros, byte[] key, byte[] value, Headers headers) {
}

package org.erasure.sink.kafka;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;

/**
 * What a request is told about a topic whose records cannot be deleted: by when retention drops what
 * was written before the request (a record goes with its segment once the segment's newest record is
 * older than {@code retention.ms}; the active segment rolls after {@code segment.ms}), and the oldest
 * record the topic still holds.
 */
final class RetentionNote {
    private RetentionNote() {}

    static String describe(Admin admin, Consumer<byte[], byte[]> consumer, String topic, Instant now, Duration timeout) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config config = KafkaCalls.await(admin.describeConfigs(List.of(resource)).all(), timeout, "configuration of " + topic).get(resource);
        long retention = Long.parseLong(config.get(TopicConfig.RETENTION_MS_CONFIG).value());
        long segment = Long.parseLong(config.get(TopicConfig.SEGMENT_MS_CONFIG).value());
        Instant oldest = oldestRecord(consumer, topic, timeout);
        String held = oldest == null ? "it holds no records now" : "its oldest record is from " + oldest.truncatedTo(ChronoUnit.SECONDS);
        if (retention < 0) {
            return "not erased: " + topic + " is not compacted and keeps records forever (retention.ms=-1); " + held
                    + "; records cannot be deleted one by one: purge or re-create the topic";
        }
        Instant goneBy = now.plusMillis(retention).plusMillis(segment).truncatedTo(ChronoUnit.SECONDS);
        return "not erased: " + topic + " is not compacted; records written before this request are dropped by retention by "
                + goneBy + " (retention.ms=" + retention + ", segment.ms=" + segment + "); " + held;
    }

    /** The smallest timestamp among the first record of each partition, or null when the topic is empty. */
    private static Instant oldestRecord(Consumer<byte[], byte[]> consumer, String topic, Duration timeout) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        if (!consumer.assignment().equals(Set.copyOf(partitions))) {
            consumer.assign(partitions); // one consumer per topic, assigned once (offsets of unassigned partitions make the client warn)
        }
        Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, timeout);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
        List<TopicPartition> nonEmpty = partitions.stream().filter(tp -> end.get(tp) > begin.get(tp)).toList();
        if (nonEmpty.isEmpty()) {
            return null;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        long oldest = Long.MAX_VALUE;
        consumer.resume(partitions);
        nonEmpty.forEach(tp -> consumer.seek(tp, begin.get(tp)));
        Set<TopicPartition> waiting = new HashSet<>(nonEmpty);
        while (!waiting.isEmpty() && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                if (waiting.remove(tp)) {
                    oldest = Math.min(oldest, r.timestamp());
                    consumer.pause(List.of(tp)); // its first record is all this needs
                }
            }
        }
        return oldest == Long.MAX_VALUE ? null : Instant.ofEpochMilli(oldest);
    }
}

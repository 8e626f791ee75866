package org.erasure.cli.kafka;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.IntConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.erasure.cli.common.CliException;
import org.erasure.cli.common.ExitCode;
import org.erasure.events.ErasureCompleted;
import org.erasure.events.serde.EventJson;

/**
 * Reads {@code erasure.completions} without a consumer group (assign + seek): the whole topic for
 * audits, or from a snapshot of end offsets for {@code submit --wait}. Records are parsed one by one
 * so an unreadable record is reported instead of stopping the read.
 */
public final class CompletionLog implements AutoCloseable {

    /** One record: the parsed event, or null with the reason it could not be read. */
    public record Entry(int partition, long offset, Instant timestamp, ErasureCompleted event, String problem) {}

    private final KafkaConsumer<String, byte[]> consumer;
    private final List<TopicPartition> partitions;

    public CompletionLog(Map<String, Object> kafka, String topic, Duration timeout) {
        Map<String, Object> c = new HashMap<>(kafka);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        c.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        this.consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
        try {
            this.partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).sorted(java.util.Comparator.comparingInt(TopicPartition::partition)).toList();
        } catch (KafkaException e) {
            consumer.close(Duration.ZERO);
            throw new CliException(ExitCode.UNREACHABLE, "Kafka is unreachable (" + e.getClass().getSimpleName() + ")");
        }
        if (partitions.isEmpty()) {
            consumer.close(Duration.ZERO);
            throw new CliException(ExitCode.NOT_FOUND, "topic " + topic + " does not exist");
        }
        consumer.assign(partitions);
    }

    /** Where the topic ends now; records written after this are "new". */
    public Map<TopicPartition, Long> endOffsets() {
        return consumer.endOffsets(partitions);
    }

    public Map<TopicPartition, Long> beginningOffsets() {
        return consumer.beginningOffsets(partitions);
    }

    /** Every record currently on the topic, per partition in offset order. */
    public Map<Integer, List<Entry>> readAll() {
        Map<TopicPartition, Long> end = endOffsets();
        consumer.seekToBeginning(partitions);
        Map<Integer, List<Entry>> byPartition = new LinkedHashMap<>();
        partitions.forEach(p -> byPartition.put(p.partition(), new ArrayList<>()));
        while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                    byPartition.get(r.partition()).add(parse(r));
                }
            }
        }
        return byPartition;
    }

    /**
     * Waits until a record has arrived for every request id, reading from {@code from}.
     *
     * @param progress called with the number of ids that have a record so far
     * @return the latest record per id that arrived (fewer than asked when the timeout passed)
     */
    public Map<UUID, ErasureCompleted> await(Set<UUID> ids, Map<TopicPartition, Long> from, Instant deadline, IntConsumer progress) {
        from.forEach(consumer::seek);
        Map<UUID, ErasureCompleted> found = new HashMap<>();
        while (found.size() < ids.size() && Instant.now().isBefore(deadline)) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                Entry e = parse(r);
                if (e.event() != null && ids.contains(e.event().requestId())) {
                    found.put(e.event().requestId(), e.event());
                    progress.accept(found.size());
                }
            }
        }
        return found;
    }

    private static Entry parse(ConsumerRecord<String, byte[]> r) {
        Instant ts = Instant.ofEpochMilli(r.timestamp());
        try {
            return new Entry(r.partition(), r.offset(), ts, EventJson.read(r.value(), ErasureCompleted.class), null);
        } catch (RuntimeException e) {
            return new Entry(r.partition(), r.offset(), ts, null, "not a readable ErasureCompleted (" + e.getClass().getSimpleName() + ")");
        }
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}

package org.erasure.client.log;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.Topics;
import org.erasure.events.serde.EventJson;

/**
 * Reads {@code erasure.requests} (no consumer group), optionally from a time on; unreadable records are skipped and
 * counted. What erasurectl's replay and restore and ingest's restore use to find the requests they re-publish.
 */
public final class RequestLog {

    /** The topic does not exist. */
    public static final class TopicMissing extends RuntimeException {
        TopicMissing(String topic) {
            super("topic " + topic + " does not exist");
        }
    }

    /** Kafka did not answer. */
    public static final class Unreachable extends RuntimeException {
        Unreachable(KafkaException cause) {
            super("Kafka is unreachable (" + cause.getClass().getSimpleName() + ")", cause);
        }
    }

    /** A request and the record timestamp it was published with. */
    public record Entry(ContributorErasureRequested request, Instant timestamp, int partition, long offset) {}

    public record Read(List<Entry> entries, int unreadable) {}

    private RequestLog() {}

    /** Both request lanes; a lane whose topic does not exist (an older deployment) reads as empty. */
    public static Read readLanes(Map<String, Object> kafka, Topics topics, Instant from, Instant to, Duration timeout) {
        List<Entry> entries = new ArrayList<>();
        int unreadable = 0;
        for (String topic : topics.requestLanes()) {
            try {
                Read r = read(kafka, topic, from, to, timeout);
                entries.addAll(r.entries());
                unreadable += r.unreadable();
            } catch (TopicMissing e) {
                if (topic.equals(topics.requests())) {
                    throw e;
                }
            }
        }
        return new Read(entries, unreadable);
    }

    /** The request with this id on either lane, if any. */
    public static java.util.Optional<ContributorErasureRequested> find(Map<String, Object> kafka, Topics topics, java.util.UUID requestId,
                                                                      Duration timeout) {
        return readLanes(kafka, topics, null, null, timeout).entries().stream().map(Entry::request)
                .filter(r -> r.requestId().equals(requestId)).findFirst();
    }

    /**
     * @param from first record time (inclusive), or null for the beginning
     * @param to   end (exclusive), or null for "up to now"
     * @throws TopicMissing when the topic does not exist
     * @throws Unreachable  when Kafka does not answer
     */
    public static Read read(Map<String, Object> kafka, String topic, Instant from, Instant to, Duration timeout) {
        Map<String, Object> c = new HashMap<>(kafka);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        List<Entry> entries = new ArrayList<>();
        int unreadable = 0;
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(topic, timeout).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            if (parts.isEmpty()) {
                throw new TopicMissing(topic);
            }
            consumer.assign(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            if (from == null) {
                consumer.seekToBeginning(parts);
            } else {
                Map<TopicPartition, Long> query = new HashMap<>();
                parts.forEach(p -> query.put(p, from.toEpochMilli()));
                Map<TopicPartition, OffsetAndTimestamp> start = consumer.offsetsForTimes(query);
                for (TopicPartition p : parts) {
                    OffsetAndTimestamp o = start.get(p);
                    consumer.seek(p, o == null ? end.get(p) : o.offset());
                }
            }
            while (parts.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    Instant ts = Instant.ofEpochMilli(r.timestamp());
                    if (r.offset() >= end.get(new TopicPartition(r.topic(), r.partition())) || (to != null && !ts.isBefore(to))) {
                        continue;
                    }
                    try {
                        entries.add(new Entry(EventJson.read(r.value(), ContributorErasureRequested.class), ts, r.partition(), r.offset()));
                    } catch (RuntimeException e) {
                        unreadable++;
                    }
                }
            }
        } catch (KafkaException e) {
            throw new Unreachable(e);
        }
        return new Read(entries, unreadable);
    }
}

package org.erasure.sink.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.StoreException;
import org.erasure.sink.runtime.spi.StoreUnavailableException;

/**
 * Which keys of a compacted topic have a latest value that is a subject's (by key or by a value
 * field: {@link Owners}), and in which partitions: every partition read from its beginning up to the
 * end offsets of the moment of the call. The partitions are those where the values really are,
 * whatever partitioner wrote them, so a tombstone goes where it deletes.
 */
final class LatestValues {
    /**
     * A key whose latest value in each of its partitions belongs to {@code owner}; {@code latest} holds that record
     * per partition (kept as the before-image of its tombstone when the undo window is on).
     */
    record Live(ErasureItem owner, Map<Integer, ConsumerRecord<byte[], byte[]>> latest) {
        Set<Integer> partitions() {
            return latest.keySet();
        }
    }

    private LatestValues() {}

    static Map<String, Live> live(Consumer<byte[], byte[]> consumer, String topic, Owners owners, Duration timeout) {
        Map<String, Live> live = new HashMap<>();
        readToEnd(consumer, topic, timeout, r -> {
            String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
            ErasureItem owner = key == null || r.value() == null ? null : owners.of(key, r.value());
            if (owner == null) { // a tombstone, or a value that is no longer the subject's
                live.computeIfPresent(key == null ? "" : key, (k, in) -> in.partitions().remove(r.partition())
                        && in.partitions().isEmpty() ? null : in);
            } else {
                live.computeIfAbsent(key, k -> new Live(owner, new HashMap<>())).latest().put(r.partition(), r);
            }
        });
        return live;
    }

    /** The latest record (a tombstone too) of each of {@code keys} per partition it has one in. */
    static Map<String, Map<Integer, ConsumerRecord<byte[], byte[]>>> latest(Consumer<byte[], byte[]> consumer, String topic,
                                                                            Set<String> keys, Duration timeout) {
        Map<String, Map<Integer, ConsumerRecord<byte[], byte[]>>> latest = new HashMap<>();
        readToEnd(consumer, topic, timeout, r -> {
            String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
            if (key != null && keys.contains(key)) {
                latest.computeIfAbsent(key, k -> new HashMap<>()).put(r.partition(), r);
            }
        });
        return latest;
    }

    /** Every partition of {@code topic} from its beginning up to the end offsets of this moment, record by record. */
    private static void readToEnd(Consumer<byte[], byte[]> consumer, String topic, Duration timeout,
                                  java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> sink) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            if (!consumer.assignment().equals(Set.copyOf(partitions))) {
                consumer.assign(partitions); // one consumer per topic: assigned once, rewound every read
            }
            consumer.resume(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp, timeout) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new StoreUnavailableException("reading " + topic + " did not reach its end offsets within read-timeout " + timeout);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    sink.accept(r);
                }
            }
        } catch (org.apache.kafka.common.errors.RetriableException e) {
            throw new StoreUnavailableException("reading " + topic + " failed transiently: " + e.getClass().getSimpleName(), e);
        } catch (org.apache.kafka.common.errors.AuthorizationException e) {
            throw new StoreException("KAFKA_NOT_AUTHORIZED", "reading " + topic + " was refused: " + e.getClass().getSimpleName());
        } catch (KafkaException e) {
            throw new StoreUnavailableException("reading " + topic + " failed: " + e.getClass().getSimpleName(), e);
        }
    }
}

package org.erasure.devstack.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** What a topic holds now, read as an auditor would: from the beginning up to the end offsets of the call, committed records only. */
public final class TopicReader {
    private TopicReader() {}

    /** Every committed record of {@code topic} up to the end offsets of now. */
    public static void readAll(KafkaBroker kafka, String topic, Duration timeout, Consumer<ConsumerRecord<String, String>> each) {
        Map<String, Object> config = kafka.consumerConfig("reader-" + topic);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config);
        try {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp, timeout) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("reading " + topic + " did not reach its end offsets in " + timeout);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(each);
            }
        } finally {
            // No close grace: it can wait 30 s for fetches in flight, and callers poll this in loops.
            consumer.close(CloseOptions.timeout(Duration.ZERO));
        }
    }

    /** The latest value per key (a tombstone removes the key), by key. */
    public static Map<String, String> latest(KafkaBroker kafka, String topic, Duration timeout) {
        Map<String, String> latest = new TreeMap<>();
        readAll(kafka, topic, timeout, r -> {
            if (r.value() == null) {
                latest.remove(r.key());
            } else {
                latest.put(r.key(), r.value());
            }
        });
        return latest;
    }
}

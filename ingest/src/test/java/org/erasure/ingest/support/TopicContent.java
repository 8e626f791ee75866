package org.erasure.ingest.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.Topics;
import org.erasure.events.serde.EventSerdes;

/** Reads everything committed on a topic right now (read_committed, up to the end offsets). */
public final class TopicContent {

    private TopicContent() {}

    /** Both request lanes (interactive, then bulk). */
    public static List<ConsumerRecord<String, ContributorErasureRequested>> requests(String bootstrap, Topics topics) {
        List<ConsumerRecord<String, ContributorErasureRequested>> out = new ArrayList<>();
        for (String topic : topics.requestLanes()) {
            out.addAll(requests(bootstrap, topic));
        }
        return out;
    }

    public static List<ConsumerRecord<String, ContributorErasureRequested>> requests(String bootstrap, String topic) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<ConsumerRecord<String, ContributorErasureRequested>> out = new ArrayList<>();
        try (KafkaConsumer<String, ContributorErasureRequested> consumer =
                     new KafkaConsumer<>(c, new StringDeserializer(), EventSerdes.requested().deserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (parts.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topic + " to its end");
                }
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }
}

package org.erasure.verifier.chain;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.erasure.events.integrity.ChainAudit;

/**
 * Reads a completions topic for an audit: every partition from the beginning up to the end offsets
 * taken at start (committed records only), then hands the records to {@link ChainAudit}, the one audit
 * implementation (shared with {@code erasurectl audit verify}; what it reports is described there).
 *
 * <p>Uses a plain consumer without a group (assign + seek), so it changes no committed offsets.
 */
public final class ChainAuditor {
    private ChainAuditor() {}

    /** Audits {@code topic} with the given client settings (bootstrap.servers, security...). */
    public static ChainAudit.Report audit(Map<String, Object> clientConfig, String topic, Duration timeout) {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        Map<Integer, List<ChainAudit.Entry>> byPartition = new TreeMap<>();
        Map<Integer, Long> logStart = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
            if (infos == null || infos.isEmpty()) {
                throw new IllegalArgumentException("topic " + topic + " does not exist");
            }
            List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            partitions.forEach(tp -> byPartition.put(tp.partition(), new ArrayList<>()));
            consumer.assign(partitions);
            consumer.beginningOffsets(partitions, timeout).forEach((tp, offset) -> logStart.put(tp.partition(), offset));
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            Instant deadline = Instant.now().plus(timeout);
            while (!caughtUp(consumer, end)) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("could not read " + topic + " to its end offsets within " + timeout);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                        byPartition.get(r.partition()).add(ChainAudit.Entry.read(r.offset(), keyOf(r), r.value()));
                    }
                }
            }
        }
        return ChainAudit.audit(topic, byPartition, logStart);
    }

    private static boolean caughtUp(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private static String keyOf(ConsumerRecord<byte[], byte[]> r) {
        return r.key() == null ? null : new String(r.key(), java.nio.charset.StandardCharsets.UTF_8);
    }
}

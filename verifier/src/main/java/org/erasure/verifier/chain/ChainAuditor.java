package org.erasure.verifier.chain;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.erasure.events.ErasureCompleted;
import org.erasure.events.EventFormatException;
import org.erasure.events.integrity.ChainVerification;
import org.erasure.events.integrity.IntegrityChain;
import org.erasure.events.serde.EventSerdes;

/**
 * Audits a completions topic: reads every partition from the beginning up to the end offsets
 * taken at start (committed records only), and verifies each partition's hash chain with
 * {@link IntegrityChain#verify}. Reports the first broken or missing link per partition: a
 * modified record (HASH_MISMATCH), a removed/reordered/re-sealed record (LINK_BROKEN), an unsealed
 * record (HASH_MISSING) or an unreadable one (UNREADABLE), with its partition, offset and requestId.
 * It also lists (requestId, revision) pairs that occur more than once (a verifier bug, not tampering).
 *
 * <p>Uses a plain consumer without a group (assign + seek), so it changes no committed offsets.
 */
public final class ChainAuditor {
    private ChainAuditor() {}

    /** What can be wrong with a record of the chain. */
    public enum Problem { HASH_MISSING, HASH_MISMATCH, LINK_BROKEN, UNREADABLE }

    /** The first break of one partition. */
    public record Break(int partition, long offset, String requestId, Problem problem, String message) {}

    public record PartitionAudit(int partition, int records, String lastHash, Optional<Break> firstBreak) {}

    public record Duplicate(String requestId, int revision, List<String> at) {}

    public record Report(String topic, Map<Integer, PartitionAudit> partitions, List<Duplicate> duplicates, Duration took) {
        public boolean ok() {
            return firstBreak().isEmpty() && duplicates.isEmpty();
        }

        public int records() {
            return partitions.values().stream().mapToInt(PartitionAudit::records).sum();
        }

        /** The first break, by partition number. */
        public Optional<Break> firstBreak() {
            return partitions.values().stream().flatMap(p -> p.firstBreak().stream()).findFirst();
        }

        public List<Break> breaks() {
            return partitions.values().stream().flatMap(p -> p.firstBreak().stream()).toList();
        }

        /** One line per partition, for the CLI. */
        public String summary() {
            StringBuilder sb = new StringBuilder();
            sb.append(topic).append(": ").append(ok() ? "OK" : "BROKEN").append(", ").append(records()).append(" records in ")
                    .append(partitions.size()).append(" partitions\n");
            partitions.values().forEach(p -> sb.append("  partition ").append(p.partition()).append(": ").append(p.records())
                    .append(" records, ").append(p.firstBreak().map(b -> b.problem() + " at offset " + b.offset()
                            + " (requestId " + b.requestId() + "): " + b.message()).orElse("OK")).append('\n'));
            duplicates.forEach(d -> sb.append("  duplicate requestId ").append(d.requestId()).append(" revision ")
                    .append(d.revision()).append(" at ").append(d.at()).append('\n'));
            return sb.toString();
        }
    }

    /** Audits {@code topic} with the given client settings (bootstrap.servers, security...). */
    public static Report audit(Map<String, Object> clientConfig, String topic, Duration timeout) {
        Instant start = Instant.now();
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        Map<Integer, List<ConsumerRecord<byte[], byte[]>>> byPartition = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
            if (infos == null || infos.isEmpty()) {
                throw new IllegalArgumentException("topic " + topic + " does not exist");
            }
            List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            partitions.forEach(tp -> byPartition.put(tp.partition(), new ArrayList<>()));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            Instant deadline = Instant.now().plus(timeout);
            while (!caughtUp(consumer, end)) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("could not read " + topic + " to its end offsets within " + timeout);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                        byPartition.get(r.partition()).add(r);
                    }
                }
            }
        }
        Map<Integer, PartitionAudit> audits = new TreeMap<>();
        Map<String, List<String>> revisions = new HashMap<>();
        byPartition.forEach((partition, records) -> audits.put(partition, auditPartition(partition, records, revisions)));
        List<Duplicate> duplicates = new ArrayList<>();
        revisions.forEach((key, at) -> {
            if (at.size() > 1) {
                int sep = key.lastIndexOf('#');
                duplicates.add(new Duplicate(key.substring(0, sep), Integer.parseInt(key.substring(sep + 1)), at));
            }
        });
        return new Report(topic, audits, duplicates, Duration.between(start, Instant.now()));
    }

    private static boolean caughtUp(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    static PartitionAudit auditPartition(int partition, List<ConsumerRecord<byte[], byte[]>> records, Map<String, List<String>> revisions) {
        List<ErasureCompleted> chain = new ArrayList<>(records.size());
        for (ConsumerRecord<byte[], byte[]> r : records) {
            ErasureCompleted c;
            try {
                c = EventSerdes.erasureCompleted().deserializer().deserialize(r.topic(), r.value());
            } catch (EventFormatException e) {
                c = null;
            }
            if (c == null) {
                Break b = new Break(partition, r.offset(), keyOf(r), Problem.UNREADABLE, "record is not a readable ErasureCompleted");
                return new PartitionAudit(partition, records.size(), null, Optional.of(b));
            }
            chain.add(c);
            revisions.computeIfAbsent(c.requestId() + "#" + c.revision(), k -> new ArrayList<>()).add(partition + "@" + r.offset());
        }
        ChainVerification v = IntegrityChain.verify(chain);
        return switch (v) {
            case ChainVerification.Ok ok -> new PartitionAudit(partition, records.size(), ok.lastHash(), Optional.empty());
            case ChainVerification.Broken broken -> {
                ConsumerRecord<byte[], byte[]> at = records.get(broken.index());
                ErasureCompleted c = chain.get(broken.index());
                Break b = new Break(partition, at.offset(), c.requestId().toString(), Problem.valueOf(broken.problem().name()),
                        broken.message().replace("record " + broken.index(), "the record at offset " + at.offset()));
                yield new PartitionAudit(partition, records.size(), null, Optional.of(b));
            }
        };
    }

    private static String keyOf(ConsumerRecord<byte[], byte[]> r) {
        return r.key() == null ? null : new String(r.key(), java.nio.charset.StandardCharsets.UTF_8);
    }
}

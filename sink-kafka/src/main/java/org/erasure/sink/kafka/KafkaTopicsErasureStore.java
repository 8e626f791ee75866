package org.erasure.sink.kafka;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.erasure.events.Phase;
import org.erasure.sink.kafka.LatestValues.Live;
import org.erasure.sink.kafka.TopicsMapping.CompactedTopic;
import org.erasure.sink.runtime.spi.BeforeImage;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.ErasureStore;
import org.erasure.sink.runtime.spi.RequestResult;
import org.erasure.sink.runtime.spi.RestorationLog;
import org.erasure.sink.runtime.spi.StoreException;
import org.erasure.sink.runtime.spi.Tally;
import org.erasure.sink.runtime.spi.TargetResidual;
import org.erasure.sink.runtime.spi.WriteAhead;

/**
 * Contributor data in Kafka: per compacted topic, one read of the topic per batch finds the subject's
 * keys that still have a live value, and a tombstone goes to each (to the partition the value is in);
 * verify reads the topic again. Per retained (not compacted) topic, nothing can be deleted: each
 * request gets a note saying when retention will have dropped the subject's records.
 */
final class KafkaTopicsErasureStore implements ErasureStore {
    static final String REQUEST_HEADER = "erasure.request-id";

    private final Phase phase;
    private final TopicsMapping mapping;
    private final Admin admin;
    private final Supplier<Consumer<byte[], byte[]>> newConsumer;
    private final Map<String, Consumer<byte[], byte[]>> consumers = new HashMap<>(); // per topic, assigned once
    private final Producer<byte[], byte[]> producer;
    private final Counter tombstones;

    KafkaTopicsErasureStore(Phase phase, TopicsMapping mapping, Admin admin, Supplier<Consumer<byte[], byte[]>> newConsumer,
                            Producer<byte[], byte[]> producer, MeterRegistry meters) {
        this.phase = phase;
        this.mapping = mapping;
        this.admin = admin;
        this.newConsumer = newConsumer;
        this.producer = producer;
        this.tombstones = meters.counter("erasure.sink.kafka.tombstones");
    }

    @Override
    public Phase phase() {
        return phase;
    }

    @Override
    public List<String> targets() {
        return mapping.targets();
    }

    @Override
    public Map<UUID, RequestResult> erase(ErasureBatch batch, WriteAhead writeAhead) {
        Tally tally = new Tally(targets());
        Map<CompactedTopic, Map<String, Live>> live = new LinkedHashMap<>();
        for (CompactedTopic topic : mapping.compacted()) {
            live.put(topic, read(topic, batch));
            live.get(topic).forEach((key, l) -> tally.deleted(l.owner(), topic.name(), l.partitions().size()));
        }
        if (writeAhead.restoration().enabled()) {
            // What each tombstone will hide, kept before the tombstone is sent (and before the announcement).
            List<BeforeImage> images = new ArrayList<>();
            live.forEach((topic, keys) -> images.addAll(TombstoneImages.of(topic.name(), keys)));
            writeAhead.restoration().keep(images);
        }
        writeAhead.record(tally.planned(batch.executes()));
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        live.forEach((topic, keys) -> keys.forEach((key, l) -> {
            ErasureItem owner = l.owner();
            for (int partition : owner.dryRun() ? Set.<Integer>of() : l.partitions()) {
                RecordHeaders headers = new RecordHeaders();
                headers.add(REQUEST_HEADER, owner.requestId().toString().getBytes(StandardCharsets.UTF_8));
                sent.add(producer.send(new ProducerRecord<>(topic.name(), partition, key.getBytes(StandardCharsets.UTF_8), null, headers)));
            }
        }));
        producer.flush();
        sent.forEach(f -> KafkaCalls.await(f, mapping.readTimeout(), "tombstones"));
        tombstones.increment(sent.size());
        Map<String, String> notes = new HashMap<>();
        for (String topic : mapping.retained()) {
            notes.put(topic, RetentionNote.describe(admin, consumer(topic), topic, Instant.now(), mapping.readTimeout()));
        }
        return tally.results(batch.items(), (item, target, result) -> {
            String note = notes.get(targets().get(target));
            return note == null ? result : result.withNote(note);
        });
    }

    @Override
    public Map<UUID, List<TargetResidual>> verify(ErasureBatch batch) {
        Tally tally = new Tally(targets());
        for (CompactedTopic topic : mapping.compacted()) {
            read(topic, batch).forEach((key, l) -> tally.found(l.owner(), topic.name(), l.partitions().size()));
        }
        return tally.residuals(batch.items());
    }

    /**
     * Re-produces each kept record (key, value, headers) to its partition where the key's latest record there is
     * still this request's tombstone, or is gone (the tombstone compacted away after {@code delete.retention.ms}).
     * A key written or deleted by anyone else since the erasure is left alone.
     */
    @Override
    public Map<String, Long> restore(UUID requestId, List<BeforeImage> images, RestorationLog log) {
        Map<String, Map<String, TombstoneImages.Entry>> byTopic = new LinkedHashMap<>();
        for (BeforeImage image : images) {
            if (mapping.compacted().stream().noneMatch(t -> t.name().equals(image.target()))) {
                throw new StoreException("KAFKA_UNKNOWN_TARGET", "a before-image names a topic this sink does not erase");
            }
            Map<String, TombstoneImages.Entry> slots = byTopic.computeIfAbsent(image.target(), t -> new LinkedHashMap<>());
            TombstoneImages.decode(image.content()).forEach(e -> slots.put(e.slot(), e));
        }
        byte[] ours = requestId.toString().getBytes(StandardCharsets.UTF_8);
        Map<String, Long> restored = new LinkedHashMap<>();
        byTopic.forEach((topic, slots) -> {
            Set<String> keys = new java.util.HashSet<>();
            slots.values().forEach(e -> keys.add(new String(e.k(), StandardCharsets.UTF_8)));
            var latest = LatestValues.latest(consumer(topic), topic, keys, mapping.readTimeout());
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (TombstoneImages.Entry e : slots.values()) {
                ConsumerRecord<byte[], byte[]> now = latest.getOrDefault(new String(e.k(), StandardCharsets.UTF_8), Map.of()).get(e.p());
                Header by = now == null ? null : now.headers().lastHeader(REQUEST_HEADER);
                if (now == null || (now.value() == null && by != null && Arrays.equals(by.value(), ours))) {
                    sent.add(producer.send(new ProducerRecord<>(topic, e.p(), e.k(), e.v(), e.headers())));
                }
            }
            producer.flush();
            sent.forEach(f -> KafkaCalls.await(f, mapping.readTimeout(), "restored records"));
            restored.put(topic, (long) sent.size());
        });
        return restored;
    }

    private Map<String, Live> read(CompactedTopic topic, ErasureBatch batch) {
        return LatestValues.live(consumer(topic.name()), topic.name(), new Owners(topic, batch.items()), mapping.readTimeout());
    }

    private Consumer<byte[], byte[]> consumer(String topic) {
        return consumers.computeIfAbsent(topic, t -> newConsumer.get());
    }

    @Override
    public void checkReachable() {
        KafkaCalls.await(admin.describeCluster().nodes(), Duration.ofSeconds(5), "Kafka cluster");
    }

    @Override
    public void close() {
        Duration grace = Duration.ofSeconds(5);
        producer.close(grace);
        consumers.values().forEach(c -> c.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(grace)));
        admin.close(grace);
    }
}

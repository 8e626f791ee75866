package org.erasure.sink.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.erasure.sink.runtime.testkit.StoreFixture.byTarget;
import static org.erasure.sink.runtime.testkit.StoreFixture.residual;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.events.Mode;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.RequestResult;
import org.erasure.sink.runtime.spi.RestorationLog;
import org.erasure.sink.runtime.spi.StoreException;
import org.erasure.sink.runtime.testkit.Announced;
import org.erasure.sink.runtime.testkit.KeptImages;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The undo window: tombstone 50 contributors keeping what the tombstones hide, re-produce 10 of them. */
@DevStackTest
class KafkaUndoTest {
    private static final Logger log = LoggerFactory.getLogger(KafkaUndoTest.class);
    private static final int ERASED = 50;
    private static final int RESTORED = 10;

    @Test
    void eraseFiftyRestoreTenByteForByteTheOthersStayErased(KafkaBroker kafka, TestNames names) throws Exception {
        KafkaTopicsErasureStoreTest.Topics t = KafkaTopicsErasureStoreTest.Topics.create(kafka, names);
        seed(kafka, t.profiles(), 0, 60);
        seed(kafka, t.profiles(), 100, 200);
        Map<String, Map<Integer, String>> before = live(kafka, t.profiles());
        assertThat(before.get("worker:w7")).hasSize(3);

        try (KafkaTopicsErasureStore store = (KafkaTopicsErasureStore) new KafkaTopicsStoreModule().create(t.config(kafka), new SimpleMeterRegistry())) {
            KeptImages kept = new KeptImages();
            List<ErasureItem> dry = IntStream.range(50, 55).mapToObj(i -> KafkaTopicsErasureStoreTest.item(i, Mode.DRY_RUN)).toList();
            Announced.erase(store, new ErasureBatch(dry), kept);
            dry.forEach(d -> assertThat(kept.count(d.requestId())).isZero());

            List<ErasureItem> items = IntStream.range(0, ERASED).mapToObj(i -> KafkaTopicsErasureStoreTest.item(i, Mode.EXECUTE)).toList();
            long t0 = System.nanoTime();
            Map<UUID, RequestResult> erased = Announced.erase(store, new ErasureBatch(items), kept);
            long keepingMs = (System.nanoTime() - t0) / 1_000_000;
            for (int i = 0; i < ERASED; i++) {
                assertThat(byTarget(erased.get(items.get(i).requestId())).get(t.profiles()).deleted()).isEqualTo(i == 7 ? 4 : 2);
                kept.assertNothingInClear(("person" + i + "@example.org").getBytes(StandardCharsets.UTF_8));
            }
            Map<String, Map<Integer, String>> after = live(kafka, t.profiles());
            for (int i = 0; i < 60; i++) {
                for (String key : List.of("c" + i, "worker:w" + i)) {
                    assertThat(after.get(key)).as(key).isEqualTo(i < ERASED ? null : before.get(key));
                }
            }

            // Restore ten: their latest records (value, headers, partition) are back, counted as erased.
            for (int i = 0; i < RESTORED; i++) {
                UUID id = items.get(i).requestId();
                List<org.erasure.sink.runtime.spi.BeforeImage> images = new ArrayList<>(kept.images(id));
                if (i == 0) {
                    images.addAll(kept.images(id)); // kept twice (a re-run): re-produced once
                }
                assertThat(store.restore(id, images, kept)).containsExactly(Map.entry(t.profiles(), byTarget(erased.get(id)).get(t.profiles()).deleted()));
            }
            Map<String, Map<Integer, String>> restored = live(kafka, t.profiles());
            for (int i = 0; i < 60; i++) {
                for (String key : List.of("c" + i, "worker:w" + i)) {
                    boolean gone = i >= RESTORED && i < ERASED;
                    assertThat(restored.get(key)).as(key).isEqualTo(gone ? null : before.get(key));
                }
            }
            List<ErasureItem> others = items.subList(RESTORED, ERASED);
            store.verify(new ErasureBatch(others)).values().forEach(rs -> assertThat(residual(rs)).isZero());

            // A second restore re-produces nothing.
            for (int i = 0; i < RESTORED; i++) {
                assertThat(kept.restore(store, items.get(i).requestId()).values()).containsOnly(0L);
            }
            assertThat(live(kafka, t.profiles())).isEqualTo(restored);

            // After the window: the images no longer open; the topic is unchanged.
            UUID shredded = items.get(RESTORED).requestId();
            kept.shred(shredded);
            assertThatThrownBy(() -> kept.restore(store, shredded)).isInstanceOfSatisfying(StoreException.class,
                    e -> assertThat(e.code()).isEqualTo("RESTORATION_KEY_SHREDDED"));
            assertThat(live(kafka, t.profiles())).isEqualTo(restored);

            // Written after the erasure: c11's new profile stays; only its worker key comes back.
            int late = RESTORED + 1;
            try (KafkaProducer<byte[], byte[]> p = producer(kafka)) {
                p.send(new ProducerRecord<>(t.profiles(), bytes("c" + late), bytes("{\"name\":\"new\"}"))).get();
            }
            assertThat(kept.restore(store, items.get(late).requestId())).containsExactly(Map.entry(t.profiles(), 1L));
            Map<String, Map<Integer, String>> lateNow = live(kafka, t.profiles());
            assertThat(lateNow.get("c" + late).values()).singleElement().asString().startsWith(HexFormat.of().formatHex(bytes("{\"name\":\"new\"}")));
            assertThat(lateNow.get("worker:w" + late)).isEqualTo(before.get("worker:w" + late));

            // Cost: 50 more contributors without, then 50 with the undo window (warm).
            long[] ms = new long[2];
            for (int run = 0; run < 2; run++) {
                int from = 100 + run * 50;
                List<ErasureItem> batch = IntStream.range(from, from + 50).mapToObj(i -> KafkaTopicsErasureStoreTest.item(i, Mode.EXECUTE)).toList();
                long t1 = System.nanoTime();
                Announced.erase(store, new ErasureBatch(batch), run == 0 ? RestorationLog.OFF : new KeptImages());
                ms[run] = (System.nanoTime() - t1) / 1_000_000;
            }
            String line = "MEASURED kafka erase of %d contributors (100 live keys, topic of 3 partitions): first %d ms keeping before-images; warm: %d ms without, %d ms keeping"
                    .formatted(ERASED, keepingMs, ms[0], ms[1]);
            log.info(line);
            System.out.println(line);
        }
    }

    /** Contributors [from, to): a JSON profile with headers (one binary), a binary worker value; w7 in all 3 partitions. */
    private static void seed(KafkaBroker kafka, String topic, int from, int to) throws Exception {
        List<Future<?>> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> p = producer(kafka)) {
            for (int i = from; i < to; i++) {
                RecordHeaders headers = new RecordHeaders();
                headers.add("source", bytes("crm"));
                headers.add("trace", new byte[] {(byte) 0xca, (byte) 0xfe, (byte) i});
                sent.add(p.send(new ProducerRecord<>(topic, null, bytes("c" + i), bytes("{\"name\":\"old\"}"), headers)));
                sent.add(p.send(new ProducerRecord<>(topic, null, bytes("c" + i),
                        bytes("{\"name\":\"person " + i + "\",\"email\":\"person" + i + "@example.org\"}"), headers)));
                sent.add(p.send(new ProducerRecord<>(topic, bytes("worker:w" + i), new byte[] {0, (byte) 0xff, (byte) i})));
            }
            if (from == 0) {
                for (int partition = 0; partition < 3; partition++) {
                    sent.add(p.send(new ProducerRecord<>(topic, partition, bytes("worker:w7"), new byte[] {7, (byte) partition})));
                }
            }
        }
        for (Future<?> f : sent) {
            f.get();
        }
    }

    /** Live keys: per key, per partition whose latest record is not a tombstone, its value and headers as hex. */
    static Map<String, Map<Integer, String>> live(KafkaBroker kafka, String topic) {
        Map<String, Object> config = kafka.clientConfig();
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        Map<String, Map<Integer, String>> latest = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = c.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = c.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    Map<Integer, String> byPartition = latest.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new TreeMap<>());
                    if (r.value() == null) {
                        byPartition.remove(r.partition());
                    } else {
                        StringBuilder s = new StringBuilder(HexFormat.of().formatHex(r.value()));
                        for (Header h : r.headers()) {
                            s.append(' ').append(h.key()).append('=').append(HexFormat.of().formatHex(h.value()));
                        }
                        byPartition.put(r.partition(), s.toString());
                    }
                }
            }
        }
        latest.values().removeIf(Map::isEmpty);
        return latest;
    }

    private static KafkaProducer<byte[], byte[]> producer(KafkaBroker kafka) {
        Map<String, Object> config = kafka.producerConfig();
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return new KafkaProducer<>(config);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

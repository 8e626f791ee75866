package org.erasure.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.devstack.kafka.TopicReader;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureReason;
import org.erasure.events.Mode;
import org.erasure.events.serde.EventJson;
import org.junit.jupiter.api.Test;

/**
 * On the real broker: sealed requests, their keys on a compacted topic, one key shredded; once the log
 * cleaner has run, reading both topics from the beginning finds no usable key and no plain identifier for
 * that request, and every other request still opens.
 */
@DevStackTest
class CryptoShreddingTest {
    private static final Duration READ = Duration.ofSeconds(30);

    @Test
    void aShreddedKeyIsPhysicallyGoneAndItsRequestNoLongerOpens(KafkaBroker kafka, TestNames names) throws Exception {
        // Tiny segments and compaction lag so the cleaner acts within the test; the production defaults are an hour each.
        KeyTopic keyTopic = new KeyTopic(names.topic("request-keys"), 1, (short) 1, Duration.ofMillis(200),
                Duration.ofMillis(200), Duration.ofMillis(200), Duration.ZERO);
        String requestsTopic = names.topic("requests");
        kafka.createTopics(1, List.of(requestsTopic));
        KeyEncryptionKey kek = EnvelopeTest.randomKek("kek-test");

        Map<UUID, ContributorErasureRequested> plain = new LinkedHashMap<>();
        for (int i = 0; i < 5; i++) {
            ContributorErasureRequested r = ContributorErasureRequested.builder().contributorId("c-" + i)
                    .identifiers(List.of("person-" + i + "@shred.example.com"), List.of("worker-" + i))
                    .requestedBy("test").reason(ErasureReason.USER_REQUEST).mode(Mode.EXECUTE).build();
            plain.put(r.requestId(), r);
        }
        List<UUID> ids = new ArrayList<>(plain.keySet());
        UUID victim = ids.get(0);
        String victimEmail = plain.get(victim).identifiers().emails().get(0);

        // A producer seals (key stored first) and publishes.
        try (RequestKeys producerKeys = new RequestKeys(new Envelope(kek), KafkaKeyStore.open(keyTopic, kafka.clientConfig(), READ));
             KafkaProducer<String, String> producer = new KafkaProducer<>(kafka.producerConfig())) {
            for (ContributorErasureRequested r : plain.values()) {
                ContributorErasureRequested sealed = producerKeys.seal(r);
                producer.send(new ProducerRecord<>(requestsTopic, sealed.kafkaKey(), EventJson.writeString(sealed))).get();
            }
        }
        assertThat(TopicReader.latest(kafka, keyTopic.name(), READ)).containsKey(victim.toString());

        // Another process (a sink) reads the requests and opens them with its own view of the key topic.
        KafkaKeyStore readerStore = KafkaKeyStore.open(keyTopic, kafka.clientConfig(), READ);
        try (RequestKeys reader = new RequestKeys(new Envelope(kek), readerStore)) {
            Map<UUID, Opening> before = reader.openAll(readRequests(kafka, requestsTopic));
            assertThat(before).hasSize(5);
            before.forEach((id, o) -> assertThat(o).isEqualTo(new Opening.Opened(plain.get(id))));

            long shredAt = System.nanoTime();
            reader.shred(victim);
            // Writes after the shred roll the tombstone's segment (the shredding job's roll marker does this when idle).
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).until(() -> {
                readerStore.writeRollMarker();
                return keyRecords(kafka, keyTopic.name()).stream()
                        .noneMatch(r -> victim.toString().equals(r.key()) && r.value() != null);
            });
            System.out.printf("shredded key's record removed by compaction %d ms after the shred%n",
                    Duration.ofNanos(System.nanoTime() - shredAt).toMillis());

            // From the beginning of both topics: no usable key for the victim, no plain identifier of anybody.
            List<ConsumerRecord<String, String>> keyRecords = keyRecords(kafka, keyTopic.name());
            assertThat(keyRecords).filteredOn(r -> victim.toString().equals(r.key())).allSatisfy(r -> assertThat(r.value()).isNull());
            assertThat(keyRecords).filteredOn(r -> r.value() != null).extracting(ConsumerRecord::key)
                    .containsExactlyInAnyOrderElementsOf(ids.subList(1, 5).stream().map(UUID::toString).toList());
            List<ConsumerRecord<String, String>> requestRecords = new ArrayList<>();
            TopicReader.readAll(kafka, requestsTopic, READ, requestRecords::add);
            assertThat(requestRecords).hasSize(5);
            for (ConsumerRecord<String, String> r : concat(keyRecords, requestRecords)) {
                assertThat(text(r)).as("%s offset %d", r.topic(), r.offset())
                        .doesNotContain(victimEmail).doesNotContain("@shred.example.com").doesNotContain("worker-");
            }

            // A fresh reader (nothing cached) finds the victim shredded and opens the others.
            try (RequestKeys fresh = new RequestKeys(new Envelope(kek), KafkaKeyStore.open(keyTopic, kafka.clientConfig(), READ))) {
                Map<UUID, Opening> after = fresh.openAll(readRequests(kafka, requestsTopic));
                assertThat(after.get(victim)).isEqualTo(new Opening.KeyShredded(victim));
                ids.subList(1, 5).forEach(id -> assertThat(after.get(id)).isEqualTo(new Opening.Opened(plain.get(id))));
            }
        }
        // Nor did anything in this JVM log an identifier (logback-test.xml writes every line to this file).
        java.nio.file.Path log = java.nio.file.Path.of("target/test-logs/test-jvm.log");
        assertThat(log).exists();
        assertThat(java.nio.file.Files.readString(log)).doesNotContain("@shred.example.com").doesNotContain("worker-");
    }

    private static List<ContributorErasureRequested> readRequests(KafkaBroker kafka, String topic) {
        List<ContributorErasureRequested> out = new ArrayList<>();
        TopicReader.readAll(kafka, topic, READ, r -> out.add(EventJson.read(r.value().getBytes(StandardCharsets.UTF_8),
                ContributorErasureRequested.class)));
        return out;
    }

    private static List<ConsumerRecord<String, String>> keyRecords(KafkaBroker kafka, String topic) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        TopicReader.readAll(kafka, topic, READ, out::add);
        return out;
    }

    private static List<ConsumerRecord<String, String>> concat(List<ConsumerRecord<String, String>> a, List<ConsumerRecord<String, String>> b) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** Everything a record carries, as text: key, value and headers. */
    private static String text(ConsumerRecord<String, String> r) {
        StringBuilder sb = new StringBuilder().append(r.key()).append('|').append(r.value());
        for (Header h : r.headers()) {
            sb.append('|').append(h.key()).append('=').append(h.value() == null ? "" : new String(h.value(), StandardCharsets.ISO_8859_1));
        }
        return sb.toString();
    }
}

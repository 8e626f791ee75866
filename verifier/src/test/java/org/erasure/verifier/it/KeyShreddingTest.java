package org.erasure.verifier.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.erasure.verifier.it.BrokerSupport.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureCompleted;
import org.erasure.events.Outcome;
import org.erasure.events.Phase;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.PhaseStatus;
import org.erasure.events.Topics;
import org.erasure.events.integrity.IntegrityChain;
import org.erasure.keys.Envelope;
import org.erasure.keys.KafkaKeyStore;
import org.erasure.keys.KeyEncryptionKey;
import org.erasure.keys.KeyTopic;
import org.erasure.keys.Opening;
import org.erasure.keys.RequestKeys;
import org.erasure.verifier.Events;
import org.erasure.verifier.VerifierService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shredding schedule on the dev-stack broker, with {@code verifier.keys.shred-after} = 3 s: a sealed request
 * completes, its key is tombstoned on the key topic, the revision with {@code shreddedAt} follows on the completion
 * topic and chains, a fresh reader gets KEY_SHREDDED; a FAILED sealed request keeps its key.
 */
@DevStackTest
class KeyShreddingTest {

    @TempDir
    Path stateDir;

    @Test
    void aCompletedSealedRequestsKeyIsShreddedAndTheRevisionRecordsIt(KafkaBroker kafka, TestNames names) throws Exception {
        createTopics(kafka, names, 1);
        Topics topics = topics(names);
        byte[] material = new byte[32];
        new SecureRandom().nextBytes(material);
        String kek = Base64.getEncoder().encodeToString(material);
        KeyTopic keyTopic = new KeyTopic(names.topic("request-keys"), 1, (short) 1, Duration.ofHours(1), Duration.ofHours(1),
                Duration.ofHours(1), Duration.ofMinutes(1));
        ContributorErasureRequested completed = Events.request("shred-1", Instant.now()).identifiers(List.of("shred-1@example.com"), List.of()).build();
        ContributorErasureRequested failed = Events.request("shred-2", Instant.now()).identifiers(List.of("shred-2@example.com"), List.of()).build();
        try (RequestKeys keys = new RequestKeys(new Envelope(KeyEncryptionKey.fromBase64("kek-1", kek)),
                KafkaKeyStore.open(keyTopic, kafka.clientConfig(), Duration.ofSeconds(30)));
             KafkaProducer<String, String> producer = producer(kafka)) {
            send(producer, topics, keys.seal(completed));
            Events.all(completed, PhaseStatus.SUCCEEDED).forEach(p -> send(producer, topics, p));
            send(producer, topics, keys.seal(failed));
            for (PhaseCompleted p : Events.all(failed, PhaseStatus.SUCCEEDED)) {
                send(producer, topics, p.phase() == Phase.S3 ? Events.report(failed, Phase.S3, PhaseStatus.FAILED, 1) : p);
            }
            producer.flush();
        }
        Map<String, Object> settings = settings(kafka, names, 1, stateDir);
        settings.put("verifier.keys.kek", kek);
        settings.put("verifier.keys.topic.name", keyTopic.name());
        settings.put("verifier.keys.shred-after", "3s");
        settings.put("verifier.keys.shred-interval", "500ms");
        try (VerifierService verifier = VerifierService.start(config(settings))) {
            List<ErasureCompleted> out = readCompletions(kafka, topics.completions(), 3, Duration.ofSeconds(90))
                    .stream().map(Read::record).toList();
            assertThat(out).extracting(ErasureCompleted::requestId, ErasureCompleted::revision, ErasureCompleted::outcome)
                    .containsExactlyInAnyOrder(
                            org.assertj.core.groups.Tuple.tuple(completed.requestId(), 1, Outcome.COMPLETED),
                            org.assertj.core.groups.Tuple.tuple(failed.requestId(), 1, Outcome.FAILED),
                            org.assertj.core.groups.Tuple.tuple(completed.requestId(), 2, Outcome.COMPLETED));
            ErasureCompleted first = out.stream().filter(r -> r.requestId().equals(completed.requestId()) && r.revision() == 1).findFirst().orElseThrow();
            ErasureCompleted revision = out.stream().filter(r -> r.revision() == 2).findFirst().orElseThrow();
            assertThat(revision.shreddedAt()).isAfterOrEqualTo(first.completedAt().plusSeconds(3));
            assertThat(revision.totals()).isEqualTo(first.totals());
            assertThat(out).filteredOn(r -> r.revision() == 1).allSatisfy(r -> assertThat(r.shreddedAt()).isNull());
            assertThat(IntegrityChain.verify(out).isOk()).isTrue();

            // What erasurectl status shows (through ingest): the verifier's answer names shreddedAt.
            JsonNode status = new ObjectMapper().readTree(HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + verifier.httpPort() + "/erasures/" + completed.requestId())).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            assertThat(status.get("shreddedAt").asText()).isEqualTo(revision.shreddedAt().toString());
        }

        // The key topic holds a tombstone for the shredded request, and a fresh reader cannot open it.
        assertThat(tombstoned(kafka, keyTopic.name())).contains(completed.requestId().toString())
                .doesNotContain(failed.requestId().toString());
        try (RequestKeys fresh = new RequestKeys(new Envelope(KeyEncryptionKey.fromBase64("kek-1", kek)),
                KafkaKeyStore.open(keyTopic, kafka.clientConfig(), Duration.ofSeconds(30)))) {
            ContributorErasureRequested sealedCompleted = completed.withSealedIdentifiers(
                    org.erasure.events.SealedIdentifiers.of("k", new byte[] {1}));
            assertThat(fresh.open(sealedCompleted)).isInstanceOf(Opening.KeyShredded.class);
            assertThat(((Opening.KeyShredded) fresh.open(sealedCompleted)).code()).isEqualTo("KEY_SHREDDED");
            assertThat(fresh.openAll(List.of(failed.withSealedIdentifiers(org.erasure.events.SealedIdentifiers.of("k", new byte[] {1}))))
                    .get(failed.requestId())).as("a FAILED request keeps its key").isNotInstanceOf(Opening.KeyShredded.class);
        }
    }

    /** Keys of the tombstones on the key topic, read from its beginning. */
    private static List<String> tombstoned(KafkaBroker kafka, String topic) {
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(kafka.clientConfig(), new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() == null) {
                        out.add(r.key());
                    }
                }
                return partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p));
            });
        }
        return out;
    }
}

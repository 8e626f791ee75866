package org.erasure.ingest.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.devstack.kafka.TopicReader;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.Topics;
import org.erasure.events.serde.EventJson;
import org.erasure.ingest.support.TestIngest;
import org.erasure.keys.Envelope;
import org.erasure.keys.KafkaKeyStore;
import org.erasure.keys.KeyEncryptionKey;
import org.erasure.keys.Opening;
import org.erasure.keys.RequestKeys;
import org.junit.jupiter.api.Test;

/** With {@code ingest.keys.encrypt} on, what ingest publishes carries no identifier in clear, and opens with the key topic. */
@DevStackTest
class SealedIngestTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void publishedRequestsAreSealedAndOpenWithTheirKeys(KafkaBroker kafka, TestNames names) throws Exception {
        Topics topics = Topics.withPrefix(names.stem() + ".");
        kafka.createTopics(3, List.of(topics.requests(), topics.requestsBulk(), topics.completions()));
        byte[] material = new byte[32];
        new SecureRandom().nextBytes(material);
        String kek = Base64.getEncoder().encodeToString(material);
        String keyTopic = names.topic("request-keys");
        Map<String, Object> config = TestIngest.baseConfig(kafka.bootstrapServers(), topics.prefix(), "jdbc:postgresql://127.0.0.1:9/unused", "public",
                "http://127.0.0.1:9");
        config.put("ingest.resolution.mode", "off"); // no PostgreSQL: the request carries its identifiers
        config.put("ingest.keys.encrypt", true);
        config.put("ingest.keys.kek", kek);
        config.put("ingest.keys.topic.name", keyTopic);
        config.put("ingest.keys.topic.replication-factor", 1);

        String email = "sealed.person@ingest.example.com";
        try (IngestApp app = IngestApp.start(TestIngest.settings(config))) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + "/v1/erasures"))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer " + TestIngest.SUBMIT_TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"contributorId\":\"4242\",\"identifiers\":{\"emails\":[\"" + email
                            + "\"],\"workerIds\":[\"wk-4242\"]},\"reason\":\"ACCOUNT_CLOSED\",\"mode\":\"EXECUTE\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(202);
        }

        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        TopicReader.readAll(kafka, topics.requests(), Duration.ofSeconds(30), records::add);
        assertThat(records).hasSize(1);
        assertThat(records.getFirst().value()).doesNotContain(email).doesNotContain("wk-4242").contains("sealedIdentifiers");
        List<ConsumerRecord<String, String>> keyRecords = new ArrayList<>();
        TopicReader.readAll(kafka, keyTopic, Duration.ofSeconds(30), keyRecords::add);
        assertThat(keyRecords).hasSize(1).allSatisfy(k -> assertThat(k.value()).doesNotContain(email).doesNotContain("wk-4242"));

        ContributorErasureRequested sealed = EventJson.read(records.getFirst().value().getBytes(StandardCharsets.UTF_8),
                ContributorErasureRequested.class);
        assertThat(sealed.hasSealedIdentifiers()).isTrue();
        try (RequestKeys keys = new RequestKeys(new Envelope(KeyEncryptionKey.fromBase64("kek-1", kek)),
                KafkaKeyStore.open(TestIngest.settings(config).keys().topic(), kafka.clientConfig(), Duration.ofSeconds(30)))) {
            Opening opened = keys.open(sealed);
            assertThat(opened).isInstanceOf(Opening.Opened.class);
            assertThat(((Opening.Opened) opened).request().identifiers().emails()).containsExactly(email);
            assertThat(((Opening.Opened) opened).request().identifiers().workerIds()).containsExactly("wk-4242");
        }

        // Encryption on without a key-encryption key does not start.
        config.remove("ingest.keys.kek");
        assertThatThrownBy(() -> TestIngest.settings(config)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("ingest.keys").hasMessageContaining("kek is not set");
    }
}

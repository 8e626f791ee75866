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
import java.util.UUID;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.devstack.kafka.TopicReader;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.Mode;
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

    private static HttpResponse<String> post(IngestApp app, String path, String token, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anAdminRestoresAnErasureWithASealedRestoreRequestOnTheInteractiveLane(KafkaBroker kafka, TestNames names) throws Exception {
        Topics topics = Topics.withPrefix(names.stem() + ".");
        kafka.createTopics(3, List.of(topics.requests(), topics.requestsBulk(), topics.completions()));
        byte[] material = new byte[32];
        new SecureRandom().nextBytes(material);
        String kek = Base64.getEncoder().encodeToString(material);
        // The verifier's answer for a request: FINAL once its erasure has a final record, PENDING before.
        java.util.Set<String> finalRecords = java.util.concurrent.ConcurrentHashMap.newKeySet();
        com.sun.net.httpserver.HttpServer verifier = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        verifier.createContext("/erasures/", exchange -> {
            String id = exchange.getRequestURI().getPath().substring("/erasures/".length());
            byte[] body = ("{\"requestId\":\"" + id + "\",\"status\":\"" + (finalRecords.contains(id) ? "FINAL" : "PENDING") + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        verifier.start();
        Map<String, Object> config = TestIngest.baseConfig(kafka.bootstrapServers(), topics.prefix(), "jdbc:postgresql://127.0.0.1:9/unused", "public",
                "http://127.0.0.1:" + verifier.getAddress().getPort());
        config.put("ingest.resolution.mode", "off");
        config.put("ingest.keys.encrypt", true);
        config.put("ingest.keys.kek", kek);
        config.put("ingest.keys.topic.name", names.topic("request-keys"));
        config.put("ingest.keys.topic.replication-factor", 1);
        String email = "restored.person@ingest.example.com";
        String item = "{\"contributorId\":\"%s\",\"identifiers\":{\"emails\":[\"%s\"]},\"reason\":\"ACCOUNT_CLOSED\",\"mode\":\"%s\"}";
        try (IngestApp app = IngestApp.start(TestIngest.settings(config))) {
            assertThat(post(app, "/v1/erasures", TestIngest.SUBMIT_TOKEN, item.formatted("4343", email, "EXECUTE")).statusCode()).isEqualTo(202);
            assertThat(post(app, "/v1/erasures", TestIngest.SUBMIT_TOKEN, item.formatted("4344", "dry@ingest.example.com", "DRY_RUN")).statusCode())
                    .isEqualTo(202);
            List<ContributorErasureRequested> submitted = new ArrayList<>();
            TopicReader.readAll(kafka, topics.requests(), Duration.ofSeconds(30),
                    r -> submitted.add(EventJson.read(r.value().getBytes(StandardCharsets.UTF_8), ContributorErasureRequested.class)));
            UUID erasure = submitted.stream().filter(r -> r.mode() == Mode.EXECUTE).findFirst().orElseThrow().requestId();
            UUID dryRun = submitted.stream().filter(r -> r.mode() == Mode.DRY_RUN).findFirst().orElseThrow().requestId();

            assertThat(post(app, "/v1/erasures/" + erasure + "/restore", TestIngest.SUBMIT_TOKEN, "").statusCode())
                    .as("a submitter cannot restore").isEqualTo(403);
            HttpResponse<String> early = post(app, "/v1/erasures/" + erasure + "/restore", TestIngest.ADMIN_TOKEN, "");
            assertThat(early.statusCode()).as("an erasure without a final record is not restored yet").isEqualTo(409);
            assertThat(early.body()).contains("still in progress");
            finalRecords.addAll(List.of(erasure.toString(), dryRun.toString()));
            HttpResponse<String> restored = post(app, "/v1/erasures/" + erasure + "/restore", TestIngest.ADMIN_TOKEN, "");
            assertThat(restored.statusCode()).as(restored.body()).isEqualTo(202);
            assertThat(restored.body()).contains("\"replayOf\":\"" + erasure + "\"", "\"mode\":\"RESTORE\"").doesNotContain(email);
            assertThat(post(app, "/v1/erasures/" + dryRun + "/restore", TestIngest.ADMIN_TOKEN, "").statusCode())
                    .as("only an erasure can be restored").isEqualTo(409);
            UUID unknown = UUID.randomUUID();
            finalRecords.add(unknown.toString());
            assertThat(post(app, "/v1/erasures/" + unknown + "/restore", TestIngest.ADMIN_TOKEN, "").statusCode()).isEqualTo(404);
            assertThat(post(app, "/v1/erasures", TestIngest.SUBMIT_TOKEN, item.formatted("4345", "x@ingest.example.com", "RESTORE")).statusCode())
                    .as("RESTORE is not a submission").isEqualTo(400);
        } finally {
            verifier.stop(0);
        }
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        TopicReader.readAll(kafka, topics.requests(), Duration.ofSeconds(30), records::add);
        List<ContributorErasureRequested> restores = records.stream()
                .map(r -> EventJson.read(r.value().getBytes(StandardCharsets.UTF_8), ContributorErasureRequested.class))
                .filter(r -> r.mode() == Mode.RESTORE).toList();
        assertThat(restores).singleElement().satisfies(r -> {
            assertThat(r.contributorId()).isEqualTo("4343");
            assertThat(r.hasSealedIdentifiers()).isTrue();
            assertThat(r.requestedBy()).isEqualTo("admin (restore)");
        });
        assertThat(records).allSatisfy(r -> assertThat(r.value()).doesNotContain(email));
        try (RequestKeys keys = new RequestKeys(new Envelope(KeyEncryptionKey.fromBase64("kek-1", kek)),
                KafkaKeyStore.open(TestIngest.settings(config).keys().topic(), kafka.clientConfig(), Duration.ofSeconds(30)))) {
            assertThat(keys.open(restores.getFirst())).isInstanceOfSatisfying(Opening.Opened.class,
                    o -> assertThat(o.request().identifiers().emails()).containsExactly(email));
        }
    }
}

package org.erasure.ingest.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.devstack.postgres.PostgresServer;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureReason;
import org.erasure.events.Mode;
import org.erasure.events.Topics;
import org.erasure.ingest.support.TestIngest;
import org.erasure.ingest.support.TopicContent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The HTTP API against the real broker and PostgreSQL (one ingest for the class, isolated topics). */
@DevStackTest
class IngestApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final UUID KNOWN = UUID.randomUUID();
    private static final UUID BROKEN = UUID.randomUUID();

    private static IngestApp app;
    private static HttpServer verifier;
    private static Topics topics;
    private static String bootstrap;
    private static SampleWorld world;
    private static String base;

    @BeforeAll
    static void start(KafkaBroker kafka, PostgresServer postgres, TestNames names) throws Exception {
        TestIngest.World seeded = TestIngest.seededWorld(kafka, postgres, names, 30);
        world = seeded.world();
        String schema = seeded.schema();
        topics = seeded.topics();
        bootstrap = kafka.bootstrapServers();
        verifier = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        verifier.createContext("/erasures/", exchange -> {
            String id = exchange.getRequestURI().getPath().substring("/erasures/".length());
            int status = id.equals(KNOWN.toString()) ? 200 : id.equals(BROKEN.toString()) ? 500 : 404;
            byte[] body = status == 200
                    ? ("{\"requestId\":\"" + KNOWN + "\",\"status\":\"COMPLETED\",\"outcome\":\"COMPLETED\",\"revision\":1}").getBytes(StandardCharsets.UTF_8)
                    : new byte[0];
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        verifier.start();
        app = IngestApp.start(TestIngest.settings(TestIngest.baseConfig(bootstrap, topics.prefix(),
                postgres.jdbcUrl(), schema, "http://127.0.0.1:" + verifier.getAddress().getPort())));
        base = "http://127.0.0.1:" + app.port();
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        if (verifier != null) {
            verifier.stop(0);
        }
    }

    private static HttpResponse<String> post(String path, String token, String contentType, String body, String idempotencyKey)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (idempotencyKey != null) {
            b.header("Idempotency-Key", idempotencyKey);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<ContributorErasureRequested> published(String contributorId) {
        return TopicContent.requests(bootstrap, topics).stream()
                .filter(r -> r.key().equals(contributorId)).map(ConsumerRecord::value).toList();
    }

    private static String id(int index) {
        return Long.toString(world.contributor(index).id());
    }

    @Test
    void jsonRequestWithOnlyAnIdIsPublishedWithIdentifiersFromPostgres() throws Exception {
        HttpResponse<String> r = post("/v1/erasures", TestIngest.SUBMIT_TOKEN, "application/json",
                "{\"contributorId\":\"" + id(1) + "\",\"reason\":\"ACCOUNT_CLOSED\",\"mode\":\"EXECUTE\"}", null);
        assertThat(r.statusCode()).isEqualTo(202);
        JsonNode body = JSON.readTree(r.body());
        String requestId = body.at("/requests/0/requestId").asText();
        assertThat(body.at("/requests/0/status").asText()).isEqualTo("PUBLISHED");

        List<ContributorErasureRequested> events = published(id(1));
        assertThat(events).hasSize(1);
        ContributorErasureRequested e = events.getFirst();
        assertThat(e.requestId()).hasToString(requestId);
        assertThat(e.identifiers().emails()).containsExactly(world.contributor(1).email());
        assertThat(e.identifiers().workerIds()).containsExactly(id(1));
        assertThat(e.requestedBy()).isEqualTo("closure-service");
        assertThat(e.reason()).isEqualTo(ErasureReason.ACCOUNT_CLOSED);
        assertThat(e.mode()).isEqualTo(Mode.EXECUTE);
        assertThat(e.deadline()).isEqualTo(e.requestedAt().plus(Duration.ofDays(30)));
    }

    @Test
    void aBadCsvIsRejectedWholeAndAGoodOneIsPublished() throws Exception {
        String bad = "contributor_id,email_address,note\n" + id(2) + ",a@example.test,x\nbad-id,not-an-email,y\n" + id(2) + ",,z\n";
        HttpResponse<String> r = post("/v1/erasures/csv?mode=EXECUTE&reason=INACTIVITY_PURGE", TestIngest.SUBMIT_TOKEN, "text/csv", bad, null);
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("errors")).extracting(JsonNode::toString).hasSize(3);
        assertThat(body.get("errors").findValuesAsText("message")).containsExactly(
                "line 3, column contributor_id: not a valid contributor id",
                "line 3, column email_address: not a valid email",
                "line 4, column contributor_id: duplicate of line 2");
        assertThat(r.body()).doesNotContain("not-an-email", "bad-id", "a@example.test");
        assertThat(published(id(2))).isEmpty();

        StringBuilder good = new StringBuilder("email_address,contributor_id\n");
        for (int i = 3; i < 8; i++) {
            good.append(i == 3 ? "" : world.contributor(i).email()).append(',').append(id(i)).append('\n');
        }
        r = post("/v1/erasures/csv?mode=DRY_RUN&reason=INACTIVITY_PURGE", TestIngest.SUBMIT_TOKEN, "text/csv", good.toString(), null);
        assertThat(r.statusCode()).isEqualTo(202);
        body = JSON.readTree(r.body());
        assertThat(body.get("published").asInt()).isEqualTo(5);
        assertThat(body.get("requests").findValuesAsText("line")).containsExactly("2", "3", "4", "5", "6");
        for (int i = 3; i < 8; i++) {
            List<ContributorErasureRequested> events = published(id(i));
            assertThat(events).as("contributor index " + i).hasSize(1);
            assertThat(events.getFirst().mode()).isEqualTo(Mode.DRY_RUN);
            assertThat(events.getFirst().identifiers().emails()).containsExactly(world.contributor(i).email());
        }
    }

    @Test
    void accountClosuresGoToTheInteractiveLaneAndPurgesAndCsvUploadsToTheBulkLane() throws Exception {
        post("/v1/erasures", TestIngest.SUBMIT_TOKEN, "application/json",
                "[{\"contributorId\":\"" + id(20) + "\",\"reason\":\"ACCOUNT_CLOSED\",\"mode\":\"DRY_RUN\"},"
                        + "{\"contributorId\":\"" + id(21) + "\",\"reason\":\"INACTIVITY_PURGE\",\"mode\":\"DRY_RUN\"}]", null);
        HttpResponse<String> csv = post("/v1/erasures/csv?mode=DRY_RUN&reason=USER_REQUEST", TestIngest.SUBMIT_TOKEN, "text/csv",
                "contributor_id,email_address\n" + id(22) + ",\n", null);
        assertThat(csv.statusCode()).as(csv.body()).isEqualTo(202);
        java.util.function.Function<String, List<String>> keysOn = topic -> TopicContent.requests(bootstrap, topic).stream()
                .map(ConsumerRecord::key).toList();
        assertThat(keysOn.apply(topics.requests())).contains(id(20)).doesNotContain(id(21), id(22));
        assertThat(keysOn.apply(topics.requestsBulk())).contains(id(21), id(22)).doesNotContain(id(20));
    }

    @Test
    void unknownContributorWithoutEmailIsRejected() throws Exception {
        HttpResponse<String> r = post("/v1/erasures", TestIngest.SUBMIT_TOKEN, "application/json",
                "[{\"contributorId\":\"" + id(8) + "\",\"reason\":\"OTHER\",\"mode\":\"EXECUTE\"},"
                        + "{\"contributorId\":\"999999999999\",\"reason\":\"OTHER\",\"mode\":\"EXECUTE\"}]", null);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).get("errors").findValuesAsText("message"))
                .containsExactly("item 2, field contributorId: no such contributor in PostgreSQL");
        assertThat(published(id(8))).isEmpty();
    }

    @Test
    void authentication() throws Exception {
        String body = "{\"contributorId\":\"" + id(9) + "\",\"reason\":\"OTHER\",\"mode\":\"EXECUTE\"}";
        HttpResponse<String> none = post("/v1/erasures", null, "application/json", body, null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        assertThat(post("/v1/erasures", "wrong-token", "application/json", body, null).statusCode()).isEqualTo(401);
        assertThat(post("/v1/erasures", TestIngest.READ_TOKEN, "application/json", body, null).statusCode()).isEqualTo(403);
        assertThat(get("/v1/erasures/" + KNOWN, TestIngest.SUBMIT_TOKEN).statusCode()).isEqualTo(403);
        assertThat(get("/v1/erasures/" + KNOWN, null).statusCode()).isEqualTo(401);
        assertThat(published(id(9))).isEmpty();
    }

    @Test
    void idempotencyKeyReturnsTheFirstResponse() throws Exception {
        String body = "{\"contributorId\":\"" + id(10) + "\",\"reason\":\"USER_REQUEST\",\"mode\":\"EXECUTE\"}";
        String key = UUID.randomUUID().toString();
        HttpResponse<String> first = post("/v1/erasures", TestIngest.SUBMIT_TOKEN, "application/json", body, key);
        HttpResponse<String> again = post("/v1/erasures", TestIngest.SUBMIT_TOKEN, "application/json", body, key);
        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(again.statusCode()).isEqualTo(202);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(again.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        HttpResponse<String> different = post("/v1/erasures", TestIngest.SUBMIT_TOKEN, "application/json",
                body.replace("USER_REQUEST", "OTHER"), key);
        assertThat(different.statusCode()).isEqualTo(422);
        assertThat(published(id(10))).hasSize(1);
    }

    @Test
    void anOpenRequestIsReturnedInsteadOfADuplicateUntilItsFinalRecordArrives() throws Exception {
        String body = "{\"contributorId\":\"" + id(11) + "\",\"reason\":\"ACCOUNT_CLOSED\",\"mode\":\"EXECUTE\"}";
        JsonNode first = JSON.readTree(post("/v1/erasures", TestIngest.SUBMIT_TOKEN, "application/json", body, null).body());
        JsonNode second = JSON.readTree(post("/v1/erasures", TestIngest.SUBMIT_TOKEN, "application/json", body, null).body());
        String requestId = first.at("/requests/0/requestId").asText();
        assertThat(second.at("/requests/0/requestId").asText()).isEqualTo(requestId);
        assertThat(second.at("/requests/0/status").asText()).isEqualTo("EXISTING");
        assertThat(second.get("published").asInt()).isZero();
        assertThat(published(id(11))).hasSize(1);

        // The verifier's final record closes it (the listener reads only the key).
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new org.apache.kafka.common.serialization.StringSerializer(), new org.apache.kafka.common.serialization.StringSerializer())) {
            p.send(new ProducerRecord<>(topics.completions(), requestId, "{}")).get();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            JsonNode again = JSON.readTree(post("/v1/erasures", TestIngest.SUBMIT_TOKEN, "application/json", body, null).body());
            return again.at("/requests/0/status").asText().equals("PUBLISHED");
        });
        assertThat(published(id(11))).hasSize(2);
    }

    @Test
    void statusIsProxiedToTheVerifier() throws Exception {
        HttpResponse<String> ok = get("/v1/erasures/" + KNOWN, TestIngest.READ_TOKEN);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(ok.body()).get("outcome").asText()).isEqualTo("COMPLETED");
        assertThat(get("/v1/erasures/" + UUID.randomUUID(), TestIngest.READ_TOKEN).statusCode()).isEqualTo(404);
        assertThat(get("/v1/erasures/" + BROKEN, TestIngest.READ_TOKEN).statusCode()).isEqualTo(502);
        assertThat(get("/v1/erasures/not-a-uuid", TestIngest.READ_TOKEN).statusCode()).isEqualTo(400);
    }

    @Test
    void oversizedBodyIsRefused() throws Exception {
        String huge = "contributor_id,email_address\n" + "1,a@example.test\n".repeat(5_000);
        HttpResponse<String> r = post("/v1/erasures/csv?mode=EXECUTE&reason=OTHER", TestIngest.SUBMIT_TOKEN, "text/csv", huge, null);
        assertThat(r.statusCode()).isEqualTo(413);
    }

    @Test
    void healthMetricsAndOpenApi() throws Exception {
        HttpResponse<String> health = get("/health", null);
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(health.body()).get("checks").toString()).contains("\"kafka\":\"UP\"", "\"postgres\":\"UP\"");
        post("/v1/erasures", TestIngest.SUBMIT_TOKEN, "application/json", "{\"contributorId\":\"" + id(12) + "\",\"reason\":\"OTHER\",\"mode\":\"DRY_RUN\"}", null);
        HttpResponse<String> metrics = get("/metrics", null);
        assertThat(metrics.body()).contains("ingest_requests_published_total{source=\"json\"}", "ingest_http_requests_total");
        JsonNode openApi = JSON.readTree(get("/openapi.json", null).body());
        assertThat(openApi.get("paths").has("/v1/erasures/csv")).isTrue();
    }
}

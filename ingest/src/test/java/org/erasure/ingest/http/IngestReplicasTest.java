package org.erasure.ingest.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.devstack.postgres.PostgresServer;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureReason;
import org.erasure.events.Identifiers;
import org.erasure.events.Mode;
import org.erasure.events.Topics;
import org.erasure.events.serde.EventSerdes;
import org.erasure.ingest.support.IngestReplica;
import org.erasure.ingest.support.TestIngest;
import org.erasure.ingest.support.TopicContent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two ingest replicas, each its own process, behind one broker (as behind one load-balanced address):
 * Idempotency-Keys and the open-request dedupe hold across them, also when both get the same thing at
 * the same moment, and a replica killed with SIGKILL rebuilds its state from Kafka when it comes back.
 * Published requests are counted on the lanes, as a sink would see them.
 */
@DevStackTest
class IngestReplicasTest {

    private static final Logger log = LoggerFactory.getLogger(IngestReplicasTest.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /** Requests put on the bulk lane directly before the restart, so that rebuilding has something to read. */
    private static final int BACKLOG = 10_000;

    private static IngestReplica a;
    private static IngestReplica b;
    private static Topics topics;
    private static String bootstrap;
    private static SampleWorld world;

    @BeforeAll
    static void start(KafkaBroker kafka, PostgresServer postgres, TestNames names) throws Exception {
        TestIngest.World seeded = TestIngest.seededWorld(kafka, postgres, names, 60);
        world = seeded.world();
        topics = seeded.topics();
        bootstrap = kafka.bootstrapServers();
        Map<String, Object> config = TestIngest.baseConfig(bootstrap, topics.prefix(), postgres.jdbcUrl(), seeded.schema(),
                "http://127.0.0.1:9");
        Path dir = Path.of("target", "replicas", names.stem());
        a = IngestReplica.start("a", config, dir);
        b = IngestReplica.start("b", config, dir);
        awaitUp(a);
        awaitUp(b);
    }

    @AfterAll
    static void stop() {
        for (IngestReplica r : new IngestReplica[] {a, b}) {
            if (r != null) {
                r.close();
            }
        }
    }

    private static void awaitUp(IngestReplica r) {
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250))
                .failFast("replica " + r.name() + " exited (its log is in target/replicas)", () -> !r.isAlive())
                .until(() -> {
                    try {
                        HttpResponse<String> h = HTTP.send(HttpRequest.newBuilder(URI.create(r.url() + "/health")).build(),
                                HttpResponse.BodyHandlers.ofString());
                        return h.statusCode() == 200;
                    } catch (java.io.IOException e) {
                        return false;
                    }
                });
    }

    private static HttpRequest post(IngestReplica r, String body, String key) {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(r.url() + "/v1/erasures"))
                .header("Authorization", "Bearer " + TestIngest.SUBMIT_TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            req.header("Idempotency-Key", key);
        }
        return req.build();
    }

    private static HttpResponse<String> send(IngestReplica r, String body, String key) throws Exception {
        return HTTP.send(post(r, body, key), HttpResponse.BodyHandlers.ofString());
    }

    /** Both requests leave together (as far as two sockets can). */
    private static List<HttpResponse<String>> atOnce(IngestReplica r1, String body1, String key1,
                                                     IngestReplica r2, String body2, String key2) {
        CountDownLatch go = new CountDownLatch(1);
        CompletableFuture<HttpResponse<String>> f1 = CompletableFuture.supplyAsync(() -> sendAfter(go, r1, body1, key1));
        CompletableFuture<HttpResponse<String>> f2 = CompletableFuture.supplyAsync(() -> sendAfter(go, r2, body2, key2));
        go.countDown();
        return List.of(f1.join(), f2.join());
    }

    private static HttpResponse<String> sendAfter(CountDownLatch go, IngestReplica r, String body, String key) {
        try {
            HttpRequest req = post(r, body, key);
            go.await();
            return HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String closure(int index) {
        return "{\"contributorId\":\"" + id(index) + "\",\"reason\":\"ACCOUNT_CLOSED\",\"mode\":\"EXECUTE\"}";
    }

    private static String id(int index) {
        return Long.toString(world.contributor(index).id());
    }

    private static List<ContributorErasureRequested> published(String contributorId) {
        return TopicContent.requests(bootstrap, topics).stream()
                .filter(r -> r.key().equals(contributorId)).map(ConsumerRecord::value).toList();
    }

    private static String requestId(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).at("/requests/0/requestId").asText();
    }

    private static void finalRecord(String requestId) throws Exception {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new StringSerializer(), new StringSerializer())) {
            p.send(new ProducerRecord<>(topics.completions(), requestId, "{}")).get();
        }
    }

    @Test
    void aRetryOnTheOtherReplicaGetsTheFirstAnswerAndPublishesNothing() throws Exception {
        String key = UUID.randomUUID().toString();
        HttpResponse<String> first = send(a, closure(1), key);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
        HttpResponse<String> retry = send(b, closure(1), key);
        assertThat(retry.statusCode()).isEqualTo(202);
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        HttpResponse<String> other = send(b, closure(1).replace("ACCOUNT_CLOSED", "USER_REQUEST"), key);
        assertThat(other.statusCode()).isEqualTo(422);
        assertThat(published(id(1))).extracting(e -> e.requestId().toString()).containsExactly(requestId(first));
    }

    @Test
    void theSameKeyOnBothReplicasAtTheSameMomentPublishesOnce() throws Exception {
        int replayed = 0;
        int inFlight = 0;
        for (int i = 2; i < 10; i++) {
            String key = UUID.randomUUID().toString();
            List<HttpResponse<String>> answers = atOnce(a, closure(i), key, b, closure(i), key);
            List<String> accepted = new ArrayList<>();
            for (HttpResponse<String> r : answers) {
                assertThat(r.statusCode()).as(r.body()).isIn(202, 409);
                if (r.statusCode() == 202) {
                    accepted.add(requestId(r));
                }
                replayed += r.headers().firstValue("Idempotent-Replayed").isPresent() ? 1 : 0;
                inFlight += r.statusCode() == 409 ? 1 : 0;
            }
            List<ContributorErasureRequested> events = published(id(i));
            assertThat(events).as("contributor index %d", i).hasSize(1);
            assertThat(accepted).isNotEmpty().allMatch(events.getFirst().requestId().toString()::equals);
        }
        log.info("8 keys sent to both replicas at once: {} second answers replayed the first, {} were 409 (still in flight)",
                replayed, inFlight);
    }

    @Test
    void aRequestOnTheOtherReplicaReturnsTheOpenOneUntilItsFinalRecordArrives() throws Exception {
        HttpResponse<String> first = send(a, closure(10), null);
        String requestId = requestId(first);
        JsonNode second = JSON.readTree(send(b, closure(10), null).body());
        assertThat(second.at("/requests/0/status").asText()).isEqualTo("EXISTING");
        assertThat(second.at("/requests/0/requestId").asText()).isEqualTo(requestId);
        assertThat(second.get("published").asInt()).isZero();
        assertThat(published(id(10))).hasSize(1);

        finalRecord(requestId);
        await().atMost(Duration.ofSeconds(30)).until(() ->
                JSON.readTree(send(b, closure(10), null).body()).at("/requests/0/status").asText().equals("PUBLISHED"));
        assertThat(published(id(10))).hasSize(2).extracting(e -> e.requestId().toString()).startsWith(requestId);
    }

    @Test
    void oneContributorOnBothReplicasAtTheSameMomentIsPublishedOnce() throws Exception {
        for (int i = 11; i < 17; i++) {
            List<HttpResponse<String>> answers = atOnce(a, closure(i), UUID.randomUUID().toString(), b, closure(i), null);
            List<String> statuses = new ArrayList<>();
            for (HttpResponse<String> r : answers) {
                assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
                statuses.add(JSON.readTree(r.body()).at("/requests/0/status").asText());
            }
            assertThat(statuses).containsExactlyInAnyOrder("PUBLISHED", "EXISTING");
            assertThat(requestId(answers.get(0))).isEqualTo(requestId(answers.get(1)));
            assertThat(published(id(i))).as("contributor index %d", i).hasSize(1);
        }
        // Two uploads sharing contributors, in opposite orders: no replica waits for the other forever,
        // and every contributor is published once.
        String upload1 = "[" + closure(17) + "," + closure(18) + "," + closure(19) + "]";
        String upload2 = "[" + closure(19) + "," + closure(20) + "," + closure(17) + "]";
        List<HttpResponse<String>> answers = atOnce(a, upload1, null, b, upload2, null);
        Map<String, String> requestIds = new HashMap<>();
        for (HttpResponse<String> r : answers) {
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
            for (JsonNode item : JSON.readTree(r.body()).get("requests")) {
                String previous = requestIds.putIfAbsent(item.get("contributorId").asText(), item.get("requestId").asText());
                assertThat(previous).isIn(null, item.get("requestId").asText());
            }
        }
        for (int i = 17; i <= 20; i++) {
            assertThat(published(id(i))).as("contributor index %d", i).singleElement()
                    .satisfies(e -> assertThat(e.requestId().toString()).isEqualTo(requestIds.get(e.contributorId())));
        }
    }

    @Test
    void aReplicaKilledAndRestartedRebuildsItsStateFromKafka() throws Exception {
        String key = UUID.randomUUID().toString();
        HttpResponse<String> first = send(a, closure(21), key);
        assertThat(first.statusCode()).isEqualTo(202);
        // A request an upstream service put on the lane itself, not through ingest, and a backlog.
        ContributorErasureRequested direct = ContributorErasureRequested.builder()
                .contributorId(id(22)).identifiers(new Identifiers(List.of(world.contributor(22).email()), List.of()))
                .requestedAt(Instant.now()).requestedBy("upstream").reason(ErasureReason.INACTIVITY_PURGE).mode(Mode.EXECUTE).build();
        try (KafkaProducer<String, ContributorErasureRequested> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                "linger.ms", 20), new StringSerializer(), EventSerdes.requested().serializer())) {
            for (int i = 0; i < BACKLOG; i++) {
                ContributorErasureRequested e = ContributorErasureRequested.builder()
                        .contributorId(Long.toString(9_000_000L + i)).identifiers(new Identifiers(List.of("backlog" + i + "@example.test"), List.of()))
                        .requestedAt(Instant.now()).requestedBy("upstream").reason(ErasureReason.INACTIVITY_PURGE).mode(Mode.EXECUTE).build();
                p.send(new ProducerRecord<>(topics.requestsBulk(), e.kafkaKey(), e));
            }
            p.send(new ProducerRecord<>(topics.requestsBulk(), direct.kafkaKey(), direct)).get();
        }

        long killed = System.nanoTime();
        b.crashAndRestart();
        awaitUp(b);
        double seconds = (System.nanoTime() - killed) / 1e9;
        String rebuilt = lastMatch(b.output(), "open requests rebuilt from .*") + "; " + lastMatch(b.output(), "claims topic .* read: .*");
        log.info("replica b killed and back up (health UP) in {} s with {} requests on the lanes: {}",
                String.format("%.1f", seconds), BACKLOG + 40, rebuilt);

        HttpResponse<String> retry = send(b, closure(21), key);
        assertThat(retry.statusCode()).isEqualTo(202);
        assertThat(retry.body()).isEqualTo(first.body());
        HttpResponse<String> again = send(b, closure(22), null);
        assertThat(JSON.readTree(again.body()).at("/requests/0/status").asText()).isEqualTo("EXISTING");
        assertThat(requestId(again)).isEqualTo(direct.requestId().toString());
        assertThat(published(id(21))).hasSize(1);
        assertThat(published(id(22))).hasSize(1);
    }

    /** Not a speed goal (those live in benchmarks): the log shows what a call costs with the claims. */
    @Test
    void sequentialRequestsWithKeysAreEachPublishedOnce() throws Exception {
        List<Long> millis = new ArrayList<>();
        for (int i = 40; i < 60; i++) {
            long t = System.nanoTime();
            HttpResponse<String> r = send(i % 2 == 0 ? a : b, closure(i), UUID.randomUUID().toString());
            millis.add((System.nanoTime() - t) / 1_000_000);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        }
        List<Long> sorted = millis.stream().sorted().toList();
        log.info("20 sequential keyed requests, alternating replicas: median {} ms, max {} ms (claim + publish + done)",
                sorted.get(10), sorted.get(19));
        for (int i = 40; i < 60; i++) {
            assertThat(published(id(i))).as("contributor index %d", i).hasSize(1);
        }
    }

    @Test
    void theClaimsTopicHoldsNoEmailOrName() throws Exception {
        send(a, "{\"contributorId\":\"" + id(30) + "\",\"identifiers\":{\"emails\":[\"" + world.contributor(30).email()
                + "\"]},\"reason\":\"USER_REQUEST\",\"mode\":\"DRY_RUN\"}", "key-" + world.contributor(30).email());
        List<String> values = new ArrayList<>();
        Map<String, Object> c = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(topics.prefix() + "erasure.ingest.claims", 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.key() + " " + r.value()));
                return consumer.position(tp) >= end;
            });
        }
        assertThat(values).isNotEmpty().anyMatch(v -> v.contains("\"type\":\"DONE\"") && v.contains(id(30)))
                .noneMatch(v -> v.contains("@")).noneMatch(v -> v.contains("key-"));
    }

    private static String lastMatch(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        String last = "(not logged)";
        while (m.find()) {
            last = m.group();
        }
        return last;
    }
}

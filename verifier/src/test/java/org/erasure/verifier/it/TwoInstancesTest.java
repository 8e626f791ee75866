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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.streams.KafkaStreams;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.Outcome;
import org.erasure.events.Phase;
import org.erasure.events.PhaseStatus;
import org.erasure.events.Topics;
import org.erasure.verifier.Events;
import org.erasure.verifier.VerifierService;
import org.erasure.events.integrity.ChainAudit;
import org.erasure.verifier.chain.ChainAuditor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two verifier instances share the partitions; the status API answers for every key from both. */
@DevStackTest
class TwoInstancesTest {
    static final int PARTITIONS = 4;
    static final int REQUESTS = 60;
    final HttpClient http = HttpClient.newHttpClient();
    final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path dirA;
    @TempDir
    Path dirB;

    @Test
    void twoInstancesShareTheWorkAndBothAnswerForEveryKey(KafkaBroker kafka, TestNames names) throws Exception {
        createTopics(kafka, names, PARTITIONS);
        Topics topics = topics(names);
        try (VerifierService a = VerifierService.start(config(settings(kafka, names, PARTITIONS, dirA)));
             VerifierService b = VerifierService.start(config(settings(kafka, names, PARTITIONS, dirB)))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> a.streams().state() == KafkaStreams.State.RUNNING
                    && b.streams().state() == KafkaStreams.State.RUNNING
                    && !a.streams().metadataForLocalThreads().iterator().next().activeTasks().isEmpty()
                    && !b.streams().metadataForLocalThreads().iterator().next().activeTasks().isEmpty());

            List<ContributorErasureRequested> requests = new ArrayList<>();
            try (KafkaProducer<String, String> producer = producer(kafka)) {
                for (int i = 0; i < REQUESTS; i++) {
                    ContributorErasureRequested r = Events.request("c-" + i, Instant.now()).build();
                    requests.add(r);
                    send(producer, topics, r);
                    for (Phase p : Phase.values()) {
                        send(producer, topics, Events.report(r, p, i % 4 == 0 && p == Phase.S3 ? PhaseStatus.FAILED : PhaseStatus.SUCCEEDED, 1));
                    }
                }
                // One request still pending: 2 of the known phases.
                ContributorErasureRequested pending = Events.request("c-pending", Instant.now()).build();
                requests.add(pending);
                send(producer, topics, pending);
                send(producer, topics, Events.report(pending, Phase.POSTGRES, PhaseStatus.SUCCEEDED, 1));
                send(producer, topics, Events.report(pending, Phase.REDIS, PhaseStatus.SUCCEEDED, 1));
            }

            List<Read> out = readCompletions(kafka, topics.completions(), REQUESTS, Duration.ofSeconds(90));
            assertThat(out).hasSize(REQUESTS);
            assertThat(out.stream().map(r -> r.record().requestId()).collect(Collectors.toSet())).hasSize(REQUESTS);
            assertThat(out.stream().filter(r -> r.record().outcome() == Outcome.FAILED)).hasSize(REQUESTS / 4);
            assertThat(out.stream().map(Read::partition).collect(Collectors.toSet())).hasSize(PARTITIONS);

            ChainAudit.Report audit = ChainAuditor.audit(kafka.clientConfig(), topics.completions(), Duration.ofSeconds(30));
            assertThat(audit.ok()).as(audit.summary()).isTrue();
            assertThat(audit.records()).isEqualTo(REQUESTS);

            // Every key answers the same from both instances; some answers are proxied.
            Set<String> servedBy = new HashSet<>();
            for (ContributorErasureRequested r : requests) {
                JsonNode viaA = get(a, r.requestId());
                JsonNode viaB = get(b, r.requestId());
                assertThat(viaA).isEqualTo(viaB);
                servedBy.add(viaA.get("servedBy").asText());
                boolean isPending = r.contributorId().equals("c-pending");
                assertThat(viaA.get("status").asText()).isEqualTo(isPending ? "PENDING" : "FINAL");
                assertThat(viaA.get("revision").asInt()).isEqualTo(isPending ? 0 : 1);
                assertThat(viaA.get("phases").size()).isEqualTo(isPending ? 2 : Phase.known().size());
                // As a JSON value: a bare "c-9" can occur inside a random requestId (…4bc-9b0c…).
                assertThat(viaA.toString()).doesNotContain('"' + r.contributorId() + '"').doesNotContain(Events.EMAIL_DOMAIN);
            }
            assertThat(servedBy).containsExactlyInAnyOrder("localhost:" + a.httpPort(), "localhost:" + b.httpPort());
            assertThat(status(a, "/erasures/" + UUID.randomUUID())).isEqualTo(404);
            assertThat(status(b, "/erasures/not-a-uuid")).isEqualTo(400);
            assertThat(status(a, "/health")).isEqualTo(200);
            assertThat(status(b, "/health/live")).isEqualTo(200);
            String metrics = body(a, "/metrics");
            assertThat(metrics).contains("verifier_records_emitted_total").contains("kafka_stream");
        }
    }

    JsonNode get(VerifierService v, UUID requestId) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + v.httpPort() + "/erasures/" + requestId)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    int status(VerifierService v, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + v.httpPort() + path)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    String body(VerifierService v, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + v.httpPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}

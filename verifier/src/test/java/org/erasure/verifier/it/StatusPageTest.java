package org.erasure.verifier.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.erasure.verifier.it.BrokerSupport.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.HostInfo;
import org.erasure.devstack.browser.HeadlessChromium;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.DeadLetterHeaders;
import org.erasure.events.EventFormatException;
import org.erasure.events.Phase;
import org.erasure.events.PhaseStatus;
import org.erasure.events.Topics;
import org.erasure.events.integrity.SubjectDigest;
import org.erasure.verifier.Events;
import org.erasure.verifier.VerifierService;
import org.erasure.verifier.status.StatusPageConfig;
import org.erasure.verifier.topology.VerifierTopology;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page in a real headless chromium, kept open while the test drives two real verifier
 * instances on the dev-stack broker (publishing requests and phase reports as ingest and the sinks
 * would): requests of both instances' partitions appear in flight with their missing phases, then as
 * COMPLETED final records, without the page being reloaded; TIMED_OUT first, FAILED per sink, a dead
 * letter and a sink's lag. Neither the page nor its JSON holds an identifier or a subject digest.
 */
@DevStackTest
class StatusPageTest {
    static final int PARTITIONS = 4;
    static final Set<Phase> FIRST = Set.of(Phase.POSTGRES, Phase.REDIS, Phase.S3, Phase.KAFKA);
    static final ObjectMapper JSON = new ObjectMapper();
    final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dirA;
    @TempDir
    Path dirB;
    @TempDir
    Path browserDir;

    /** What the page shows now, read from its DOM by data attributes. */
    static final String PAGE_STATE = """
            JSON.stringify({
              scope: document.getElementById('scope').innerText,
              inflight: [...document.querySelectorAll('#inflight tr[data-request-id]')].map(r => ({id: r.dataset.requestId, missing: r.dataset.missing})),
              records: [...document.querySelectorAll('#records tr[data-request-id]')].map(r => ({id: r.dataset.requestId, outcome: r.dataset.outcome,
                  revision: r.dataset.revision, text: r.innerText})),
              sinks: Object.fromEntries([...document.querySelectorAll('#sinks tr[data-phase]')].map(r => [r.dataset.phase,
                  {failed: r.dataset.failed, lags: [...r.querySelectorAll('td[data-lag]')].map(t => t.dataset.lag)}])),
              dlq: Object.fromEntries([...document.querySelectorAll('#dlq tr[data-topic]')].map(r => [r.dataset.topic, r.dataset.records]))
            })""";

    @Test
    void thePageFollowsRequestsFromInFlightToCompletedOnBothInstances(KafkaBroker kafka, TestNames names) throws Exception {
        createTopics(kafka, names, PARTITIONS);
        Topics topics = topics(names);
        kafka.createTopics(1, List.of(topics.requestsDlq(), topics.requestsBulkDlq()));
        String sinkGroupPrefix = names.stem() + "-";
        try (VerifierService a = VerifierService.start(config(settings(kafka, names, dirA, sinkGroupPrefix)), page(kafka, names, dirA, sinkGroupPrefix));
             VerifierService b = VerifierService.start(config(settings(kafka, names, dirB, sinkGroupPrefix)), page(kafka, names, dirB, sinkGroupPrefix));
             KafkaProducer<String, String> producer = producer(kafka)) {
            await().atMost(Duration.ofSeconds(90)).until(() -> hasActiveTasks(a) && hasActiveTasks(b));

            try (HeadlessChromium browser = HeadlessChromium.open(URI.create("http://localhost:" + a.httpPort() + "/status"), browserDir)) {
                assertThat(browser.html()).contains("Erasure pipeline status");
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(state(browser).path("scope").asText())
                        .contains("all 2 verifier instance(s)"));

                // Six requests, three on each instance's partitions; four of six phases report.
                List<ContributorErasureRequested> requests = requestsOnBothInstances(a, 3);
                for (ContributorErasureRequested r : requests) {
                    send(producer, topics, r);
                    for (Phase p : FIRST) {
                        send(producer, topics, Events.report(r, p, PhaseStatus.SUCCEEDED, 1));
                    }
                }
                producer.flush();
                Set<String> ids = requests.stream().map(r -> r.requestId().toString()).collect(Collectors.toSet());
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    JsonNode page = state(browser);
                    assertThat(page.path("inflight").findValuesAsText("id")).containsExactlyInAnyOrderElementsOf(ids);
                    assertThat(page.path("inflight").findValuesAsText("missing")).containsOnly("ELASTICSEARCH,CLICKHOUSE");
                    assertThat(page.path("records").findValuesAsText("id")).isEmpty();
                    // six requests on the interactive lane, none on the bulk lane, no sink committed anything yet
                    assertThat(lags(page, "POSTGRES")).containsExactly("6", "0");
                });

                // The postgres sink's group commits the lane's end: its lag drops to 0, the others' stays.
                commitEnd(kafka, sinkGroupPrefix + "sink-postgres", topics.requests());
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    JsonNode page = state(browser);
                    assertThat(lags(page, "POSTGRES")).containsExactly("0", "0");
                    assertThat(lags(page, "REDIS")).containsExactly("6", "0");
                });

                // The two missing phases report: the same page shows six COMPLETED records, nothing in flight.
                for (ContributorErasureRequested r : requests) {
                    send(producer, topics, Events.report(r, Phase.ELASTICSEARCH, PhaseStatus.SUCCEEDED, 1));
                    send(producer, topics, Events.report(r, Phase.CLICKHOUSE, PhaseStatus.SUCCEEDED, 1));
                }
                producer.flush();
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    JsonNode page = state(browser);
                    assertThat(page.path("inflight").findValuesAsText("id")).isEmpty();
                    assertThat(page.path("records").findValuesAsText("id")).containsExactlyInAnyOrderElementsOf(ids);
                    assertThat(page.path("records").findValuesAsText("outcome")).containsOnly("COMPLETED");
                    assertThat(page.path("records").findValuesAsText("revision")).containsOnly("1");
                    // per store 3 deleted, 2 masked (Events.report): 15 / 10 / residual 0 in all
                    assertThat(page.path("records").get(0).path("text").asText()).contains("\t" + 3 * Phase.known().size() + "\t" + 2 * Phase.known().size() + "\t0\t").contains("POSTGRES SUCCEEDED 3/2/0").contains("REDIS SUCCEEDED 3/2/0 · KAFKA SUCCEEDED 3/2/0");
                });

                // A request past its deadline (times out after min-wait), one whose S3 phase fails, one dead letter.
                ContributorErasureRequested late = Events.request("c-late", Instant.now().minus(Duration.ofDays(40)))
                        .deadline(Instant.now().minus(Duration.ofDays(10))).build();
                send(producer, topics, late);
                send(producer, topics, Events.report(late, Phase.POSTGRES, PhaseStatus.SUCCEEDED, 1));
                ContributorErasureRequested failing = Events.request("c-failing", Instant.now()).build();
                send(producer, topics, failing);
                for (Phase p : Phase.values()) {
                    send(producer, topics, Events.report(failing, p, p == Phase.S3 ? PhaseStatus.FAILED : PhaseStatus.SUCCEEDED, 1));
                }
                ProducerRecord<String, String> dead = new ProducerRecord<>(topics.requestsDlq(), "c-broken", "{not json, c-broken" + Events.EMAIL_DOMAIN);
                DeadLetterHeaders.add(dead.headers(), new EventFormatException("payload", "not JSON"), topics.requests(), 0, 42);
                producer.send(dead);
                producer.flush();
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    JsonNode page = state(browser);
                    JsonNode records = page.path("records");
                    assertThat(records.get(0).path("id").asText()).as("TIMED_OUT first").isEqualTo(late.requestId().toString());
                    assertThat(records.get(0).path("outcome").asText()).isEqualTo("TIMED_OUT");
                    assertThat(records.get(0).path("text").asText()).contains("ELASTICSEARCH MISSING");
                    assertThat(records.get(1).path("id").asText()).as("then the latest").isEqualTo(failing.requestId().toString());
                    assertThat(records.get(1).path("outcome").asText()).isEqualTo("FAILED");
                    assertThat(records.get(1).path("text").asText()).as("why S3 failed: its error code").contains("S3 FAILED STORE_DOWN 0/0/2");
                    assertThat(page.path("sinks").path("S3").path("failed").asText()).isEqualTo("1");
                    assertThat(page.path("sinks").path("POSTGRES").path("failed").asText()).isEqualTo("0");
                    assertThat(page.path("dlq").path(topics.requestsDlq()).asText()).isEqualTo("1");
                    assertThat(page.path("dlq").path(topics.requestsBulkDlq()).asText()).isEqualTo("0");
                });

                // No identifier anywhere: not on the page, not in the JSON of either instance.
                SubjectDigest digest = new SubjectDigest(DIGEST_KEY.getBytes(StandardCharsets.UTF_8));
                List<String> texts = new ArrayList<>(List.of(browser.html(), get(a, "/status/data"), get(b, "/status/data"),
                        get(a, "/status/in-flight"), get(b, "/status/in-flight")));
                for (String text : texts) {
                    assertThat(text).doesNotContain(Events.EMAIL_DOMAIN).doesNotContain(Events.WORKER_PREFIX).doesNotContain("c-broken");
                    for (ContributorErasureRequested r : requests) {
                        assertThat(text).doesNotContain(digest.digest(r));
                    }
                }
                assertThat(get(a, "/status/data")).contains(late.requestId().toString());
                assertThat(get(a, "/")).contains("href=\"/status\"");
                browser.screenshot(Path.of("target", "status-page.png")); // the page as the test left it, for a reader
            }
        }
    }

    /** {@code perInstance} requests whose key instance {@code a} hosts, and as many that the other instance hosts. */
    static List<ContributorErasureRequested> requestsOnBothInstances(VerifierService a, int perInstance) {
        HostInfo self = new HostInfo("localhost", a.httpPort());
        List<ContributorErasureRequested> onA = new ArrayList<>();
        List<ContributorErasureRequested> onB = new ArrayList<>();
        for (int i = 0; onA.size() < perInstance || onB.size() < perInstance; i++) {
            ContributorErasureRequested r = Events.request("c-" + i, Instant.now()).build();
            boolean hostedByA = a.streams().queryMetadataForKey(VerifierTopology.ERASURES_STORE, r.requestId().toString(), new StringSerializer())
                    .activeHost().equals(self);
            List<ContributorErasureRequested> list = hostedByA ? onA : onB;
            if (list.size() < perInstance) {
                list.add(r);
            }
        }
        List<ContributorErasureRequested> all = new ArrayList<>(onA);
        all.addAll(onB);
        return all;
    }

    static Map<String, Object> settings(KafkaBroker kafka, TestNames names, Path dir, String sinkGroupPrefix) {
        Map<String, Object> s = BrokerSupport.settings(kafka, names, PARTITIONS, dir);
        for (Phase p : Phase.values()) {
            String id = p.name().toLowerCase(Locale.ROOT);
            s.put("verifier.status-page.sink-groups." + id, sinkGroupPrefix + "sink-" + id);
        }
        return s;
    }

    static StatusPageConfig page(KafkaBroker kafka, TestNames names, Path dir, String sinkGroupPrefix) {
        return StatusPageConfig.from(ConfigFactory.parseMap(settings(kafka, names, dir, sinkGroupPrefix)));
    }

    static boolean hasActiveTasks(VerifierService v) {
        return v.streams().state() == KafkaStreams.State.RUNNING
                && !v.streams().metadataForLocalThreads().iterator().next().activeTasks().isEmpty();
    }

    static JsonNode state(HeadlessChromium browser) throws Exception {
        return JSON.readTree(browser.evaluate(PAGE_STATE));
    }

    static List<String> lags(JsonNode page, String phase) {
        List<String> out = new ArrayList<>();
        page.path("sinks").path(phase).path("lags").forEach(n -> out.add(n.asText()));
        return out;
    }

    /** As a sink's consumer would after processing everything: commits the end offset of every partition. */
    static void commitEnd(KafkaBroker kafka, String group, String topic) {
        Map<String, Object> c = new HashMap<>(kafka.clientConfig());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, OffsetAndMetadata> end = new HashMap<>();
            consumer.endOffsets(parts).forEach((tp, offset) -> end.put(tp, new OffsetAndMetadata(offset)));
            consumer.commitSync(end);
        }
    }

    String get(VerifierService v, String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + v.httpPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return response.body();
    }
}

package org.erasure.sink.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.erasure.devstack.elasticsearch.ElasticsearchServer;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.DeadLetterHeaders;
import org.erasure.events.Mode;
import org.erasure.events.Phase;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.PhaseStatus;
import org.erasure.events.TargetResult;
import org.erasure.sink.runtime.SinkApplication;
import org.erasure.sink.runtime.SinkConfig;
import org.erasure.sink.runtime.testkit.SinkKafkaHarness;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

@DevStackTest
@Order(2)
class SinkEndToEndTest {

    static Config config(SinkKafkaHarness h, EsFixture f, String url, String sinkName, String instance, String extra) {
        Config sink = ConfigFactory.parseString(h.sinkConfig(sinkName, instance) + "\n" + extra);
        Config store = ConfigFactory.empty().withValue("elasticsearch", f.storeConfig(url, "").root());
        return sink.withFallback(store).withFallback(SinkConfig.fromString("")).resolve();
    }

    private static String get(int port, String path) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() + " " + r.body();
        }
    }

    @Test
    void requestsFlowThroughToPhaseCompletedWithDeadLettersAndSkips(KafkaBroker kafka, ElasticsearchServer es, TestNames names) throws Exception {
        try (EsFixture f = EsFixture.seed(es, names, 40);
             SinkKafkaHarness h = new SinkKafkaHarness(kafka, names);
             SinkApplication app = SinkApplication.start(config(h, f, es.httpUrl(), names.group("sink-es"), "0", ""), new ElasticsearchStoreModule())) {
            SampleWorld w = f.world;
            ContributorErasureRequested first = EsFixture.request(w.contributor(0), Mode.EXECUTE);
            long t0 = System.nanoTime();
            h.send(first);
            h.flush();
            await().atMost(Duration.ofSeconds(30)).until(() -> h.completions().containsKey(first.requestId()));
            System.out.printf("MEASURED lone request end-to-end: %d ms%n", (System.nanoTime() - t0) / 1_000_000);

            List<ContributorErasureRequested> execute = new ArrayList<>();
            for (int i = 2; i <= 20; i += 2) {   // every second one: each request's documents also hold neighbours that stay
                execute.add(EsFixture.request(w.contributor(i), Mode.EXECUTE));
            }
            List<ContributorErasureRequested> dry = new ArrayList<>();
            for (int i = 25; i <= 29; i += 2) {
                dry.add(EsFixture.request(w.contributor(i), Mode.DRY_RUN));
            }
            ContributorErasureRequested otherPhase = EsFixture.request(w.contributor(33), Mode.EXECUTE).toBuilder().systems(Phase.REDIS).build();
            h.sendRaw("bad-1", "not json {".getBytes(StandardCharsets.UTF_8));
            execute.subList(0, 5).forEach(h::send);
            h.sendRaw("bad-2", "{\"schemaVersion\":1,\"requestId\":\"x\"}".getBytes(StandardCharsets.UTF_8));
            h.sendRaw("tomb", null);
            h.send(otherPhase);
            execute.subList(5, 10).forEach(h::send);
            dry.forEach(h::send);
            h.flush();

            int expected = 1 + execute.size() + dry.size();
            await().atMost(Duration.ofSeconds(60)).until(() -> h.completions().size() >= expected);
            Map<UUID, List<PhaseCompleted>> all = h.completions();
            assertThat(all).hasSize(expected).doesNotContainKey(otherPhase.requestId());
            for (ContributorErasureRequested r : execute) {
                assertThat(all.get(r.requestId())).hasSize(1);
                PhaseCompleted pc = all.get(r.requestId()).getFirst();
                assertThat(pc.status()).isEqualTo(PhaseStatus.SUCCEEDED);
                assertThat(pc.phase()).isEqualTo(Phase.ELASTICSEARCH);
                assertThat(pc.verification().verified()).isTrue();
                assertThat(pc.sink().name()).isEqualTo(names.group("sink-es"));
                int index = (int) (Long.parseLong(r.contributorId()) - w.firstId());
                assertThat(pc.targets()).extracting(TargetResult::target).containsExactly(f.pattern);
                assertThat(pc.targets().getFirst().masked()).isEqualTo(w.esDocumentsOf(index));
                // announced (write-ahead, before the bulks) = what the result reports
                assertThat(h.started().getOrDefault(r.requestId(), List.of()).stream().mapToLong(s -> s.targets().getFirst().masked()).sum())
                        .isEqualTo(w.esDocumentsOf(index));
                assertThat(pc.targets().getFirst().residual()).isZero();
                assertThat(f.holding(w.contributor(index))).isZero();
            }
            for (ContributorErasureRequested r : dry) {
                PhaseCompleted pc = all.get(r.requestId()).getFirst();
                assertThat(pc.status()).isEqualTo(PhaseStatus.DRY_RUN);
                int index = (int) (Long.parseLong(r.contributorId()) - w.firstId());
                assertThat(pc.targets().getFirst().wouldMask()).isEqualTo(w.esDocumentsOf(index));
                assertThat(f.holding(w.contributor(index))).isEqualTo(w.esDocumentsOf(index));
            }
            assertThat(f.holding(w.contributor(33))).as("not requested for ELASTICSEARCH").isEqualTo(w.esDocumentsOf(33));
            assertThat(f.holding(w.contributor(3))).as("neighbour").isEqualTo(w.esDocumentsOf(3));
            assertThat(f.total()).isEqualTo(w.esDocumentCount());

            List<ConsumerRecord<String, byte[]>> dlq = h.readAll(h.topics.requestsDlq(), 2);
            assertThat(dlq).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("bad-1", "bad-2");
            for (ConsumerRecord<String, byte[]> r : dlq) {
                assertThat(header(r, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo(h.topics.requests());
                assertThat(header(r, DeadLetterHeaders.PROBLEM)).isNotBlank();
            }
            ConsumerRecord<String, byte[]> bad1 = dlq.stream().filter(r -> r.key().equals("bad-1")).findFirst().orElseThrow();
            assertThat(new String(bad1.value(), StandardCharsets.UTF_8)).isEqualTo("not json {");

            int port = app.httpPort();
            assertThat(get(port, "/health")).startsWith("200").contains("UP");
            assertThat(get(port, "/health/ready")).startsWith("200").contains("\"store\":\"UP\"");
            String metrics = get(port, "/metrics");
            assertThat(metrics).startsWith("200").contains("erasure_sink_records_total", "erasure_sink_erase_seconds_count", "erasure_sink_dlq_total");
            assertThat(metrics).doesNotContain("@" + SampleWorld.EMAIL_DOMAIN);

            // Warm, idle sink: a lone request is not held back.
            ContributorErasureRequested lone = EsFixture.request(w.contributor(38), Mode.EXECUTE);
            long t1 = System.nanoTime();
            h.send(lone);
            h.flush();
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> h.completions().containsKey(lone.requestId()));
            long loneMs = (System.nanoTime() - t1) / 1_000_000;
            System.out.printf("MEASURED lone request on an idle, warm sink: %d ms%n", loneMs);
            assertThat(h.completions().get(lone.requestId()).getFirst().status()).isEqualTo(PhaseStatus.SUCCEEDED);
        }
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        var hd = r.headers().lastHeader(name);
        return hd == null ? null : new String(hd.value(), StandardCharsets.UTF_8);
    }
}

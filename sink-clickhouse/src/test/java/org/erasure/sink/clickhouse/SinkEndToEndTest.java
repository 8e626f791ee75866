package org.erasure.sink.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.erasure.sink.clickhouse.ChFixture.HOURLY;
import static org.erasure.sink.clickhouse.ChFixture.METRICS;
import static org.erasure.sink.clickhouse.ChFixture.STATS;

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
import org.erasure.devstack.clickhouse.ClickHouseServer;
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

    static Config config(SinkKafkaHarness h, ChFixture f, String jdbcUrl, String sinkName, String instance, String extra) {
        String hocon = h.sinkConfig(sinkName, instance) + "\n" + extra;
        Config sink = ConfigFactory.parseString(hocon);
        Config store = ConfigFactory.empty().withValue("clickhouse", f.storeConfig(jdbcUrl, "").root());
        return sink.withFallback(store).withFallback(SinkConfig.fromString("")).resolve();
    }

    private static String get(int port, String path) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() + " " + r.body();
        }
    }

    private static double mutations(SinkApplication app) {
        return app.registry().find(ClickHouseErasureStore.MUTATIONS_METRIC).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    @Test
    void requestsFlowThroughToPhaseCompletedWithDeadLettersAndSkips(KafkaBroker kafka, ClickHouseServer ch, TestNames names) throws Exception {
        ChFixture f = ChFixture.seed(ch, names, 40);
        SampleWorld w = f.world;
        try (SinkKafkaHarness h = new SinkKafkaHarness(kafka, names);
             SinkApplication app = SinkApplication.start(config(h, f, ch.jdbcUrl(), names.group("sink-ch"), "0", ""), new ClickHouseStoreModule())) {

            ContributorErasureRequested first = ChFixture.request(w.contributor(0), Mode.EXECUTE);
            long t0 = System.nanoTime();
            h.send(first);
            h.flush();
            await().atMost(Duration.ofSeconds(30)).until(() -> h.completions().containsKey(first.requestId()));
            System.out.printf("MEASURED lone request end-to-end: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            assertThat(mutations(app)).isEqualTo(3.0);

            List<ContributorErasureRequested> execute = new ArrayList<>();
            for (int i = 1; i <= 20; i++) {
                execute.add(ChFixture.request(w.contributor(i), Mode.EXECUTE));
            }
            List<ContributorErasureRequested> dry = new ArrayList<>();
            for (int i = 21; i <= 25; i++) {
                dry.add(ChFixture.request(w.contributor(i), Mode.DRY_RUN));
            }
            ContributorErasureRequested otherPhase = ChFixture.request(w.contributor(30), Mode.EXECUTE).toBuilder()
                    .systems(Phase.REDIS).build();
            h.sendRaw("bad-1", "not json {".getBytes(StandardCharsets.UTF_8));
            execute.subList(0, 10).forEach(h::send);
            h.sendRaw("bad-2", "{\"schemaVersion\":1,\"requestId\":\"x\"}".getBytes(StandardCharsets.UTF_8));
            h.sendRaw("tomb", null);
            h.send(otherPhase);
            execute.subList(10, 20).forEach(h::send);
            dry.forEach(h::send);
            h.flush();

            int expected = 1 + execute.size() + dry.size();
            await().atMost(Duration.ofSeconds(60)).until(() -> h.completions().size() >= expected);
            Map<UUID, List<PhaseCompleted>> all = h.completions();
            assertThat(all).hasSize(expected).doesNotContainKey(otherPhase.requestId());
            for (ContributorErasureRequested r : execute) {
                PhaseCompleted pc = all.get(r.requestId()).getFirst();
                assertThat(all.get(r.requestId())).hasSize(1);
                assertThat(pc.status()).isEqualTo(PhaseStatus.SUCCEEDED);
                assertThat(pc.phase()).isEqualTo(Phase.CLICKHOUSE);
                assertThat(pc.contributorId()).isEqualTo(r.contributorId());
                assertThat(pc.verification().verified()).isTrue();
                assertThat(pc.sink().name()).isEqualTo(names.group("sink-ch"));
                assertThat(pc.targets()).extracting(TargetResult::target).containsExactly(METRICS, HOURLY, STATS);
                assertThat(pc.targets()).extracting(TargetResult::masked).containsExactly(60L, 30L, 10L);
                assertThat(pc.targets().get(1).note()).contains("upstream topic").contains("still holds the data");
                int index = (int) (Long.parseLong(r.contributorId()) - w.firstId());
                assertThat(f.masked(METRICS, w.contributor(index))).isEqualTo(60);
            }
            for (ContributorErasureRequested r : dry) {
                PhaseCompleted pc = all.get(r.requestId()).getFirst();
                assertThat(pc.status()).isEqualTo(PhaseStatus.DRY_RUN);
                assertThat(pc.targets()).extracting(TargetResult::wouldMask).containsExactly(60L, 30L, 10L);
                assertThat(pc.targets().getFirst().note()).contains("part(s)");
                int index = (int) (Long.parseLong(r.contributorId()) - w.firstId());
                assertThat(f.intact(METRICS, w.contributor(index))).isEqualTo(60);
            }
            assertThat(f.intact(METRICS, w.contributor(30))).as("not requested for CLICKHOUSE").isEqualTo(60);
            assertThat(f.intact(HOURLY, w.contributor(35))).as("neighbour").isEqualTo(30);

            // Mutations grow with batches, not with requests: at most 3 per batch, far fewer than 3 per request.
            long batches = (long) app.registry().get("erasure.sink.batch.size").summary().count();
            double issued = mutations(app);
            System.out.printf("MEASURED %d requests (%d execute) in %d batches: %.0f ClickHouse mutations%n",
                    expected, 1 + execute.size(), batches, issued);
            assertThat(issued).isLessThanOrEqualTo(3.0 * batches).isLessThan(3.0 * (1 + execute.size()));

            List<ConsumerRecord<String, byte[]>> dlq = h.readAll(h.topics.requestsDlq(), 2);
            assertThat(dlq).hasSize(2);
            assertThat(dlq).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("bad-1", "bad-2");
            for (ConsumerRecord<String, byte[]> r : dlq) {
                assertThat(header(r, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo(h.topics.requests());
                assertThat(header(r, DeadLetterHeaders.PROBLEM)).isNotBlank();
            }

            int port = app.httpPort();
            assertThat(get(port, "/health")).startsWith("200").contains("UP");
            assertThat(get(port, "/health/ready")).startsWith("200").contains("\"store\":\"UP\"");
            String metrics = get(port, "/metrics");
            assertThat(metrics).startsWith("200").contains("erasure_sink_clickhouse_mutations_total", "erasure_sink_records_total",
                    "erasure_sink_clickhouse_mutation_wait_seconds", "hikaricp_connections");
            assertThat(metrics).doesNotContain("@" + SampleWorld.EMAIL_DOMAIN);
        }
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        var hd = r.headers().lastHeader(name);
        return hd == null ? null : new String(hd.value(), StandardCharsets.UTF_8);
    }
}

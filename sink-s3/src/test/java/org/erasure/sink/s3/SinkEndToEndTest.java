package org.erasure.sink.s3;

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
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.devstack.s3.S3Server;
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

    static Config config(SinkKafkaHarness h, S3Fixture f, String endpoint, String sinkName, String instance, String extra) {
        String hocon = h.sinkConfig(sinkName, instance) + "\n" + extra;
        Config sink = ConfigFactory.parseString(hocon);
        Config store = ConfigFactory.empty().withValue("s3", f.storeConfig(endpoint, "").root());
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
    void requestsFlowThroughToPhaseCompletedWithDeadLettersAndSkips(KafkaBroker kafka, S3Server s3, TestNames names) throws Exception {
        try (S3Fixture f = S3Fixture.seed(s3, names, 40);
             SinkKafkaHarness h = new SinkKafkaHarness(kafka, names);
             SinkApplication app = SinkApplication.start(config(h, f, s3.endpoint().toString(), names.group("sink-s3"), "0", ""), new S3StoreModule())) {
            SampleWorld w = f.world;
            String contributors = f.target(S3Fixture.CONTRIBUTORS);
            String uploads = f.target(S3Fixture.UPLOADS);

            // A lone request on an idle system flows through at once.
            ContributorErasureRequested first = S3Fixture.request(w.contributor(0), Mode.EXECUTE);
            long t0 = System.nanoTime();
            h.send(first);
            h.flush();
            await().atMost(Duration.ofSeconds(30)).until(() -> h.completions().containsKey(first.requestId()));
            System.out.printf("MEASURED lone request end-to-end: %d ms%n", (System.nanoTime() - t0) / 1_000_000);

            List<ContributorErasureRequested> execute = new ArrayList<>();
            for (int i = 1; i <= 20; i++) {
                execute.add(S3Fixture.request(w.contributor(i), Mode.EXECUTE));
            }
            List<ContributorErasureRequested> dry = new ArrayList<>();
            for (int i = 21; i <= 25; i++) {
                dry.add(S3Fixture.request(w.contributor(i), Mode.DRY_RUN));
            }
            ContributorErasureRequested otherPhase = S3Fixture.request(w.contributor(30), Mode.EXECUTE).toBuilder()
                    .systems(Phase.REDIS).build();
            // An id that would widen the prefix to another contributor's objects.
            ContributorErasureRequested unsafe = S3Fixture.request(w.contributor(31), Mode.EXECUTE).toBuilder()
                    .contributorId(w.contributor(31).id() + "/../" + w.contributor(32).id()).build();
            h.sendRaw("bad-1", "not json {".getBytes(StandardCharsets.UTF_8));
            execute.subList(0, 10).forEach(h::send);
            h.sendRaw("bad-2", "{\"schemaVersion\":1,\"requestId\":\"x\"}".getBytes(StandardCharsets.UTF_8));
            h.sendRaw("tomb", null);
            h.send(otherPhase);
            h.send(unsafe);
            execute.subList(10, 20).forEach(h::send);
            dry.forEach(h::send);
            h.flush();

            int expected = 1 + execute.size() + dry.size() + 1;
            await().atMost(Duration.ofSeconds(60)).until(() -> h.completions().size() >= expected);
            Map<UUID, List<PhaseCompleted>> all = h.completions();
            assertThat(all).hasSize(expected).doesNotContainKey(otherPhase.requestId());
            for (ContributorErasureRequested r : execute) {
                PhaseCompleted pc = all.get(r.requestId()).getFirst();
                assertThat(all.get(r.requestId())).hasSize(1);
                assertThat(pc.status()).isEqualTo(PhaseStatus.SUCCEEDED);
                assertThat(pc.phase()).isEqualTo(Phase.S3);
                assertThat(pc.contributorId()).isEqualTo(r.contributorId());
                assertThat(pc.verification().verified()).isTrue();
                assertThat(pc.sink().name()).isEqualTo(names.group("sink-s3"));
                int index = (int) (Long.parseLong(r.contributorId()) - w.firstId());
                assertThat(pc.targets()).extracting(TargetResult::target).containsExactly(contributors, uploads);
                assertThat(pc.targets().get(0).deleted()).isEqualTo(index % 5 == 0 ? 2 : 1);
                assertThat(pc.targets().get(1).deleted()).isEqualTo(1);
                assertThat(f.entriesOf(w.contributor(index))).isZero();
            }
            for (ContributorErasureRequested r : dry) {
                PhaseCompleted pc = all.get(r.requestId()).getFirst();
                assertThat(pc.status()).isEqualTo(PhaseStatus.DRY_RUN);
                int index = (int) (Long.parseLong(r.contributorId()) - w.firstId());
                assertThat(pc.targets().get(0).wouldDelete()).isEqualTo(index % 5 == 0 ? 2 : 1);
                assertThat(pc.targets().get(1).wouldDelete()).isEqualTo(1);
                assertThat(f.entriesOf(w.contributor(index))).isEqualTo(f.seededEntries(index));
            }
            PhaseCompleted rejected = all.get(unsafe.requestId()).getFirst();
            assertThat(rejected.status()).isEqualTo(PhaseStatus.FAILED);
            assertThat(rejected.error().code()).isEqualTo(S3ErasureStore.UNSAFE_ID);
            assertThat(f.entriesOf(w.contributor(31))).isEqualTo(f.seededEntries(31));
            assertThat(f.entriesOf(w.contributor(32))).isEqualTo(f.seededEntries(32));
            assertThat(f.entriesOf(w.contributor(30))).as("not requested for S3").isEqualTo(f.seededEntries(30));
            assertThat(f.entriesOf(w.contributor(35))).as("neighbour").isEqualTo(f.seededEntries(35));

            // Dead letters: original bytes, reason and source coordinates in headers.
            List<ConsumerRecord<String, byte[]>> dlq = h.readAll(h.topics.requestsDlq(), 2);
            assertThat(dlq).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("bad-1", "bad-2");
            for (ConsumerRecord<String, byte[]> r : dlq) {
                assertThat(header(r, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo(h.topics.requests());
                assertThat(header(r, DeadLetterHeaders.SOURCE_PARTITION)).matches("[0-2]");
                assertThat(header(r, DeadLetterHeaders.SOURCE_OFFSET)).matches("\\d+");
                assertThat(header(r, DeadLetterHeaders.PROBLEM)).isNotBlank();
                assertThat(header(r, DeadLetterHeaders.FIELD)).isNotBlank();
            }
            ConsumerRecord<String, byte[]> bad1 = dlq.stream().filter(r -> r.key().equals("bad-1")).findFirst().orElseThrow();
            assertThat(new String(bad1.value(), StandardCharsets.UTF_8)).isEqualTo("not json {");

            // Operations endpoints.
            int port = app.httpPort();
            assertThat(get(port, "/health")).startsWith("200").contains("UP");
            assertThat(get(port, "/health/ready")).startsWith("200").contains("\"kafka\":\"UP\"").contains("\"store\":\"UP\"");
            String metrics = get(port, "/metrics");
            assertThat(metrics).startsWith("200")
                    .contains("erasure_sink_batch_size_count", "erasure_sink_erase_seconds_count", "erasure_sink_verify_seconds",
                            "erasure_sink_records_total", "erasure_sink_dlq_total", "erasure_sink_consumer_lag",
                            "erasure_sink_retries_total", "erasure_s3_calls_total", "erasure_s3_delete_errors_total");
            assertThat(metrics).doesNotContain("@" + SampleWorld.EMAIL_DOMAIN);
            assertThat(app.registry().get("erasure.sink.dlq").counter().count()).isEqualTo(2.0);

            // Warm, idle sink: a lone request is not held back by batching.
            ContributorErasureRequested lone = S3Fixture.request(w.contributor(39), Mode.EXECUTE);
            long t1 = System.nanoTime();
            h.send(lone);
            h.flush();
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> h.completions().containsKey(lone.requestId()));
            long loneMs = (System.nanoTime() - t1) / 1_000_000;
            System.out.printf("MEASURED lone request on an idle, warm sink: %d ms%n", loneMs);
            assertThat(loneMs).isLessThan(3_000);
        }
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        var hd = r.headers().lastHeader(name);
        return hd == null ? null : new String(hd.value(), StandardCharsets.UTF_8);
    }
}

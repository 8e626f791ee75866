package org.erasure.sink.redis;

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
import org.erasure.devstack.redis.RedisServer;
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

    static Config config(SinkKafkaHarness h, String redisAddress, String sinkName, String instance, String extra) {
        Config sink = ConfigFactory.parseString(h.sinkConfig(sinkName, instance) + "\n" + extra);
        Config store = ConfigFactory.empty().withValue("redis", RedisFixture.storeConfig(redisAddress, "").root());
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
    void requestsFlowThroughToPhaseCompletedWithDeadLettersAndSkips(KafkaBroker kafka, RedisServer redis, TestNames names) throws Exception {
        try (RedisFixture f = RedisFixture.seed(redis, 40);
             SinkKafkaHarness h = new SinkKafkaHarness(kafka, names);
             SinkApplication app = SinkApplication.start(config(h, redis.uri(), names.group("sink-redis"), "0", ""), new RedisStoreModule())) {
            SampleWorld w = f.world;

            ContributorErasureRequested first = RedisFixture.request(w.contributor(0), Mode.EXECUTE);
            long t0 = System.nanoTime();
            h.send(first);
            h.flush();
            await().atMost(Duration.ofSeconds(30)).until(() -> h.completions().containsKey(first.requestId()));
            System.out.printf("MEASURED lone request end-to-end: %d ms%n", (System.nanoTime() - t0) / 1_000_000);

            List<ContributorErasureRequested> execute = new ArrayList<>();
            for (int i = 1; i <= 20; i++) {
                execute.add(RedisFixture.request(w.contributor(i), Mode.EXECUTE));
            }
            List<ContributorErasureRequested> dry = new ArrayList<>();
            for (int i = 21; i <= 25; i++) {
                dry.add(RedisFixture.request(w.contributor(i), Mode.DRY_RUN));
            }
            ContributorErasureRequested otherPhase = RedisFixture.request(w.contributor(30), Mode.EXECUTE).toBuilder()
                    .systems(Phase.POSTGRES).build();
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
                assertThat(all.get(r.requestId())).hasSize(1);
                PhaseCompleted pc = all.get(r.requestId()).getFirst();
                int index = (int) (Long.parseLong(r.contributorId()) - w.firstId());
                assertThat(pc.status()).isEqualTo(PhaseStatus.SUCCEEDED);
                assertThat(pc.phase()).isEqualTo(Phase.REDIS);
                assertThat(pc.contributorId()).isEqualTo(r.contributorId());
                assertThat(pc.verification().verified()).isTrue();
                assertThat(pc.sink().name()).isEqualTo(names.group("sink-redis"));
                assertThat(pc.targets()).extracting(TargetResult::target)
                        .containsExactly(RedisFixture.SESSIONS, RedisFixture.AUTH, RedisFixture.JOBS, RedisFixture.ONLINE);
                assertThat(pc.targets()).extracting(TargetResult::deleted).containsExactly(1L, 1L, 1L, w.isOnline(index) ? 1L : 0L);
                assertThat(f.keysOf(index)).isZero();
                assertThat(f.online(Long.parseLong(r.contributorId()))).isFalse();
            }
            for (ContributorErasureRequested r : dry) {
                PhaseCompleted pc = all.get(r.requestId()).getFirst();
                int index = (int) (Long.parseLong(r.contributorId()) - w.firstId());
                assertThat(pc.status()).isEqualTo(PhaseStatus.DRY_RUN);
                assertThat(pc.targets()).extracting(TargetResult::wouldDelete).containsExactly(1L, 1L, 1L, w.isOnline(index) ? 1L : 0L);
                assertThat(f.intact(index)).isTrue();
            }
            assertThat(f.intact(30)).as("not requested for REDIS").isTrue();
            assertThat(f.intact(35)).as("neighbour").isTrue();
            assertThat(f.unrelatedKeysPresent()).isTrue();

            List<ConsumerRecord<String, byte[]>> dlq = h.readAll(h.topics.requestsDlq(), 2);
            assertThat(dlq).hasSize(2);
            assertThat(dlq).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("bad-1", "bad-2");
            for (ConsumerRecord<String, byte[]> r : dlq) {
                assertThat(header(r, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo(h.topics.requests());
                assertThat(header(r, DeadLetterHeaders.SOURCE_OFFSET)).matches("\\d+");
                assertThat(header(r, DeadLetterHeaders.PROBLEM)).isNotBlank();
            }
            ConsumerRecord<String, byte[]> bad1 = dlq.stream().filter(r -> r.key().equals("bad-1")).findFirst().orElseThrow();
            assertThat(new String(bad1.value(), StandardCharsets.UTF_8)).isEqualTo("not json {");

            int port = app.httpPort();
            assertThat(get(port, "/health")).startsWith("200").contains("UP");
            assertThat(get(port, "/health/ready")).startsWith("200").contains("\"kafka\":\"UP\"").contains("\"store\":\"UP\"");
            String metrics = get(port, "/metrics");
            assertThat(metrics).startsWith("200")
                    .contains("erasure_sink_batch_size_count", "erasure_sink_erase_seconds_count", "erasure_sink_records_total",
                            "erasure_sink_dlq_total", "erasure_sink_redis_scan_seconds_count", "erasure_sink_redis_scanned_keys_total");
            assertThat(metrics).doesNotContain("@" + SampleWorld.EMAIL_DOMAIN);
            assertThat(app.registry().get("erasure.sink.dlq").counter().count()).isEqualTo(2.0);

            // Warm, idle sink: a lone request is not held back by batching.
            ContributorErasureRequested lone = RedisFixture.request(w.contributor(39), Mode.EXECUTE);
            long t1 = System.nanoTime();
            h.send(lone);
            h.flush();
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> h.completions().containsKey(lone.requestId()));
            long loneMs = (System.nanoTime() - t1) / 1_000_000;
            System.out.printf("MEASURED lone request on an idle, warm sink: %d ms%n", loneMs);
            assertThat(loneMs).isLessThan(2_000);
        }
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        var hd = r.headers().lastHeader(name);
        return hd == null ? null : new String(hd.value(), StandardCharsets.UTF_8);
    }
}

package org.erasure.sink.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import co.elastic.clients.elasticsearch._types.FieldValue;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.erasure.devstack.elasticsearch.ElasticsearchServer;
import org.erasure.devstack.fault.TcpProxy;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.Mode;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.PhaseStatus;
import org.erasure.sink.runtime.SinkApplication;
import org.erasure.sink.runtime.testkit.SinkContract;
import org.erasure.sink.runtime.testkit.SinkKafkaHarness;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The runtime's delivery guarantees under faults, with the real Kafka broker and Elasticsearch. */
@DevStackTest
@Order(3)
class SinkFaultTest {

    /** Contributors among the first {@code n} with no document left holding their worker id. */
    private static long erasedAmongFirst(EsFixture f, int n) throws Exception {
        f.refresh();
        long done = 0;
        List<FieldValue> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(FieldValue.of(f.world.contributor(i).workerId()));
        }
        var r = f.client.search(s -> s.index(f.pattern).size(0).query(q -> q.terms(t -> t.field("judgments.workerId").terms(v -> v.value(ids))))
                .aggregations("w", a -> a.terms(t -> t.field("judgments.workerId").size(10_000))), Void.class);
        java.util.Set<String> still = new java.util.HashSet<>();
        r.aggregations().get("w").sterms().buckets().array().forEach(b -> still.add(b.key().stringValue()));
        for (int i = 0; i < n; i++) {
            if (!still.contains(f.world.contributor(i).workerId())) {
                done++;
            }
        }
        return done;
    }

    @Test
    void processKilledMidBatchAndRestartedLosesNoRequest(KafkaBroker kafka, ElasticsearchServer es, TestNames names) throws Exception {
        int n = 150;
        try (EsFixture f = EsFixture.seed(es, names, n + 30); SinkKafkaHarness h = new SinkKafkaHarness(kafka, names)) {
            List<ContributorErasureRequested> requests = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                requests.add(EsFixture.request(f.world.contributor(i), Mode.EXECUTE));
            }
            requests.forEach(h::send);
            h.flush();

            String sinkName = names.group("sink-es");
            String hocon = h.sinkConfig(sinkName, "crash") + """
                    sink.batch.max-size = 15
                    sink.testing.delay-before-commit = 1500ms
                    sink.http.enabled = false
                    elasticsearch.hosts = "%s"
                    elasticsearch.targets = [ { index = "%s", groups = [
                      { path = latest, fields { workerEmail = email, workerId = worker-id } }
                      { path = judgments, fields { workerEmail = email, workerId = worker-id } } ] } ]
                    """.formatted(es.httpUrl(), f.pattern);
            Process child = SinkContract.startChild(hocon, names.stem());
            long erasedAtKill;
            long reportedAtKill;
            try {
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50))
                        .until(() -> h.completionCount() >= 15 && erasedAmongFirst(f, n) > h.completionCount());
                child.destroyForcibly().waitFor();
                erasedAtKill = erasedAmongFirst(f, n);
                reportedAtKill = h.completionCount();
            } finally {
                child.destroyForcibly();
            }
            System.out.printf("MEASURED crash: killed with %d erased in the store, %d PhaseCompleted committed%n", erasedAtKill, reportedAtKill);
            assertThat(erasedAtKill).as("the kill hit an erased but uncommitted batch").isGreaterThan(reportedAtKill);
            assertThat(erasedAtKill).isLessThan(n);

            Config config = SinkEndToEndTest.config(h, f, es.httpUrl(), sinkName, "crash", "sink.batch.max-size = 15");
            long t0 = System.nanoTime();
            try (SinkApplication app = SinkApplication.start(config, new ElasticsearchStoreModule())) {
                await().atMost(Duration.ofSeconds(120)).until(() -> h.completions().size() >= n);
                System.out.printf("MEASURED crash: restarted sink finished the remaining requests in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            }
            Map<UUID, List<PhaseCompleted>> all = h.completions();
            for (ContributorErasureRequested r : requests) {
                assertThat(all.get(r.requestId())).as("exactly one committed PhaseCompleted").hasSize(1);
                PhaseCompleted pc = all.get(r.requestId()).getFirst();
                assertThat(pc.status()).isEqualTo(PhaseStatus.SUCCEEDED);
                assertThat(pc.verification().verified()).isTrue();
            }
            assertThat(erasedAmongFirst(f, n)).isEqualTo(n);
            for (int i = n; i < n + 30; i++) {
                if (i >= n + 2 && i < n + 28) { // far enough from the erased range to share no document with it
                    assertThat(f.holding(f.world.contributor(i))).isEqualTo(f.world.esDocumentsOf(i));
                }
            }
            assertThat(f.total()).isEqualTo(f.world.esDocumentCount());
        }
    }

    @Test
    void storeDownForTwentySecondsThenRequestsCompleteNoneFailed(KafkaBroker kafka, ElasticsearchServer es, TestNames names) throws Exception {
        try (EsFixture f = EsFixture.seed(es, names, 60);
             SinkKafkaHarness h = new SinkKafkaHarness(kafka, names);
             TcpProxy proxy = new TcpProxy(es.httpPort()).start()) {
            Config config = SinkEndToEndTest.config(h, f, "http://127.0.0.1:" + proxy.port(), names.group("sink-es"), "0",
                    "elasticsearch { connect-timeout = 1s, response-timeout = 10s }");
            try (SinkApplication app = SinkApplication.start(config, new ElasticsearchStoreModule())) {
                for (int i = 0; i < 10; i++) {
                    h.send(EsFixture.request(f.world.contributor(i), Mode.EXECUTE));
                }
                h.flush();
                await().atMost(Duration.ofSeconds(30)).until(() -> h.completions().size() == 10);

                proxy.stop();
                long down = System.nanoTime();
                for (int i = 10; i < 40; i++) {
                    h.send(EsFixture.request(f.world.contributor(i), Mode.EXECUTE));
                }
                h.flush();
                await().during(Duration.ofSeconds(20)).atMost(Duration.ofSeconds(25)).pollInterval(Duration.ofMillis(250))
                        .until(() -> h.completionCount() == 10);
                assertThat(app.runner().isPaused()).isTrue();
                assertThat(app.runner().isRunning()).isTrue();

                proxy.start();
                System.out.printf("MEASURED outage: store down for %d ms%n", (System.nanoTime() - down) / 1_000_000);
                long up = System.nanoTime();
                await().atMost(Duration.ofSeconds(90)).until(() -> h.completions().size() == 40);
                System.out.printf("MEASURED outage: backlog of 30 done %d ms after the store returned%n", (System.nanoTime() - up) / 1_000_000);
                assertThat(h.completions().values()).allSatisfy(l -> {
                    assertThat(l).hasSize(1);
                    assertThat(l.getFirst().status()).isEqualTo(PhaseStatus.SUCCEEDED);
                });
                assertThat(erasedAmongFirst(f, 40)).isEqualTo(40);
                assertThat(f.holding(f.world.contributor(50))).isEqualTo(f.world.esDocumentsOf(50));
                assertThat(app.registry().get("erasure.sink.pauses").tag("lane", "interactive").counter().count()).isGreaterThanOrEqualTo(1.0);
                assertThat(app.runner().isPaused()).isFalse();
            }
        }
    }
}

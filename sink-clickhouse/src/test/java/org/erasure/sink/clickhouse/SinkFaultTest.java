package org.erasure.sink.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.erasure.sink.clickhouse.ChFixture.METRICS;
import static org.erasure.sink.clickhouse.ChFixture.STATS;

import com.typesafe.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.erasure.devstack.clickhouse.ClickHouseServer;
import org.erasure.devstack.fault.TcpProxy;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.Mode;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.PhaseStatus;
import org.erasure.sink.runtime.SinkApplication;
import org.erasure.sink.runtime.testkit.SinkKafkaHarness;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The runtime's delivery guarantees under faults, with the real Kafka broker and ClickHouse. */
@DevStackTest
@Order(3)
class SinkFaultTest {

    /** Contributors whose rows are masked in the last table of the mapping (the batch is done in the store). */
    private static long erased(ChFixture f) {
        return f.count("SELECT uniqExact(contributor_id) FROM $d." + STATS + " WHERE email = 'DELETED_USER'");
    }

    @Test
    void processKilledMidBatchAndRestartedLosesNoRequest(KafkaBroker kafka, ClickHouseServer ch, TestNames names) throws Exception {
        int n = 200;
        ChFixture f = ChFixture.seed(ch, names, n + 20);
        try (SinkKafkaHarness h = new SinkKafkaHarness(kafka, names)) {
            List<ContributorErasureRequested> requests = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                requests.add(ChFixture.request(f.world.contributor(i), Mode.EXECUTE));
            }
            requests.forEach(h::send);
            h.flush();

            String sinkName = names.group("sink-ch");
            String hocon = h.sinkConfig(sinkName, "crash") + """
                    sink.batch.max-size = 20
                    sink.testing.delay-before-commit = 2s
                    sink.http.enabled = false
                    clickhouse { jdbc-url = "%s", database = "%s" }
                    """.formatted(ch.jdbcUrl(), f.database);
            Process child = startChild(hocon, names.stem());
            try {
                // Kill it while a batch is erased in the store but its PhaseCompleted events are not committed.
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50))
                        .until(() -> erased(f) >= 40 && erased(f) > h.completionCount());
                child.destroyForcibly().waitFor();
            } finally {
                child.destroyForcibly();
            }
            long erasedAtKill = erased(f);
            long reportedAtKill = h.completionCount();
            System.out.printf("MEASURED crash: killed with %d erased in the store, %d PhaseCompleted committed%n", erasedAtKill, reportedAtKill);
            assertThat(erasedAtKill).as("the kill hit an erased but uncommitted batch").isGreaterThan(reportedAtKill);
            assertThat(erasedAtKill).isLessThan(n);

            Config config = SinkEndToEndTest.config(h, f, ch.jdbcUrl(), sinkName, "crash", "sink.batch.max-size = 20");
            long t0 = System.nanoTime();
            try (SinkApplication app = SinkApplication.start(config, new ClickHouseStoreModule())) {
                await().atMost(Duration.ofSeconds(180)).until(() -> h.completions().size() >= n);
                System.out.printf("MEASURED crash: restarted sink finished the remaining requests in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            }
            Map<UUID, List<PhaseCompleted>> all = h.completions();
            for (ContributorErasureRequested r : requests) {
                assertThat(all.get(r.requestId())).as("exactly one committed PhaseCompleted for %s", r.requestId()).hasSize(1);
                PhaseCompleted pc = all.get(r.requestId()).getFirst();
                assertThat(pc.status()).isEqualTo(PhaseStatus.SUCCEEDED);
                assertThat(pc.verification().verified()).isTrue();
            }
            assertThat(erased(f)).isEqualTo(n);
            for (String t : ChFixture.TABLES) {
                assertThat(f.maskedAll(t)).isEqualTo(n * ChFixture.rows(t));
            }
            for (int i = n; i < n + 20; i++) {
                assertThat(f.intact(METRICS, f.world.contributor(i))).isEqualTo(60);
            }
            long reportedMasked = all.values().stream().mapToLong(l -> l.getFirst().totalMasked()).sum();
            assertThat(reportedMasked).as("the re-run reports what the crashed run already did as 0").isLessThan(n * ChFixture.PER_CONTRIBUTOR);
        }
    }

    @Test
    void storeDownForTwentySecondsThenRequestsCompleteNoneFailed(KafkaBroker kafka, ClickHouseServer ch, TestNames names) throws Exception {
        ChFixture f = ChFixture.seed(ch, names, 60);
        try (SinkKafkaHarness h = new SinkKafkaHarness(kafka, names); TcpProxy proxy = new TcpProxy(ch.httpPort()).start()) {
            String url = "jdbc:clickhouse://127.0.0.1:" + proxy.port() + "/default";
            Config config = SinkEndToEndTest.config(h, f, url, names.group("sink-ch"), "0",
                    "clickhouse { pool.connection-timeout = 3s, connect-timeout = 1s, socket-timeout = 10s }");
            try (SinkApplication app = SinkApplication.start(config, new ClickHouseStoreModule())) {
                List<ContributorErasureRequested> before = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    before.add(ChFixture.request(f.world.contributor(i), Mode.EXECUTE));
                }
                before.forEach(h::send);
                h.flush();
                await().atMost(Duration.ofSeconds(30)).until(() -> h.completions().size() == 10);

                proxy.stop();
                long down = System.nanoTime();
                List<ContributorErasureRequested> during = new ArrayList<>();
                for (int i = 10; i < 40; i++) {
                    during.add(ChFixture.request(f.world.contributor(i), Mode.EXECUTE));
                }
                during.forEach(h::send);
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
                Map<UUID, List<PhaseCompleted>> all = h.completions();
                assertThat(all.values()).allSatisfy(l -> {
                    assertThat(l).hasSize(1);
                    assertThat(l.getFirst().status()).isEqualTo(PhaseStatus.SUCCEEDED);
                });
                for (int i = 0; i < 40; i++) {
                    for (String t : ChFixture.TABLES) {
                        assertThat(f.masked(t, f.world.contributor(i))).isEqualTo(ChFixture.rows(t));
                    }
                }
                assertThat(f.intact(METRICS, f.world.contributor(50))).isEqualTo(60);
                assertThat(app.registry().get("erasure.sink.pauses").counter().count()).isGreaterThanOrEqualTo(1.0);
                assertThat(app.runner().isPaused()).isFalse();
            }
        }
    }

    /** Starts ClickHouseSinkMain in its own JVM (the test class path), logging into target/test-logs. */
    static Process startChild(String hocon, String stem) throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "test-logs"));
        Path configFile = dir.resolve(stem + ".conf");
        Files.writeString(configFile, hocon);
        Path childLog = dir.resolve("child-" + stem + ".log");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dsink.test.log=" + childLog.toAbsolutePath(), "-cp", classpath,
                ClickHouseSinkMain.class.getName(), "--config", configFile.toAbsolutePath().toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("child-" + stem + ".out").toFile()).start();
    }
}

package org.erasure.sink.postgres;

import org.erasure.sink.runtime.testkit.SinkKafkaHarness;
import org.erasure.devstack.fault.TcpProxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.devstack.postgres.PostgresServer;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.Mode;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.PhaseStatus;
import org.erasure.sink.runtime.SinkApplication;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The runtime's delivery guarantees under faults, with the real Kafka broker and PostgreSQL. */
@DevStackTest
@Order(3)
class SinkFaultTest {

    private static long masked(PgFixture f) throws Exception {
        return f.count("SELECT count(*) FROM $s.kepler_crowd_contributors_t WHERE email = 'DELETED_USER'");
    }

    @Test
    void processKilledMidBatchAndRestartedLosesNoRequest(KafkaBroker kafka, PostgresServer postgres, TestNames names) throws Exception {
        int n = 300;
        PgFixture f = PgFixture.seed(postgres, names, n + 20);
        try (SinkKafkaHarness h = new SinkKafkaHarness(kafka, names)) {
            List<ContributorErasureRequested> requests = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                requests.add(PgFixture.request(f.world.contributor(i), Mode.EXECUTE));
            }
            requests.forEach(h::send);
            h.flush();

            // The child JVM: small batches and a window between the store commit and the Kafka commit.
            String sinkName = names.group("sink-pg");
            String hocon = h.sinkConfig(sinkName, "crash") + """
                    sink.batch.max-size = 20
                    sink.testing.delay-before-commit = 400ms
                    sink.http.enabled = false
                    postgres { jdbc-url = "%s", password = postgres, schema = "%s" }
                    """.formatted(postgres.jdbcUrl(), f.schema);
            Process child = startChild(hocon, names.stem());
            try {
                // Kill it while a batch is erased in the store but its PhaseCompleted events are not committed.
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50))
                        .until(() -> masked(f) >= 60 && masked(f) > h.completionCount());
                child.destroyForcibly().waitFor();
            } finally {
                child.destroyForcibly();
            }
            long maskedAtKill = masked(f);
            long reportedAtKill = h.completionCount();
            System.out.printf("MEASURED crash: killed with %d erased in the store, %d PhaseCompleted committed%n", maskedAtKill, reportedAtKill);
            assertThat(maskedAtKill).as("the kill hit an erased but uncommitted batch").isGreaterThan(reportedAtKill);
            assertThat(maskedAtKill).isLessThan(n);

            // Restart with the same instance id: the zombie's transaction is aborted, its partitions come back.
            Config config = SinkEndToEndTest.config(h, f, postgres.jdbcUrl(), sinkName, "crash", "sink.batch.max-size = 20");
            long t0 = System.nanoTime();
            try (SinkApplication app = SinkApplication.start(config, new PostgresStoreModule())) {
                await().atMost(Duration.ofSeconds(120)).until(() -> h.completions().size() >= n);
                System.out.printf("MEASURED crash: restarted sink finished the remaining requests in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            }
            Map<UUID, List<PhaseCompleted>> all = h.completions();
            for (ContributorErasureRequested r : requests) {
                assertThat(all.get(r.requestId())).as("exactly one committed PhaseCompleted for %s", r.requestId()).hasSize(1);
                PhaseCompleted pc = all.get(r.requestId()).getFirst();
                assertThat(pc.status()).isEqualTo(PhaseStatus.SUCCEEDED);
                assertThat(pc.verification().verified()).isTrue();
            }
            assertThat(masked(f)).isEqualTo(n);
            assertThat(f.count("SELECT count(*) FROM $s.kepler_crowd_contributor_job_mapping_t WHERE contributor_id < ?", f.world.firstId() + n)).isZero();
            for (int i = n; i < n + 20; i++) {
                assertThat(f.intactRows(f.world.contributor(i))).isEqualTo(1);
            }
            // Rows erased before the kill are reported by the re-run as already done (0 changes), still verified.
            long reportedMasked = all.values().stream().mapToLong(l -> l.getFirst().totalMasked()).sum();
            assertThat(reportedMasked).isLessThan(n);
        }
    }

    @Test
    void storeDownForTwentySecondsThenRequestsCompleteNoneFailed(KafkaBroker kafka, PostgresServer postgres, TestNames names) throws Exception {
        PgFixture f = PgFixture.seed(postgres, names, 60);
        try (SinkKafkaHarness h = new SinkKafkaHarness(kafka, names); TcpProxy proxy = new TcpProxy(postgres.port()).start()) {
            String url = "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?connectTimeout=2&socketTimeout=10";
            Config config = SinkEndToEndTest.config(h, f, url, names.group("sink-pg"), "0", "postgres.pool.connection-timeout = 1s");
            try (SinkApplication app = SinkApplication.start(config, new PostgresStoreModule())) {
                List<ContributorErasureRequested> before = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    before.add(PgFixture.request(f.world.contributor(i), Mode.EXECUTE));
                }
                before.forEach(h::send);
                h.flush();
                await().atMost(Duration.ofSeconds(30)).until(() -> h.completions().size() == 10);

                proxy.stop();
                long down = System.nanoTime();
                List<ContributorErasureRequested> during = new ArrayList<>();
                for (int i = 10; i < 40; i++) {
                    during.add(PgFixture.request(f.world.contributor(i), Mode.EXECUTE));
                }
                during.forEach(h::send);
                h.flush();
                // For 20 s nothing is reported: no flood of FAILED, the consumer pauses and probes.
                await().during(Duration.ofSeconds(20)).atMost(Duration.ofSeconds(25)).pollInterval(Duration.ofMillis(250))
                        .until(() -> h.completionCount() == 10);
                assertThat(app.runner().isPaused()).isTrue();
                assertThat(app.runner().isRunning()).isTrue();

                proxy.start();
                System.out.printf("MEASURED outage: store down for %d ms%n", (System.nanoTime() - down) / 1_000_000);
                long up = System.nanoTime();
                await().atMost(Duration.ofSeconds(60)).until(() -> h.completions().size() == 40);
                System.out.printf("MEASURED outage: backlog of 30 done %d ms after the store returned%n", (System.nanoTime() - up) / 1_000_000);
                Map<UUID, List<PhaseCompleted>> all = h.completions();
                assertThat(all.values()).allSatisfy(l -> {
                    assertThat(l).hasSize(1);
                    assertThat(l.getFirst().status()).isEqualTo(PhaseStatus.SUCCEEDED);
                });
                for (int i = 0; i < 40; i++) {
                    assertThat(f.maskedRows(f.world.contributor(i).id())).isEqualTo(1);
                }
                assertThat(f.intactRows(f.world.contributor(50))).isEqualTo(1);
                assertThat(app.registry().get("erasure.sink.pauses").counter().count()).isGreaterThanOrEqualTo(1.0);
                assertThat(app.registry().get("erasure.sink.retries").counter().count()).isGreaterThanOrEqualTo(2.0);
                assertThat(app.runner().isPaused()).isFalse();
            }
        }
        assertThat(SampleWorld.EMAIL_DOMAIN).isNotBlank();
    }

    /** Starts PostgresSinkMain in its own JVM (the test class path), logging into target/test-logs. */
    static Process startChild(String hocon, String stem) throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "test-logs"));
        Path configFile = dir.resolve(stem + ".conf");
        Files.writeString(configFile, hocon);
        Path childLog = dir.resolve("child-" + stem + ".log");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dsink.test.log=" + childLog.toAbsolutePath(), "-cp", classpath,
                PostgresSinkMain.class.getName(), "--config", configFile.toAbsolutePath().toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("child-" + stem + ".out").toFile()).start();
    }

    @Test
    void sigtermFinishesTheBatchAndStopsCleanly(KafkaBroker kafka, PostgresServer postgres, TestNames names) throws Exception {
        PgFixture f = PgFixture.seed(postgres, names, 10);
        try (SinkKafkaHarness h = new SinkKafkaHarness(kafka, names)) {
            String hocon = h.sinkConfig(names.group("sink-pg"), "term") + """
                    sink.http.enabled = false
                    postgres { jdbc-url = "%s", password = postgres, schema = "%s" }
                    """.formatted(postgres.jdbcUrl(), f.schema);
            Process child = startChild(hocon, names.stem());
            try {
                for (int i = 0; i < 5; i++) {
                    h.send(PgFixture.request(f.world.contributor(i), Mode.EXECUTE));
                }
                h.flush();
                await().atMost(Duration.ofSeconds(60)).until(() -> h.completions().size() == 5);
                long t0 = System.nanoTime();
                child.destroy(); // SIGTERM
                assertThat(child.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).as("stopped within 30 s").isTrue();
                System.out.printf("MEASURED SIGTERM to exit: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            } finally {
                child.destroyForcibly();
            }
            String log = Files.readString(Path.of("target", "test-logs", "child-" + names.stem() + ".log"));
            assertThat(log).contains("shutdown requested").contains("stopped");
            assertThat(log).doesNotContain("sink loop failed");
        }
    }
}

package org.erasure.sink.s3;

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
import org.erasure.devstack.s3.S3Server;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.Mode;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.PhaseStatus;
import org.erasure.sink.runtime.SinkApplication;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The runtime's delivery guarantees under faults, with the real Kafka broker and S3 (s3proxy). */
@DevStackTest
@Order(3)
class SinkFaultTest {

    /** Contributors whose objects are gone (each had exactly one uploads/ object). */
    private static long erased(S3Fixture f) {
        return f.world.size() - f.entriesUnder("uploads/");
    }

    @Test
    void processKilledMidBatchAndRestartedLosesNoRequest(KafkaBroker kafka, S3Server s3, TestNames names) throws Exception {
        int n = 300;
        try (S3Fixture f = S3Fixture.seed(s3, names, n + 20); SinkKafkaHarness h = new SinkKafkaHarness(kafka, names)) {
            List<ContributorErasureRequested> requests = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                requests.add(S3Fixture.request(f.world.contributor(i), Mode.EXECUTE));
            }
            requests.forEach(h::send);
            h.flush();

            // The child JVM: small batches and a window between the store commit and the Kafka commit.
            String sinkName = names.group("sink-s3");
            String hocon = h.sinkConfig(sinkName, "crash") + """
                    sink.batch.max-size = 20
                    sink.testing.delay-before-commit = 400ms
                    sink.http.enabled = false
                    %s
                    """.formatted(s3Section(f, s3.endpoint().toString()));
            Process child = startChild(hocon, names.stem());
            try {
                // Kill it while a batch is erased in the store but its PhaseCompleted events are not committed.
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50))
                        .until(() -> erased(f) >= 60 && erased(f) > h.completionCount());
                child.destroyForcibly().waitFor();
            } finally {
                child.destroyForcibly();
            }
            long erasedAtKill = erased(f);
            long reportedAtKill = h.completionCount();
            System.out.printf("MEASURED crash: killed with %d erased in the store, %d PhaseCompleted committed%n", erasedAtKill, reportedAtKill);
            assertThat(erasedAtKill).as("the kill hit an erased but uncommitted batch").isGreaterThan(reportedAtKill);
            assertThat(erasedAtKill).isLessThan(n);

            // Restart with the same instance id: the zombie's transaction is aborted, its partitions come back.
            Config config = SinkEndToEndTest.config(h, f, s3.endpoint().toString(), sinkName, "crash", "sink.batch.max-size = 20");
            long t0 = System.nanoTime();
            try (SinkApplication app = SinkApplication.start(config, new S3StoreModule())) {
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
            assertThat(erased(f)).isEqualTo(n);
            for (int i = 0; i < n; i++) {
                assertThat(f.entriesOf(f.world.contributor(i))).isZero();
            }
            for (int i = n; i < n + 20; i++) {
                assertThat(f.entriesOf(f.world.contributor(i))).isEqualTo(f.seededEntries(i));
            }
            // Objects erased before the kill are reported by the re-run as already done (0 changes), still verified.
            long reportedDeleted = all.values().stream().mapToLong(l -> l.getFirst().totalDeleted()).sum();
            long seeded = java.util.stream.IntStream.range(0, n).mapToLong(f::seededEntries).sum();
            assertThat(reportedDeleted).isLessThan(seeded);
        }
    }

    @Test
    void storeDownForTwentySecondsThenRequestsCompleteNoneFailed(KafkaBroker kafka, S3Server s3, TestNames names) throws Exception {
        try (S3Fixture f = S3Fixture.seed(s3, names, 60); SinkKafkaHarness h = new SinkKafkaHarness(kafka, names);
             TcpProxy proxy = new TcpProxy(s3.endpoint().getPort()).start()) {
            String url = "http://127.0.0.1:" + proxy.port();
            Config config = SinkEndToEndTest.config(h, f, url, names.group("sink-s3"), "0", "");
            try (SinkApplication app = SinkApplication.start(config, new S3StoreModule())) {
                List<ContributorErasureRequested> before = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    before.add(S3Fixture.request(f.world.contributor(i), Mode.EXECUTE));
                }
                before.forEach(h::send);
                h.flush();
                await().atMost(Duration.ofSeconds(30)).until(() -> h.completions().size() == 10);

                proxy.stop();
                long down = System.nanoTime();
                List<ContributorErasureRequested> during = new ArrayList<>();
                for (int i = 10; i < 40; i++) {
                    during.add(S3Fixture.request(f.world.contributor(i), Mode.EXECUTE));
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
                    assertThat(f.entriesOf(f.world.contributor(i))).isZero();
                }
                assertThat(f.entriesOf(f.world.contributor(50))).isEqualTo(f.seededEntries(50));
                assertThat(app.registry().get("erasure.sink.pauses").counter().count()).isGreaterThanOrEqualTo(1.0);
                assertThat(app.registry().get("erasure.sink.retries").counter().count()).isGreaterThanOrEqualTo(2.0);
                assertThat(app.runner().isPaused()).isFalse();
            }
        }
    }

    static String s3Section(S3Fixture f, String endpoint) {
        return "s3 " + f.storeConfig(endpoint, "").root().render(com.typesafe.config.ConfigRenderOptions.concise());
    }

    /** Starts S3SinkMain in its own JVM (the test class path), logging into target/test-logs. */
    static Process startChild(String hocon, String stem) throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "test-logs"));
        Path configFile = dir.resolve(stem + ".conf");
        Files.writeString(configFile, hocon);
        Path childLog = dir.resolve("child-" + stem + ".log");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dsink.test.log=" + childLog.toAbsolutePath(), "-cp", classpath,
                S3SinkMain.class.getName(), "--config", configFile.toAbsolutePath().toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("child-" + stem + ".out").toFile()).start();
    }

    @Test
    void sigtermFinishesTheBatchAndStopsCleanly(KafkaBroker kafka, S3Server s3, TestNames names) throws Exception {
        try (S3Fixture f = S3Fixture.seed(s3, names, 10); SinkKafkaHarness h = new SinkKafkaHarness(kafka, names)) {
            String hocon = h.sinkConfig(names.group("sink-s3"), "term") + """
                    sink.http.enabled = false
                    %s
                    """.formatted(s3Section(f, s3.endpoint().toString()));
            Process child = startChild(hocon, names.stem());
            try {
                for (int i = 0; i < 5; i++) {
                    h.send(S3Fixture.request(f.world.contributor(i), Mode.EXECUTE));
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

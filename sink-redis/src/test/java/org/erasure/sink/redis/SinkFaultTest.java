package org.erasure.sink.redis;

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
import org.erasure.devstack.fault.TcpProxy;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.devstack.redis.RedisServer;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.Mode;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.PhaseStatus;
import org.erasure.sink.runtime.SinkApplication;
import org.erasure.sink.runtime.testkit.SinkKafkaHarness;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The runtime's delivery guarantees under faults, with the real Kafka broker and Redis. */
@DevStackTest
@Order(3)
class SinkFaultTest {

    @Test
    void processKilledMidBatchAndRestartedLosesNoRequest(KafkaBroker kafka, RedisServer redis, TestNames names) throws Exception {
        int n = 300;
        try (RedisFixture f = RedisFixture.seed(redis, n + 20); SinkKafkaHarness h = new SinkKafkaHarness(kafka, names)) {
            List<ContributorErasureRequested> requests = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                requests.add(RedisFixture.request(f.world.contributor(i), Mode.EXECUTE));
            }
            requests.forEach(h::send);
            h.flush();

            // The child JVM: small batches and a window between the store writes and the Kafka commit.
            String sinkName = names.group("sink-redis");
            String hocon = h.sinkConfig(sinkName, "crash") + """
                    sink.batch.max-size = 20
                    sink.testing.delay-before-commit = 400ms
                    sink.http.enabled = false
                    redis { address = "%s" }
                    """.formatted(redis.uri());
            Process child = startChild(hocon, names.stem());
            try {
                // Kill it while a batch is erased in Redis but its PhaseCompleted events are not committed.
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50))
                        .until(() -> {
                            long erased = f.erasedAmongFirst(n);
                            return erased >= 60 && erased > h.completionCount();
                        });
                child.destroyForcibly().waitFor();
            } finally {
                child.destroyForcibly();
            }
            long erasedAtKill = f.erasedAmongFirst(n);
            long reportedAtKill = h.completionCount();
            System.out.printf("MEASURED crash: killed with %d erased in Redis, %d PhaseCompleted committed%n", erasedAtKill, reportedAtKill);
            assertThat(erasedAtKill).as("the kill hit an erased but uncommitted batch").isGreaterThan(reportedAtKill);
            assertThat(erasedAtKill).isLessThan(n);

            // Restart with the same instance id: the zombie's transaction is aborted, its partitions come back.
            Config config = SinkEndToEndTest.config(h, redis.uri(), sinkName, "crash", "sink.batch.max-size = 20");
            long t0 = System.nanoTime();
            try (SinkApplication app = SinkApplication.start(config, new RedisStoreModule())) {
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
            for (int i = 0; i < n; i++) {
                assertThat(f.keysOf(i)).isZero();
                assertThat(f.online(f.world.contributor(i).id())).isFalse();
            }
            for (int i = n; i < n + 20; i++) {
                assertThat(f.intact(i)).isTrue();
            }
            // Keys erased before the kill are reported by the re-run as already gone (0), still verified.
            long reported = all.values().stream().mapToLong(l -> l.getFirst().targets().get(1).deleted()).sum();
            assertThat(reported).isLessThan(n);
        }
    }

    @Test
    void storeDownForTwentySecondsThenRequestsCompleteNoneFailed(KafkaBroker kafka, RedisServer redis, TestNames names) throws Exception {
        try (RedisFixture f = RedisFixture.seed(redis, 60); SinkKafkaHarness h = new SinkKafkaHarness(kafka, names);
             TcpProxy proxy = new TcpProxy(redis.port()).start()) {
            Config config = SinkEndToEndTest.config(h, "redis://127.0.0.1:" + proxy.port(), names.group("sink-redis"), "0", "");
            try (SinkApplication app = SinkApplication.start(config, new RedisStoreModule())) {
                List<ContributorErasureRequested> before = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    before.add(RedisFixture.request(f.world.contributor(i), Mode.EXECUTE));
                }
                before.forEach(h::send);
                h.flush();
                await().atMost(Duration.ofSeconds(30)).until(() -> h.completions().size() == 10);

                proxy.stop();
                long down = System.nanoTime();
                List<ContributorErasureRequested> during = new ArrayList<>();
                for (int i = 10; i < 40; i++) {
                    during.add(RedisFixture.request(f.world.contributor(i), Mode.EXECUTE));
                }
                during.forEach(h::send);
                h.flush();
                // For 20 s nothing is reported: no flood of FAILED, the consumer pauses and probes.
                await().during(Duration.ofSeconds(20)).atMost(Duration.ofSeconds(25)).pollInterval(Duration.ofMillis(250))
                        .until(() -> h.completionCount() == 10);
                assertThat(app.runner().isPaused()).isTrue();
                assertThat(app.runner().isRunning()).isTrue();

                proxy.start();
                System.out.printf("MEASURED outage: Redis down for %d ms%n", (System.nanoTime() - down) / 1_000_000);
                long up = System.nanoTime();
                await().atMost(Duration.ofSeconds(60)).until(() -> h.completions().size() == 40);
                System.out.printf("MEASURED outage: backlog of 30 done %d ms after Redis returned%n", (System.nanoTime() - up) / 1_000_000);
                Map<UUID, List<PhaseCompleted>> all = h.completions();
                assertThat(all.values()).allSatisfy(l -> {
                    assertThat(l).hasSize(1);
                    assertThat(l.getFirst().status()).isEqualTo(PhaseStatus.SUCCEEDED);
                });
                for (int i = 0; i < 40; i++) {
                    assertThat(f.keysOf(i)).isZero();
                }
                assertThat(f.intact(50)).isTrue();
                assertThat(app.registry().get("erasure.sink.pauses").counter().count()).isGreaterThanOrEqualTo(1.0);
                assertThat(app.registry().get("erasure.sink.retries").counter().count()).isGreaterThanOrEqualTo(2.0);
                assertThat(app.runner().isPaused()).isFalse();
            }
        }
    }

    @Test
    void sigtermFinishesTheBatchAndStopsCleanly(KafkaBroker kafka, RedisServer redis, TestNames names) throws Exception {
        try (RedisFixture f = RedisFixture.seed(redis, 10); SinkKafkaHarness h = new SinkKafkaHarness(kafka, names)) {
            String hocon = h.sinkConfig(names.group("sink-redis"), "term") + """
                    sink.http.enabled = false
                    redis { address = "%s" }
                    """.formatted(redis.uri());
            Process child = startChild(hocon, names.stem());
            try {
                for (int i = 0; i < 5; i++) {
                    h.send(RedisFixture.request(f.world.contributor(i), Mode.EXECUTE));
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

    /** Starts RedisSinkMain in its own JVM (the test class path), logging into target/test-logs. */
    static Process startChild(String hocon, String stem) throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "test-logs"));
        Path configFile = dir.resolve(stem + ".conf");
        Files.writeString(configFile, hocon);
        Path childLog = dir.resolve("child-" + stem + ".log");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dsink.test.log=" + childLog.toAbsolutePath(), "-cp", classpath,
                RedisSinkMain.class.getName(), "--config", configFile.toAbsolutePath().toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("child-" + stem + ".out").toFile()).start();
    }
}

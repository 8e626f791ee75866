package org.erasure.sink.runtime.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.erasure.devstack.fault.TcpProxy;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.DeadLetterHeaders;
import org.erasure.events.Mode;
import org.erasure.events.Phase;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.PhaseStatus;
import org.erasure.sink.runtime.SinkApplication;
import org.erasure.sink.runtime.SinkConfig;
import org.erasure.sink.runtime.SinkMain;
import org.erasure.sink.runtime.testkit.StoreFixture.BatchOutcome;

/**
 * The runtime contract every sink keeps, as scenarios run with the real Kafka broker and the
 * store behind a {@link StoreFixture}: each sink module's tests call these with its fixture.
 */
public final class SinkContract {

    private SinkContract() {}

    /** The sink config of an in-process sink on the harness's topics and the store at {@code endpoint}. */
    public static Config config(SinkKafkaHarness h, StoreFixture f, String endpoint, String sinkName, String instance, String extra) {
        Config sink = ConfigFactory.parseString(h.sinkConfig(sinkName, instance) + "\n" + extra);
        Config store = ConfigFactory.empty().withValue(f.module().configSection(), f.storeConfig(endpoint, "").root());
        return sink.withFallback(store).withFallback(SinkConfig.fromString("")).resolve();
    }

    /**
     * Starts {@link SinkMain} in its own JVM on the test class path (which finds the store module the sink
     * registers in META-INF/services, as its jar does), logging into target/test-logs.
     */
    public static Process startChild(String hocon, String stem) throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "test-logs"));
        Path configFile = dir.resolve(stem + ".conf");
        Files.writeString(configFile, hocon);
        Path childLog = dir.resolve("child-" + stem + ".log");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dsink.test.log=" + childLog.toAbsolutePath(), "-cp", classpath,
                SinkMain.class.getName(), "--config", configFile.toAbsolutePath().toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("child-" + stem + ".out").toFile()).start();
    }

    private static List<ContributorErasureRequested> requests(StoreFixture f, int from, int to, Mode mode) {
        List<ContributorErasureRequested> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(f.request(f.world.contributor(i), mode));
        }
        return out;
    }

    private static void sendAll(SinkKafkaHarness h, List<ContributorErasureRequested> requests) {
        requests.forEach(h::send);
        h.flush();
    }

    /** A child JVM killed while a batch is erased in the store but not committed to Kafka, then restarted: none lost, one PhaseCompleted each. */
    public static void killedMidBatchAndRestartedLosesNoRequest(KafkaBroker kafka, TestNames names, FaultTimings t, StoreFixture.Seeder seeder)
            throws Exception {
        int n = t.crashRequests();
        try (StoreFixture f = seeder.seed(n + 20); SinkKafkaHarness h = new SinkKafkaHarness(kafka, names)) {
            List<ContributorErasureRequested> requests = requests(f, 0, n, Mode.EXECUTE);
            sendAll(h, requests);

            // The child JVM: small batches and a window between the store commit and the Kafka commit.
            String sinkName = names.group(f.sinkName());
            String hocon = h.sinkConfig(sinkName, "crash") + """
                    sink.batch.max-size = 20
                    sink.testing.delay-before-commit = %s
                    sink.http.enabled = false
                    %s
                    """.formatted(t.delayBeforeCommit(), f.childStoreHocon());
            Process child = startChild(hocon, names.stem());
            try {
                // Kill it while a batch is erased in the store but its PhaseCompleted events are not committed.
                await().atMost(t.killWithin()).pollInterval(Duration.ofMillis(50))
                        .until(() -> {
                            long erased = f.erasedAmongFirst(n);
                            return erased >= t.erasedBeforeKill() && erased > h.completionCount();
                        });
                child.destroyForcibly().waitFor();
            } finally {
                child.destroyForcibly();
            }
            long erasedAtKill = f.erasedAmongFirst(n);
            long reportedAtKill = h.completionCount();
            System.out.printf("MEASURED crash: killed with %d erased in the store, %d PhaseCompleted committed%n", erasedAtKill, reportedAtKill);
            assertThat(erasedAtKill).as("the kill hit an erased but uncommitted batch").isGreaterThan(reportedAtKill);
            assertThat(erasedAtKill).isLessThan(n);

            // Restart with the same instance id: the zombie's transaction is aborted, its partitions come back.
            Config config = config(h, f, f.endpoint(), sinkName, "crash", "sink.batch.max-size = 20");
            long t0 = System.nanoTime();
            try (SinkApplication app = SinkApplication.start(config, f.module())) {
                await().atMost(t.restartWithin()).until(() -> h.completions().size() >= n);
                System.out.printf("MEASURED crash: restarted sink finished the remaining requests in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            }
            Map<UUID, List<PhaseCompleted>> all = h.completions();
            for (ContributorErasureRequested r : requests) {
                assertThat(all.get(r.requestId())).as("exactly one committed PhaseCompleted for %s", r.requestId()).hasSize(1);
                PhaseCompleted pc = all.get(r.requestId()).getFirst();
                assertThat(pc.status()).isEqualTo(PhaseStatus.SUCCEEDED);
                assertThat(pc.verification().verified()).isTrue();
            }
            assertThat(f.erasedAmongFirst(n)).isEqualTo(n);
            f.assertAllErased(n);
            for (int i = n; i < n + 20; i++) {
                f.assertIntact(i);
            }
            // What was erased before the kill is reported by the re-run as already done (0 changes), still verified...
            long reported = all.values().stream().mapToLong(l -> f.reportedWork(l.getFirst())).sum();
            assertThat(reported).as("the re-run reports what the crashed run already did as 0").isLessThan(f.seededWork(n));
            // ...but the crashed run announced it first: the verifier's rule (per request and target, the larger
            // of announced and reported) recovers exactly the seeded work, counted once.
            Map<UUID, List<PhaseCompleted>> started = h.started();
            long recovered = 0;
            for (ContributorErasureRequested r : requests) {
                recovered += f.reportedWork(recordedCounts(started.getOrDefault(r.requestId(), List.of()), all.get(r.requestId()).getFirst()));
            }
            System.out.printf("MEASURED crash: reported %d, announced+reported %d, seeded %d%n", reported, recovered, f.seededWork(n));
            assertThat(recovered).as("announced + reported = what the seeded world held").isEqualTo(f.seededWork(n));
        }
    }

    /** The verifier's counting rule for one episode: per target, the larger of announced and reported. */
    static PhaseCompleted recordedCounts(List<PhaseCompleted> started, PhaseCompleted result) {
        Map<String, long[]> max = new java.util.LinkedHashMap<>();
        for (PhaseCompleted pc : started) {
            pc.targets().forEach(t -> {
                long[] n = max.computeIfAbsent(t.target(), k -> new long[2]);
                n[0] = Math.max(n[0], t.deleted());
                n[1] = Math.max(n[1], t.masked());
            });
        }
        List<org.erasure.events.TargetResult> targets = new ArrayList<>();
        for (org.erasure.events.TargetResult t : result.targets()) {
            long[] n = max.getOrDefault(t.target(), new long[2]);
            targets.add(new org.erasure.events.TargetResult(t.target(), Math.max(n[0], t.deleted()), Math.max(n[1], t.masked()),
                    t.wouldDelete(), t.wouldMask(), t.residual(), t.note()));
        }
        return PhaseCompleted.builder().requestId(result.requestId()).contributorId(result.contributorId()).phase(result.phase())
                .status(result.status()).targets(targets).verification(result.verification()).startedAt(result.startedAt())
                .completedAt(result.completedAt()).attempt(result.attempt()).sink(result.sink()).error(result.error()).build();
    }

    /** The store cut for 20 s behind a proxy: the sink pauses (no FAILED), then completes the backlog. */
    public static void storeDownForTwentySecondsThenRequestsCompleteNoneFailed(KafkaBroker kafka, TestNames names, FaultTimings t,
            StoreFixture.Seeder seeder) throws Exception {
        try (StoreFixture f = seeder.seed(60); SinkKafkaHarness h = new SinkKafkaHarness(kafka, names);
             TcpProxy proxy = new TcpProxy(f.storePort()).start()) {
            Config config = config(h, f, f.endpointVia(proxy.port()), names.group(f.sinkName()), "0", f.outageOverrides());
            try (SinkApplication app = SinkApplication.start(config, f.module())) {
                sendAll(h, requests(f, 0, 10, Mode.EXECUTE));
                await().atMost(Duration.ofSeconds(30)).until(() -> h.completions().size() == 10);

                proxy.stop();
                long down = System.nanoTime();
                sendAll(h, requests(f, 10, 40, Mode.EXECUTE));
                // For 20 s nothing is reported: no flood of FAILED, the consumer pauses and probes.
                await().during(Duration.ofSeconds(20)).atMost(Duration.ofSeconds(25)).pollInterval(Duration.ofMillis(250))
                        .until(() -> h.completionCount() == 10);
                assertThat(app.runner().isPaused()).isTrue();
                assertThat(app.runner().isRunning()).isTrue();

                proxy.start();
                System.out.printf("MEASURED outage: store down for %d ms%n", (System.nanoTime() - down) / 1_000_000);
                long up = System.nanoTime();
                await().atMost(t.backlogWithin()).until(() -> h.completions().size() == 40);
                System.out.printf("MEASURED outage: backlog of 30 done %d ms after the store returned%n", (System.nanoTime() - up) / 1_000_000);
                Map<UUID, List<PhaseCompleted>> all = h.completions();
                assertThat(all.values()).allSatisfy(l -> {
                    assertThat(l).hasSize(1);
                    assertThat(l.getFirst().status()).isEqualTo(PhaseStatus.SUCCEEDED);
                });
                for (int i = 0; i < 40; i++) {
                    f.assertErased(i);
                }
                f.assertIntact(50);
                assertThat(app.registry().get("erasure.sink.pauses").tag("lane", "interactive").counter().count()).isGreaterThanOrEqualTo(1.0);
                if (t.retriesCountedInOutage()) {
                    assertThat(app.registry().get("erasure.sink.retries").tag("lane", "interactive").counter().count()).isGreaterThanOrEqualTo(2.0);
                }
                assertThat(app.runner().isPaused()).isFalse();
            }
        }
        assertThat(SampleWorld.EMAIL_DOMAIN).isNotBlank();
    }

    /** SIGTERM to a child sink JVM: it finishes the batch and stops cleanly within 30 s. */
    public static void sigtermFinishesTheBatchAndStopsCleanly(KafkaBroker kafka, TestNames names, StoreFixture.Seeder seeder) throws Exception {
        try (StoreFixture f = seeder.seed(10); SinkKafkaHarness h = new SinkKafkaHarness(kafka, names)) {
            String hocon = h.sinkConfig(names.group(f.sinkName()), "term") + """
                    sink.http.enabled = false
                    %s
                    """.formatted(f.childStoreHocon());
            Process child = startChild(hocon, names.stem());
            try {
                sendAll(h, requests(f, 0, 5, Mode.EXECUTE));
                await().atMost(Duration.ofSeconds(60)).until(() -> h.completions().size() == 5);
                long t0 = System.nanoTime();
                child.destroy(); // SIGTERM
                assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("stopped within 30 s").isTrue();
                System.out.printf("MEASURED SIGTERM to exit: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            } finally {
                child.destroyForcibly();
            }
            String log = Files.readString(Path.of("target", "test-logs", "child-" + names.stem() + ".log"));
            assertThat(log).contains("shutdown requested").contains("stopped");
            assertThat(log).doesNotContain("sink loop failed");
        }
    }

    /**
     * The happy path through the runner: a lone request, a mixed batch (execute, dry-run, another
     * phase, dead letters, a tombstone), the write-ahead (STARTED) reports, the dead-letter topic,
     * /health and /metrics, a warm lone request.
     */
    public static void requestsFlowThroughToPhaseCompletedWithDeadLettersAndSkips(KafkaBroker kafka, TestNames names,
            StoreFixture.Seeder seeder) throws Exception {
        try (StoreFixture f = seeder.seed(40);
             SinkKafkaHarness h = new SinkKafkaHarness(kafka, names);
             SinkApplication app = SinkApplication.start(config(h, f, f.endpoint(), names.group(f.sinkName()), "0", ""), f.module())) {
            SampleWorld w = f.world;
            Phase phase = f.module().phase();

            // A lone request on an idle system flows through at once.
            ContributorErasureRequested first = f.request(w.contributor(0), Mode.EXECUTE);
            long t0 = System.nanoTime();
            h.send(first);
            h.flush();
            await().atMost(Duration.ofSeconds(30)).until(() -> h.completions().containsKey(first.requestId()));
            System.out.printf("MEASURED lone request end-to-end: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            f.afterFirstRequest(app);

            List<ContributorErasureRequested> execute = requests(f, 1, 21, Mode.EXECUTE);
            List<ContributorErasureRequested> dry = requests(f, 21, 26, Mode.DRY_RUN);
            ContributorErasureRequested otherPhase = f.request(w.contributor(30), Mode.EXECUTE).toBuilder()
                    .systems(phase == Phase.REDIS ? Phase.POSTGRES : Phase.REDIS).build();
            List<ContributorErasureRequested> extra = f.extraRequests();
            h.sendRaw("bad-1", "not json {".getBytes(StandardCharsets.UTF_8));
            execute.subList(0, 10).forEach(h::send);
            h.sendRaw("bad-2", "{\"schemaVersion\":1,\"requestId\":\"x\"}".getBytes(StandardCharsets.UTF_8));
            h.sendRaw("tomb", null);
            h.send(otherPhase);
            extra.forEach(h::send);
            execute.subList(10, 20).forEach(h::send);
            sendAll(h, dry);

            int expected = 1 + execute.size() + dry.size() + extra.size();
            await().atMost(Duration.ofSeconds(60)).until(() -> h.completions().size() >= expected);
            Map<UUID, List<PhaseCompleted>> all = h.completions();
            assertThat(all).hasSize(expected).doesNotContainKey(otherPhase.requestId());
            for (ContributorErasureRequested r : execute) {
                assertThat(all.get(r.requestId())).hasSize(1);
                PhaseCompleted pc = all.get(r.requestId()).getFirst();
                int index = (int) (Long.parseLong(r.contributorId()) - w.firstId());
                assertThat(pc.status()).isEqualTo(PhaseStatus.SUCCEEDED);
                assertThat(pc.phase()).isEqualTo(phase);
                assertThat(pc.contributorId()).isEqualTo(r.contributorId());
                assertThat(pc.verification().verified()).isTrue();
                assertThat(pc.sink().name()).isEqualTo(names.group(f.sinkName()));
                f.assertExecutedTargets(pc, index);
                f.assertErased(index);
            }
            assertAnnouncedWhatWasReported(h, execute, all);
            for (ContributorErasureRequested r : dry) {
                PhaseCompleted pc = all.get(r.requestId()).getFirst();
                int index = (int) (Long.parseLong(r.contributorId()) - w.firstId());
                assertThat(pc.status()).isEqualTo(PhaseStatus.DRY_RUN);
                f.assertDryRunTargets(pc, index);
                f.assertIntact(index);
            }
            f.afterBatch(new BatchOutcome(app, all, extra, expected, 1 + execute.size()));
            f.assertIntact(30); // not requested for this phase
            f.assertIntact(35); // neighbour

            // Dead letters: original bytes, reason and source coordinates in headers.
            List<ConsumerRecord<String, byte[]>> dlq = h.readAll(h.topics.requestsDlq(), 2);
            assertThat(dlq).hasSize(2);
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
                            "erasure_sink_retries_total")
                    .contains(f.storeMetrics());
            assertThat(metrics).doesNotContain("@" + SampleWorld.EMAIL_DOMAIN);
            assertThat(app.registry().get("erasure.sink.dlq").tag("lane", "interactive").counter().count()).isEqualTo(2.0);

            // Warm, idle sink: a lone request is not held back by batching.
            Duration bound = f.warmLoneRequestWithin();
            if (bound != null) {
                ContributorErasureRequested lone = f.request(w.contributor(39), Mode.EXECUTE);
                long t1 = System.nanoTime();
                h.send(lone);
                h.flush();
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> h.completions().containsKey(lone.requestId()));
                long loneMs = (System.nanoTime() - t1) / 1_000_000;
                System.out.printf("MEASURED lone request on an idle, warm sink: %d ms%n", loneMs);
                assertThat(loneMs).isLessThan(bound.toMillis());
            }
        }
    }

    /**
     * The write-ahead on a run without faults: each request's last STARTED report (the running totals of its
     * erase call) announced exactly what its result reports, per target (targets with nothing to do may be left out).
     */
    private static void assertAnnouncedWhatWasReported(SinkKafkaHarness h, List<ContributorErasureRequested> execute,
                                                       Map<UUID, List<PhaseCompleted>> results) {
        Map<UUID, Map<String, List<Long>>> reported = new java.util.HashMap<>();
        for (ContributorErasureRequested r : execute) {
            Map<String, List<Long>> counts = counts(results.get(r.requestId()).getFirst());
            if (!counts.isEmpty()) {
                reported.put(r.requestId(), counts);
            }
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> h.started().keySet().containsAll(reported.keySet()));
        Map<UUID, List<PhaseCompleted>> started = h.started();
        reported.forEach((id, counts) -> assertThat(counts(started.get(id).getLast()))
                .as("announced (last STARTED) = reported, per target, for %s", id).isEqualTo(counts));
    }

    /** Deleted and masked per target, leaving out targets with neither. */
    private static Map<String, List<Long>> counts(PhaseCompleted pc) {
        Map<String, List<Long>> out = new java.util.HashMap<>();
        pc.targets().stream().filter(t -> t.deleted() + t.masked() > 0)
                .forEach(t -> out.put(t.target(), List.of(t.deleted(), t.masked())));
        return out;
    }

    private static String get(int port, String path) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() + " " + r.body();
        }
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        var hd = r.headers().lastHeader(name);
        return hd == null ? null : new String(hd.value(), StandardCharsets.UTF_8);
    }
}

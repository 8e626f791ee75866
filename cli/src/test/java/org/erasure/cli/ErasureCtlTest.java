package org.erasure.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.erasure.cli.support.Completions;
import org.erasure.cli.support.Ctl;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.devstack.postgres.PostgresServer;
import org.erasure.devstack.seed.PostgresSeeder;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.devstack.seed.SeedNames;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureCompleted;
import org.erasure.events.ErasureReason;
import org.erasure.events.Mode;
import org.erasure.events.Topics;
import org.erasure.events.serde.EventJson;
import org.erasure.ingest.http.IngestApp;
import org.erasure.client.publish.RequestPublisher;
import org.erasure.ingest.support.TestIngest;
import org.erasure.ingest.support.TopicContent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every erasurectl command end to end against the dev-stack's Kafka and PostgreSQL (and a real ingest). */
@DevStackTest
class ErasureCtlTest {

    private static final UUID KNOWN = UUID.randomUUID();
    /** A request whose key was shredded before the verifier read it: a FAILED record without digest. */
    private static final UUID KEY_GONE = UUID.randomUUID();

    private static IngestApp ingest;
    private static HttpServer verifier;
    private static SampleWorld world;
    private static String schema;
    private static String bootstrap;
    private static Topics topics;
    private static Ctl ctl;

    @TempDir
    Path dir;

    @BeforeAll
    static void start(KafkaBroker kafka, PostgresServer postgres, TestNames names) throws Exception {
        world = SampleWorld.isolated(60);
        schema = SeedNames.unique(names).pgSchema();
        try (Connection c = postgres.newConnection()) {
            PostgresSeeder.seed(c, schema, world);
        }
        bootstrap = kafka.bootstrapServers();
        topics = Topics.withPrefix(names.stem() + ".");
        kafka.createTopics(3, List.of(topics.requests(), topics.requestsBulk(), topics.completions()));
        verifier = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        verifier.createContext("/erasures/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            boolean gone = path.endsWith(KEY_GONE.toString());
            boolean known = gone || path.endsWith(KNOWN.toString());
            byte[] body = (gone
                    ? "{\"requestId\":\"" + KEY_GONE + "\",\"status\":\"FINAL\",\"outcome\":\"FAILED\",\"revision\":1,\"identifiersUnreadable\":\"KEY_SHREDDED\","
                            + "\"phases\":{\"POSTGRES\":{\"status\":\"FAILED\",\"error\":\"KEY_SHREDDED\"},\"REDIS\":{\"status\":\"SUCCEEDED\"}}}"
                    : "{\"requestId\":\"" + KNOWN + "\",\"status\":\"FINAL\",\"outcome\":\"COMPLETED\",\"revision\":2,\"shreddedAt\":\"2026-04-05T10:00:00Z\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(known ? 200 : 404, known ? body.length : -1);
            if (known) {
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        verifier.start();
        ingest = IngestApp.start(TestIngest.settings(TestIngest.baseConfig(bootstrap, topics.prefix(), postgres.jdbcUrl(), schema,
                "http://127.0.0.1:" + verifier.getAddress().getPort())));
        Map<String, String> env = new HashMap<>();
        env.put("ERASURECTL_INGEST_URL", "http://127.0.0.1:" + ingest.port());
        env.put("ERASURECTL_INGEST_TOKEN", TestIngest.BOTH_TOKEN);
        env.put("ERASURECTL_KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        env.put("ERASURECTL_KAFKA_TOPIC_PREFIX", topics.prefix());
        env.put("ERASURECTL_POSTGRES_URL", postgres.jdbcUrl());
        env.put("ERASURECTL_POSTGRES_PASSWORD", "postgres");
        env.put("ERASURECTL_POSTGRES_SCHEMA", schema);
        env.put("USER", "test-operator");
        ctl = new Ctl(env);
    }

    @AfterAll
    static void stop() {
        if (ingest != null) {
            ingest.close();
        }
        if (verifier != null) {
            verifier.stop(0);
        }
    }

    private Path csv(String content) throws Exception {
        Path f = dir.resolve("input-" + UUID.randomUUID() + ".csv");
        Files.writeString(f, content);
        return f;
    }

    private static String csvOf(int... indices) {
        StringBuilder b = new StringBuilder("contributor_id,email_address\n");
        for (int i : indices) {
            b.append(world.contributor(i).id()).append(',').append(world.contributor(i).email()).append('\n');
        }
        return b.toString();
    }

    private static List<ContributorErasureRequested> requestsOf(Topics t, String contributorId) {
        return TopicContent.requests(bootstrap, t).stream().map(ConsumerRecord::value)
                .filter(r -> r.contributorId().equals(contributorId)).toList();
    }

    // ---- fetch-inactive ----

    @Test
    void fetchInactiveExportsExactlyTheExpectedContributors() throws Exception {
        Instant asOf = world.reference().plus(Duration.ofMinutes(30));
        int days = 100;
        int minProjects = 2;
        int max = 5;
        List<SampleWorld.Contributor> expected = world.contributors()
                .filter(c -> c.status().equals("INACTIVE"))
                .filter(c -> c.lastActivityAt().isBefore(asOf.minus(Duration.ofDays(days))))
                .filter(c -> c.projects() >= minProjects)
                .sorted(Comparator.comparing(SampleWorld.Contributor::lastActivityAt).thenComparing(SampleWorld.Contributor::id))
                .limit(max).toList();
        assertThat(expected).hasSize(max);
        Path out = dir.resolve("inactive.csv");

        Ctl.Result dry = ctl.run("fetch-inactive", "--days-inactive", "" + days, "--min-projects", "" + minProjects,
                "--max-contributors", "" + max, "--as-of", asOf.toString(), "--out", out.toString(), "--dry-run");
        assertThat(dry.exitCode()).as(dry.toString()).isZero();
        assertThat(dry.out()).startsWith(max + " contributors match (dry run, nothing written)")
                .contains(expected.getFirst().id() + "," + expected.getFirst().lastActivityAt())
                .doesNotContain("@" + SampleWorld.EMAIL_DOMAIN);
        assertThat(out).doesNotExist();

        Ctl.Result r = ctl.run("fetch-inactive", "--days-inactive", "" + days, "--min-projects", "" + minProjects,
                "--max-contributors", "" + max, "--as-of", asOf.toString(), "--out", out.toString());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("Exported " + max + " contributors to " + out);
        assertThat(Files.readString(out)).isEqualTo("contributor_id,email_address\n"
                + expected.stream().map(c -> c.id() + "," + c.email() + "\n").collect(Collectors.joining()));
    }

    // ---- submit ----

    @Test
    void submitRejectsABadCsvWholeAndPublishesNothing() throws Exception {
        Path f = csv("contributor_id,email_address\n" + world.contributor(20).id() + ",ok@example.test\n12x,broken@\n");
        Ctl.Result r = ctl.run("submit", "--csv", f.toString());
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("line 3, column contributor_id: not a valid contributor id",
                "line 3, column email_address: not a valid email", "nothing was published").doesNotContain("broken@");
        assertThat(requestsOf(topics, Long.toString(world.contributor(20).id()))).isEmpty();
    }

    @Test
    void submitThroughIngestWaitsForEveryFinalRecordAndPrintsThePerStoreSummary() throws Exception {
        Path f = csv(csvOf(21, 22, 23));
        CompletableFuture<Ctl.Result> run = CompletableFuture.supplyAsync(
                () -> ctl.run("submit", "--csv", f.toString(), "--wait", "--timeout", "PT90S"));
        // Play the verifier: once the three requests are on the topic, publish their final records.
        List<ContributorErasureRequested> published = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            published.clear();
            for (int i : new int[] {21, 22, 23}) {
                published.addAll(requestsOf(topics, Long.toString(world.contributor(i).id())));
            }
            return published.size() == 3;
        });
        assertThat(published).allSatisfy(p -> {
            assertThat(p.requestedBy()).isEqualTo("operator");
            assertThat(p.reason()).isEqualTo(ErasureReason.INACTIVITY_PURGE);
            assertThat(p.mode()).isEqualTo(Mode.EXECUTE);
        });
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Completions.publishChain(bootstrap, topics.completions(),
                published.stream().map(p -> Completions.completed(p, now)).toList(), null);
        Ctl.Result r = run.get(90, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("Submitted 3 erasure requests (3 published, 0 already open)",
                "PostgreSQL records deleted: 9\n", "Elasticsearch documents masked: 30\n", "ClickHouse records masked: 300\n",
                "S3 files deleted: 6\n", "Redis sessions cleared: 9\n", "Outcomes: COMPLETED 3, FAILED 0, TIMED_OUT 0, DRY_RUN 0");
        for (ContributorErasureRequested p : published) {
            assertThat(r.out()).contains("request " + p.requestId());
        }
    }

    @Test
    void aLargeSubmitListsTwentyRowsAndWritesEveryRowToTheReceipt() throws Exception {
        int[] rows = java.util.stream.IntStream.range(30, 55).toArray();
        Path f = csv(csvOf(rows));
        Path receipt = f.resolveSibling("receipt-" + UUID.randomUUID() + ".csv");
        Ctl.Result r = ctl.run("submit", "--csv", f.toString(), "--receipt", receipt.toString());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("Submitted 25 erasure requests (25 published, 0 already open)",
                "  ... and 5 more rows; every row is in " + receipt);
        assertThat(r.out().lines().filter(l -> l.startsWith("  line "))).hasSize(20);
        List<String> lines = Files.readAllLines(receipt);
        assertThat(lines).hasSize(26).first().isEqualTo("line,contributorId,requestId,status");
        // Each receipt row names the request that is on the topic for that contributor.
        for (int i = 0; i < rows.length; i++) {
            String contributor = Long.toString(world.contributor(rows[i]).id());
            List<ContributorErasureRequested> published = requestsOf(topics, contributor);
            assertThat(published).hasSize(1);
            assertThat(lines.get(i + 1)).isEqualTo((i + 2) + "," + contributor + "," + published.getFirst().requestId() + ",PUBLISHED");
        }
        assertThat(String.join("\n", lines)).doesNotContain("@");
    }

    @Test
    void aReceiptThatCannotBeWrittenStopsTheSubmitBeforeAnythingIsPublished() throws Exception {
        Path f = csv(csvOf(55));
        Ctl.Result r = ctl.run("submit", "--csv", f.toString(), "--receipt", f.resolveSibling("no-such-dir").resolve("r.csv").toString());
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("cannot write the receipt", "nothing was published");
        assertThat(requestsOf(topics, Long.toString(world.contributor(55).id()))).isEmpty();
    }

    @Test
    void submitDirectPublishesToKafkaWithIdentifiersFromPostgres() throws Exception {
        String id = Long.toString(world.contributor(24).id());
        Path f = csv("contributor_id,email_address\n" + id + ",\n");
        Ctl.Result r = ctl.run("submit", "--csv", f.toString(), "--direct", "--dry-run", "--reason", "ACCOUNT_CLOSED");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("Submitted 1 erasure requests (1 published, 0 already open), mode DRY_RUN, directly to Kafka");
        List<ContributorErasureRequested> events = requestsOf(topics, id);
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.identifiers().emails()).containsExactly(world.contributor(24).email());
            assertThat(e.mode()).isEqualTo(Mode.DRY_RUN);
            assertThat(e.reason()).isEqualTo(ErasureReason.ACCOUNT_CLOSED);
            assertThat(e.requestedBy()).isEqualTo("erasurectl:test-operator");
        });
    }

    @Test
    void submitWithAWrongTokenOrNoIngestFailsWithDocumentedCodes() throws Exception {
        Path f = csv(csvOf(25));
        assertThat(ctl.with("ERASURECTL_INGEST_TOKEN", "nope").run("submit", "--csv", f.toString()).exitCode()).isEqualTo(8);
        assertThat(ctl.with("ERASURECTL_INGEST_URL", "http://127.0.0.1:1").run("submit", "--csv", f.toString()).exitCode()).isEqualTo(3);
        assertThat(requestsOf(topics, Long.toString(world.contributor(25).id()))).isEmpty();
    }

    // ---- status ----

    @Test
    void statusShowsTheVerifiersAnswer() {
        Ctl.Result r = ctl.run("status", KNOWN.toString());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("outcome: COMPLETED", "revision: 2", "shreddedAt: 2026-04-05T10:00:00Z");
        Ctl.Result gone = ctl.run("status", KEY_GONE.toString());
        assertThat(gone.exitCode()).as(gone.toString()).isZero();
        assertThat(gone.out()).contains("outcome: FAILED", "failed: POSTGRES KEY_SHREDDED").doesNotContain("failed: REDIS");
        assertThat(gone.out()).contains(
                "identifiersUnreadable: KEY_SHREDDED (the request's key was shredded before the verifier read it: the record has no subject digest)");
        assertThat(ctl.run("status", UUID.randomUUID().toString()).exitCode()).isEqualTo(5);
        assertThat(ctl.run("status", "not-a-uuid").exitCode()).isEqualTo(1);
    }

    // ---- replay ----

    @Test
    void replayByIdRepublishesWithANewIdAndReplayOf(TestNames names, KafkaBroker kafka) {
        Topics own = Topics.withPrefix(names.stem() + ".");
        kafka.createTopics(2, List.of(own.requests(), own.requestsBulk()));
        Ctl c = ctl.with("ERASURECTL_KAFKA_TOPIC_PREFIX", own.prefix());
        ContributorErasureRequested original = ContributorErasureRequested.builder().contributorId("4242")
                .identifiers(List.of("someone@example.test"), List.of("w-4242")).requestedBy("closure-service")
                .reason(ErasureReason.ACCOUNT_CLOSED).mode(Mode.EXECUTE).build();
        try (RequestPublisher p = new RequestPublisher(Map.of("bootstrap.servers", bootstrap), own, "t-" + names.stem(), Duration.ofSeconds(10))) {
            p.publish(List.of(original));
        }
        Ctl.Result r = c.run("replay", "--request-id", original.requestId().toString());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        List<ContributorErasureRequested> all = requestsOf(own, "4242");
        assertThat(all).hasSize(2);
        ContributorErasureRequested replay = all.stream().filter(e -> e.replayOf() != null).findFirst().orElseThrow();
        assertThat(replay.replayOf()).isEqualTo(original.requestId());
        assertThat(replay.requestId()).isNotEqualTo(original.requestId());
        assertThat(replay.identifiers()).isEqualTo(original.identifiers());
        assertThat(replay.deadline()).isEqualTo(original.deadline());
        assertThat(r.out()).contains(original.requestId() + " -> " + replay.requestId());
        assertThat(TopicContent.requests(bootstrap, own.requestsBulk())).as("replays are bulk work")
                .extracting(ConsumerRecord::value).containsExactly(replay);

        assertThat(c.run("replay", "--request-id", UUID.randomUUID().toString()).exitCode()).isEqualTo(5);

        // time range: the latest request per contributor (the replay), once more
        Ctl.Result range = c.run("replay", "--from", Instant.now().minus(Duration.ofHours(1)).toString());
        assertThat(range.exitCode()).as(range.toString()).isZero();
        assertThat(range.out()).contains("Replayed 1 requests");
        assertThat(requestsOf(own, "4242")).hasSize(3).anySatisfy(e -> assertThat(e.replayOf()).isEqualTo(replay.requestId()));
    }

    @Test
    void replaySinkResetsTheGroupOffsetsToATimeAndRefusesWhileTheGroupIsActive(TestNames names, KafkaBroker kafka) throws Exception {
        Topics own = Topics.withPrefix(names.stem() + ".");
        kafka.createTopics(1, List.of(own.requests()));
        String group = names.group("sink-postgres");
        Ctl c = ctl.with("ERASURECTL_KAFKA_TOPIC_PREFIX", own.prefix()).with("ERASURECTL_SINKS_POSTGRES_GROUP", group);
        Instant t0 = Instant.now().minus(Duration.ofHours(3));
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 6; i++) { // offsets 0..2 at t0, 3..5 at t0 + 2h
                p.send(new ProducerRecord<>(own.requests(), 0, t0.plus(Duration.ofHours(i < 3 ? 0 : 2)).toEpochMilli(), "k" + i, "{}")).get();
            }
        }
        TopicPartition tp = new TopicPartition(own.requests(), 0);
        Map<String, Object> cc = new HashMap<>(kafka.consumerConfig(group));
        try (KafkaConsumer<String, String> sink = new KafkaConsumer<>(cc, new StringDeserializer(), new StringDeserializer())) {
            sink.subscribe(List.of(own.requests()));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                sink.poll(Duration.ofMillis(200));
                return !sink.assignment().isEmpty() && sink.position(tp) == 6;
            });
            sink.commitSync();
            Ctl.Result refused = c.run("replay", "--sink", "postgres", "--to-datetime", t0.plus(Duration.ofHours(1)).toString());
            assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(6);
            assertThat(refused.err()).contains("Refused: consumer group " + group, "active member", "Stop every instance");
        }
        Ctl.Result r = c.run("replay", "--sink", "postgres", "--to-datetime", t0.plus(Duration.ofHours(1)).toString());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("partition 0: 6 -> 3");
        try (Admin admin = kafka.newAdmin()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            assertThat(offsets.get(tp).offset()).isEqualTo(3);
        }
    }

    // ---- audit ----

    @Test
    void auditVerifyPassesAnIntactChainAndPrintsTheFirstBrokenLink(TestNames names, KafkaBroker kafka) {
        Topics own = Topics.withPrefix(names.stem() + ".");
        kafka.createTopics(1, List.of(own.completions()));
        Ctl c = ctl.with("ERASURECTL_KAFKA_TOPIC_PREFIX", own.prefix());
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        List<ErasureCompleted> records = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            records.add(Completions.builder(UUID.randomUUID(), "77" + i, Mode.EXECUTE, now.minusSeconds(60), now).build());
        }
        List<ErasureCompleted> sealed = Completions.publishChain(bootstrap, own.completions(), records, null);
        Ctl.Result ok = c.run("audit", "verify");
        assertThat(ok.exitCode()).as(ok.toString()).isZero();
        assertThat(ok.out()).contains("partition 0: OK, 3 records", "Integrity chain intact: 3 records on 1 partitions.");

        // A fourth record, correctly chained, then altered after sealing: 42 deleted rows become 0.
        ErasureCompleted fourth = Completions.publishChain(bootstrap, own.completions(),
                List.of(Completions.builder(UUID.randomUUID(), "7799", Mode.EXECUTE, now.minusSeconds(60), now).build()),
                sealed.getLast().hash()).getFirst();
        String tampered = EventJson.writeString(fourth).replace("\"contributorId\":\"7799\"", "\"contributorId\":\"7700\"");
        assertThat(tampered).isNotEqualTo(EventJson.writeString(fourth));
        Completions.publishRaw(bootstrap, own.completions(), List.of(fourth.kafkaKey()), List.of(tampered));
        Ctl.Result broken = c.run("audit", "verify");
        assertThat(broken.exitCode()).as(broken.toString()).isEqualTo(7);
        assertThat(broken.out()).contains("partition 0: BROKEN at offset 4 (record 5 of 5, requestId " + fourth.requestId() + "): HASH_MISMATCH");
    }

    @Test
    void auditExportCsvJsonAndASelfContainedHtmlPageCheckedInHeadlessChromium(TestNames names, KafkaBroker kafka) throws Exception {
        Topics own = Topics.withPrefix(names.stem() + ".");
        kafka.createTopics(1, List.of(own.completions()));
        Ctl c = ctl.with("ERASURECTL_KAFKA_TOPIC_PREFIX", own.prefix());
        Instant day1 = Instant.parse("2026-03-02T10:00:00Z");
        Instant day2 = Instant.parse("2026-03-03T11:00:00Z");
        List<ErasureCompleted> records = List.of(
                Completions.builder(UUID.randomUUID(), "501", Mode.EXECUTE, day1.minusSeconds(60), day1).build(),
                Completions.builder(UUID.randomUUID(), "502", Mode.EXECUTE, day1.minusSeconds(60), day1.plusSeconds(5)).build(),
                Completions.builder(UUID.randomUUID(), "503", Mode.DRY_RUN, day2.minusSeconds(60), day2).build(),
                Completions.builder(UUID.randomUUID(), "504", Mode.EXECUTE, day2.plus(Duration.ofDays(3)), day2.plus(Duration.ofDays(3))).build());
        Completions.publishChain(bootstrap, own.completions(), records, null);

        Path csvOut = dir.resolve("audit.csv");
        Ctl.Result csv = c.run("audit", "export", "--from", "2026-03-01", "--to", "2026-03-04", "--format", "csv", "--out", csvOut.toString());
        assertThat(csv.exitCode()).as(csv.toString()).isZero();
        List<String> lines = Files.readAllLines(csvOut);
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).startsWith("request_id,contributor_id,outcome,mode,revision,replay_of,requested_at,completed_at,postgres_deleted");
        assertThat(lines.get(1)).contains(",501,COMPLETED,EXECUTE,1,,");

        Ctl.Result json = c.run("audit", "export", "--from", "2026-03-01", "--to", "2026-03-04", "--format", "json");
        assertThat(json.exitCode()).isZero();
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out()).size()).isEqualTo(3);

        Path html = dir.resolve("audit.html");
        Ctl.Result h = c.run("audit", "export", "--from", "2026-03-01", "--to", "2026-03-04", "--format", "html", "--out", html.toString());
        assertThat(h.exitCode()).as(h.toString()).isZero();
        String page = Files.readString(html);
        assertThat(page).doesNotContainPattern("(src|href)\\s*=").doesNotContain("@import", "url(");

        String dom = Chromium.dumpDom(html, dir);
        // the inline script ran in the browser: one bar per day and outcome (03-02 COMPLETED x2, 03-03 DRY_RUN x1)
        assertThat(dom).contains("rendered 2 bars");
        assertThat(dom).contains("data-testid=\"record-count\">3<");
        assertThat(dom).containsPattern("data-day=\"2026-03-02\" data-outcome=\"COMPLETED\" data-count=\"2\"");
        assertThat(dom).containsPattern("data-day=\"2026-03-03\" data-outcome=\"DRY_RUN\" data-count=\"1\"");
        assertThat(dom).containsPattern("<tr data-store=\"POSTGRES\"><td>PostgreSQL records deleted</td><td>6</td><td>0</td><td>3</td><td>0</td><td>0</td></tr>");
        assertThat(dom).containsPattern("<tr data-outcome=\"COMPLETED\"><td>COMPLETED</td><td>2</td></tr>");
    }

    // ---- help ----

    @Test
    void everyCommandHasHelpWithExitCodes() {
        for (String[] cmd : new String[][] {{"--help"}, {"submit", "--help"}, {"status", "--help"}, {"fetch-inactive", "--help"},
                {"replay", "--help"}, {"audit", "--help"}, {"audit", "verify", "--help"}, {"audit", "export", "--help"}}) {
            Ctl.Result r = ctl.run(cmd);
            assertThat(r.exitCode()).as(String.join(" ", cmd)).isZero();
            assertThat(r.out()).as(String.join(" ", cmd)).contains("Usage: erasurectl");
            if (!cmd[0].equals("audit") || cmd.length > 2) {
                assertThat(r.out()).as(String.join(" ", cmd)).contains("Exit codes:");
            }
        }
        assertThat(ctl.run("submit").exitCode()).isEqualTo(1);
        assertThat(ctl.run("frobnicate").exitCode()).isEqualTo(1);
    }

}

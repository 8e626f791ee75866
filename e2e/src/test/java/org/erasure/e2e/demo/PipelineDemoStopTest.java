package org.erasure.e2e.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.devstack.cli.StopHint;
import org.erasure.devstack.junit.ProcessTree;
import org.erasure.e2e.PiiScan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ./scripts/run --seal --stay-up} stopped the way a supervisor stops it ({@code kill PID}, SIGTERM to
 * that one process, not to its group): ingest, the verifier, the six sinks and every server stop,
 * and no port the job printed listens any more. Before that: the endpoint table printed before the
 * job's work and its JSON, the status page the job's verifier serves, and what {@code --seal} promises: every
 * request erased and verified as without keys, the job says when the keys will be shredded and until when the run
 * can be undone, and the request topics the SREs replay hold no plain identifier (every request sealed, its key on
 * the key topic). One run for both (the main job takes about 90 s here); without {@code --seal} the job differs
 * only in its configuration (no key-encryption key), which every module tests.
 */
class PipelineDemoStopTest {

    private static final Logger log = LoggerFactory.getLogger(PipelineDemoStopTest.class);
    private static final List<String> SERVICE_JARS = List.of("ingest.jar", "verifier.jar", "sink-postgres.jar",
            "sink-redis.jar", "sink-s3.jar", "sink-clickhouse.jar", "sink-elasticsearch.jar", "sink-kafka.jar");

    @Test
    void sigtermStopsEveryServiceAndServerOfTheMainJob(@TempDir Path dir) throws Exception {
        Path output = dir.resolve("run.log");
        Path stackDir = dir.resolve("stack");
        Process job = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xmx2g", "-Derasure.devstack.dir=" + stackDir,
                "-cp", System.getProperty("java.class.path"), PipelineDemo.class.getName(),
                "--seal", "--stay-up", "--contributors", "200", "--max-contributors", "10")
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        List<ProcessHandle> started = new ArrayList<>();
        try {
            await().atMost(Duration.ofMinutes(6)).pollInterval(Duration.ofMillis(500))
                    .until(() -> read(output).contains(StopHint.MARKER) || !job.isAlive());
            String printed = read(output);
            assertThat(job.isAlive()).as("the job exited before staying up:%n%s", printed).isTrue();
            String endpoints = printed.substring(printed.lastIndexOf("done in"));
            log.info("the job stays up:\n{}", endpoints);
            checkEndpointTable(printed, endpoints);
            checkSealed(printed);

            started.addAll(ProcessTree.startedBy(job, stackDir));
            assertThat(started).extracting(ProcessTree::describe).as("processes the job started")
                    .satisfies(lines -> SERVICE_JARS.forEach(jar ->
                            assertThat(lines).as("a process running %s", jar).anyMatch(l -> l.contains("/" + jar))))
                    .anyMatch(l -> l.contains("postgres"))
                    .anyMatch(l -> l.contains("redis-server"));
            Set<Integer> ports = ProcessTree.loopbackPorts(endpoints);
            assertThat(ports).as("kafka, postgres, redis, s3, elasticsearch, clickhouse http+tcp, ingest, verifier")
                    .hasSizeGreaterThanOrEqualTo(9)
                    .allMatch(ProcessTree::listens);

            List<ProcessHandle> services = started.stream()
                    .filter(p -> p.info().commandLine().orElse("").contains(" -jar ")).toList();
            assertThat(services).as("ingest, verifier, six sinks").hasSize(SERVICE_JARS.size());

            long begin = System.nanoTime();
            ProcessTree.sigterm(job);
            await().atMost(Duration.ofMinutes(2)).until(() -> !job.isAlive());
            log.info("MEASURED the job stopped {} ms after SIGTERM", (System.nanoTime() - begin) / 1_000_000);
            // The job stops its services before it exits; their own parent watch (ExitWithParent) is only the fallback.
            assertThat(services).filteredOn(ProcessHandle::isAlive).extracting(ProcessTree::describe)
                    .as("services still running when the job exited").isEmpty();
            assertThat(job.exitValue()).as("exit status of a JVM stopped by SIGTERM").isEqualTo(143);
            assertThat(read(output)).as("every service stopped on SIGTERM by itself").doesNotContain("did not stop within");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(started).filteredOn(ProcessHandle::isAlive).extracting(ProcessTree::describe)
                        .as("processes left behind").isEmpty();
                assertThat(ports).as("ports still listening").noneMatch(ProcessTree::listens);
            });
        } finally {
            job.descendants().forEach(ProcessHandle::destroyForcibly);
            started.forEach(ProcessHandle::destroyForcibly);
            job.destroyForcibly();
        }
    }

    /**
     * The endpoint table came before the job's work (and again with --stay-up, with the status page's
     * URL), its JSON holds every endpoint under stable keys, every HTTP endpoint in it answers, the
     * status page shows the job's final records, and none of these texts holds a seeded address or name.
     */
    private void checkEndpointTable(String printed, String stayingUp) throws Exception {
        Matcher header = Pattern.compile("Endpoints \\(also in (\\S+)\\):").matcher(printed);
        assertThat(header.find()).as("an endpoint table is printed:%n%s", printed).isTrue();
        assertThat(header.start()).as("the table comes before the job's work").isLessThan(printed.indexOf("$ erasurectl fetch-inactive"));
        String table = printed.substring(header.start(), printed.indexOf("$ erasurectl fetch-inactive"));
        Path json = Path.of(header.group(1));
        JsonNode node = new ObjectMapper().readTree(json.toFile());
        assertThat(node.fieldNames()).toIterable().containsExactly("ingest", "verifier", "sinks", "kafka", "stores", "logs");
        assertThat(node.path("sinks").fieldNames()).toIterable()
                .containsExactlyInAnyOrder("sink-postgres", "sink-elasticsearch", "sink-clickhouse", "sink-s3", "sink-redis", "sink-kafka");
        assertThat(node.path("stores").fieldNames()).toIterable()
                .containsExactlyInAnyOrder("postgres", "elasticsearch", "clickhouse", "s3", "redis");
        assertThat(node.at("/kafka/bootstrap").asText()).matches("(127\\.0\\.0\\.1|localhost):\\d+");
        String token = node.at("/ingest/token").asText();
        assertThat(token).matches("[0-9a-f]{48}");
        assertThat(table).contains(token).contains(node.at("/verifier/statusPage").asText());
        assertThat(Files.readString(Path.of(node.at("/ingest/erasurectlConfig").asText()))).contains(token);
        assertThat(stayingUp).contains("Status page: " + node.at("/verifier/statusPage").asText());

        HttpClient http = HttpClient.newHttpClient();
        List<String> urls = new ArrayList<>(List.of(node.at("/ingest/health").asText(), node.at("/ingest/metrics").asText(),
                node.at("/verifier/health").asText(), node.at("/verifier/metrics").asText(), node.at("/verifier/statusPage").asText()));
        node.path("sinks").forEach(sink -> {
            urls.add(sink.path("health").asText());
            urls.add(sink.path("metrics").asText());
        });
        for (String url : urls) {
            assertThat(http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding()).statusCode())
                    .as(url).isEqualTo(200);
        }
        String page = get(http, node.at("/verifier/statusPage").asText());
        assertThat(page).contains("Erasure pipeline status");
        // The status page's data: the job's records read (its tail starts on the first ask), nothing left in flight.
        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> {
            JsonNode data = new ObjectMapper().readTree(get(http, node.at("/verifier/statusData").asText()));
            assertThat(data.at("/records/historyRead").asBoolean()).isTrue();
            assertThat(data.at("/records/read").asLong()).isPositive();
            assertThat(data.at("/inFlight/total").asLong()).isZero();
            assertThat(data.at("/records/latest").findValuesAsText("outcome")).isNotEmpty().containsOnly("COMPLETED");
        });
        String data = get(http, node.at("/verifier/statusData").asText());
        PiiScan scan = new PiiScan().text("endpoint table", table).text("endpoint table, --stay-up", stayingUp)
                .text(json.toString(), Files.readString(json)).text("GET /status", page).text("GET /status/data", data);
        log.info("{}", scan.summary());
        assertThat(scan.findings()).as("PII in the endpoints or on the status page").isEmpty();
    }

    /** What {@code --seal} promises (docs/privacy.md): the keys line, and no plain identifier on the request topics. */
    private static void checkSealed(String printed) throws Exception {
        String when = LocalDate.ofInstant(Instant.now().plus(PipelineDemo.SHRED_AFTER), ZoneOffset.UTC).toString();
        assertThat(printed).contains("Outcomes: COMPLETED 10, FAILED 0, TIMED_OUT 0, DRY_RUN 0",
                "Residual matches after erasure: 0", "Integrity chain intact",
                "Keys: every request's identifiers were sealed with a key of its own");
        // The date is computed at the end of the job: the test's clock may have passed midnight UTC since.
        assertThat(printed).contains("can be undone with `erasurectl restore REQUEST_ID`");
        assertThat(printed).containsAnyOf("shredded 35 days after its final record: on " + when,
                "shredded 35 days after its final record: on " + LocalDate.parse(when).minusDays(1));

        Matcher json = Pattern.compile("Endpoints \\(also in (\\S+)\\):").matcher(printed);
        assertThat(json.find()).isTrue();
        String bootstrap = new ObjectMapper().readTree(Path.of(json.group(1)).toFile()).at("/kafka/bootstrap").asText();
        List<ConsumerRecord<String, byte[]>> requests = readAll(bootstrap, "erasure.requests", "erasure.requests.bulk");
        List<ConsumerRecord<String, byte[]>> keys = readAll(bootstrap, "erasure.request-keys");
        assertThat(requests).hasSize(10).allSatisfy(r -> {
            String value = new String(r.value(), StandardCharsets.UTF_8);
            JsonNode event = new ObjectMapper().readTree(value);
            assertThat(event.has("sealedIdentifiers")).as(value).isTrue();
            assertThat(event.has("identifiers")).as(value).isFalse();
            assertThat(value).doesNotContain("@" + SampleWorld.EMAIL_DOMAIN);
        });
        assertThat(keys).as("one wrapped key per request").hasSize(10)
                .allSatisfy(k -> assertThat(new String(k.value(), StandardCharsets.UTF_8)).doesNotContain("@"));
        assertThat(printed).doesNotContain("@" + SampleWorld.EMAIL_DOMAIN);

    }

    private static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, String... topics) {
        List<ConsumerRecord<String, byte[]>> all = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (r.value() != null) {
                        all.add(r);
                    }
                });
                return partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p));
            });
        }
        return all;
    }

    private static String get(HttpClient http, String url) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(url).isEqualTo(200);
        return response.body();
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }
}

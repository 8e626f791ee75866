package org.erasure.e2e.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.erasure.devstack.cli.StopHint;
import org.erasure.devstack.junit.ProcessTree;
import org.erasure.devstack.seed.SampleWorld;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./scripts/run --seal}: the whole main job with per-request keys. Every request is erased and verified
 * as without keys, the job ends by saying when the keys will be shredded, and the request topics the SREs
 * replay hold no plain identifier: every request on them is sealed, its key on the key topic.
 */
class PipelineDemoSealTest {

    @Test
    void theMainJobWithSealedRequestsErasesEveryoneAndSaysWhenTheKeysGo(@TempDir Path dir) throws Exception {
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
            started.addAll(ProcessTree.startedBy(job, stackDir));

            String when = LocalDate.ofInstant(Instant.now().plus(PipelineDemo.SHRED_AFTER), ZoneOffset.UTC).toString();
            assertThat(printed).contains("Outcomes: COMPLETED 10, FAILED 0, TIMED_OUT 0, DRY_RUN 0",
                    "Residual matches after erasure: 0", "Integrity chain intact",
                    "Keys: every request's identifiers were sealed with a key of its own");
            // The date is computed at the end of the job: the test's clock may have passed midnight UTC since.
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

            ProcessTree.sigterm(job);
            await().atMost(Duration.ofMinutes(2)).until(() -> !job.isAlive());
        } finally {
            job.descendants().forEach(ProcessHandle::destroyForcibly);
            started.forEach(ProcessHandle::destroyForcibly);
            job.destroyForcibly();
        }
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

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }
}

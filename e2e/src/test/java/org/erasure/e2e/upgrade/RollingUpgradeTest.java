package org.erasure.e2e.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.erasure.devstack.DevStack;
import org.erasure.devstack.FreePort;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.devstack.seed.SeedNames;
import org.erasure.devstack.seed.WorldSeeder;
import org.erasure.e2e.ErasureTraffic;
import org.erasure.e2e.PipelineConfig;
import org.erasure.e2e.ProjectLayout;
import org.erasure.e2e.ServiceProcess;
import org.erasure.e2e.SinkKind;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureCompleted;
import org.erasure.events.Mode;
import org.erasure.events.Outcome;
import org.erasure.events.Phase;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.PhaseStatus;
import org.erasure.events.TargetResult;
import org.erasure.events.Topics;
import org.erasure.events.integrity.ChainVerification;
import org.erasure.events.integrity.IntegrityChain;
import org.erasure.events.serde.EventJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rolling upgrade that adds a phase (docs/README.md, "Adding a phase"): requests name {@code MONGO}, a
 * phase neither the running sink nor the running verifier was built with. Both run as processes from
 * their jars against a real broker. Nothing is dead-lettered; the sink erases for the requests that list
 * its phase and ignores the one that lists only MONGO; the verifier seals every request, with MONGO as
 * SKIPPED, and takes MONGO's report into the next revision once a sink that runs it reports.
 */
@DevStackTest
class RollingUpgradeTest {
    private static final int NAMING_BOTH = 12;
    private static final int PARTITIONS = 3;
    private static final Phase MONGO = Phase.valueOf("MONGO");

    @Test
    void requestsNamingAPhaseNoRunningServiceKnowsAreErasedAndSealed(DevStack stack, TestNames names, @TempDir Path dir) throws Exception {
        assertThat(MONGO.isKnown()).as("the test is about a phase this build does not know").isFalse();
        SampleWorld world = SampleWorld.isolated(NAMING_BOTH + 1);
        SeedNames seedNames = SeedNames.unique(names);
        stack.startAll(List.of(DevStack.Service.REDIS));
        WorldSeeder.seed(stack, world, seedNames, List.of(DevStack.Service.REDIS));
        Topics topics = Topics.withPrefix(names.stem() + ".");

        List<ContributorErasureRequested> both = IntStream.range(0, NAMING_BOTH)
                .mapToObj(i -> ErasureTraffic.request(world.contributor(i), Mode.EXECUTE, List.of(Phase.REDIS, MONGO))).toList();
        ContributorErasureRequested kafkaOnly = ErasureTraffic.request(world.contributor(NAMING_BOTH), Mode.EXECUTE, List.of(MONGO));
        List<ContributorErasureRequested> all = new ArrayList<>(both);
        all.add(kafkaOnly);

        List<ServiceProcess> services = new ArrayList<>();
        try (ErasureTraffic traffic = new ErasureTraffic(stack.kafka(), topics, PARTITIONS)) {
            services.add(ServiceProcess.start("sink-redis", SinkKind.REDIS.jar(),
                    PipelineConfig.sinkHocon(stack.kafka(), topics.prefix(), SinkKind.REDIS, "upgrade", 100)
                            + SinkKind.REDIS.storeHocon(stack, seedNames), dir, List.of()));
            services.add(ServiceProcess.start("verifier", ProjectLayout.jar("verifier", "verifier.jar"),
                    verifierHocon(stack, topics, dir), dir, List.of()));
            traffic.publish(all);

            await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(500))
                    .until(() -> traffic.poll() >= NAMING_BOTH && finalRecords(stack, topics).size() >= all.size()
                            || services.stream().anyMatch(s -> !s.isAlive()));
            assertThat(services).allMatch(ServiceProcess::isAlive);

            // The sink: one result per request that lists its phase, none for the MONGO-only one, nothing dead-lettered.
            Map<UUID, List<PhaseCompleted>> reports = traffic.completions();
            assertThat(reports).containsOnlyKeys(both.stream().map(ContributorErasureRequested::requestId).toList());
            assertThat(reports.values()).allSatisfy(list -> assertThat(list).singleElement().satisfies(pc -> {
                assertThat(pc.phase()).isEqualTo(Phase.REDIS);
                assertThat(pc.status()).isEqualTo(PhaseStatus.SUCCEEDED);
                assertThat(pc.verification().verified()).isTrue();
            }));
            for (String dlq : List.of(topics.requestsDlq(), topics.requestsBulkDlq(), topics.phaseCompletionsDlq(), topics.phaseCompletionsBulkDlq())) {
                assertThat(readAll(stack, dlq)).as(dlq).isEmpty();
            }

            // The verifier: every request sealed; MONGO asked and recorded as SKIPPED (not awaited by this version).
            Map<UUID, ErasureCompleted> records = latestByRequest(finalRecords(stack, topics));
            assertThat(records).hasSize(all.size());
            for (ContributorErasureRequested r : both) {
                ErasureCompleted c = records.get(r.requestId());
                assertThat(c.outcome()).isEqualTo(Outcome.COMPLETED);
                assertThat(c.missingPhases()).isEmpty();
                assertThat(c.phases().keySet()).containsExactly(Phase.REDIS, MONGO);
                assertThat(c.phases().get(Phase.REDIS).status()).isEqualTo(PhaseStatus.SUCCEEDED);
                assertThat(c.phases().get(MONGO).status()).isEqualTo(PhaseStatus.SKIPPED);
            }
            assertThat(records.get(kafkaOnly.requestId()).phases()).containsOnlyKeys(MONGO);

            // A sink that runs MONGO (deployed later in the upgrade) reports: the next revision holds its result.
            ContributorErasureRequested first = both.getFirst();
            publishReport(stack, topics, PhaseCompleted.builder().forRequest(first).phase(MONGO).status(PhaseStatus.SUCCEEDED)
                    .targets(TargetResult.erased("topic contributor-events", 2, 0, 0))
                    .startedAt(first.requestedAt().plusSeconds(1)).completedAt(first.requestedAt().plusSeconds(2))
                    .attempt(1).sink("sink-kafka", "next").build());
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> latestByRequest(finalRecords(stack, topics)).get(first.requestId()).revision() == 2);
            ErasureCompleted second = latestByRequest(finalRecords(stack, topics)).get(first.requestId());
            assertThat(second.phases().get(MONGO).status()).isEqualTo(PhaseStatus.SUCCEEDED);
            assertThat(second.totals().deleted()).isEqualTo(records.get(first.requestId()).totals().deleted() + 2);

            assertChainsVerify(stack, topics);
        } finally {
            services.forEach(ServiceProcess::close);
        }
    }

    private static String verifierHocon(DevStack stack, Topics topics, Path dir) throws Exception {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return """
                verifier {
                  application-id = "%sverifier"
                  bootstrap-servers = "%s"
                  topic-prefix = "%s"
                  partitions = %d
                  state-dir = "%s"
                  digest-key = "hex:%s"
                  timeouts.punctuation-interval = 2s
                  http { port = %d, advertised-host = "127.0.0.1" }
                }
                """.formatted(topics.prefix(), stack.kafka().bootstrapServers(), topics.prefix(), PARTITIONS,
                Files.createDirectories(dir.resolve("verifier-state")), HexFormat.of().formatHex(key), FreePort.find());
    }

    private static void publishReport(DevStack stack, Topics topics, PhaseCompleted report) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(stack.kafka().clientConfig(), new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topics.phaseCompletions(), report.kafkaKey(), EventJson.write(report))).get();
        }
    }

    private static List<ErasureCompleted> finalRecords(DevStack stack, Topics topics) {
        return readAll(stack, topics.completions()).stream().map(r -> EventJson.read(r.value(), ErasureCompleted.class)).toList();
    }

    private static Map<UUID, ErasureCompleted> latestByRequest(List<ErasureCompleted> records) {
        Map<UUID, ErasureCompleted> latest = new HashMap<>();
        records.forEach(r -> latest.merge(r.requestId(), r, (a, b) -> b.revision() > a.revision() ? b : a));
        return latest;
    }

    private static void assertChainsVerify(DevStack stack, Topics topics) {
        Map<Integer, List<ErasureCompleted>> byPartition = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : readAll(stack, topics.completions())) {
            byPartition.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(EventJson.read(r.value(), ErasureCompleted.class));
        }
        byPartition.forEach((p, chain) -> assertThat(IntegrityChain.verify(chain)).as("partition " + p).isInstanceOf(ChainVerification.Ok.class));
    }

    /** Every committed record of a topic (none when it does not exist), in partition order. */
    private static List<ConsumerRecord<String, byte[]>> readAll(DevStack stack, String topic) {
        Map<String, Object> c = stack.kafka().clientConfig();
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(pi -> new TopicPartition(topic, pi.partition())).sorted(java.util.Comparator.comparingInt(TopicPartition::partition)).toList();
            if (parts.isEmpty()) {
                return List.of();
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            out.sort(java.util.Comparator.<ConsumerRecord<String, byte[]>>comparingInt(ConsumerRecord::partition).thenComparingLong(ConsumerRecord::offset));
            return out;
        }
    }
}

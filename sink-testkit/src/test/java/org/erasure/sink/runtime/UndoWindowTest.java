package org.erasure.sink.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureReason;
import org.erasure.events.Mode;
import org.erasure.events.Phase;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.PhaseStatus;
import org.erasure.events.TargetResult;
import org.erasure.sink.runtime.spi.BeforeImage;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.ErasureStore;
import org.erasure.sink.runtime.spi.RequestResult;
import org.erasure.sink.runtime.spi.RestorationLog;
import org.erasure.sink.runtime.spi.StoreModule;
import org.erasure.sink.runtime.spi.TargetResidual;
import org.erasure.sink.runtime.spi.WriteAhead;
import org.erasure.sink.runtime.testkit.SinkKafkaHarness;
import org.junit.jupiter.api.Test;

/**
 * The runtime's side of the undo window on the real broker: a sink with a key-encryption key keeps what its store is
 * about to delete, sealed, on the restoration topic; a RESTORE request puts it back through the store (RESTORED with
 * the count), a second one restores nothing; a dry run keeps nothing; once the window ended (the restoration key
 * shredded by the sink's sweep) a restore fails with {@code RESTORATION_WINDOW_ENDED} and the store is unchanged.
 */
@DevStackTest
class UndoWindowTest {
    /** The store's data: contributorId → value. */
    static final Map<String, String> VALUES = new ConcurrentHashMap<>();

    /** Deletes a contributor's value, keeping it first; restores it only where absent. */
    static final class ValueStore implements ErasureStore {
        @Override public Phase phase() { return Phase.REDIS; }
        @Override public List<String> targets() { return List.of("values"); }

        @Override
        public Map<UUID, RequestResult> erase(ErasureBatch batch, WriteAhead writeAhead) {
            Map<UUID, RequestResult> out = new HashMap<>();
            List<BeforeImage> images = new ArrayList<>();
            Map<UUID, List<TargetResult>> planned = new HashMap<>();
            for (ErasureItem i : batch.items()) {
                String v = VALUES.get(i.contributorId());
                long n = v == null ? 0 : 1;
                if (i.dryRun()) {
                    out.put(i.requestId(), RequestResult.erased(List.of(TargetResult.dryRun("values", n, 0))));
                    continue;
                }
                if (v != null) {
                    images.add(new BeforeImage(i.requestId(), "values", (i.contributorId() + "=" + v).getBytes(StandardCharsets.UTF_8)));
                    planned.put(i.requestId(), List.of(TargetResult.erased("values", 1, 0, 0)));
                }
                out.put(i.requestId(), RequestResult.erased(List.of(TargetResult.erased("values", n, 0, 0))));
            }
            writeAhead.restoration().keep(images);
            writeAhead.record(planned);
            batch.executes().forEach(i -> VALUES.remove(i.contributorId()));
            return out;
        }

        @Override
        public Map<String, Long> restore(UUID requestId, List<BeforeImage> images, RestorationLog log) {
            long restored = 0;
            for (BeforeImage image : images) {
                String[] kv = new String(image.content(), StandardCharsets.UTF_8).split("=", 2);
                if (VALUES.putIfAbsent(kv[0], kv[1]) == null) {
                    restored++;
                }
            }
            return Map.of("values", restored);
        }

        @Override
        public Map<UUID, List<TargetResidual>> verify(ErasureBatch batch) {
            Map<UUID, List<TargetResidual>> out = new HashMap<>();
            batch.items().forEach(i -> out.put(i.requestId(), List.of(new TargetResidual("values", VALUES.containsKey(i.contributorId()) ? 1 : 0))));
            return out;
        }

        @Override public void checkReachable() {}
        @Override public void close() {}
    }

    static final class ValueModule implements StoreModule {
        @Override public Phase phase() { return Phase.REDIS; }
        @Override public String configSection() { return "values"; }
        @Override public String defaultSinkName() { return "sink-values"; }
        @Override public ErasureStore create(Config storeConfig, MeterRegistry meters) { return new ValueStore(); }
    }

    private static ContributorErasureRequested erase(String contributor, Mode mode) {
        return ContributorErasureRequested.builder().contributorId(contributor).identifiers(List.of(contributor + "@undo.example.com"), List.of())
                .requestedBy("test").reason(ErasureReason.ACCOUNT_CLOSED).mode(mode).systems(Phase.REDIS).build();
    }

    private static ContributorErasureRequested restoreOf(ContributorErasureRequested original) {
        return original.toBuilder().requestId(UUID.randomUUID()).mode(Mode.RESTORE).replayOf(original.requestId()).build();
    }

    private static PhaseCompleted awaitResult(SinkKafkaHarness h, UUID requestId) {
        await().atMost(Duration.ofSeconds(90)).until(() -> h.completions().containsKey(requestId));
        return h.completions().get(requestId).getFirst();
    }

    @Test
    void anErasureIsUndoneFromWhatTheSinkKeptUntilTheWindowEnds(KafkaBroker kafka, TestNames names) throws Exception {
        byte[] material = new byte[32];
        new SecureRandom().nextBytes(material);
        String kek = Base64.getEncoder().encodeToString(material);
        String imageTopic = names.topic("restoration");
        String sinkName = names.group("sink-values");
        VALUES.put("undo-a", "secret-value-of-a");
        VALUES.put("undo-b", "secret-value-of-b");
        VALUES.put("undo-c", "secret-value-of-c");
        ContributorErasureRequested a = erase("undo-a", Mode.EXECUTE);
        ContributorErasureRequested b = erase("undo-b", Mode.EXECUTE);
        ContributorErasureRequested c = erase("undo-c", Mode.EXECUTE);
        ContributorErasureRequested dry = erase("undo-c", Mode.DRY_RUN);
        try (SinkKafkaHarness h = new SinkKafkaHarness(kafka, names)) {
            String common = h.sinkConfig(sinkName, "a") + """

                    sink.lanes.bulk = false
                    sink.keys { kek = "%s", topic.name = "%s" }
                    sink.restoration { topic = "%s", partitions = 2, keys-topic = "%s", sweep-interval = 200ms }
                    values {}
                    """.formatted(kek, names.topic("request-keys"), imageTopic, names.topic("restoration-keys"));
            try (SinkApplication app = SinkApplication.start(SinkConfig.fromString(common), new ValueModule())) {
                // A restore reads from when the request's restoration key was made, not the topic's whole retention: an
                // image of b's request written an hour before that (here one that does not open) is never read.
                Map<String, Object> pc = kafka.clientConfig();
                try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(pc, new StringSerializer(), new ByteArraySerializer())) {
                    byte[] decoy = ("{\"requestId\":\"" + b.requestId() + "\",\"phase\":\"REDIS\",\"target\":\"values\","
                            + "\"keyId\":\"rk-REDIS-x\",\"sealed\":\"AAAA\"}").getBytes(StandardCharsets.UTF_8);
                    p.send(new ProducerRecord<>(imageTopic, null, System.currentTimeMillis() - Duration.ofHours(1).toMillis(),
                            b.requestId().toString(), decoy)).get();
                }

                h.send(dry);
                h.send(a);
                h.send(b);
                h.send(c);
                h.flush();
                assertThat(awaitResult(h, dry.requestId()).status()).isEqualTo(PhaseStatus.DRY_RUN);
                for (ContributorErasureRequested r : List.of(a, b, c)) {
                    assertThat(awaitResult(h, r.requestId()).status()).isEqualTo(PhaseStatus.SUCCEEDED);
                }
                assertThat(VALUES).doesNotContainKeys("undo-a", "undo-b", "undo-c");

                // One sealed image per erased value (the dry run kept nothing), and no value in clear.
                List<ConsumerRecord<String, byte[]>> kept = h.readAll(imageTopic, 4).stream()
                        .filter(r -> !new String(r.value(), StandardCharsets.UTF_8).contains("rk-REDIS-x")).toList(); // not the decoy
                assertThat(kept).extracting(ConsumerRecord::key)
                        .containsExactlyInAnyOrder(a.requestId().toString(), b.requestId().toString(), c.requestId().toString());
                for (ConsumerRecord<String, byte[]> r : kept) {
                    assertThat(new String(r.value(), StandardCharsets.UTF_8)).doesNotContain("secret-value").doesNotContain("@undo.example.com");
                }

                ContributorErasureRequested restoreB = restoreOf(b);
                h.send(restoreB);
                h.flush();
                PhaseCompleted restored = awaitResult(h, restoreB.requestId());
                assertThat(restored.status()).isEqualTo(PhaseStatus.RESTORED);
                assertThat(restored.targets()).containsExactly(TargetResult.restored("values", 1));
                assertThat(VALUES).containsEntry("undo-b", "secret-value-of-b").doesNotContainKeys("undo-a", "undo-c");

                ContributorErasureRequested again = restoreOf(b);
                h.send(again);
                h.flush();
                assertThat(awaitResult(h, again.requestId()).targets()).containsExactly(TargetResult.restored("values", 0));
            }

            // A sink whose window is 1 ms: its first sweep shreds every restoration key of its phase.
            try (SinkApplication app = SinkApplication.start(SinkConfig.fromString(common + "\nsink.restoration.window = 1ms\n"), new ValueModule())) {
                ContributorErasureRequested restoreC = restoreOf(c);
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    // The sweep runs at start; a restore sent before it ended would still find the key: send until refused.
                    h.send(restoreC.toBuilder().requestId(UUID.randomUUID()).build());
                    h.flush();
                    assertThat(h.completions().values().stream().flatMap(List::stream)
                            .filter(pc -> pc.status() == PhaseStatus.FAILED && "RESTORATION_WINDOW_ENDED".equals(pc.error().code())))
                            .isNotEmpty();
                });
                assertThat(VALUES).doesNotContainKeys("undo-a", "undo-c");
            }
        }
    }
}

package org.erasure.sink.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import io.micrometer.core.instrument.MeterRegistry;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
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
import org.erasure.keys.Envelope;
import org.erasure.keys.KafkaKeyStore;
import org.erasure.keys.KeyEncryptionKey;
import org.erasure.keys.KeyTopic;
import org.erasure.keys.RequestKeys;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.ErasureStore;
import org.erasure.sink.runtime.spi.RequestResult;
import org.erasure.sink.runtime.spi.StoreModule;
import org.erasure.sink.runtime.spi.TargetResidual;
import org.erasure.sink.runtime.spi.WriteAhead;
import org.erasure.sink.runtime.testkit.SinkKafkaHarness;
import org.junit.jupiter.api.Test;

/**
 * A sink process with {@code sink.keys.kek} reads sealed requests off the real broker: the store gets the opened
 * identifiers, a request whose key was shredded fails its phase with {@code KEY_SHREDDED} and never reaches the store,
 * and a plain request is handled as before.
 */
@DevStackTest
class SealedRequestsTest {
    /** contributorId → the emails the store was handed. */
    static final Map<String, List<String>> SEEN = new ConcurrentHashMap<>();

    static final class RecordingStore implements ErasureStore {
        @Override public Phase phase() { return Phase.REDIS; }
        @Override public List<String> targets() { return List.of("keys"); }

        @Override
        public Map<UUID, RequestResult> erase(ErasureBatch batch, WriteAhead writeAhead) {
            Map<UUID, List<TargetResult>> planned = new java.util.HashMap<>();
            batch.executes().forEach(i -> planned.put(i.requestId(), List.of(TargetResult.erased("keys", 1, 0, 0))));
            writeAhead.record(planned);
            Map<UUID, RequestResult> out = new java.util.HashMap<>();
            for (ErasureItem i : batch.items()) {
                SEEN.put(i.contributorId(), i.identifiers().emails());
                out.put(i.requestId(), RequestResult.erased(List.of(TargetResult.erased("keys", 1, 0, 0))));
            }
            return out;
        }

        @Override
        public Map<UUID, List<TargetResidual>> verify(ErasureBatch batch) {
            Map<UUID, List<TargetResidual>> out = new java.util.HashMap<>();
            batch.items().forEach(i -> out.put(i.requestId(), List.of(new TargetResidual("keys", 0))));
            return out;
        }

        @Override public void checkReachable() {}
        @Override public void close() {}
    }

    static final class RecordingModule implements StoreModule {
        @Override public Phase phase() { return Phase.REDIS; }
        @Override public String configSection() { return "recording"; }
        @Override public String defaultSinkName() { return "sink-recording"; }
        @Override public ErasureStore create(Config storeConfig, MeterRegistry meters) { return new RecordingStore(); }
    }

    private static ContributorErasureRequested request(String contributor, String email) {
        return ContributorErasureRequested.builder().contributorId(contributor).identifiers(List.of(email), List.of())
                .requestedBy("test").reason(ErasureReason.ACCOUNT_CLOSED).mode(Mode.EXECUTE).systems(Phase.REDIS).build();
    }

    @Test
    void sealedRequestsAreOpenedAndAShreddedOneFailsWithKeyShredded(KafkaBroker kafka, TestNames names) throws Exception {
        byte[] material = new byte[32];
        new SecureRandom().nextBytes(material);
        String kek = Base64.getEncoder().encodeToString(material);
        KeyTopic keyTopic = new KeyTopic(names.topic("request-keys"), 1, (short) 1, Duration.ofHours(1), Duration.ofHours(1),
                Duration.ofHours(1), Duration.ofMinutes(1));
        try (SinkKafkaHarness h = new SinkKafkaHarness(kafka, names);
             RequestKeys producerKeys = new RequestKeys(new Envelope(KeyEncryptionKey.fromBase64("kek-1", kek)),
                     KafkaKeyStore.open(keyTopic, kafka.clientConfig(), Duration.ofSeconds(30)))) {
            ContributorErasureRequested kept = producerKeys.seal(request("sealed-kept", "kept@sealed.example.com"));
            ContributorErasureRequested gone = producerKeys.seal(request("sealed-gone", "gone@sealed.example.com"));
            ContributorErasureRequested plain = request("plain-1", "plain@sealed.example.com");
            producerKeys.shred(gone.requestId());
            h.send(kept);
            h.send(gone);
            h.send(plain);
            h.flush();
            Config c = SinkConfig.fromString(h.sinkConfig(names.group("sink-recording"), "a") + """

                    sink.lanes.bulk = false
                    sink.keys { kek = "%s", topic.name = "%s" }
                    recording {}
                    """.formatted(kek, keyTopic.name()));
            try (SinkApplication app = SinkApplication.start(c, new RecordingModule())) {
                await().atMost(Duration.ofSeconds(90)).until(() -> h.completions().keySet()
                        .containsAll(List.of(kept.requestId(), gone.requestId(), plain.requestId())));
                assertThat(h.completions().get(kept.requestId())).extracting(PhaseCompleted::status).containsExactly(PhaseStatus.SUCCEEDED);
                assertThat(h.completions().get(plain.requestId())).extracting(PhaseCompleted::status).containsExactly(PhaseStatus.SUCCEEDED);
                assertThat(h.completions().get(gone.requestId())).singleElement().satisfies(pc -> {
                    assertThat(pc.status()).isEqualTo(PhaseStatus.FAILED);
                    assertThat(pc.error().code()).isEqualTo("KEY_SHREDDED");
                });
            }
            assertThat(SEEN).containsEntry("sealed-kept", List.of("kept@sealed.example.com"))
                    .containsEntry("plain-1", List.of("plain@sealed.example.com"))
                    .doesNotContainKey("sealed-gone");
        }
    }
}

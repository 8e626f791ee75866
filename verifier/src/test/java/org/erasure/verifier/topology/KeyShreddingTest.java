package org.erasure.verifier.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.erasure.verifier.Events.all;
import static org.erasure.verifier.Events.report;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureCompleted;
import org.erasure.events.Outcome;
import org.erasure.events.Phase;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.PhaseStatus;
import org.erasure.events.integrity.ChainVerification;
import org.erasure.events.integrity.IntegrityChain;
import org.erasure.events.serde.EventSerdes;
import org.erasure.keys.Envelope;
import org.erasure.keys.InMemoryKeyStore;
import org.erasure.keys.KeyEncryptionKey;
import org.erasure.keys.KeyStore;
import org.erasure.keys.Opening;
import org.erasure.keys.RequestKeys;
import org.erasure.keys.WrappedKey;
import org.erasure.verifier.Events;
import org.erasure.verifier.config.StreamsProperties;
import org.erasure.verifier.config.VerifierConfig;
import org.erasure.verifier.http.StatusView;
import org.erasure.verifier.metrics.VerifierMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shredding schedule (crypto-shredding) on a mocked broker and a controlled wall clock. */
class KeyShreddingTest {
    static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    @TempDir
    Path stateDir;

    /** An in-memory key store that can be taken down, and counts roll markers. */
    static final class FlakyStore implements KeyStore {
        final InMemoryKeyStore inner = new InMemoryKeyStore();
        volatile boolean down;
        volatile boolean readsDown;
        final AtomicInteger shreds = new AtomicInteger();
        final AtomicInteger rollMarkers = new AtomicInteger();

        public void put(UUID id, WrappedKey key) { inner.put(id, key); }
        public Optional<WrappedKey> get(UUID id) {
            if (readsDown) throw new IllegalStateException("key topic erasure.request-keys: TimeoutException");
            return inner.get(id);
        }
        public void shred(UUID id) {
            if (down) throw new IllegalStateException("key topic erasure.request-keys did not acknowledge a write for request " + id);
            shreds.incrementAndGet();
            inner.shred(id);
        }
        public void writeRollMarker() {
            if (down) throw new IllegalStateException("key topic down");
            rollMarkers.incrementAndGet();
        }
        public void close() {}
    }

    final FlakyStore store = new FlakyStore();
    RequestKeys keys;
    String kek;
    TopologyTestDriver driver;
    VerifierMetrics metrics = VerifierMetrics.noop();
    TestInputTopic<String, ContributorErasureRequested> requests;
    TestInputTopic<String, PhaseCompleted> reports;
    TestOutputTopic<String, ErasureCompleted> completions;
    final List<ErasureCompleted> emitted = new ArrayList<>();

    @BeforeEach
    void start() {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        kek = Base64.getEncoder().encodeToString(k);
        keys = new RequestKeys(new Envelope(KeyEncryptionKey.fromBase64("kek-1", kek)), store);
        Map<String, Object> settings = new HashMap<>(Map.of(
                "verifier.digest-key", "test-digest-key-0123456789",
                "verifier.state-dir", stateDir.toString(),
                "verifier.partitions", 1,
                "verifier.keys.kek", kek,
                "verifier.keys.shred-after", "35d",
                "verifier.keys.shred-interval", "1m"));
        VerifierConfig config = VerifierConfig.from(ConfigFactory.parseMap(settings));
        driver = new TopologyTestDriver(VerifierTopology.build(config, metrics, keys), StreamsProperties.of(config, null, metrics), T0);
        requests = driver.createInputTopic(config.topics().requests(), new StringSerializer(), EventSerdes.requested().serializer());
        reports = driver.createInputTopic(config.topics().phaseCompletions(), new StringSerializer(), EventSerdes.phaseCompleted().serializer());
        completions = driver.createOutputTopic(config.topics().completions(), new StringDeserializer(), EventSerdes.erasureCompleted().deserializer());
    }

    @AfterEach
    void close() {
        driver.close();
    }

    ContributorErasureRequested sealed(String contributor) {
        return keys.seal(Events.request(contributor, T0).identifiers(List.of(contributor + "@example.com"), List.of()).build());
    }

    void run(ContributorErasureRequested r, List<PhaseCompleted> phaseReports) {
        requests.pipeInput(r.kafkaKey(), r);
        phaseReports.forEach(p -> reports.pipeInput(p.kafkaKey(), p));
    }

    List<ErasureCompleted> drain() {
        List<ErasureCompleted> out = completions.readValuesToList();
        emitted.addAll(out);
        return out;
    }

    boolean hasKey(ContributorErasureRequested r) {
        return keys.open(r) instanceof Opening.Opened;
    }

    ErasureState state(ContributorErasureRequested r) {
        KeyValueStore<String, ErasureState> s = driver.getKeyValueStore(VerifierTopology.ERASURES_STORE);
        return s.get(r.requestId().toString());
    }

    double counted(String result) {
        var c = metrics.registry().find("verifier.key.shreds").tag("result", result).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aCompletedSealedRequestsKeyIsShreddedAfterShredAfterAndTheRevisionSaysWhen() {
        ContributorErasureRequested completed = sealed("c-1");
        ContributorErasureRequested failed = sealed("c-2");
        ContributorErasureRequested plain = Events.request("c-3", T0).build();
        run(completed, all(completed, PhaseStatus.SUCCEEDED));
        List<PhaseCompleted> oneFailed = new ArrayList<>(all(failed, PhaseStatus.SUCCEEDED));
        oneFailed.set(0, report(failed, oneFailed.getFirst().phase(), PhaseStatus.FAILED, 1));
        run(failed, oneFailed);
        run(plain, all(plain, PhaseStatus.SUCCEEDED));
        List<ErasureCompleted> first = drain();
        assertThat(first).extracting(ErasureCompleted::outcome).containsExactly(Outcome.COMPLETED, Outcome.FAILED, Outcome.COMPLETED);
        assertThat(first).allSatisfy(r -> assertThat(r.shreddedAt()).isNull());
        Instant finalizedAt = first.getFirst().completedAt();
        assertThat(StatusView.of(completed.requestId(), state(completed), "x").keysShredAfter()).isEqualTo(finalizedAt.plus(Duration.ofDays(35)));
        assertThat(StatusView.of(failed.requestId(), state(failed), "x").keysShredAfter()).isNull();

        driver.advanceWallClockTime(Duration.ofDays(34));
        assertThat(drain()).isEmpty();
        assertThat(hasKey(completed)).isTrue();

        driver.advanceWallClockTime(Duration.ofDays(1).plusMinutes(1));
        ErasureCompleted revision = single();
        assertThat(revision.requestId()).isEqualTo(completed.requestId());
        assertThat(revision.revision()).isEqualTo(2);
        assertThat(revision.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(revision.shreddedAt()).isAfterOrEqualTo(finalizedAt.plus(Duration.ofDays(35)));
        assertThat(revision.phases()).isEqualTo(first.getFirst().phases());
        assertThat(keys.open(completed)).isInstanceOf(Opening.KeyShredded.class);
        assertThat(hasKey(failed)).as("a FAILED request keeps its key: it must stay re-runnable").isTrue();
        assertThat(IntegrityChain.verify(emitted)).isInstanceOf(ChainVerification.Ok.class);
        StatusView view = StatusView.of(completed.requestId(), state(completed), "x");
        assertThat(view.shreddedAt()).isEqualTo(revision.shreddedAt());
        assertThat(view.keysShredAfter()).isNull();
        assertThat(counted("shredded")).isEqualTo(1);

        // Idempotent: nothing more is shredded or written; the roll marker comes one segment.ms (1 h) after the shred.
        driver.advanceWallClockTime(Duration.ofMinutes(30));
        assertThat(store.rollMarkers).hasValue(0);
        driver.advanceWallClockTime(Duration.ofMinutes(31));
        assertThat(store.rollMarkers).hasValue(1);
        driver.advanceWallClockTime(Duration.ofDays(40));
        assertThat(drain()).isEmpty();
        assertThat(store.shreds).hasValue(1);
        assertThat(store.rollMarkers).hasValue(1);
        assertThat(hasKey(failed)).isTrue();

        // A late report after the shred: the next revision still says when the key was shredded.
        reports.pipeInput(completed.requestId().toString(), report(completed, Phase.POSTGRES, PhaseStatus.SUCCEEDED, 2, 0));
        List<ErasureCompleted> late = drain();
        assertThat(late).allSatisfy(r -> assertThat(r.shreddedAt()).isEqualTo(revision.shreddedAt()));
        assertThat(IntegrityChain.verify(emitted)).isInstanceOf(ChainVerification.Ok.class);
    }

    @Test
    void aKeyStoreOutageIsRetriedAtTheNextPunctuationWithoutStoppingTheStream() {
        ContributorErasureRequested completed = sealed("c-1");
        run(completed, all(completed, PhaseStatus.SUCCEEDED));
        assertThat(drain()).hasSize(1);
        store.down = true;
        driver.advanceWallClockTime(Duration.ofDays(36));
        driver.advanceWallClockTime(Duration.ofMinutes(1));
        assertThat(drain()).isEmpty();
        assertThat(counted("failed")).isGreaterThanOrEqualTo(2);
        assertThat(hasKey(completed)).isTrue();

        // The stream goes on meanwhile.
        ContributorErasureRequested plain = Events.request("c-2", T0.plus(Duration.ofDays(36))).build();
        run(plain, all(plain, PhaseStatus.SUCCEEDED));
        assertThat(drain()).extracting(ErasureCompleted::requestId).containsExactly(plain.requestId());

        store.down = false;
        driver.advanceWallClockTime(Duration.ofMinutes(1));
        ErasureCompleted revision = single();
        assertThat(revision.requestId()).isEqualTo(completed.requestId());
        assertThat(revision.shreddedAt()).isNotNull();
        assertThat(keys.open(completed)).isInstanceOf(Opening.KeyShredded.class);
        assertThat(IntegrityChain.verify(emitted)).isInstanceOf(ChainVerification.Ok.class);
    }

    /** Opening a request during an outage is not skipped: the failure says "key store", and a replaced thread retries it. */
    @Test
    void aKeyStoreOutageWhileOpeningARequestIsRetriedNotSkipped() {
        ContributorErasureRequested r = sealed("c-1");
        store.readsDown = true;
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> requests.pipeInput(r.kafkaKey(), r)))
                .satisfies(e -> assertThat(KeyStoreUnavailable.isCause(e)).isTrue())
                .satisfies(e -> assertThat(String.valueOf(e.getMessage()) + e.getCause()).doesNotContain("@example.com"));
        assertThat(KeyStoreUnavailable.isCause(new IllegalStateException("other"))).isFalse();
        store.readsDown = false;
    }

    ErasureCompleted single() {
        List<ErasureCompleted> out = drain();
        assertThat(out).hasSize(1);
        return out.getFirst();
    }
}

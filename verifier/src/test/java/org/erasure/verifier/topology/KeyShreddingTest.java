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
    VerifierConfig config;
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
        config = VerifierConfig.from(ConfigFactory.parseMap(settings));
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

    /**
     * Opening a request during an outage is not skipped, and not taken for a shredded key either: the failure says
     * "key store", nothing enters the state, and the request read again (what the replaced thread does) gets the
     * record of its plain form, with its digest.
     */
    @Test
    void aKeyStoreOutageWhileOpeningARequestIsRetriedNotSkipped() {
        ContributorErasureRequested r = sealed("c-1");
        store.readsDown = true;
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> requests.pipeInput(r.kafkaKey(), r)))
                .satisfies(e -> assertThat(KeyStoreUnavailable.isCause(e)).isTrue())
                .satisfies(e -> assertThat(String.valueOf(e.getMessage()) + e.getCause()).doesNotContain("@example.com"));
        assertThat(KeyStoreUnavailable.isCause(new IllegalStateException("other"))).isFalse();
        assertThat(state(r)).isNull();
        assertThat(requestsCounted("key_shredded")).isZero();
        store.readsDown = false;
        run(r, all(r, PhaseStatus.SUCCEEDED));
        ErasureCompleted record = single();
        assertThat(record.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(record.identifiersUnreadable()).isNull();
        assertThat(record.subjectDigest()).isEqualTo(config.subjectDigest().digest(((Opening.Opened) keys.open(r)).request()));
    }

    /**
     * A sealed request whose key was shredded before the verifier read it (e.g. published again after the shred):
     * the sinks each fail with KEY_SHREDDED, and once they all reported the verifier writes a FAILED record without
     * subject digest that names KEY_SHREDDED, chained between the partition's other records. Nothing is scheduled
     * for shredding, a redelivery of the request writes nothing more, no identifier is written anywhere.
     */
    @Test
    void aRequestWhoseKeyWasShreddedBeforeItWasReadGetsAFailedRecordNamingKeyShredded() {
        ContributorErasureRequested before = Events.request("c-0", T0).build();
        run(before, all(before, PhaseStatus.SUCCEEDED));
        ErasureCompleted first = single();

        ContributorErasureRequested gone = sealed("c-1");
        store.inner.shred(gone.requestId()); // beside the counter: the verifier's own shreds are counted below
        requests.pipeInput(gone.kafkaKey(), gone);
        assertThat(drain()).as("the record comes when every requested phase reported").isEmpty();
        StatusView pending = StatusView.of(gone.requestId(), state(gone), "x");
        assertThat(pending.status()).isEqualTo(ErasureState.Status.PENDING);
        assertThat(pending.identifiersUnreadable()).isEqualTo("KEY_SHREDDED");
        assertThat(requestsCounted("key_shredded")).isEqualTo(1);

        Events.allKeyShredded(gone).forEach(p -> reports.pipeInput(p.kafkaKey(), p));
        ErasureCompleted record = single();
        assertThat(record.requestId()).isEqualTo(gone.requestId());
        assertThat(record.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(record.identifiersUnreadable()).isEqualTo("KEY_SHREDDED");
        assertThat(record.subjectDigest()).isNull();
        assertThat(record.failedPhases()).isEqualTo(gone.systems());
        assertThat(record.missingPhases()).isEmpty();
        assertThat(record.totals()).isEqualTo(org.erasure.events.Totals.ZERO);
        assertThat(record.revision()).isEqualTo(1);
        assertThat(record.shreddedAt()).isNull();
        assertThat(record.previousHash()).isEqualTo(first.hash());
        assertThat(record.hash()).isEqualTo(IntegrityChain.computeHash(record, first.hash()));
        StatusView view = StatusView.of(gone.requestId(), state(gone), "x");
        assertThat(view.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(view.identifiersUnreadable()).isEqualTo("KEY_SHREDDED");
        assertThat(view.keysShredAfter()).isNull();

        // Redelivered (the same sealed request, read again): the same request, no new record.
        requests.pipeInput(gone.kafkaKey(), gone);
        assertThat(drain()).isEmpty();
        assertThat(requestsCounted("duplicate")).isEqualTo(1);
        assertThat(requestsCounted("conflicting")).isZero();

        ContributorErasureRequested after = Events.request("c-2", T0).build();
        run(after, all(after, PhaseStatus.SUCCEEDED));
        assertThat(single().previousHash()).isEqualTo(record.hash());
        assertThat(IntegrityChain.verify(emitted)).isInstanceOf(ChainVerification.Ok.class);

        // Nothing to shred: no schedule, no revision, no shred call, however long it waits.
        driver.advanceWallClockTime(Duration.ofDays(40));
        assertThat(drain()).isEmpty();
        assertThat(store.shreds).hasValue(0);

        // No identifier in the record's JSON, nor in the state the status API reads.
        String json = new String(EventSerdes.erasureCompleted().serializer().serialize("t", record), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(json).contains("\"identifiersUnreadable\":\"KEY_SHREDDED\"").doesNotContain("subjectDigest", "@", "c-1@example.com");
        assertThat(new String(ErasureState.SERDE.serializer().serialize("t", state(gone)), java.nio.charset.StandardCharsets.UTF_8))
                .doesNotContain("@example.com");
    }

    /**
     * The SRE's case: {@code erasurectl replay} of a request whose key was shredded on schedule publishes a new request
     * carrying the same sealed identifiers, which nothing can open any more. Its record continues the original's
     * revisions and names KEY_SHREDDED.
     */
    @Test
    void aReplayOfARequestWhoseKeyWasShreddedIsRecordedAsFailedWithKeyShredded() {
        ContributorErasureRequested original = sealed("c-1");
        run(original, all(original, PhaseStatus.SUCCEEDED));
        assertThat(single().revision()).isEqualTo(1);
        driver.advanceWallClockTime(Duration.ofDays(35).plusMinutes(2));
        assertThat(single().shreddedAt()).isNotNull(); // revision 2

        ContributorErasureRequested replay = original.toBuilder().requestId(UUID.randomUUID()).replayOf(original.requestId())
                .requestedAt(T0.plus(Duration.ofDays(36))).build();
        run(replay, Events.allKeyShredded(replay));
        ErasureCompleted record = single();
        assertThat(record.requestId()).isEqualTo(replay.requestId());
        assertThat(record.replayOf()).isEqualTo(original.requestId());
        assertThat(record.revision()).isEqualTo(3);
        assertThat(record.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(record.identifiersUnreadable()).isEqualTo("KEY_SHREDDED");
        assertThat(record.subjectDigest()).isNull();
        assertThat(record.phases().values()).allSatisfy(p -> assertThat(p.error()).isEqualTo("KEY_SHREDDED"));
        assertThat(IntegrityChain.verify(emitted)).isInstanceOf(ChainVerification.Ok.class);
    }

    /**
     * The other SRE's case: {@code erasurectl replay --sink postgres --to-datetime T} rewinds one sink, which reads the
     * original request again after its key was shredded. It cannot erase (a store restored from a backup keeps the
     * person), so the record must not stay COMPLETED: the next revision is FAILED, names the phase and KEY_SHREDDED,
     * keeps what the first run erased and when the key was shredded.
     */
    @Test
    void aSinkRewoundPastAShreddedRequestMakesAFailedRevisionThatSaysWhy() {
        ContributorErasureRequested original = sealed("c-1");
        run(original, all(original, PhaseStatus.SUCCEEDED));
        ErasureCompleted first = single();
        driver.advanceWallClockTime(Duration.ofDays(35).plusMinutes(2));
        ErasureCompleted shredded = single();
        assertThat(shredded.shreddedAt()).isNotNull();

        reports.pipeInput(original.requestId().toString(), Events.keyShredded(original, Phase.POSTGRES));
        ErasureCompleted record = single();
        assertThat(record.revision()).isEqualTo(3);
        assertThat(record.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(record.failedPhases()).containsExactly(Phase.POSTGRES);
        assertThat(record.phases().get(Phase.POSTGRES).error()).isEqualTo("KEY_SHREDDED");
        assertThat(record.phases().get(Phase.POSTGRES).totals().deleted()).as("what the first run erased stays counted")
                .isEqualTo(first.phases().get(Phase.POSTGRES).totals().deleted()).isPositive();
        assertThat(record.shreddedAt()).isEqualTo(shredded.shreddedAt());
        assertThat(record.subjectDigest()).isEqualTo(first.subjectDigest());
        assertThat(IntegrityChain.verify(emitted)).isInstanceOf(ChainVerification.Ok.class);

        // Rewound again: the same failure is no new fact.
        reports.pipeInput(original.requestId().toString(), Events.keyShredded(original, Phase.POSTGRES));
        assertThat(drain()).isEmpty();
    }

    double requestsCounted(String result) {
        var c = metrics.registry().find("verifier.requests").tag("result", result).counter();
        return c == null ? 0 : c.count();
    }

    ErasureCompleted single() {
        List<ErasureCompleted> out = drain();
        assertThat(out).hasSize(1);
        return out.getFirst();
    }
}

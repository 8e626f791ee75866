package org.erasure.verifier.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.erasure.verifier.Events.all;
import static org.erasure.verifier.Events.report;
import static org.erasure.verifier.Events.request;

import com.typesafe.config.ConfigFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureCompleted;
import org.erasure.events.Mode;
import org.erasure.events.Outcome;
import org.erasure.events.Phase;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.PhaseStatus;
import org.erasure.events.integrity.ChainVerification;
import org.erasure.events.integrity.IntegrityChain;
import org.erasure.events.serde.EventSerdes;
import org.erasure.verifier.Events;
import org.erasure.verifier.config.StreamsProperties;
import org.erasure.verifier.config.VerifierConfig;
import org.erasure.verifier.metrics.VerifierMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The topology with a mocked broker and a controlled wall clock. */
class VerifierTopologyTest {
    static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    static final String KEY = "test-digest-key-0123456789";

    @TempDir
    Path stateDir;

    TopologyTestDriver driver;
    VerifierConfig config;
    TestInputTopic<String, ContributorErasureRequested> requests;
    TestInputTopic<String, PhaseCompleted> reports;
    TestOutputTopic<String, ErasureCompleted> completions;
    /** Everything read from the output so far, in order: the chain under test. */
    final List<ErasureCompleted> emitted = new ArrayList<>();
    /** Opens sealed requests when set before {@link #start}. */
    org.erasure.keys.RequestKeys keys;

    void start(Map<String, Object> overrides) {
        Map<String, Object> settings = new HashMap<>(Map.of(
                "verifier.digest-key", KEY,
                "verifier.state-dir", stateDir.toString(),
                "verifier.partitions", 1,
                "verifier.timeouts.punctuation-interval", "10s",
                "verifier.timeouts.min-wait", "15m"));
        settings.putAll(overrides);
        config = VerifierConfig.from(ConfigFactory.parseMap(settings));
        VerifierMetrics metrics = VerifierMetrics.noop();
        driver = new TopologyTestDriver(VerifierTopology.build(config, metrics, keys), StreamsProperties.of(config, null, metrics), T0);
        requests = driver.createInputTopic(config.topics().requests(), new StringSerializer(), EventSerdes.requested().serializer());
        reports = driver.createInputTopic(config.topics().phaseCompletions(), new StringSerializer(), EventSerdes.phaseCompleted().serializer());
        completions = driver.createOutputTopic(config.topics().completions(), new StringDeserializer(), EventSerdes.erasureCompleted().deserializer());
    }

    void start() {
        start(Map.of());
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    void send(ContributorErasureRequested r) {
        requests.pipeInput(r.kafkaKey(), r);
    }

    void send(PhaseCompleted p) {
        reports.pipeInput(p.kafkaKey(), p);
    }

    void send(List<PhaseCompleted> ps) {
        ps.forEach(this::send);
    }

    List<ErasureCompleted> drain() {
        List<ErasureCompleted> out = completions.readValuesToList();
        emitted.addAll(out);
        return out;
    }

    ErasureCompleted single() {
        List<ErasureCompleted> out = drain();
        assertThat(out).hasSize(1);
        return out.getFirst();
    }

    ContributorErasureRequested.Builder request(String contributor) {
        return Events.request(contributor, T0);
    }

    @Test
    void completedWhenEveryPhaseSucceededWithoutResidual() {
        start();
        ContributorErasureRequested r = request("c-1").build();
        send(r);
        send(all(r, PhaseStatus.SUCCEEDED).subList(0, 5));
        assertThat(drain()).isEmpty();
        send(all(r, PhaseStatus.SUCCEEDED).get(5));

        ErasureCompleted c = single();
        assertThat(c.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(c.requestId()).isEqualTo(r.requestId());
        assertThat(c.revision()).isEqualTo(1);
        assertThat(c.phases()).containsOnlyKeys(Phase.all());
        assertThat(c.missingPhases()).isEmpty();
        assertThat(c.totals().deleted()).isEqualTo(18);
        assertThat(c.subjectDigest()).isEqualTo(config.subjectDigest().digest(r));
        assertThat(c.previousHash()).isNull();
        assertThat(IntegrityChain.verify(emitted)).isInstanceOf(ChainVerification.Ok.class);
    }

    /** Sealed identifiers (erasure-keys) are not opened by the verifier yet: such a request is skipped, the stream goes on. */
    @Test
    void aSealedRequestIsSkippedWithoutStoppingTheStream() {
        start();
        ContributorErasureRequested sealed = request("c-sealed").build()
                .withSealedIdentifiers(org.erasure.events.SealedIdentifiers.of("dk-1", new byte[] {1, 2, 3}));
        send(sealed);
        send(all(sealed, PhaseStatus.SUCCEEDED));
        assertThat(drain()).isEmpty();
        ContributorErasureRequested r = request("c-1").build();
        send(r);
        send(all(r, PhaseStatus.SUCCEEDED));
        assertThat(single().requestId()).isEqualTo(r.requestId());
    }

    /**
     * With request keys, a sealed request is opened to be digested (as the plain one would be); one whose key is
     * shredded is recorded without digest once its sinks reported (KEY_SHREDDED, topology.KeyShreddingTest has more).
     */
    @Test
    void aSealedRequestIsOpenedForItsDigestAndAShreddedOneIsRecordedWithoutDigest() {
        byte[] kek = new byte[32];
        new java.security.SecureRandom().nextBytes(kek);
        keys = new org.erasure.keys.RequestKeys(new org.erasure.keys.Envelope(org.erasure.keys.KeyEncryptionKey.fromBase64("kek-1",
                java.util.Base64.getEncoder().encodeToString(kek))), new org.erasure.keys.InMemoryKeyStore());
        start();
        ContributorErasureRequested plain = request("c-1").identifiers(List.of("one@example.com"), List.of("w-1")).build();
        ContributorErasureRequested sealed = keys.seal(plain);
        ContributorErasureRequested shredded = keys.seal(request("c-2").identifiers(List.of("two@example.com"), List.of()).build());
        keys.shred(shredded.requestId());
        send(sealed);
        send(shredded);
        send(org.erasure.verifier.Events.allKeyShredded(shredded));
        ErasureCompleted gone = single();
        assertThat(gone.requestId()).isEqualTo(shredded.requestId());
        assertThat(gone.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(gone.subjectDigest()).isNull();
        assertThat(gone.identifiersUnreadable()).isEqualTo("KEY_SHREDDED");
        send(all(sealed, PhaseStatus.SUCCEEDED));
        ErasureCompleted c = single();
        assertThat(c.requestId()).isEqualTo(sealed.requestId());
        assertThat(c.subjectDigest()).isEqualTo(config.subjectDigest().digest(plain));
        assertThat(c.identifiersUnreadable()).isNull();
    }

    /** Rolling upgrade: a request names a phase added after this verifier was built (a seventh sink, MONGO). */
    @Test
    void aPhaseThisVerifierDoesNotKnowIsRecordedAsSkippedAndDoesNotHoldTheRecord() {
        start();
        Phase kafka = Phase.valueOf("MONGO");
        java.util.Set<Phase> asked = new java.util.HashSet<>(Phase.known());
        asked.add(kafka);
        ContributorErasureRequested r = request("c-1").systems(asked).build();
        send(r);
        send(Phase.known().stream().map(p -> report(r, p, PhaseStatus.SUCCEEDED, 1)).toList());

        ErasureCompleted first = single();
        assertThat(first.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(first.missingPhases()).isEmpty();
        assertThat(first.phases().keySet()).containsExactly(Phase.POSTGRES, Phase.ELASTICSEARCH, Phase.CLICKHOUSE, Phase.S3, Phase.REDIS, Phase.KAFKA, kafka);
        assertThat(first.phases().get(kafka).status()).isEqualTo(PhaseStatus.SKIPPED);
        assertThat(first.phases().get(kafka).targets()).isEmpty();
        assertThat(first.totals().deleted()).isEqualTo(18);

        // A sink that runs the new phase reports after all: the next revision holds its result instead.
        send(report(r, kafka, PhaseStatus.SUCCEEDED, 1));
        ErasureCompleted second = single();
        assertThat(second.revision()).isEqualTo(2);
        assertThat(second.phases().get(kafka).status()).isEqualTo(PhaseStatus.SUCCEEDED);
        assertThat(second.totals().deleted()).isEqualTo(21);
        assertThat(IntegrityChain.verify(emitted)).isInstanceOf(ChainVerification.Ok.class);

        // The state store keeps what was decided on arrival (a restart reads it back the same way).
        assertThat(driverState(r).request().notAwaited()).containsExactly(kafka);
    }

    @Test
    void aRequestNamingOnlyAnUnknownPhaseIsSealedAtOnceAsSkipped() {
        start();
        Phase kafka = Phase.valueOf("MONGO");
        ContributorErasureRequested r = request("c-1").systems(kafka).build();
        send(r);
        ErasureCompleted c = single();
        assertThat(c.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(c.phases()).containsOnlyKeys(kafka);
        assertThat(c.phases().get(kafka).status()).isEqualTo(PhaseStatus.SKIPPED);
        assertThat(c.missingPhases()).isEmpty();
    }

    @Test
    void bulkLaneRequestsAndReportsMakeTheSameRecordOnTheSameChain() {
        start();
        TestInputTopic<String, ContributorErasureRequested> bulkRequests = driver.createInputTopic(config.topics().requestsBulk(),
                new StringSerializer(), EventSerdes.requested().serializer());
        TestInputTopic<String, PhaseCompleted> bulkReports = driver.createInputTopic(config.topics().phaseCompletionsBulk(),
                new StringSerializer(), EventSerdes.phaseCompleted().serializer());
        ContributorErasureRequested interactive = request("c-1").build();
        ContributorErasureRequested purged = request("c-2").reason(org.erasure.events.ErasureReason.INACTIVITY_PURGE).build();
        bulkRequests.pipeInput(purged.kafkaKey(), purged);
        all(purged, PhaseStatus.SUCCEEDED).forEach(p -> bulkReports.pipeInput(p.kafkaKey(), p));
        send(interactive);
        send(all(interactive, PhaseStatus.SUCCEEDED));

        List<ErasureCompleted> out = drain();
        assertThat(out).extracting(ErasureCompleted::requestId).containsExactly(purged.requestId(), interactive.requestId());
        assertThat(out).allMatch(c -> c.outcome() == Outcome.COMPLETED && c.totals().deleted() == 18);
        assertThat(IntegrityChain.verify(emitted)).isInstanceOf(ChainVerification.Ok.class);
    }

    @Test
    void failedNamesTheFailedPhasesAndResidualAlsoFails() {
        start();
        ContributorErasureRequested failed = request("c-1").build();
        send(failed);
        for (Phase p : Phase.values()) {
            send(report(failed, p, p == Phase.S3 || p == Phase.REDIS ? PhaseStatus.FAILED : PhaseStatus.SUCCEEDED, 1));
        }
        ErasureCompleted c = single();
        assertThat(c.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(c.failedPhases()).containsExactlyInAnyOrder(Phase.S3, Phase.REDIS);

        ContributorErasureRequested residual = request("c-2").systems(Phase.POSTGRES, Phase.CLICKHOUSE).build();
        send(residual);
        send(report(residual, Phase.POSTGRES, PhaseStatus.SUCCEEDED, 1));
        send(report(residual, Phase.CLICKHOUSE, PhaseStatus.SUCCEEDED, 1, 4));
        ErasureCompleted r = single();
        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(r.failedPhases()).isEmpty();
        assertThat(r.totals().residual()).isEqualTo(4);
        assertThat(r.phases()).containsOnlyKeys(Phase.POSTGRES, Phase.CLICKHOUSE);
    }

    @Test
    void dryRunCarriesTheWouldBeCounts() {
        start();
        ContributorErasureRequested r = request("c-1").mode(Mode.DRY_RUN).build();
        send(r);
        send(all(r, PhaseStatus.DRY_RUN));
        ErasureCompleted c = single();
        assertThat(c.outcome()).isEqualTo(Outcome.DRY_RUN);
        assertThat(c.totals().wouldDelete()).isEqualTo(18);
        assertThat(c.totals().wouldMask()).isEqualTo(12);
        assertThat(c.totals().deleted()).isZero();
    }

    @Test
    void reportsBeforeTheirRequestAreJoinedWhenItArrives() {
        start();
        ContributorErasureRequested r = request("c-1").build();
        send(all(r, PhaseStatus.SUCCEEDED));
        assertThat(drain()).isEmpty();
        send(r);
        ErasureCompleted c = single();
        assertThat(c.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(c.phases()).hasSize(6);
    }

    @Test
    void redeliveriesNeverProduceASecondRecord() {
        start();
        ContributorErasureRequested r = request("c-1").build();
        List<PhaseCompleted> reps = all(r, PhaseStatus.SUCCEEDED);
        send(reps.get(0));
        send(reps.get(0));
        send(r);
        send(r);
        for (PhaseCompleted p : reps) {
            send(p);
            send(reps.get(0));
        }
        assertThat(single().revision()).isEqualTo(1);
        // A whole redelivery after the final record: still nothing new.
        send(r);
        send(reps);
        assertThat(drain()).isEmpty();
    }

    /** A sink's report with chosen counts, as the sink runtime builds it (attempt 1, a later completedAt per call). */
    private static PhaseCompleted counted(ContributorErasureRequested r, Phase phase, PhaseStatus status, long deleted, long masked, int seconds) {
        PhaseCompleted.Builder b = PhaseCompleted.builder().forRequest(r).phase(phase).status(status).attempt(1)
                .startedAt(r.requestedAt().plusSeconds(seconds)).completedAt(r.requestedAt().plusSeconds(seconds + 1))
                .sink("sink-" + phase.name().toLowerCase(java.util.Locale.ROOT), "test")
                .targets(org.erasure.events.TargetResult.erased(phase.name().toLowerCase(java.util.Locale.ROOT) + "-target", deleted, masked, 0));
        if (status == PhaseStatus.STARTED) {
            b.verification(org.erasure.events.Verification.notChecked(List.of()));
        }
        return b.build();
    }

    private static long deleted(ErasureCompleted record, Phase phase) {
        return record.phases().get(phase).totals().deleted();
    }

    @Test
    void aRedeliveredRequestsSecondRunKeepsTheCountsAndMakesNoNewRevision() {
        // Issue 10: the same request delivered twice; every sink ran it again, found nothing and
        // reported 0 for attempt 1. Before, revision 2 said nothing was erased anywhere.
        start();
        ContributorErasureRequested r = request("c-1").build();
        send(r);
        for (Phase p : r.systems()) {
            send(counted(r, p, PhaseStatus.STARTED, 7, 3, 1));
            send(counted(r, p, PhaseStatus.SUCCEEDED, 7, 3, 1));
        }
        ErasureCompleted first = single();
        assertThat(first.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(first.totals().deleted()).isEqualTo(42);

        send(r); // the redelivery
        for (Phase p : r.systems()) {
            send(counted(r, p, PhaseStatus.SUCCEEDED, 0, 0, 30)); // nothing left: nothing announced, 0 reported
        }
        assertThat(drain()).as("no new revision: the facts did not change").isEmpty();
        assertThat(driverState(r).phases().get(Phase.POSTGRES).totals().deleted()).isEqualTo(7);
    }

    @Test
    void aRunThatCrashedAfterErasingKeepsItsCountsThroughItsWriteAheadReport() {
        // The first run announced 7 deletes, erased, and died before its transaction committed its result;
        // the re-run found nothing and reported 0. The record says 7.
        start();
        ContributorErasureRequested r = request("c-1").systems(Phase.POSTGRES).build();
        send(r);
        send(counted(r, Phase.POSTGRES, PhaseStatus.STARTED, 7, 3, 1));
        send(counted(r, Phase.POSTGRES, PhaseStatus.SUCCEEDED, 0, 0, 5));
        ErasureCompleted record = single();
        assertThat(record.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(deleted(record, Phase.POSTGRES)).isEqualTo(7);
        assertThat(record.phases().get(Phase.POSTGRES).totals().masked()).isEqualTo(3);
    }

    @Test
    void aCrashBeforeTheChangeAndARetryNeverCountTwice() {
        // Announced 7, died before changing anything; the re-run announced 7 again, erased 7: 7, not 14.
        start();
        ContributorErasureRequested r = request("c-1").systems(Phase.S3).build();
        send(r);
        send(counted(r, Phase.S3, PhaseStatus.STARTED, 7, 0, 1));
        send(counted(r, Phase.S3, PhaseStatus.STARTED, 7, 0, 3));
        send(counted(r, Phase.S3, PhaseStatus.SUCCEEDED, 7, 0, 4));
        assertThat(deleted(single(), Phase.S3)).isEqualTo(7);
    }

    @Test
    void aReRunThatErasesRestoredDataAddsItInANewRevision() {
        start();
        ContributorErasureRequested r = request("c-1").systems(Phase.POSTGRES).build();
        send(r);
        send(counted(r, Phase.POSTGRES, PhaseStatus.STARTED, 7, 0, 1));
        send(counted(r, Phase.POSTGRES, PhaseStatus.SUCCEEDED, 7, 0, 1));
        assertThat(single().revision()).isEqualTo(1);
        // A backup was restored and an SRE re-ran the request: 2 rows came back and were erased again.
        send(counted(r, Phase.POSTGRES, PhaseStatus.STARTED, 2, 0, 60));
        send(counted(r, Phase.POSTGRES, PhaseStatus.SUCCEEDED, 2, 0, 60));
        ErasureCompleted second = single();
        assertThat(second.revision()).isEqualTo(2);
        assertThat(deleted(second, Phase.POSTGRES)).isEqualTo(9);
    }

    @Test
    void writeAheadReportsAloneNeverMakeARecord() {
        start();
        ContributorErasureRequested r = request("c-1").systems(Phase.POSTGRES).build();
        send(r);
        send(counted(r, Phase.POSTGRES, PhaseStatus.STARTED, 7, 0, 1));
        assertThat(drain()).isEmpty();
        assertThat(driverState(r).missingPhases()).containsExactly(Phase.POSTGRES);
    }

    private ErasureState driverState(ContributorErasureRequested r) {
        KeyValueStore<String, ErasureState> store = driver.getKeyValueStore(VerifierTopology.ERASURES_STORE);
        return store.get(r.requestId().toString());
    }

    @Test
    void timesOutAtTheDeadlineNamingTheMissingPhasesAndLateReportsAddRevisions() {
        start();
        ContributorErasureRequested r = request("c-1").deadline(T0.plus(Duration.ofHours(1)))
                .systems(Set.of(Phase.POSTGRES, Phase.ELASTICSEARCH, Phase.CLICKHOUSE, Phase.S3, Phase.REDIS)).build();
        send(r);
        List<PhaseCompleted> reps = all(r, PhaseStatus.SUCCEEDED);
        send(reps.subList(0, 3));
        driver.advanceWallClockTime(Duration.ofMinutes(59));
        assertThat(drain()).isEmpty();
        driver.advanceWallClockTime(Duration.ofMinutes(2));

        ErasureCompleted timedOut = single();
        assertThat(timedOut.outcome()).isEqualTo(Outcome.TIMED_OUT);
        assertThat(timedOut.missingPhases()).containsExactlyInAnyOrder(Phase.S3, Phase.REDIS);
        assertThat(timedOut.revision()).isEqualTo(1);
        driver.advanceWallClockTime(Duration.ofHours(1));
        assertThat(drain()).as("a final record is not timed out again").isEmpty();

        send(reps.get(3));
        ErasureCompleted second = single();
        assertThat(second.revision()).isEqualTo(2);
        assertThat(second.outcome()).isEqualTo(Outcome.TIMED_OUT);
        assertThat(second.missingPhases()).containsExactly(Phase.REDIS);

        send(reps.get(4));
        ErasureCompleted third = single();
        assertThat(third.revision()).isEqualTo(3);
        assertThat(third.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(IntegrityChain.verify(emitted)).isInstanceOf(ChainVerification.Ok.class);
    }

    @Test
    void slaTimesOutBeforeTheLegalDeadline() {
        start(Map.of("verifier.timeouts.sla", "5m"));
        ContributorErasureRequested r = request("c-1").build(); // deadline: 30 days
        send(r);
        driver.advanceWallClockTime(Duration.ofMinutes(4));
        assertThat(drain()).isEmpty();
        driver.advanceWallClockTime(Duration.ofMinutes(2));
        ErasureCompleted c = single();
        assertThat(c.outcome()).isEqualTo(Outcome.TIMED_OUT);
        assertThat(c.missingPhases()).isEqualTo(Phase.known());
        assertThat(c.phases()).isEmpty();
    }

    @Test
    void aRequestSeenAfterItsDeadlineStillGetsMinWait() {
        start();
        ContributorErasureRequested r = request("c-1").deadline(T0.minus(Duration.ofDays(1))).build();
        send(r);
        driver.advanceWallClockTime(Duration.ofMinutes(10));
        assertThat(drain()).isEmpty();
        driver.advanceWallClockTime(Duration.ofMinutes(6));
        assertThat(single().outcome()).isEqualTo(Outcome.TIMED_OUT);
    }

    @Test
    void aHigherAttemptAfterTheFinalRecordIsANewRevisionAndAnOlderOneChangesNothing() {
        start();
        ContributorErasureRequested r = request("c-1").systems(Phase.POSTGRES, Phase.S3).build();
        send(r);
        send(report(r, Phase.POSTGRES, PhaseStatus.SUCCEEDED, 1));
        send(report(r, Phase.S3, PhaseStatus.FAILED, 1));
        ErasureCompleted first = single();
        assertThat(first.outcome()).isEqualTo(Outcome.FAILED);

        send(report(r, Phase.S3, PhaseStatus.SUCCEEDED, 2));
        ErasureCompleted second = single();
        assertThat(second.revision()).isEqualTo(2);
        assertThat(second.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(second.phases().get(Phase.S3).attempt()).isEqualTo(2);

        // A retry of attempt 1 delivered late (e.g. out of order): kept out of the record.
        send(failedAgain(r));
        assertThat(drain()).isEmpty();
        assertThat(IntegrityChain.verify(emitted)).isInstanceOf(ChainVerification.Ok.class);
    }

    /** Same phase and attempt 1 but different content than the first FAILED report. */
    private static PhaseCompleted failedAgain(ContributorErasureRequested r) {
        PhaseCompleted p = report(r, Phase.S3, PhaseStatus.FAILED, 1);
        return new PhaseCompleted(p.schemaVersion(), p.requestId(), p.contributorId(), p.phase(), p.status(), p.targets(),
                p.verification(), p.startedAt(), p.completedAt().plusSeconds(5), 1, p.sink(), p.error());
    }

    @Test
    void aReplayContinuesTheRevisionsOfItsOriginal() {
        start();
        ContributorErasureRequested original = request("c-1").systems(Phase.POSTGRES).build();
        send(original);
        send(report(original, Phase.POSTGRES, PhaseStatus.FAILED, 1));
        send(report(original, Phase.POSTGRES, PhaseStatus.FAILED, 2)); // same facts: no new revision
        send(report(original, Phase.POSTGRES, PhaseStatus.SUCCEEDED, 3, 1)); // new facts: erased, 1 left
        assertThat(drain()).extracting(ErasureCompleted::revision).containsExactly(1, 2);

        ContributorErasureRequested replay = request("c-1").systems(Phase.POSTGRES).replayOf(original.requestId()).build();
        send(report(replay, Phase.POSTGRES, PhaseStatus.SUCCEEDED, 1)); // before its request, too
        send(replay);
        ErasureCompleted c = single();
        assertThat(c.requestId()).isEqualTo(replay.requestId());
        assertThat(c.replayOf()).isEqualTo(original.requestId());
        assertThat(c.revision()).isEqualTo(3);
        assertThat(c.outcome()).isEqualTo(Outcome.COMPLETED);

        ContributorErasureRequested replayOfReplay = request("c-1").systems(Phase.POSTGRES).replayOf(replay.requestId()).build();
        send(replayOfReplay);
        send(report(replayOfReplay, Phase.POSTGRES, PhaseStatus.SUCCEEDED, 1));
        assertThat(single().revision()).isEqualTo(4);

        ContributorErasureRequested replayOfUnknown = request("c-2").systems(Phase.REDIS).replayOf(java.util.UUID.randomUUID()).build();
        send(replayOfUnknown);
        send(report(replayOfUnknown, Phase.REDIS, PhaseStatus.SUCCEEDED, 1));
        assertThat(single().revision()).isEqualTo(1);
        assertThat(IntegrityChain.verify(emitted)).isInstanceOf(ChainVerification.Ok.class);
    }

    @Test
    void aRestoreIsTheNextRevisionOfItsOriginalAndCountsWhatWasPutBack() {
        start();
        ContributorErasureRequested original = request("c-1").systems(Phase.POSTGRES, Phase.REDIS).build();
        send(original);
        send(report(original, Phase.POSTGRES, PhaseStatus.SUCCEEDED, 1));
        send(report(original, Phase.REDIS, PhaseStatus.SUCCEEDED, 1));
        assertThat(single().outcome()).isEqualTo(Outcome.COMPLETED);

        ContributorErasureRequested restore = request("c-1").systems(Phase.POSTGRES, Phase.REDIS).mode(Mode.RESTORE)
                .replayOf(original.requestId()).build();
        send(restore);
        send(report(restore, Phase.POSTGRES, PhaseStatus.RESTORED, 1));
        send(report(restore, Phase.REDIS, PhaseStatus.RESTORED, 1));
        ErasureCompleted restored = single();
        assertThat(restored.mode()).isEqualTo(Mode.RESTORE);
        assertThat(restored.outcome()).isEqualTo(Outcome.RESTORED);
        assertThat(restored.replayOf()).isEqualTo(original.requestId());
        assertThat(restored.revision()).isEqualTo(2);
        assertThat(restored.totals().restored()).isEqualTo(10);
        assertThat(restored.totals().deleted()).isZero();

        ContributorErasureRequested refused = request("c-1").systems(Phase.POSTGRES).mode(Mode.RESTORE).replayOf(original.requestId()).build();
        send(refused);
        send(report(refused, Phase.POSTGRES, PhaseStatus.FAILED, 1));
        assertThat(single().outcome()).isEqualTo(Outcome.FAILED);
        assertThat(IntegrityChain.verify(emitted)).isInstanceOf(ChainVerification.Ok.class);
    }

    @Test
    void theChainLinksEveryRecordOfThePartitionAndDetectsTampering() {
        start();
        for (int i = 0; i < 20; i++) {
            ContributorErasureRequested r = request("c-" + i).build();
            send(r);
            send(all(r, i % 3 == 0 ? PhaseStatus.FAILED : PhaseStatus.SUCCEEDED));
        }
        List<ErasureCompleted> out = drain();
        assertThat(out).hasSize(20);
        for (int i = 1; i < out.size(); i++) {
            assertThat(out.get(i).previousHash()).isEqualTo(out.get(i - 1).hash());
        }
        assertThat(IntegrityChain.verify(out)).isInstanceOf(ChainVerification.Ok.class);

        List<ErasureCompleted> withoutOne = new ArrayList<>(out);
        withoutOne.remove(7);
        assertThat(IntegrityChain.verify(withoutOne)).isEqualTo(new ChainVerification.Broken(7,
                ChainVerification.Problem.LINK_BROKEN, ((ChainVerification.Broken) IntegrityChain.verify(withoutOne)).message()));
    }

    @Test
    void noIdentifierReachesTheStateStoreOrTheOutput() {
        start();
        ContributorErasureRequested r = request("c-1").build();
        send(r);
        send(all(r, PhaseStatus.SUCCEEDED));
        TestOutputTopic<String, byte[]> raw = driver.createOutputTopic(config.topics().completions(), new StringDeserializer(), new ByteArrayDeserializer());
        String output = new String(raw.readValue(), StandardCharsets.UTF_8);
        assertThat(output).contains(r.requestId().toString()).doesNotContain(Events.EMAIL_DOMAIN).doesNotContain(Events.WORKER_PREFIX);

        KeyValueStore<String, ErasureState> store = driver.getKeyValueStore(VerifierTopology.ERASURES_STORE);
        try (KeyValueIterator<String, ErasureState> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, ErasureState> e = it.next();
                String json = new String(ErasureState.SERDE.serializer().serialize("", e.value), StandardCharsets.UTF_8);
                assertThat(json).doesNotContain(Events.EMAIL_DOMAIN).doesNotContain(Events.WORKER_PREFIX);
            }
        }
        assertThat(store.get(r.requestId().toString()).status()).isEqualTo(ErasureState.Status.FINAL);
    }

    @Test
    void anUnreadablePhaseCompletionIsSkippedAndTheStreamGoesOn() {
        start();
        TestInputTopic<String, byte[]> rawReports = driver.createInputTopic(config.topics().phaseCompletions(), new StringSerializer(), new ByteArraySerializer());
        rawReports.pipeInput("some-key", "{\"schemaVersion\":1,\"requestId\":\"nope\"}".getBytes(StandardCharsets.UTF_8));
        ContributorErasureRequested r = request("c-1").systems(Phase.REDIS).build();
        send(r);
        send(report(r, Phase.REDIS, PhaseStatus.SUCCEEDED, 1));
        assertThat(single().outcome()).isEqualTo(Outcome.COMPLETED);
    }
}

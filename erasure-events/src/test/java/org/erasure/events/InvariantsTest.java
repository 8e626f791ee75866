package org.erasure.events;

import java.util.Set;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Cross-field rules auditors rely on, enforced when events are built (and therefore when read). */
class InvariantsTest {

    @Test
    void phaseTotals() {
        PhaseCompleted p = Samples.postgresSucceeded();
        assertThat(p.totalDeleted()).isEqualTo(13);
        assertThat(p.totalMasked()).isEqualTo(3);
        assertThat(p.totalResidual()).isZero();
        assertThat(p.totals()).isEqualTo(new Totals(13, 3, 0, 0, 0));
        assertThat(p.verification()).isEqualTo(new Verification(0, true));
        assertThat(p.kafkaKey()).isEqualTo(Samples.REQUEST_ID.toString());
    }

    @Test
    void residualMeansNotVerified() {
        PhaseCompleted p = base().status(PhaseStatus.SUCCEEDED)
                .targets(TargetResult.erased("idx", 3, 0, 2), TargetResult.erased("idx2", 1, 0, 1)).build();
        assertThat(p.totalResidual()).isEqualTo(3);
        assertThat(p.verification()).isEqualTo(new Verification(3, false));
        assertThatThrownBy(() -> new Verification(1, true)).hasMessage("field 'verified': cannot be true while totalResidual > 0");
    }

    @Test
    void aWriteAheadReportIsNeverVerifiedAndNeverAPhaseResult() {
        PhaseCompleted started = base().status(PhaseStatus.STARTED).targets(TargetResult.erased("t", 4, 2, 0))
                .verification(Verification.notChecked(List.of())).build();
        assertThat(started.totalDeleted()).isEqualTo(4);
        assertThatThrownBy(() -> base().status(PhaseStatus.STARTED).targets(TargetResult.erased("t", 4, 2, 0)).verification(new Verification(0, true)).build())
                .hasMessage("field 'verification': must be unverified with residual 0 when status is STARTED");
        assertThatThrownBy(() -> PhaseResult.from(started))
                .hasMessage("field 'status': STARTED is a write-ahead report, not a phase result");
    }

    @Test
    void dryRunMustNotEraseAnything() {
        assertThatThrownBy(() -> base().status(PhaseStatus.DRY_RUN).targets(TargetResult.erased("t", 1, 0, 0)).build())
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("field 'targets[0].deleted': must be 0 when status is DRY_RUN");
        assertThatThrownBy(() -> base().status(PhaseStatus.SUCCEEDED).targets(TargetResult.dryRun("t", 1, 0)).build())
                .hasMessage("field 'targets[0].wouldDelete': must be 0 unless status is DRY_RUN");
        PhaseCompleted dry = base().status(PhaseStatus.DRY_RUN).targets(TargetResult.dryRun("t", 4, 2)).build();
        assertThat(dry.totals()).isEqualTo(new Totals(0, 0, 4, 2, 0));
        assertThat(dry.verification().verified()).isFalse();
    }

    @Test
    void errorIffFailed() {
        assertThatThrownBy(() -> base().status(PhaseStatus.FAILED).build())
                .hasMessageStartingWith("field 'error': missing");
        assertThatThrownBy(() -> base().status(PhaseStatus.SUCCEEDED).error("X", "boom").build())
                .hasMessageStartingWith("field 'error': must be absent");
        assertThat(base().status(PhaseStatus.FAILED).error("PG_TIMEOUT", "statement timeout after 30s").build().error().code())
                .isEqualTo("PG_TIMEOUT");
    }

    @Test
    void errorMessagesAndNotesMustBePiiFree() {
        assertThatThrownBy(() -> PhaseError.of("PG", "no row for dave@example.com"))
                .hasMessage("field 'message': must not contain an email address");
        assertThatThrownBy(() -> TargetResult.erased("t", 0, 0, 0).withNote("dave@example.com"))
                .hasMessage("field 'note': must not contain an email address");
        assertThatThrownBy(() -> TargetResult.erased("t", 0, 0, 0).withNote("x".repeat(400) + " dave@example.com"))
                .hasMessage("field 'note': must not contain an email address");
        String longNoteWithoutAt = "fed by Kafka-engine table unit_metrics_hourly_queue via unit_metrics_hourly_queue_mv; ".repeat(5);
        assertThat(TargetResult.erased("t", 0, 0, 0).withNote(longNoteWithoutAt).note()).isEqualTo(longNoteWithoutAt);
        assertThat(TargetResult.erased("t", 0, 0, 0).withNote("2 keys @ 3 versions").note()).isEqualTo("2 keys @ 3 versions");
        assertThatThrownBy(() -> PhaseError.of("bad code!", "x")).hasMessageStartingWith("field 'code'");
    }

    @Test
    void timesAndAttempts() {
        assertThatThrownBy(() -> base().status(PhaseStatus.SKIPPED).completedAt(Samples.REQUESTED_AT.minusSeconds(1)).build())
                .hasMessage("field 'completedAt': must not be before startedAt");
        assertThatThrownBy(() -> base().status(PhaseStatus.SKIPPED).attempt(0).build())
                .hasMessage("field 'attempt': must be >= 1");
        assertThatThrownBy(() -> TargetResult.erased("t", -1, 0, 0)).hasMessage("field 'deleted': must be >= 0");
    }

    @Test
    void erasureCompletedDerivesOutcomeTotalsAndFailedPhases() {
        ErasureCompleted ok = Samples.completed(1);
        assertThat(ok.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(ok.totals()).isEqualTo(new Totals(15, 5, 0, 0, 0));
        assertThat(ok.failedPhases()).isEmpty();

        ErasureCompleted timedOut = Samples.timedOut();
        assertThat(timedOut.outcome()).isEqualTo(Outcome.TIMED_OUT);
        assertThat(timedOut.missingPhases()).containsExactly(Phase.ELASTICSEARCH, Phase.CLICKHOUSE, Phase.S3);

        ErasureCompleted failed = SchemaTest.failedRecord();
        assertThat(failed.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(failed.failedPhases()).containsExactly(Phase.S3);
        assertThat(failed.totals().residual()).isEqualTo(2);

        assertThat(SchemaTest.dryRunRecord().outcome()).isEqualTo(Outcome.DRY_RUN);
    }

    @Test
    void erasureCompletedRejectsInconsistentFacts() {
        ErasureCompleted ok = Samples.completed(1);
        assertThatThrownBy(() -> new ErasureCompleted(1, ok.requestId(), ok.contributorId(), ok.subjectDigest(),
                Outcome.COMPLETED, Mode.EXECUTE, ok.phases(), Set.of(Phase.S3), ok.failedPhases(), ok.totals(),
                ok.requestedAt(), ok.completedAt(), 1, null, null, null))
                .hasMessage("field 'missingPhases': must not contain a phase that has a result");
        assertThatThrownBy(() -> new ErasureCompleted(1, ok.requestId(), ok.contributorId(), ok.subjectDigest(),
                Outcome.COMPLETED, Mode.EXECUTE, ok.phases(), null, null, new Totals(1, 0, 0, 0, 0),
                ok.requestedAt(), ok.completedAt(), 1, null, null, null))
                .hasMessage("field 'totals': must equal the sums over phases");
        assertThatThrownBy(() -> new ErasureCompleted(1, ok.requestId(), ok.contributorId(), ok.subjectDigest(),
                Outcome.TIMED_OUT, Mode.EXECUTE, ok.phases(), null, null, ok.totals(),
                ok.requestedAt(), ok.completedAt(), 1, null, null, null))
                .hasMessageStartingWith("field 'outcome': inconsistent");
        assertThatThrownBy(() -> new ErasureCompleted(1, ok.requestId(), ok.contributorId(), "ABC",
                Outcome.COMPLETED, Mode.EXECUTE, ok.phases(), null, null, ok.totals(),
                ok.requestedAt(), ok.completedAt(), 1, null, null, null))
                .hasMessage("field 'subjectDigest': must be 64 lowercase hex characters");
        assertThatThrownBy(() -> new ErasureCompleted(1, ok.requestId(), ok.contributorId(), ok.subjectDigest(),
                Outcome.COMPLETED, Mode.EXECUTE, Map.of(), null, Set.of(Phase.S3), Totals.ZERO,
                ok.requestedAt(), ok.completedAt(), 1, null, null, null))
                .hasMessage("field 'failedPhases': must list exactly the phases with status FAILED");
        assertThatThrownBy(() -> ErasureCompleted.builder().forRequest(Samples.request()).subjectDigest(Samples.DIGEST)
                .completedAt(Samples.REQUESTED_AT).revision(0).build())
                .hasMessage("field 'revision': must be >= 1");
        // No digest only with the reason the identifiers could not be read, and never both.
        assertThatThrownBy(() -> ErasureCompleted.builder().forRequest(Samples.request()).completedAt(Samples.REQUESTED_AT).build())
                .hasMessage("field 'subjectDigest': missing");
        assertThatThrownBy(() -> ErasureCompleted.builder().forRequest(Samples.request()).subjectDigest(Samples.DIGEST)
                .identifiersUnreadable("KEY_SHREDDED").completedAt(Samples.REQUESTED_AT).build())
                .hasMessage("field 'subjectDigest': must be absent when identifiersUnreadable is set");
        assertThatThrownBy(() -> ErasureCompleted.builder().forRequest(Samples.request()).identifiersUnreadable("alice@example.com")
                .completedAt(Samples.REQUESTED_AT).build())
                .hasMessageStartingWith("field 'identifiersUnreadable': must match")
                .hasMessageNotContaining("alice");
        assertThat(SchemaTest.keyShreddedRecord().outcome()).isEqualTo(Outcome.FAILED);
        assertThat(SchemaTest.keyShreddedRecord().subjectDigest()).isNull();
    }

    @Test
    void emptyPreviousHashIsNormalisedToNull() {
        ErasureCompleted r = Samples.completed(1).withIntegrity("", null);
        assertThat(r.previousHash()).isNull();
        assertThat(r.kafkaKey()).isEqualTo(Samples.REQUEST_ID.toString());
    }

    @Test
    void collectionsAreImmutable() {
        ErasureCompleted r = Samples.completed(1);
        assertThatThrownBy(() -> r.phases().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> r.missingPhases().add(Phase.S3)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> Samples.postgresSucceeded().targets().add(TargetResult.erased("x", 0, 0, 0)))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(List.copyOf(r.phases().keySet())).containsExactlyElementsOf(Samples.FIRST_FIVE);
    }

    private static PhaseCompleted.Builder base() {
        return PhaseCompleted.builder().forRequest(Samples.request()).phase(Phase.ELASTICSEARCH)
                .startedAt(Samples.REQUESTED_AT).completedAt(Samples.REQUESTED_AT.plusSeconds(1)).sink("sink-es", "1.0");
    }
}

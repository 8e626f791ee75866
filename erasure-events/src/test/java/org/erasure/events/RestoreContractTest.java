package org.erasure.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import java.util.UUID;
import org.erasure.events.integrity.IntegrityChain;
import org.erasure.events.serde.EventJson;
import org.junit.jupiter.api.Test;

/** The undo window's part of the contract: RESTORE requests, RESTORED reports and records, the {@code restored} count. */
class RestoreContractTest {

    private static ContributorErasureRequested restoreOf(UUID original) {
        return Samples.request().toBuilder().requestId(UUID.randomUUID()).mode(Mode.RESTORE).replayOf(original).build();
    }

    @Test
    void aRestoreNamesTheRequestItUndoes() {
        assertThatThrownBy(() -> Samples.request().toBuilder().mode(Mode.RESTORE).build())
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("field 'replayOf': required when mode is RESTORE (the request whose erasure to undo)");
        ContributorErasureRequested r = restoreOf(Samples.REQUEST_ID);
        assertThat(EventJson.read(EventJson.write(r), ContributorErasureRequested.class)).isEqualTo(r);
        assertThat(SchemaSupport.validate(ContributorErasureRequested.class, new String(EventJson.write(r)))).isEmpty();
    }

    @Test
    void aRestoredPhaseOnlyRestores() {
        PhaseCompleted.Builder b = PhaseCompleted.builder().forRequest(restoreOf(Samples.REQUEST_ID)).phase(Phase.REDIS)
                .startedAt(Samples.REQUESTED_AT).completedAt(Samples.REQUESTED_AT.plusSeconds(1)).sink("sink-redis", "1.0");
        PhaseCompleted ok = b.status(PhaseStatus.RESTORED).targets(TargetResult.restored("session:*", 3)).build();
        assertThat(ok.totals().restored()).isEqualTo(3);
        PhaseCompleted read = EventJson.read(EventJson.write(ok), PhaseCompleted.class);
        assertThat(read).isEqualTo(ok);
        assertThat(SchemaSupport.validate(PhaseCompleted.class, new String(EventJson.write(ok)))).isEmpty();
        assertThatThrownBy(() -> b.status(PhaseStatus.RESTORED).targets(TargetResult.erased("session:*", 1, 0, 0)).build())
                .hasMessage("field 'targets[0]': a RESTORED phase deletes, masks and verifies nothing (restored only)");
        assertThatThrownBy(() -> b.status(PhaseStatus.SUCCEEDED).targets(TargetResult.restored("session:*", 1)).build())
                .hasMessage("field 'targets[0].restored': must be 0 unless status is RESTORED");
    }

    @Test
    void restoredIsAbsentWhenZeroSoEarlierRecordsHashAsBefore() {
        ErasureCompleted record = Samples.completed(1);
        assertThat(new String(EventJson.write(record))).doesNotContain("restored");
        assertThat(IntegrityChain.canonicalJson(record)).doesNotContain("restored");
    }

    @Test
    void theOutcomeOfARestore() {
        assertThat(Outcome.derive(Mode.RESTORE, Set.of(), Set.of(), 0)).isEqualTo(Outcome.RESTORED);
        assertThat(Outcome.derive(Mode.RESTORE, Set.of(Phase.S3), Set.of(), 0)).isEqualTo(Outcome.FAILED);
        assertThat(Outcome.derive(Mode.RESTORE, Set.of(), Set.of(Phase.S3), 0)).isEqualTo(Outcome.TIMED_OUT);
    }
}

package org.erasure.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.erasure.events.integrity.IntegrityChain;
import org.erasure.events.serde.EventJson;
import org.junit.jupiter.api.Test;

/** A record says why a phase failed: the sink's error code, never its message. */
class PhaseErrorInRecordTest {

    private static ErasureCompleted withFailedPostgres() {
        ErasureCompleted.Builder b = ErasureCompleted.builder().forRequest(Samples.request()).subjectDigest(Samples.DIGEST)
                .completedAt(Samples.REQUESTED_AT.plusSeconds(90)).revision(1);
        int s = 1;
        for (Phase p : Samples.FIRST_FIVE) {
            b.phase(Samples.phase(p, p == Phase.POSTGRES ? PhaseStatus.FAILED : PhaseStatus.SUCCEEDED, s++));
        }
        return b.build();
    }

    @Test
    void aFailedPhaseKeepsItsErrorCodeButNotItsMessage() {
        ErasureCompleted record = withFailedPostgres();
        assertThat(record.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(record.phases().get(Phase.POSTGRES).error()).isEqualTo("TIMEOUT");
        String json = new String(EventJson.write(record));
        assertThat(json).contains("\"error\":\"TIMEOUT\"").doesNotContain("store did not answer");
        assertThat(EventJson.read(json.getBytes(), ErasureCompleted.class)).isEqualTo(record);
        assertThat(SchemaSupport.validate(ErasureCompleted.class, new String(EventJson.write(IntegrityChain.seal(record, null))))).isEmpty();
        assertThat(IntegrityChain.canonicalJson(record)).contains("\"error\":\"TIMEOUT\"");
    }

    @Test
    void noErrorIsWrittenForOtherPhasesSoEarlierRecordsHashAsBefore() throws Exception {
        ErasureCompleted record = Samples.completed(1);
        assertThat(new String(EventJson.write(record))).doesNotContain("error");
        assertThat(IntegrityChain.canonicalJson(record)).doesNotContain("error");
        // A FAILED result recorded before the field existed reads back without one.
        String old = "{\"status\":\"FAILED\",\"targets\":[],\"residual\":0,\"verified\":false,\"attempt\":1,"
                + "\"completedAt\":\"2026-01-01T00:00:00Z\"}";
        assertThat(EventJson.newMapper().readValue(old, PhaseResult.class).error()).isNull();
    }

    @Test
    void onlyAFailedPhaseHasAnErrorAndItIsACode() {
        Instant t = Samples.REQUESTED_AT;
        assertThatThrownBy(() -> new PhaseResult(PhaseStatus.SUCCEEDED, List.of(), 0, true, 1, t, "TIMEOUT"))
                .hasMessage("field 'error': must be absent unless status is FAILED");
        assertThatThrownBy(() -> new PhaseResult(PhaseStatus.FAILED, List.of(), 0, false, 1, t, "no such code"))
                .isInstanceOf(InvalidEventException.class).hasMessageContaining("field 'error'");
        assertThat(new PhaseResult(PhaseStatus.FAILED, List.of(), 0, false, 1, t, "KEY_SHREDDED").error()).isEqualTo("KEY_SHREDDED");
    }
}

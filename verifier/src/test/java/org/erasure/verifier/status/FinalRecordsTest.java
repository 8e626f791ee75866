package org.erasure.verifier.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureCompleted;
import org.erasure.events.Outcome;
import org.erasure.events.Phase;
import org.erasure.events.PhaseStatus;
import org.erasure.events.serde.EventJson;
import org.erasure.verifier.Events;
import org.junit.jupiter.api.Test;

class FinalRecordsTest {
    static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    static final String DIGEST = "ab".repeat(32);

    @Test
    void timedOutFirstThenNewestFirstAndALaterRevisionReplacesTheTimeout() {
        FinalRecords finals = new FinalRecords(3);
        ErasureCompleted late = timedOut("c-late", T0.plusSeconds(1));
        ErasureCompleted a = completed("c-a", T0.plusSeconds(2), Set.of());
        ErasureCompleted b = completed("c-b", T0.plusSeconds(3), Set.of(Phase.S3));
        finals.add(late);
        finals.add(a);
        finals.add(b);
        assertThat(finals.latestTimedOutFirst()).extracting(FinalRecords.Summary::contributorId).containsExactly("c-late", "c-b", "c-a");

        // Newer completed records push old ones out of "latest", but not the TIMED_OUT one.
        for (int i = 0; i < 5; i++) {
            finals.add(completed("c-new-" + i, T0.plusSeconds(10 + i), Set.of()));
        }
        assertThat(finals.latestTimedOutFirst()).extracting(FinalRecords.Summary::contributorId)
                .containsExactly("c-late", "c-new-4", "c-new-3", "c-new-2");

        // A late report: revision 2 of the timed-out request is COMPLETED; revision 1 read afterwards changes nothing.
        ErasureCompleted revision2 = ErasureCompleted.builder().requestId(late.requestId()).contributorId("c-late").subjectDigest(DIGEST)
                .mode(late.mode()).requestedAt(late.requestedAt()).completedAt(T0.plusSeconds(30)).revision(2)
                .phase(Phase.POSTGRES, late.phases().get(Phase.POSTGRES)).build();
        finals.add(revision2);
        finals.add(late);
        assertThat(finals.latestTimedOutFirst()).extracting(FinalRecords.Summary::contributorId).containsExactly("c-late", "c-new-4", "c-new-3");
        assertThat(finals.latestTimedOutFirst().getFirst().outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(finals.latestTimedOutFirst().getFirst().revision()).isEqualTo(2);

        FinalRecords.Counts counts = finals.counts();
        assertThat(counts.records()).isEqualTo(10);
        assertThat(counts.byOutcome()).isEqualTo(Map.of(Outcome.TIMED_OUT, 2L, Outcome.COMPLETED, 7L, Outcome.FAILED, 1L));
        assertThat(counts.failedByPhase()).isEqualTo(Map.of(Phase.S3, 1L));
        assertThat(counts.missingByPhase()).containsEntry(Phase.REDIS, 2L).doesNotContainKey(Phase.POSTGRES);
    }

    @Test
    void aSummaryHoldsNoDigestNoHashAndNoTargetNames() throws Exception {
        ErasureCompleted r = completed("c-1", T0, Set.of());
        String json = EventJson.newMapper().writeValueAsString(FinalRecords.Summary.of(r));
        assertThat(json).doesNotContain(DIGEST).doesNotContain("-target").doesNotContain("hash").doesNotContain(Events.EMAIL_DOMAIN)
                .contains(r.requestId().toString()).contains("\"contributorId\":\"c-1\"").contains("\"deleted\":" + 3 * Phase.known().size());
        // only these fields (null ones are left out)
        assertThat(new ObjectMapper().readTree(json).fieldNames()).toIterable()
                .isSubsetOf("requestId", "contributorId", "outcome", "revision", "mode", "replayOf", "requestedAt",
                        "completedAt", "totals", "phases", "missingPhases", "failedPhases", "shreddedAt", "identifiersUnreadable");
    }

    @Test
    void aFailedPhaseShowsItsErrorCodeAndAShreddedKeyIsShown() throws Exception {
        ErasureCompleted failed = completed("c-f", T0, Set.of(Phase.S3));
        ErasureCompleted shredded = ErasureCompleted.builder().requestId(failed.requestId()).contributorId("c-f").subjectDigest(DIGEST)
                .mode(failed.mode()).requestedAt(failed.requestedAt()).completedAt(T0.plusSeconds(9)).revision(2)
                .phase(Phase.POSTGRES, failed.phases().get(Phase.POSTGRES)).shreddedAt(T0.plusSeconds(8)).build();
        FinalRecords.Summary s = FinalRecords.Summary.of(failed);
        assertThat(s.phases().get(Phase.S3).error()).isEqualTo(failed.phases().get(Phase.S3).error()).isNotNull();
        assertThat(s.phases().get(Phase.POSTGRES).error()).isNull();
        String json = EventJson.newMapper().writeValueAsString(FinalRecords.Summary.of(shredded));
        assertThat(json).contains("\"shreddedAt\":\"" + T0.plusSeconds(8) + "\"").doesNotContain("identifiersUnreadable");
    }

    static ErasureCompleted completed(String contributorId, Instant at, Set<Phase> failed) {
        ContributorErasureRequested r = Events.request(contributorId, at.minusSeconds(5)).build();
        ErasureCompleted.Builder b = ErasureCompleted.builder().forRequest(r).subjectDigest(DIGEST).completedAt(at);
        for (Phase p : Phase.values()) {
            b.phase(Events.report(r, p, failed.contains(p) ? PhaseStatus.FAILED : PhaseStatus.SUCCEEDED, 1));
        }
        return b.build();
    }

    static ErasureCompleted timedOut(String contributorId, Instant at) {
        ContributorErasureRequested r = Events.request(contributorId, at.minusSeconds(5)).build();
        return ErasureCompleted.builder().forRequest(r).subjectDigest(DIGEST).completedAt(at)
                .phase(Events.report(r, Phase.POSTGRES, PhaseStatus.SUCCEEDED, 1))
                .missingPhases(Set.of(Phase.ELASTICSEARCH, Phase.CLICKHOUSE, Phase.S3, Phase.REDIS)).build();
    }
}

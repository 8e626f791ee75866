package org.erasure.cli;

import java.util.Set;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.erasure.cli.report.StoreSummary;
import org.erasure.cli.support.Completions;
import org.erasure.events.ErasureCompleted;
import org.erasure.events.Mode;
import org.erasure.events.Phase;
import org.erasure.events.PhaseResult;
import org.erasure.events.PhaseStatus;
import org.junit.jupiter.api.Test;

class StoreSummaryTest {

    private static final Instant T = Instant.parse("2026-03-01T10:00:00Z");

    @Test
    void dryRunsPrintWouldBeCounts() {
        ErasureCompleted dry = Completions.builder(UUID.randomUUID(), "1", Mode.DRY_RUN, T, T).build();
        assertThat(StoreSummary.lines(List.of(dry, dry))).containsExactly(
                "PostgreSQL records that would be deleted: 6",
                "Elasticsearch documents that would be masked: 20",
                "ClickHouse records that would be masked: 200",
                "S3 files that would be deleted: 4",
                "Redis sessions that would be cleared: 6",
                "Kafka records that would be tombstoned: 0",
                "Outcomes: COMPLETED 0, FAILED 0, TIMED_OUT 0, DRY_RUN 2");
    }

    @Test
    void failuresAndTimeoutsAreListed() {
        UUID failed = UUID.randomUUID();
        UUID late = UUID.randomUUID();
        ErasureCompleted f = Completions.builder(failed, "2", Mode.EXECUTE, T, T)
                .phase(Phase.S3, new PhaseResult(PhaseStatus.FAILED, List.of(), 0, false, 3, T, "STORE_UNAVAILABLE"))
                .phase(Phase.CLICKHOUSE, new PhaseResult(PhaseStatus.FAILED, List.of(), 0, false, 1, T)).build();
        ErasureCompleted t = Completions.builder(late, "3", Mode.EXECUTE, T, T).build();
        ErasureCompleted timedOut = ErasureCompleted.builder().requestId(late).contributorId("3").mode(Mode.EXECUTE)
                .subjectDigest("ab".repeat(32)).requestedAt(T).completedAt(T)
                .phase(Phase.POSTGRES, t.phases().get(Phase.POSTGRES)).missingPhases(Set.of(Phase.REDIS)).build();
        List<String> lines = StoreSummary.lines(List.of(f, timedOut));
        // Phase order; a FAILED result recorded before records named the error has none.
        assertThat(StoreSummary.failedPhases(f)).containsExactly("CLICKHOUSE", "S3:STORE_UNAVAILABLE");
        assertThat(lines).contains("PostgreSQL records deleted: 6", "S3 files deleted: 0", "Redis sessions cleared: 3",
                "Outcomes: COMPLETED 0, FAILED 1, TIMED_OUT 1, DRY_RUN 0",
                "FAILED: request " + failed + " contributor 2, failed phases [CLICKHOUSE, S3:STORE_UNAVAILABLE]",
                "TIMED_OUT: request " + late + " contributor 3, missing phases [REDIS]");
    }

    @Test
    void aPhaseThisCliDoesNotKnowIsCountedUnderItsName() {
        Phase kafka = Phase.valueOf("MONGO");
        ErasureCompleted withKafka = Completions.builder(UUID.randomUUID(), "4", Mode.EXECUTE, T, T)
                .phase(kafka, new PhaseResult(PhaseStatus.SUCCEEDED, List.of(org.erasure.events.TargetResult.erased("topic t", 2, 0, 0)), 0, true, 1, T))
                .build();
        ErasureCompleted skipped = Completions.builder(UUID.randomUUID(), "5", Mode.EXECUTE, T, T)
                .phase(kafka, new PhaseResult(PhaseStatus.SKIPPED, List.of(), 0, false, 1, T)).build();
        List<String> lines = StoreSummary.lines(List.of(withKafka, skipped));
        assertThat(lines).containsSubsequence("Redis sessions cleared: 6", "MONGO records erased: 2", "Residual matches after erasure: 0");
        assertThat(StoreSummary.phasesOf(List.of(withKafka))).containsExactly(Phase.POSTGRES, Phase.ELASTICSEARCH,
                Phase.CLICKHOUSE, Phase.S3, Phase.REDIS, Phase.KAFKA, kafka);
    }
}

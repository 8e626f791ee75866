package org.erasure.verifier;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureReason;
import org.erasure.events.Mode;
import org.erasure.events.Phase;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.PhaseStatus;
import org.erasure.events.TargetResult;

/** Test events. Identifiers are recognisable so tests can check they never leak. */
public final class Events {
    public static final String EMAIL_DOMAIN = "@leak-canary.example";
    public static final String WORKER_PREFIX = "worker-canary-";

    private Events() {}

    public static String email(String contributorId) {
        return contributorId + EMAIL_DOMAIN;
    }

    public static ContributorErasureRequested.Builder request(String contributorId, Instant requestedAt) {
        return ContributorErasureRequested.builder()
                .requestId(UUID.randomUUID())
                .contributorId(contributorId)
                .identifiers(List.of(email(contributorId)), List.of(WORKER_PREFIX + contributorId))
                .requestedAt(requestedAt)
                .requestedBy("test")
                .reason(ErasureReason.ACCOUNT_CLOSED)
                .mode(Mode.EXECUTE);
    }

    /** SUCCEEDED with residual 0, DRY_RUN with would-counts, FAILED with residual 2. */
    public static PhaseCompleted report(ContributorErasureRequested r, Phase phase, PhaseStatus status, int attempt) {
        return report(r, phase, status, attempt, 0);
    }

    public static PhaseCompleted report(ContributorErasureRequested r, Phase phase, PhaseStatus status, int attempt, long residual) {
        String target = phase.name().toLowerCase(Locale.ROOT) + "-target";
        PhaseCompleted.Builder b = PhaseCompleted.builder()
                .forRequest(r)
                .phase(phase)
                .status(status)
                .attempt(attempt)
                .startedAt(r.requestedAt().plusSeconds(1))
                .completedAt(r.requestedAt().plusSeconds(2))
                .sink("sink-" + phase.name().toLowerCase(Locale.ROOT), "test");
        switch (status) {
            case SUCCEEDED -> b.targets(TargetResult.erased(target, 3, 2, residual));
            case DRY_RUN -> b.targets(TargetResult.dryRun(target, 3, 2));
            case FAILED -> b.targets(TargetResult.erased(target, 0, 0, 2)).error("STORE_DOWN", "store did not answer");
            case SKIPPED -> { }
            case RESTORED -> b.targets(TargetResult.restored(target, 5));
        }
        return b.build();
    }

    /**
     * What a sink reports for a request whose key was shredded (sink-runtime BatchProcessor, a refusal before the
     * store): FAILED, nothing touched, error KEY_SHREDDED.
     */
    public static PhaseCompleted keyShredded(ContributorErasureRequested r, Phase phase) {
        return PhaseCompleted.builder().forRequest(r).phase(phase).status(PhaseStatus.FAILED).attempt(1)
                .startedAt(r.requestedAt().plusSeconds(1)).completedAt(r.requestedAt().plusSeconds(1))
                .sink("sink-" + phase.name().toLowerCase(Locale.ROOT), "test")
                .error("KEY_SHREDDED", "the request's key was shredded: its identifiers can no longer be read, nothing was erased")
                .build();
    }

    /** Every requested phase's {@link #keyShredded} report. */
    public static List<PhaseCompleted> allKeyShredded(ContributorErasureRequested r) {
        return r.systems().stream().map(p -> keyShredded(r, p)).toList();
    }

    public static List<PhaseCompleted> all(ContributorErasureRequested r, PhaseStatus status) {
        return r.systems().stream().map(p -> report(r, p, status, 1)).toList();
    }

    public static Set<Phase> allPhases() {
        return Phase.all();
    }
}

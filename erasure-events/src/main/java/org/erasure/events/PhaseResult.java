package org.erasure.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;

/**
 * One phase's result as recorded in {@link ErasureCompleted}: the parts of {@link PhaseCompleted}
 * an auditor needs (the last attempt that the verifier accepted).
 *
 * @param residual sum of the targets' residual
 * @param verified the sink's {@link Verification#verified()}
 */
public record PhaseResult(
        PhaseStatus status,
        List<TargetResult> targets,
        @JsonProperty(required = true) long residual,
        @JsonProperty(required = true) boolean verified,
        @JsonProperty(required = true) int attempt,
        Instant completedAt) {

    public PhaseResult {
        Checks.required(status, "status");
        if (!status.isResult()) {
            throw new InvalidEventException("status", "STARTED is a write-ahead report, not a phase result");
        }
        targets = Checks.list(targets, "targets");
        Checks.nonNegative(residual, "residual");
        Checks.atLeastOne(attempt, "attempt");
        Checks.required(completedAt, "completedAt");
        if (residual != Totals.of(targets).residual()) {
            throw new InvalidEventException("residual", "must equal the sum of targets[].residual");
        }
        if (verified && residual > 0) {
            throw new InvalidEventException("verified", "cannot be true while residual > 0");
        }
    }

    public static PhaseResult from(PhaseCompleted p) {
        return new PhaseResult(p.status(), p.targets(), p.totalResidual(), p.verification().verified(),
                p.attempt(), p.completedAt());
    }

    public Totals totals() {
        return Totals.of(targets);
    }
}

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
 * @param error    FAILED only: the code of the sink's {@link PhaseError} (e.g. {@code STORE_UNAVAILABLE},
 *                 {@code KEY_SHREDDED}, {@code RESTORATION_WINDOW_ENDED}), so the record says why without its
 *                 message; null otherwise, and in records written before the field existed (null fields are
 *                 omitted from the JSON, so those records hash exactly as before)
 */
public record PhaseResult(
        PhaseStatus status,
        List<TargetResult> targets,
        @JsonProperty(required = true) long residual,
        @JsonProperty(required = true) boolean verified,
        @JsonProperty(required = true) int attempt,
        Instant completedAt,
        String error) {

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
        if (error != null) {
            Checks.code(error, "error");
            if (status != PhaseStatus.FAILED) {
                throw new InvalidEventException("error", "must be absent unless status is FAILED");
            }
        }
    }

    /** Without an error code (every status but FAILED, and FAILED results recorded before the field existed). */
    public PhaseResult(PhaseStatus status, List<TargetResult> targets, long residual, boolean verified, int attempt,
            Instant completedAt) {
        this(status, targets, residual, verified, attempt, completedAt, null);
    }

    public static PhaseResult from(PhaseCompleted p) {
        return new PhaseResult(p.status(), p.targets(), p.totalResidual(), p.verification().verified(),
                p.attempt(), p.completedAt(), errorCode(p));
    }

    /** The report's error code, or null. */
    public static String errorCode(PhaseCompleted p) {
        return p.error() == null ? null : p.error().code();
    }

    public Totals totals() {
        return Totals.of(targets);
    }
}

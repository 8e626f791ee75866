package org.erasure.events;

import java.util.Set;

/** Overall result of one erasure request, as recorded for auditors. */
public enum Outcome {
    /** Every requested phase reported, none failed, total residual is 0. */
    COMPLETED,
    /** At least one phase failed, or residual data was found after erasure. */
    FAILED,
    /** The deadline passed before every requested phase reported ({@code missingPhases} non-empty). */
    TIMED_OUT,
    /** The request was a dry run: nothing was erased. */
    DRY_RUN,
    /** A RESTORE request: every requested phase put back what it had erased for the original request. */
    RESTORED;

    /**
     * The outcome implied by the facts. Failure wins over timeout: a known failure is the more
     * actionable fact for an operator.
     */
    public static Outcome derive(Mode mode, Set<Phase> failedPhases, Set<Phase> missingPhases, long residual) {
        if (mode == Mode.DRY_RUN) {
            return DRY_RUN;
        }
        if (mode == Mode.RESTORE) {
            return !failedPhases.isEmpty() ? FAILED : !missingPhases.isEmpty() ? TIMED_OUT : RESTORED;
        }
        if (!failedPhases.isEmpty() || residual > 0) {
            return FAILED;
        }
        if (!missingPhases.isEmpty()) {
            return TIMED_OUT;
        }
        return COMPLETED;
    }
}

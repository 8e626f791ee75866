package org.erasure.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Collection;

/**
 * Summary of the sink's post-erasure check.
 *
 * @param totalResidual sum of the targets' {@code residual}
 * @param verified      true only if the verification queries ran and found nothing (residual 0);
 *                      false for dry runs, skipped phases, failures, or when verification was impossible
 */
public record Verification(
        @JsonProperty(required = true) long totalResidual,
        @JsonProperty(required = true) boolean verified) {

    public Verification {
        Checks.nonNegative(totalResidual, "totalResidual");
        if (verified && totalResidual > 0) {
            throw new InvalidEventException("verified", "cannot be true while totalResidual > 0");
        }
    }

    /** The verification queries ran: verified iff they found nothing. */
    public static Verification checked(Collection<TargetResult> targets) {
        long residual = Totals.of(targets).residual();
        return new Verification(residual, residual == 0);
    }

    /** No verification ran (dry run, skipped, failed early). */
    public static Verification notChecked(Collection<TargetResult> targets) {
        return new Verification(Totals.of(targets).residual(), false);
    }
}

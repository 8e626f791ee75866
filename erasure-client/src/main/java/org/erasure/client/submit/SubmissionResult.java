package org.erasure.client.submit;

import java.util.List;
import java.util.UUID;
import org.erasure.client.intake.IntakeError;

/** What happened to an upload: every item accepted (published or an open request returned), or rejected. */
public sealed interface SubmissionResult {

    /**
     * @param position  line or item the request came from
     * @param existing  true when an open request for the same contributor and mode was returned instead
     */
    record Submitted(int position, UUID requestId, String contributorId, boolean existing) {}

    record Accepted(List<Submitted> requests) implements SubmissionResult {
        public long published() {
            return requests.stream().filter(r -> !r.existing()).count();
        }
    }

    record Rejected(List<IntakeError> errors) implements SubmissionResult {}

    /** Validation passed but nothing was published (validateOnly / dry check). */
    record Validated(int items) implements SubmissionResult {}
}

package org.erasure.verifier.topology;

import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.Mode;
import org.erasure.events.Phase;
import org.erasure.events.integrity.SubjectDigest;

/**
 * What the verifier keeps of a {@link ContributorErasureRequested}: everything except the
 * identifiers, which are replaced by their keyed digest before the request leaves the first
 * processing step (so neither the repartition topic nor the state store ever holds them).
 */
public record RequestSummary(
        UUID requestId,
        String contributorId,
        String subjectDigest,
        Mode mode,
        Set<Phase> systems,
        Instant requestedAt,
        Instant deadline,
        UUID replayOf) {

    public static final JsonSerde<RequestSummary> SERDE = new JsonSerde<>(RequestSummary.class);

    public static RequestSummary of(ContributorErasureRequested r, SubjectDigest digest) {
        return new RequestSummary(r.requestId(), r.contributorId(), digest.digest(r), r.mode(), r.systems(),
                r.requestedAt(), r.deadline(), r.replayOf());
    }
}

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
 *
 * @param notAwaited the requested phases this verifier does not wait for: those its version does not
 *                   know ({@link Phase#isKnown()}), decided once when the request arrives so a request's
 *                   record does not change meaning when the verifier is upgraded while it is in flight.
 *                   The record lists them as SKIPPED unless a report for them arrives (README "Phases").
 *                   Absent in state written before open phase names: nothing was left out.
 */
public record RequestSummary(
        UUID requestId,
        String contributorId,
        String subjectDigest,
        Mode mode,
        Set<Phase> systems,
        Instant requestedAt,
        Instant deadline,
        UUID replayOf,
        Set<Phase> notAwaited) {

    public static final JsonSerde<RequestSummary> SERDE = new JsonSerde<>(RequestSummary.class);

    public RequestSummary {
        notAwaited = notAwaited == null ? Set.of() : Phase.sortedSet(notAwaited);
    }

    public static RequestSummary of(ContributorErasureRequested r, SubjectDigest digest) {
        return new RequestSummary(r.requestId(), r.contributorId(), digest.digest(r), r.mode(), r.systems(),
                r.requestedAt(), r.deadline(), r.replayOf(), Phase.sortedSet(r.systems().stream().filter(p -> !p.isKnown()).toList()));
    }

    /** The requested phases this verifier waits for before the first record. */
    public Set<Phase> awaited() {
        java.util.TreeSet<Phase> awaited = new java.util.TreeSet<>(systems);
        awaited.removeAll(notAwaited);
        return awaited;
    }
}

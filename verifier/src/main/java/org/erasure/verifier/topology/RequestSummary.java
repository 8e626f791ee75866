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
 * @param sealed     true when the request's identifiers were sealed (erasure-keys): it has a key on the key
 *                   topic, which the shredding schedule destroys after its COMPLETED record. Null (absent from
 *                   the JSON) for plain requests and in state written before the field existed.
 * @param identifiersUnreadable a sealed request whose identifiers the verifier could not read: the code
 *                   ({@code KEY_SHREDDED}: its key is gone; {@code KEY_UNREADABLE}: the key does not open them).
 *                   Then {@code subjectDigest} is null and the record says why (ErasureCompleted.identifiersUnreadable).
 *                   Null otherwise (absent from the JSON, and in state written before the field existed).
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
        Set<Phase> notAwaited,
        Boolean sealed,
        String identifiersUnreadable) {

    public static final JsonSerde<RequestSummary> SERDE = new JsonSerde<>(RequestSummary.class);

    public RequestSummary {
        notAwaited = notAwaited == null ? Set.of() : Phase.sortedSet(notAwaited);
        sealed = Boolean.TRUE.equals(sealed) ? Boolean.TRUE : null;
    }

    public static RequestSummary of(ContributorErasureRequested r, SubjectDigest digest) {
        return of(r, digest, r.hasSealedIdentifiers());
    }

    /** @param sealed whether the request arrived sealed ({@code r} is then the opened request) */
    public static RequestSummary of(ContributorErasureRequested r, SubjectDigest digest, boolean sealed) {
        return new RequestSummary(r.requestId(), r.contributorId(), digest.digest(r), r.mode(), r.systems(),
                r.requestedAt(), r.deadline(), r.replayOf(), notKnown(r), sealed, null);
    }

    /**
     * A sealed request whose identifiers could not be opened ({@code code}: KEY_SHREDDED, KEY_UNREADABLE): no digest
     * can be computed. It is aggregated like any request, and its record says why it has no digest.
     */
    public static RequestSummary unreadable(ContributorErasureRequested r, String code) {
        return new RequestSummary(r.requestId(), r.contributorId(), null, r.mode(), r.systems(),
                r.requestedAt(), r.deadline(), r.replayOf(), notKnown(r), true, code);
    }

    private static Set<Phase> notKnown(ContributorErasureRequested r) {
        return Phase.sortedSet(r.systems().stream().filter(p -> !p.isKnown()).toList());
    }

    /**
     * Whether {@code other} is this request read again after its identifiers became unreadable (e.g. redelivered after
     * its key was shredded): everything but the digest is the same. Not a conflicting request.
     */
    public boolean isUnreadableCopyOf(RequestSummary other) {
        return identifiersUnreadable != null && other != null
                && equals(new RequestSummary(other.requestId, other.contributorId, null, other.mode, other.systems, other.requestedAt,
                        other.deadline, other.replayOf, other.notAwaited, true, identifiersUnreadable));
    }

    /** Whether the request has a key on the key topic. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isSealed() {
        return Boolean.TRUE.equals(sealed);
    }

    /** The requested phases this verifier waits for before the first record. */
    public Set<Phase> awaited() {
        java.util.TreeSet<Phase> awaited = new java.util.TreeSet<>(systems);
        awaited.removeAll(notAwaited);
        return awaited;
    }
}

package org.erasure.verifier.http;

import java.util.TreeMap;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.erasure.events.Mode;
import org.erasure.events.Outcome;
import org.erasure.events.Phase;
import org.erasure.events.PhaseResult;
import org.erasure.events.PhaseStatus;
import org.erasure.events.Totals;
import org.erasure.verifier.topology.ErasureState;

/**
 * The answer of {@code GET /erasures/{requestId}}: progress and result, never identifiers (no
 * contributorId, no digest).
 *
 * @param status    PENDING until the first record was emitted, then FINAL
 * @param requested false while only phase reports arrived (their request is not known yet)
 * @param outcome   outcome of the last emitted revision; null while PENDING
 * @param revision  last emitted revision; 0 while PENDING
 * @param phases    reports so far (requested phases only once the request is known)
 * @param keysShredAfter a sealed request whose record is COMPLETED: when its key is due to be shredded; else null
 * @param shreddedAt when its key was shredded (crypto-shredding, docs/privacy.md); else null
 * @param identifiersUnreadable a sealed request whose identifiers the verifier could not read (its key was already
 *                  shredded: {@code KEY_SHREDDED}; or does not open: {@code KEY_UNREADABLE}), so its record has no
 *                  subject digest; else null
 */
public record StatusView(
        UUID requestId,
        ErasureState.Status status,
        boolean requested,
        Mode mode,
        Set<Phase> expectedPhases,
        Map<Phase, PhaseView> phases,
        Set<Phase> missingPhases,
        Outcome outcome,
        int revision,
        UUID replayOf,
        List<UUID> replayedBy,
        Instant requestedAt,
        Instant deadline,
        Instant finalizedAt,
        Instant keysShredAfter,
        Instant shreddedAt,
        String identifiersUnreadable,
        String servedBy) {

    /** @param error FAILED only: the sink's error code (e.g. STORE_UNAVAILABLE, KEY_SHREDDED); else null */
    public record PhaseView(PhaseStatus status, int attempt, Totals totals, boolean verified, Instant completedAt, String error) {
        static PhaseView of(PhaseResult r) {
            return new PhaseView(r.status(), r.attempt(), r.totals(), r.verified(), r.completedAt(), r.error());
        }
    }

    public static StatusView of(UUID requestId, ErasureState s, String servedBy) {
        Map<Phase, PhaseView> phases = new TreeMap<>();
        s.requestedPhases().forEach((p, r) -> phases.put(p, PhaseView.of(r)));
        var r = s.request();
        return new StatusView(requestId, s.status(), r != null,
                r == null ? null : r.mode(),
                r == null ? null : r.systems(),
                phases,
                r == null ? null : s.missingPhases(),
                s.outcome(), s.revision(),
                r == null ? null : r.replayOf(),
                s.replayedBy(),
                r == null ? null : r.requestedAt(),
                r == null ? null : r.deadline(),
                s.finalizedAt(), s.shredDueAt(), s.shreddedAt(),
                r == null ? null : r.identifiersUnreadable(), servedBy);
    }
}

package org.erasure.verifier.topology;

import java.util.TreeSet;
import java.util.TreeMap;
import com.fasterxml.jackson.annotation.JsonIgnore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.erasure.events.Outcome;
import org.erasure.events.Phase;
import org.erasure.events.PhaseResult;
import org.erasure.events.PhaseStatus;
import org.erasure.events.TargetResult;

/**
 * Everything the verifier knows about one requestId: the value of the {@code erasures} store.
 * Holds no identifiers (only {@link RequestSummary#subjectDigest()}).
 *
 * @param request            the request, or null while only reports (or lineage questions) arrived
 * @param phases             the recorded result per phase: the latest accepted report's status,
 *                           verification and residuals, with deletes/masks summed over episodes
 * @param seenReports        fingerprints of every report seen per phase ({@link ReportFingerprint}):
 *                           an exact redelivery is ignored even if it interleaves with other reports
 * @param replayBase         for a replay: the original's revision as answered by its task; null
 *                           until answered (and for non-replays)
 * @param revision           last emitted revision; 0 = nothing emitted yet (PENDING)
 * @param outcome            outcome of the last emitted revision
 * @param emittedFingerprint content fingerprint of the last emitted revision (no new revision
 *                           without a change)
 * @param firstSeenAt        wall-clock time this state was created
 * @param finalizedAt        wall-clock time of the last emitted revision
 * @param replayedBy         requests that declared themselves replays of this one
 * @param announced          per phase, the larger STARTED (write-ahead) counts per target since that
 *                           phase's last result: the open episode (see {@link PhaseCounts})
 * @param shredDueAt         a sealed request whose last record is COMPLETED: when its key is due to be shredded
 *                           (the {@code shred-schedule} store holds the same); null otherwise
 * @param shreddedAt         when the key was shredded; null before (and for plain requests)
 */
public record ErasureState(
        RequestSummary request,
        Map<Phase, PhaseResult> phases,
        Map<Phase, List<String>> seenReports,
        Integer replayBase,
        int revision,
        Outcome outcome,
        String emittedFingerprint,
        Instant firstSeenAt,
        Instant finalizedAt,
        List<UUID> replayedBy,
        Map<Phase, List<TargetResult>> announced,
        Instant shredDueAt,
        Instant shreddedAt) {

    public static final JsonSerde<ErasureState> SERDE = new JsonSerde<>(ErasureState.class);

    public enum Status { PENDING, FINAL }

    public ErasureState {
        phases = phases == null ? Map.of() : Map.copyOf(phases);
        seenReports = seenReports == null ? Map.of() : Map.copyOf(seenReports);
        replayedBy = replayedBy == null ? List.of() : List.copyOf(replayedBy);
        announced = announced == null ? Map.of() : Map.copyOf(announced);
    }

    public static ErasureState empty(Instant now) {
        return new ErasureState(null, Map.of(), Map.of(), null, 0, null, null, now, null, List.of(), Map.of(), null, null);
    }

    @JsonIgnore
    public Status status() {
        return revision == 0 ? Status.PENDING : Status.FINAL;
    }

    /** True when nothing but lineage bookkeeping is known (answered as 404 by the status API). */
    @JsonIgnore
    public boolean isUnknown() {
        return request == null && phases.isEmpty();
    }

    /**
     * Requested phases that reported, and every requested phase this verifier does not await
     * ({@link RequestSummary#notAwaited()}) that did not report, as SKIPPED: the record says what was
     * asked even where this verifier version has nothing to wait for.
     */
    public Map<Phase, PhaseResult> requestedPhases() {
        TreeMap<Phase, PhaseResult> out = new TreeMap<>();
        phases.forEach((p, r) -> {
            if (request == null || request.systems().contains(p)) {
                out.put(p, r);
            }
        });
        if (request != null) {
            for (Phase p : request.notAwaited()) {
                out.putIfAbsent(p, notAwaited(request));
            }
        }
        return out;
    }

    /** SKIPPED, nothing counted, at the request's time: deterministic, so it never makes a new revision by itself. */
    private static PhaseResult notAwaited(RequestSummary request) {
        return new PhaseResult(PhaseStatus.SKIPPED, List.of(), 0, false, 1, request.requestedAt());
    }

    /** Awaited requested phases without a report. */
    public Set<Phase> missingPhases() {
        TreeSet<Phase> missing = new TreeSet<>();
        if (request != null) {
            missing.addAll(request.awaited());
            missing.removeAll(phases.keySet());
        }
        return missing;
    }

    boolean seen(Phase phase, ReportFingerprint fingerprint) {
        for (String stored : seenReports.getOrDefault(phase, List.of())) {
            if (fingerprint.matches(stored)) {
                return true;
            }
        }
        return false;
    }

    public ErasureState withRequest(RequestSummary r) {
        return new ErasureState(r, phases, seenReports, replayBase, revision, outcome, emittedFingerprint, firstSeenAt, finalizedAt, replayedBy, announced, shredDueAt, shreddedAt);
    }

    public ErasureState withSeen(Phase phase, String fingerprint) {
        Map<Phase, List<String>> seen = new TreeMap<>();
        seen.putAll(seenReports);
        List<String> list = new ArrayList<>(seen.getOrDefault(phase, List.of()));
        list.add(fingerprint);
        seen.put(phase, list);
        return new ErasureState(request, phases, seen, replayBase, revision, outcome, emittedFingerprint, firstSeenAt, finalizedAt, replayedBy, announced, shredDueAt, shreddedAt);
    }

    public ErasureState withPhase(Phase phase, PhaseResult result) {
        Map<Phase, PhaseResult> p = new TreeMap<>();
        p.putAll(phases);
        p.put(phase, result);
        return new ErasureState(request, p, seenReports, replayBase, revision, outcome, emittedFingerprint, firstSeenAt, finalizedAt, replayedBy, announced, shredDueAt, shreddedAt);
    }

    /** The open episode's announced counts of a phase (empty when none). */
    public List<TargetResult> announced(Phase phase) {
        return announced.getOrDefault(phase, List.of());
    }

    public ErasureState withAnnounced(Phase phase, List<TargetResult> targets) {
        Map<Phase, List<TargetResult>> a = new TreeMap<>();
        a.putAll(announced);
        if (targets.isEmpty()) {
            a.remove(phase);
        } else {
            a.put(phase, List.copyOf(targets));
        }
        return new ErasureState(request, phases, seenReports, replayBase, revision, outcome, emittedFingerprint, firstSeenAt, finalizedAt, replayedBy, a, shredDueAt, shreddedAt);
    }

    public ErasureState withReplayBase(int base) {
        return new ErasureState(request, phases, seenReports, base, revision, outcome, emittedFingerprint, firstSeenAt, finalizedAt, replayedBy, announced, shredDueAt, shreddedAt);
    }

    public ErasureState withReplayedBy(UUID replay) {
        if (replayedBy.contains(replay)) {
            return this;
        }
        List<UUID> list = new ArrayList<>(replayedBy);
        list.add(replay);
        return new ErasureState(request, phases, seenReports, replayBase, revision, outcome, emittedFingerprint, firstSeenAt, finalizedAt, list, announced, shredDueAt, shreddedAt);
    }

    public ErasureState emitted(int newRevision, Outcome newOutcome, String fingerprint, Instant at) {
        return new ErasureState(request, phases, seenReports, replayBase, newRevision, newOutcome, fingerprint, firstSeenAt, at, replayedBy, announced, shredDueAt, shreddedAt);
    }

    public ErasureState withShredDueAt(Instant due) {
        return new ErasureState(request, phases, seenReports, replayBase, revision, outcome, emittedFingerprint, firstSeenAt, finalizedAt, replayedBy, announced, due, shreddedAt);
    }

    public ErasureState withShreddedAt(Instant at) {
        return new ErasureState(request, phases, seenReports, replayBase, revision, outcome, emittedFingerprint, firstSeenAt, finalizedAt, replayedBy, announced, null, at);
    }
}

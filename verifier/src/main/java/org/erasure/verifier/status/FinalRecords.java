package org.erasure.verifier.status;

import java.util.TreeMap;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.erasure.events.ErasureCompleted;
import org.erasure.events.Mode;
import org.erasure.events.Outcome;
import org.erasure.events.Phase;
import org.erasure.events.PhaseResult;
import org.erasure.events.PhaseStatus;
import org.erasure.events.Totals;

/**
 * What the page shows of {@code erasure.completions}: counts over every record read, the latest
 * records, and the requests whose latest record is TIMED_OUT (kept apart so a burst of completed
 * records never pushes them off the page). Not thread-safe: {@link CompletionsTail} guards it.
 */
final class FinalRecords {

    /**
     * One final record without its subject digest, hashes or target names: ids, outcome, revision
     * and per-store totals; when the request's key was shredded, and why the verifier could not read its
     * identifiers (both null, and left out, on most records).
     */
    record Summary(UUID requestId, String contributorId, Outcome outcome, int revision, Mode mode, UUID replayOf,
                   Instant requestedAt, Instant completedAt, Totals totals, Map<Phase, PhaseSummary> phases,
                   Set<Phase> missingPhases, Set<Phase> failedPhases, Instant shreddedAt, String identifiersUnreadable) {

        static Summary of(ErasureCompleted r) {
            Map<Phase, PhaseSummary> phases = new TreeMap<>();
            r.phases().forEach((p, result) -> phases.put(p, PhaseSummary.of(result)));
            return new Summary(r.requestId(), r.contributorId(), r.outcome(), r.revision(), r.mode(), r.replayOf(),
                    r.requestedAt(), r.completedAt(), r.totals(), phases, r.missingPhases(), r.failedPhases(), r.shreddedAt(),
                    r.identifiersUnreadable());
        }
    }

    /** @param error FAILED only: the sink's error code */
    record PhaseSummary(PhaseStatus status, boolean verified, Totals totals, String error) {
        static PhaseSummary of(PhaseResult r) {
            return new PhaseSummary(r.status(), r.verified(), r.totals(), r.error());
        }
    }

    /** Counts over every record read (every revision), per outcome and per phase. */
    record Counts(long records, Map<Outcome, Long> byOutcome, Map<Phase, Long> failedByPhase, Map<Phase, Long> missingByPhase) {}

    private final int keep;
    private final Map<UUID, Summary> latest = new HashMap<>();
    private final Map<UUID, Summary> timedOut = new HashMap<>();
    private final Map<Outcome, Long> byOutcome = new EnumMap<>(Outcome.class);
    private final Map<Phase, Long> failedByPhase = new TreeMap<>();
    private final Map<Phase, Long> missingByPhase = new TreeMap<>();
    private long records;

    FinalRecords(int keep) {
        this.keep = keep;
    }

    void add(ErasureCompleted record) {
        records++;
        byOutcome.merge(record.outcome(), 1L, Long::sum);
        record.failedPhases().forEach(p -> failedByPhase.merge(p, 1L, Long::sum));
        record.missingPhases().forEach(p -> missingByPhase.merge(p, 1L, Long::sum));
        Summary s = Summary.of(record);
        Summary known = latest.get(s.requestId());
        if (known == null) {
            known = timedOut.get(s.requestId());
        }
        if (known != null && known.revision() > s.revision()) {
            return; // an older revision read after a newer one (another partition's backlog): not the latest
        }
        latest.put(s.requestId(), s);
        evictOldest(latest);
        if (s.outcome() == Outcome.TIMED_OUT) {
            timedOut.put(s.requestId(), s);
            evictOldest(timedOut);
        } else {
            timedOut.remove(s.requestId()); // a late report turned it into another outcome
        }
    }

    /** TIMED_OUT first (latest first), then the other latest records, latest first; each request once. */
    List<Summary> latestTimedOutFirst() {
        Comparator<Summary> newestFirst = Comparator.comparing(Summary::completedAt).reversed();
        List<Summary> out = new ArrayList<>(timedOut.values());
        out.sort(newestFirst);
        Map<UUID, Summary> rest = new LinkedHashMap<>();
        latest.values().stream().sorted(newestFirst)
                .filter(s -> !timedOut.containsKey(s.requestId()))
                .forEach(s -> rest.put(s.requestId(), s));
        out.addAll(rest.values());
        return out;
    }

    Counts counts() {
        return new Counts(records, Map.copyOf(byOutcome), Map.copyOf(failedByPhase), Map.copyOf(missingByPhase));
    }

    private void evictOldest(Map<UUID, Summary> map) {
        while (map.size() > keep) {
            map.values().stream().min(Comparator.comparing(Summary::completedAt))
                    .ifPresent(oldest -> map.remove(oldest.requestId()));
        }
    }
}

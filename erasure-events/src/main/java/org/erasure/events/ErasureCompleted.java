package org.erasure.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The auditable record of one erasure run, written by the verifier on {@link Topics#completions()},
 * keyed by {@code requestId}. Records on a partition form a hash chain
 * ({@link org.erasure.events.integrity.IntegrityChain}): {@code hash} = SHA-256 over this record's
 * canonical JSON without {@code hash}, concatenated with {@code previousHash}.
 *
 * <p>Invariants (checked on construction): {@code failedPhases} are exactly the phases with status
 * FAILED; {@code missingPhases} did not report; {@code totals} equal the sums over {@code phases};
 * {@code outcome} agrees with the facts (COMPLETED: nothing failed or missing and residual 0;
 * FAILED: a failed phase or residual &gt; 0; TIMED_OUT: a missing phase; DRY_RUN iff mode DRY_RUN).
 *
 * @param subjectDigest  HMAC-SHA256 hex of the normalised identifiers
 *                       ({@link org.erasure.events.integrity.SubjectDigest}): lets an auditor confirm
 *                       "was person X erased?" without the record holding X's identifiers. Absent exactly
 *                       when {@code identifiersUnreadable} is set: the verifier could not read the identifiers
 * @param phases         results of the phases that reported, by phase
 * @param missingPhases  requested phases that never reported (TIMED_OUT)
 * @param failedPhases   phases whose status is FAILED
 * @param revision       1 for the first record of a request lineage, 2, 3... on replays
 * @param shreddedAt     when the request's key was shredded (erasure-keys, docs/privacy.md): set on the revision
 *                       the verifier writes after the shred, and on later ones; null for plain requests, for
 *                       keys not (yet) shredded and in records written before the field existed (null fields are
 *                       omitted from the JSON, so those records hash exactly as before)
 * @param identifiersUnreadable why the verifier could not read the request's sealed identifiers, so that the
 *                       record has no {@code subjectDigest}: {@code KEY_SHREDDED} (the request's key was shredded
 *                       before the verifier read the request, e.g. a replay of a request whose key is gone) or
 *                       {@code KEY_UNREADABLE} (a key that does not open them). The sinks report the same code
 *                       when they cannot read them either, so such a record is normally FAILED with every phase
 *                       failed; null (absent from the JSON and the hash) on every other record
 * @param previousHash   hash of the previous record on the same partition; null for the first
 * @param hash           this record's hash; null until sealed
 */
public record ErasureCompleted(
        int schemaVersion,
        UUID requestId,
        String contributorId,
        String subjectDigest,
        Outcome outcome,
        Mode mode,
        Map<Phase, PhaseResult> phases,
        Set<Phase> missingPhases,
        Set<Phase> failedPhases,
        Totals totals,
        Instant requestedAt,
        Instant completedAt,
        @JsonProperty(required = true) int revision,
        UUID replayOf,
        Instant shreddedAt,
        String identifiersUnreadable,
        String previousHash,
        String hash) {

    /** Without {@code identifiersUnreadable} (a record with a subject digest). */
    public ErasureCompleted(int schemaVersion, UUID requestId, String contributorId, String subjectDigest, Outcome outcome,
            Mode mode, Map<Phase, PhaseResult> phases, Set<Phase> missingPhases, Set<Phase> failedPhases, Totals totals,
            Instant requestedAt, Instant completedAt, int revision, UUID replayOf, Instant shreddedAt, String previousHash, String hash) {
        this(schemaVersion, requestId, contributorId, subjectDigest, outcome, mode, phases, missingPhases, failedPhases, totals,
                requestedAt, completedAt, revision, replayOf, shreddedAt, null, previousHash, hash);
    }

    /** Without {@code shreddedAt} and {@code identifiersUnreadable} (plain requests, keys not shredded). */
    public ErasureCompleted(int schemaVersion, UUID requestId, String contributorId, String subjectDigest, Outcome outcome,
            Mode mode, Map<Phase, PhaseResult> phases, Set<Phase> missingPhases, Set<Phase> failedPhases, Totals totals,
            Instant requestedAt, Instant completedAt, int revision, UUID replayOf, String previousHash, String hash) {
        this(schemaVersion, requestId, contributorId, subjectDigest, outcome, mode, phases, missingPhases, failedPhases, totals,
                requestedAt, completedAt, revision, replayOf, null, null, previousHash, hash);
    }

    public ErasureCompleted {
        Checks.schemaVersion(schemaVersion);
        Checks.required(requestId, "requestId");
        Checks.nonBlank(contributorId, "contributorId");
        if (identifiersUnreadable == null) {
            Checks.hex64(subjectDigest, "subjectDigest");
        } else {
            Checks.code(identifiersUnreadable, "identifiersUnreadable");
            if (subjectDigest != null) {
                // A digest of anything else would claim a subject the verifier could not read.
                throw new InvalidEventException("subjectDigest", "must be absent when identifiersUnreadable is set");
            }
        }
        Checks.required(outcome, "outcome");
        Checks.required(mode, "mode");
        phases = phaseMap(phases);
        missingPhases = Checks.phaseSet(missingPhases, "missingPhases");
        failedPhases = Checks.phaseSet(failedPhases, "failedPhases");
        Checks.required(totals, "totals");
        Checks.required(requestedAt, "requestedAt");
        Checks.required(completedAt, "completedAt");
        Checks.atLeastOne(revision, "revision");
        previousHash = Checks.optionalHex64(previousHash, "previousHash");
        hash = Checks.optionalHex64(hash, "hash");

        Set<Phase> failed = new TreeSet<>();
        Totals sum = Totals.ZERO;
        for (Map.Entry<Phase, PhaseResult> e : phases.entrySet()) {
            if (e.getValue().status() == PhaseStatus.FAILED) {
                failed.add(e.getKey());
            }
            sum = sum.plus(e.getValue().totals());
        }
        if (!failedPhases.equals(failed)) {
            throw new InvalidEventException("failedPhases", "must list exactly the phases with status FAILED");
        }
        for (Phase p : missingPhases) {
            if (phases.containsKey(p)) {
                throw new InvalidEventException("missingPhases", "must not contain a phase that has a result");
            }
        }
        if (!totals.equals(sum)) {
            throw new InvalidEventException("totals", "must equal the sums over phases");
        }
        Outcome expected = Outcome.derive(mode, failedPhases, missingPhases, totals.residual());
        if (outcome != expected) {
            throw new InvalidEventException("outcome", "inconsistent with mode, failedPhases, missingPhases and residual (expected " + expected + ")");
        }
    }

    private static Map<Phase, PhaseResult> phaseMap(Map<Phase, PhaseResult> phases) {
        Checks.required(phases, "phases");
        TreeMap<Phase, PhaseResult> copy = new TreeMap<>();
        for (Map.Entry<Phase, PhaseResult> e : phases.entrySet()) {
            Checks.required(e.getKey(), "phases");
            copy.put(e.getKey(), Checks.required(e.getValue(), "phases." + e.getKey()));
        }
        return Collections.unmodifiableMap(copy);
    }

    /** The Kafka record key: the request id. */
    public String kafkaKey() {
        return requestId.toString();
    }

    /** Copy with the integrity fields replaced (used by {@code IntegrityChain.seal}). */
    public ErasureCompleted withIntegrity(String previousHash, String hash) {
        return new ErasureCompleted(schemaVersion, requestId, contributorId, subjectDigest, outcome, mode, phases,
                missingPhases, failedPhases, totals, requestedAt, completedAt, revision, replayOf, shreddedAt, identifiersUnreadable,
                previousHash, hash);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builder for the verifier. Derives {@code failedPhases} and {@code totals} from the phases and,
     * unless set, {@code outcome} via {@link Outcome#derive}. Integrity fields stay null: seal the
     * record with {@code IntegrityChain.seal}.
     */
    public static final class Builder {
        private UUID requestId;
        private String contributorId;
        private String subjectDigest;
        private Outcome outcome;
        private Mode mode;
        private final Map<Phase, PhaseResult> phases = new TreeMap<>();
        private Set<Phase> missingPhases = Set.of();
        private Instant requestedAt;
        private Instant completedAt;
        private int revision = 1;
        private UUID replayOf;
        private Instant shreddedAt;
        private String identifiersUnreadable;

        private Builder() {}

        /** Copies requestId, contributorId, mode, requestedAt and replayOf from the request. */
        public Builder forRequest(ContributorErasureRequested r) {
            this.requestId = r.requestId();
            this.contributorId = r.contributorId();
            this.mode = r.mode();
            this.requestedAt = r.requestedAt();
            this.replayOf = r.replayOf();
            return this;
        }
        public Builder requestId(UUID requestId) { this.requestId = requestId; return this; }
        public Builder contributorId(String contributorId) { this.contributorId = contributorId; return this; }
        public Builder subjectDigest(String subjectDigest) { this.subjectDigest = subjectDigest; return this; }
        public Builder outcome(Outcome outcome) { this.outcome = outcome; return this; }
        public Builder mode(Mode mode) { this.mode = mode; return this; }
        public Builder phase(Phase phase, PhaseResult result) { this.phases.put(phase, result); return this; }
        public Builder phase(PhaseCompleted completed) { return phase(completed.phase(), PhaseResult.from(completed)); }
        public Builder missingPhases(Set<Phase> missing) { this.missingPhases = Phase.sortedSet(missing); return this; }
        public Builder requestedAt(Instant requestedAt) { this.requestedAt = requestedAt; return this; }
        public Builder completedAt(Instant completedAt) { this.completedAt = completedAt; return this; }
        public Builder revision(int revision) { this.revision = revision; return this; }
        public Builder replayOf(UUID replayOf) { this.replayOf = replayOf; return this; }
        public Builder shreddedAt(Instant shreddedAt) { this.shreddedAt = shreddedAt; return this; }
        /** A code such as {@code KEY_SHREDDED}; the record then has no subject digest. */
        public Builder identifiersUnreadable(String code) { this.identifiersUnreadable = code; return this; }

        /** @throws InvalidEventException naming the first invalid field */
        public ErasureCompleted build() {
            Set<Phase> failed = new TreeSet<>();
            Totals totals = Totals.ZERO;
            for (Map.Entry<Phase, PhaseResult> e : phases.entrySet()) {
                if (e.getValue().status() == PhaseStatus.FAILED) {
                    failed.add(e.getKey());
                }
                totals = totals.plus(e.getValue().totals());
            }
            Outcome o = outcome;
            if (o == null && mode != null) {
                o = Outcome.derive(mode, failed, missingPhases, totals.residual());
            }
            return new ErasureCompleted(SchemaVersion.CURRENT, requestId, contributorId, subjectDigest, o, mode,
                    phases, missingPhases, failed, totals, requestedAt, completedAt, revision, replayOf, shreddedAt, identifiersUnreadable,
                    null, null);
        }
    }
}

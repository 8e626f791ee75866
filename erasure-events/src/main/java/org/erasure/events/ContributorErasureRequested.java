package org.erasure.events;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * "Erase this contributor." Published once by the upstream service on {@link Topics#requests()},
 * keyed by {@link #contributorId()} so all requests for one person stay ordered on one partition.
 *
 * <p>Defaults applied by the constructor (so they also apply when a field is absent on the wire):
 * {@code systems} = the phases this reader knows ({@link Phase#known()}), {@code deadline} = {@code requestedAt} + 30 days (the legal
 * clock). The deadline is not required to be after {@code requestedAt}: a replay of an overdue
 * request keeps the original deadline, because the legal clock does not restart.
 *
 * @param schemaVersion event schema version, {@link SchemaVersion#CURRENT}
 * @param requestId     unique id of this request (and of the whole erasure run)
 * @param contributorId the person's id; Kafka key. Stripped; at most 200 characters, no control
 *                      characters, not an email address (it is copied into every report)
 * @param identifiers   the person's ids as known to the stores; null when the request carries
 *                      {@code sealedIdentifiers} instead (exactly one of the two is set)
 * @param requestedAt   when the request was made
 * @param requestedBy   service or user that asked
 * @param reason        why
 * @param mode          {@link Mode#EXECUTE} erases, {@link Mode#DRY_RUN} only counts
 * @param systems       phases to run: open names, a sink acts when its own is listed; default {@link Phase#known()}
 * @param deadline      legal deadline; default requestedAt + 30 days
 * @param replayOf      requestId of an earlier run this one repeats, or null
 * @param sealedIdentifiers the identifiers encrypted with the request's data key (module erasure-keys),
 *                      or null for a plain request; a reader opens them with the key store
 */
public record ContributorErasureRequested(
        int schemaVersion,
        UUID requestId,
        String contributorId,
        Identifiers identifiers,
        Instant requestedAt,
        String requestedBy,
        ErasureReason reason,
        Mode mode,
        Set<Phase> systems,
        Instant deadline,
        UUID replayOf,
        SealedIdentifiers sealedIdentifiers) {

    /** GDPR Art. 12(3): "without undue delay and in any event within one month". */
    public static final Duration DEFAULT_DEADLINE = Duration.ofDays(30);

    public ContributorErasureRequested {
        Checks.schemaVersion(schemaVersion);
        Checks.required(requestId, "requestId");
        contributorId = Checks.contributorId(contributorId);
        if (identifiers == null && sealedIdentifiers == null) {
            throw new InvalidEventException("identifiers", "missing (set identifiers or sealedIdentifiers)");
        }
        if (identifiers != null && sealedIdentifiers != null) {
            // Both would leave the plain copy the sealing exists to avoid, and two sources of truth.
            throw new InvalidEventException("sealedIdentifiers", "must not be set together with identifiers");
        }
        Checks.required(requestedAt, "requestedAt");
        Checks.nonBlank(requestedBy, "requestedBy");
        Checks.required(reason, "reason");
        Checks.required(mode, "mode");
        if (systems == null) {
            systems = Phase.known();
        } else {
            systems = Checks.phaseSet(systems, "systems");
            if (systems.isEmpty()) {
                // An explicit empty set is a producer bug, not "everything": reject it loudly.
                throw new InvalidEventException("systems", "must not be empty (omit it for all phases)");
            }
        }
        if (deadline == null) {
            deadline = requestedAt.plus(DEFAULT_DEADLINE);
        }
        if (requestId.equals(replayOf)) {
            throw new InvalidEventException("replayOf", "must differ from requestId");
        }
        if (mode == Mode.RESTORE && replayOf == null) {
            throw new InvalidEventException("replayOf", "required when mode is RESTORE (the request whose erasure to undo)");
        }
    }

    /** A plain request, as every producer wrote it before sealed identifiers existed. */
    public ContributorErasureRequested(int schemaVersion, UUID requestId, String contributorId, Identifiers identifiers,
            Instant requestedAt, String requestedBy, ErasureReason reason, Mode mode, Set<Phase> systems,
            Instant deadline, UUID replayOf) {
        this(schemaVersion, requestId, contributorId, identifiers, requestedAt, requestedBy, reason, mode, systems,
                deadline, replayOf, null);
    }

    /** True when the identifiers travel encrypted ({@link #sealedIdentifiers()}), false for plain identifiers. */
    public boolean hasSealedIdentifiers() {
        return sealedIdentifiers != null;
    }

    /** The same request with its identifiers replaced by their sealed form (what a sealing producer sends). */
    public ContributorErasureRequested withSealedIdentifiers(SealedIdentifiers sealed) {
        Checks.required(sealed, "sealedIdentifiers");
        return new ContributorErasureRequested(schemaVersion, requestId, contributorId, null, requestedAt, requestedBy,
                reason, mode, systems, deadline, replayOf, sealed);
    }

    /** The same request with plain identifiers (what a reader builds after opening sealed ones). */
    public ContributorErasureRequested withIdentifiers(Identifiers plain) {
        Checks.required(plain, "identifiers");
        return new ContributorErasureRequested(schemaVersion, requestId, contributorId, plain, requestedAt, requestedBy,
                reason, mode, systems, deadline, replayOf, null);
    }

    /** The Kafka record key: the contributor id. */
    public String kafkaKey() {
        return contributorId;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder()
                .requestId(requestId)
                .contributorId(contributorId)
                .identifiers(identifiers)
                .requestedAt(requestedAt)
                .requestedBy(requestedBy)
                .reason(reason)
                .mode(mode)
                .systems(systems)
                .deadline(deadline)
                .replayOf(replayOf)
                .sealedIdentifiers(sealedIdentifiers);
    }

    /**
     * Builder applying defaults: random {@code requestId}, {@code requestedAt} = now (millisecond
     * precision), {@code systems} = all, {@code deadline} = requestedAt + 30 days. {@code mode} and
     * {@code reason} have no default: an erasure must be asked for explicitly.
     */
    public static final class Builder {
        private UUID requestId;
        private String contributorId;
        private Identifiers identifiers = Identifiers.none();
        private Instant requestedAt;
        private String requestedBy;
        private ErasureReason reason;
        private Mode mode;
        private Set<Phase> systems;
        private Instant deadline;
        private UUID replayOf;
        private SealedIdentifiers sealedIdentifiers;

        private Builder() {}

        public Builder requestId(UUID requestId) { this.requestId = requestId; return this; }
        public Builder contributorId(String contributorId) { this.contributorId = contributorId; return this; }
        /** Plain identifiers: replaces sealed ones set before. */
        public Builder identifiers(Identifiers identifiers) {
            this.identifiers = identifiers;
            if (identifiers != null) {
                this.sealedIdentifiers = null;
            }
            return this;
        }
        public Builder identifiers(List<String> emails, List<String> workerIds) {
            return identifiers(new Identifiers(emails, workerIds));
        }
        public Builder requestedAt(Instant requestedAt) { this.requestedAt = requestedAt; return this; }
        public Builder requestedBy(String requestedBy) { this.requestedBy = requestedBy; return this; }
        public Builder reason(ErasureReason reason) { this.reason = reason; return this; }
        public Builder mode(Mode mode) { this.mode = mode; return this; }
        public Builder systems(Set<Phase> systems) { this.systems = systems; return this; }
        public Builder systems(Phase first, Phase... rest) { java.util.List<Phase> all = new java.util.ArrayList<>(java.util.List.of(rest)); all.add(first); this.systems = Phase.sortedSet(all); return this; }
        public Builder deadline(Instant deadline) { this.deadline = deadline; return this; }
        public Builder replayOf(UUID replayOf) { this.replayOf = replayOf; return this; }
        /** Sealed identifiers instead of plain ones: replaces plain ones set before (when non-null). */
        public Builder sealedIdentifiers(SealedIdentifiers sealed) {
            this.sealedIdentifiers = sealed;
            if (sealed != null) {
                this.identifiers = null;
            }
            return this;
        }

        /** @throws InvalidEventException naming the first invalid field */
        public ContributorErasureRequested build() {
            return new ContributorErasureRequested(
                    SchemaVersion.CURRENT,
                    requestId != null ? requestId : UUID.randomUUID(),
                    contributorId,
                    identifiers,
                    requestedAt != null ? requestedAt : Instant.now().truncatedTo(ChronoUnit.MILLIS),
                    requestedBy,
                    reason,
                    mode,
                    systems,
                    deadline,
                    replayOf,
                    sealedIdentifiers);
        }
    }
}

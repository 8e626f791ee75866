package org.erasure.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One sink's report for one request, on {@link Topics#phaseCompletions()}, keyed by
 * {@code requestId} so the verifier sees all phases of a request on one partition. A retry publishes
 * a new event with a higher {@code attempt}.
 *
 * <p>Invariants (checked on construction, hence also on read): {@code verification.totalResidual}
 * equals the sum of the targets' residual; a DRY_RUN phase deleted and masked nothing; a non-dry-run
 * phase has no would-counts; {@code error} is present exactly when the status is FAILED;
 * {@code completedAt} is not before {@code startedAt}; a STARTED (write-ahead) report is unverified
 * with residual 0.
 *
 * @param sink  the sink that did the work (name + version)
 * @param error null unless status is FAILED
 */
public record PhaseCompleted(
        int schemaVersion,
        UUID requestId,
        String contributorId,
        Phase phase,
        PhaseStatus status,
        List<TargetResult> targets,
        Verification verification,
        Instant startedAt,
        Instant completedAt,
        @JsonProperty(required = true) int attempt,
        SinkInfo sink,
        PhaseError error) {

    public PhaseCompleted {
        Checks.schemaVersion(schemaVersion);
        Checks.required(requestId, "requestId");
        Checks.nonBlank(contributorId, "contributorId");
        Checks.required(phase, "phase");
        Checks.required(status, "status");
        targets = Checks.list(targets, "targets");
        Checks.required(verification, "verification");
        Checks.required(startedAt, "startedAt");
        Checks.required(completedAt, "completedAt");
        Checks.atLeastOne(attempt, "attempt");
        Checks.required(sink, "sink");

        if (completedAt.isBefore(startedAt)) {
            throw new InvalidEventException("completedAt", "must not be before startedAt");
        }
        if (verification.totalResidual() != Totals.of(targets).residual()) {
            throw new InvalidEventException("verification.totalResidual", "must equal the sum of targets[].residual");
        }
        for (int i = 0; i < targets.size(); i++) {
            TargetResult t = targets.get(i);
            if (t.restored() != 0 && status != PhaseStatus.RESTORED) {
                throw new InvalidEventException("targets[" + i + "].restored", "must be 0 unless status is RESTORED");
            }
            if (status == PhaseStatus.RESTORED && (t.deleted() != 0 || t.masked() != 0 || t.residual() != 0)) {
                throw new InvalidEventException("targets[" + i + "]", "a RESTORED phase deletes, masks and verifies nothing (restored only)");
            }
            if (status == PhaseStatus.DRY_RUN) {
                // The safety property auditors care about most: a dry run changed nothing.
                if (t.deleted() != 0) throw new InvalidEventException("targets[" + i + "].deleted", "must be 0 when status is DRY_RUN");
                if (t.masked() != 0) throw new InvalidEventException("targets[" + i + "].masked", "must be 0 when status is DRY_RUN");
            } else {
                if (t.wouldDelete() != 0) throw new InvalidEventException("targets[" + i + "].wouldDelete", "must be 0 unless status is DRY_RUN");
                if (t.wouldMask() != 0) throw new InvalidEventException("targets[" + i + "].wouldMask", "must be 0 unless status is DRY_RUN");
            }
        }
        if (status == PhaseStatus.STARTED && (verification.verified() || verification.totalResidual() != 0)) {
            throw new InvalidEventException("verification", "must be unverified with residual 0 when status is STARTED");
        }
        if (status == PhaseStatus.FAILED && error == null) {
            throw new InvalidEventException("error", "missing (required when status is FAILED)");
        }
        if (status != PhaseStatus.FAILED && error != null) {
            throw new InvalidEventException("error", "must be absent unless status is FAILED");
        }
    }

    /** The Kafka record key: the request id. */
    public String kafkaKey() {
        return requestId.toString();
    }

    /** Sums over {@link #targets()}. */
    public Totals totals() {
        return Totals.of(targets);
    }

    public long totalDeleted() {
        return totals().deleted();
    }

    public long totalMasked() {
        return totals().masked();
    }

    public long totalResidual() {
        return totals().residual();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builder with defaults: {@code attempt} 1, {@code targets} empty, and {@code verification}
     * derived from the targets when not set ({@link Verification#checked} for SUCCEEDED,
     * otherwise {@link Verification#notChecked}).
     */
    public static final class Builder {
        private UUID requestId;
        private String contributorId;
        private Phase phase;
        private PhaseStatus status;
        private List<TargetResult> targets = List.of();
        private Verification verification;
        private Instant startedAt;
        private Instant completedAt;
        private int attempt = 1;
        private SinkInfo sink;
        private PhaseError error;

        private Builder() {}

        /** Copies requestId and contributorId from the request being answered. */
        public Builder forRequest(ContributorErasureRequested request) {
            this.requestId = request.requestId();
            this.contributorId = request.contributorId();
            return this;
        }
        public Builder requestId(UUID requestId) { this.requestId = requestId; return this; }
        public Builder contributorId(String contributorId) { this.contributorId = contributorId; return this; }
        public Builder phase(Phase phase) { this.phase = phase; return this; }
        public Builder status(PhaseStatus status) { this.status = status; return this; }
        public Builder targets(List<TargetResult> targets) { this.targets = targets; return this; }
        public Builder targets(TargetResult... targets) { this.targets = List.of(targets); return this; }
        public Builder verification(Verification verification) { this.verification = verification; return this; }
        public Builder startedAt(Instant startedAt) { this.startedAt = startedAt; return this; }
        public Builder completedAt(Instant completedAt) { this.completedAt = completedAt; return this; }
        public Builder attempt(int attempt) { this.attempt = attempt; return this; }
        public Builder sink(SinkInfo sink) { this.sink = sink; return this; }
        public Builder sink(String name, String version) { this.sink = new SinkInfo(name, version); return this; }
        public Builder error(PhaseError error) { this.error = error; return this; }
        public Builder error(String code, String message) { this.error = new PhaseError(code, message); return this; }

        /** @throws InvalidEventException naming the first invalid field */
        public PhaseCompleted build() {
            Verification v = verification;
            if (v == null && targets != null && targets.stream().noneMatch(java.util.Objects::isNull)) {
                v = status == PhaseStatus.SUCCEEDED ? Verification.checked(targets) : Verification.notChecked(targets);
            }
            return new PhaseCompleted(SchemaVersion.CURRENT, requestId, contributorId, phase, status, targets, v,
                    startedAt, completedAt, attempt, sink, error);
        }
    }
}

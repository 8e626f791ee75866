package org.erasure.events;

import java.util.Set;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Fixed sample events for the tests. */
public final class Samples {
    /** The phases of the sample record: the first five, so the pinned hash (IntegrityChainTest) stays what it was sealed as. */
    public static final java.util.List<Phase> FIRST_FIVE = java.util.List.of(Phase.POSTGRES, Phase.ELASTICSEARCH, Phase.CLICKHOUSE, Phase.S3, Phase.REDIS);

    public static final UUID REQUEST_ID = UUID.fromString("6f1c2b9e-4a51-4c1e-9d2a-0b7f3e8a1c55");
    public static final UUID EARLIER_REQUEST_ID = UUID.fromString("0e2d7c4b-1f3a-4b6e-8c9d-2a1b3c4d5e6f");
    public static final String CONTRIBUTOR = "c-1042";
    public static final String EMAIL = "Alice.Example@Example.COM";
    public static final Instant REQUESTED_AT = Instant.parse("2026-03-01T10:15:30.123Z");
    public static final String DIGEST = "a".repeat(64);

    /** Not a real ciphertext (this library cannot seal): only its shape matters here. */
    public static final SealedIdentifiers SEALED = SealedIdentifiers.of("dk-7e1f", new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});

    private Samples() {}

    /** {@link #request()} carrying sealed identifiers instead of plain ones. */
    public static ContributorErasureRequested sealedRequest() {
        return request().withSealedIdentifiers(SEALED);
    }

    public static ContributorErasureRequested request() {
        return ContributorErasureRequested.builder()
                .requestId(REQUEST_ID)
                .contributorId(CONTRIBUTOR)
                .identifiers(List.of(EMAIL, "alice@old-domain.org"), List.of("w-77", "w-78"))
                .requestedAt(REQUESTED_AT)
                .requestedBy("account-service")
                .reason(ErasureReason.ACCOUNT_CLOSED)
                .mode(Mode.EXECUTE)
                .build();
    }

    public static PhaseCompleted postgresSucceeded() {
        return PhaseCompleted.builder()
                .requestId(REQUEST_ID)
                .contributorId(CONTRIBUTOR)
                .phase(Phase.POSTGRES)
                .status(PhaseStatus.SUCCEEDED)
                .targets(TargetResult.erased("public.contributors", 1, 0, 0),
                        TargetResult.erased("public.comments", 12, 3, 0),
                        TargetResult.erased("public.audit_log", 0, 0, 0).withNote("upstream Kafka topic still holds data"))
                .startedAt(REQUESTED_AT.plusSeconds(2))
                .completedAt(REQUESTED_AT.plusSeconds(3))
                .attempt(1)
                .sink("sink-postgres", "0.1.0")
                .build();
    }

    public static PhaseCompleted phase(Phase phase, PhaseStatus status, int seconds) {
        PhaseCompleted.Builder b = PhaseCompleted.builder()
                .requestId(REQUEST_ID)
                .contributorId(CONTRIBUTOR)
                .phase(phase)
                .status(status)
                .startedAt(REQUESTED_AT.plusSeconds(seconds))
                .completedAt(REQUESTED_AT.plusSeconds(seconds + 1))
                .sink("sink-" + phase.name().toLowerCase(), "0.1.0");
        switch (status) {
            case SUCCEEDED -> b.targets(TargetResult.erased(phase.name().toLowerCase() + "-target", seconds, 1, 0));
            case DRY_RUN -> b.targets(TargetResult.dryRun(phase.name().toLowerCase() + "-target", seconds, 1));
            case FAILED -> b.targets(TargetResult.erased(phase.name().toLowerCase() + "-target", 0, 0, 2))
                    .error("TIMEOUT", "store did not answer within 30s").attempt(3);
            case SKIPPED -> { }
            case STARTED -> b.targets(TargetResult.erased(phase.name().toLowerCase() + "-target", seconds, 1, 0))
                    .verification(Verification.notChecked(List.of()));
        }
        return b.build();
    }

    public static ErasureCompleted completed(int revision) {
        ErasureCompleted.Builder b = ErasureCompleted.builder()
                .forRequest(request())
                .subjectDigest(DIGEST)
                .completedAt(REQUESTED_AT.plusSeconds(60 + revision))
                .revision(revision);
        int s = 1;
        for (Phase p : FIRST_FIVE) {
            b.phase(phase(p, PhaseStatus.SUCCEEDED, s++));
        }
        return b.build();
    }

    public static ErasureCompleted timedOut() {
        return ErasureCompleted.builder()
                .forRequest(request())
                .subjectDigest(DIGEST)
                .completedAt(REQUESTED_AT.plusSeconds(3600))
                .phase(postgresSucceeded())
                .phase(phase(Phase.REDIS, PhaseStatus.SUCCEEDED, 5))
                .missingPhases(Set.of(Phase.S3, Phase.CLICKHOUSE, Phase.ELASTICSEARCH))
                .build();
    }
}

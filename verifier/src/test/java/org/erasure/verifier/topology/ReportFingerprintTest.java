package org.erasure.verifier.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.erasure.verifier.Events.report;

import java.time.Instant;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.Phase;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.PhaseStatus;
import org.erasure.events.serde.EventJson;
import org.erasure.verifier.Events;
import org.junit.jupiter.api.Test;

class ReportFingerprintTest {
    final ContributorErasureRequested request = Events.request("c-1", Instant.parse("2026-03-01T10:00:00Z")).build();
    final PhaseCompleted first = report(request, Phase.POSTGRES, PhaseStatus.SUCCEEDED, 1);
    final PhaseCompleted rerun = report(request, Phase.POSTGRES, PhaseStatus.SUCCEEDED, 2);

    @Test
    void anIdenticalReportMatchesItsCompactFingerprintAndADifferentOneDoesNot() {
        String stored = ReportFingerprint.of(first).compact();

        assertThat(stored).hasSize(22);
        assertThat(ReportFingerprint.of(EventJson.read(EventJson.write(first), PhaseCompleted.class)).matches(stored)).isTrue();
        assertThat(ReportFingerprint.of(rerun).matches(stored)).isFalse();
    }

    @Test
    void aFullHexFingerprintFromAnOlderStateStillMatches() {
        // The format states held before: SHA-256 of the report's JSON, 64 hex digits.
        String legacy = ErasureProcessor.fingerprint(EventJson.writeString(first));

        assertThat(ReportFingerprint.of(first).matches(legacy)).isTrue();
        assertThat(ReportFingerprint.of(rerun).matches(legacy)).isFalse();
    }

    @Test
    void aStateWithLegacyFingerprintsStillRecognisesARedelivery() {
        ErasureState state = ErasureState.empty(Instant.EPOCH)
                .withSeen(Phase.POSTGRES, ErasureProcessor.fingerprint(EventJson.writeString(first)));

        assertThat(state.seen(Phase.POSTGRES, ReportFingerprint.of(first))).isTrue();
        assertThat(state.seen(Phase.POSTGRES, ReportFingerprint.of(rerun))).isFalse();
        assertThat(state.seen(Phase.REDIS, ReportFingerprint.of(first))).isFalse();
    }
}

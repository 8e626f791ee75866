package org.erasure.client.coordination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The decisions every replica derives from the claims topic, record by record. */
class ClaimStateTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final ClaimRecord.StoredResponse OK = new ClaimRecord.StoredResponse(202, "application/json", "{\"published\":1}");

    private final ClaimState state = new ClaimState(Duration.ofHours(24), Duration.ofSeconds(60), 3);
    private long offset;

    private UUID claimKey(String key, String fingerprint, Instant at) {
        UUID id = UUID.randomUUID();
        state.apply(offset++, at, new ClaimRecord.Claim(id, key, fingerprint, Set.of(), "r"));
        return id;
    }

    private UUID claimSubjects(Instant at, String... subjects) {
        UUID id = UUID.randomUUID();
        state.apply(offset++, at, new ClaimRecord.Claim(id, null, null, Set.of(subjects), "r"));
        return id;
    }

    private void done(UUID id, String key, ClaimRecord.StoredResponse response, Instant at) {
        state.apply(offset++, at, new ClaimRecord.Done(id, key, response));
    }

    @Test
    void theFirstClaimOfAKeyWinsAndALaterOneChangesNothing() {
        UUID first = claimKey("k", "fp", T0);
        UUID second = claimKey("k", "fp", T0.plusMillis(1));
        assertThat(state.key("k").winner()).isEqualTo(first);
        done(second, "k", new ClaimRecord.StoredResponse(202, "application/json", "{\"from\":\"loser\"}"), T0.plusMillis(2));
        assertThat(state.key("k").response()).isNull();
        done(first, "k", OK, T0.plusMillis(3));
        assertThat(state.key("k").winner()).isEqualTo(first);
        assertThat(state.key("k").response()).isEqualTo(OK);
        claimKey("k", "fp", T0.plusSeconds(5));
        assertThat(state.key("k").winner()).isEqualTo(first);
    }

    @Test
    void aWinnerThatGivesUpFreesTheKeyForTheNextClaim() {
        UUID first = claimKey("k", "fp", T0);
        done(first, "k", null, T0.plusSeconds(1));
        assertThat(state.key("k")).isNull();
        UUID next = claimKey("k", "fp", T0.plusSeconds(2));
        assertThat(state.key("k").winner()).isEqualTo(next);
    }

    @Test
    void aWinnerSilentPastItsLeaseIsOvertakenButAnAnswerIsKeptForTheTtl() {
        UUID crashed = claimKey("k", "fp", T0);
        claimKey("k", "fp", T0.plusSeconds(59));
        assertThat(state.key("k").winner()).isEqualTo(crashed);
        UUID next = claimKey("k", "fp", T0.plusSeconds(60));
        assertThat(state.key("k").winner()).isEqualTo(next);
        done(crashed, "k", OK, T0.plusSeconds(61));
        assertThat(state.key("k").response()).as("the overtaken call's late answer is not the key's").isNull();

        done(next, "k", OK, T0.plusSeconds(62));
        claimKey("k", "fp", T0.plus(Duration.ofHours(23)));
        assertThat(state.key("k").winner()).isEqualTo(next);
        assertThat(state.liveKey("k", T0.plus(Duration.ofHours(23)))).isNotNull();
        assertThat(state.liveKey("k", T0.plus(Duration.ofHours(25)))).isNull();
        UUID fresh = claimKey("k", "other", T0.plus(Duration.ofHours(25)));
        assertThat(state.key("k").winner()).isEqualTo(fresh);
        assertThat(state.key("k").fingerprint()).isEqualTo("other");
    }

    @Test
    void theOldestKeysAreDroppedBeyondTheLimit() {
        claimKey("a", "fp", T0);
        claimKey("b", "fp", T0);
        claimKey("c", "fp", T0);
        claimKey("d", "fp", T0);
        assertThat(state.key("a")).isNull();
        assertThat(state.keyCount()).isEqualTo(3);
    }

    @Test
    void aCallWaitsForEveryEarlierCallOnOneOfItsSubjectsUntilDoneOrExpired() {
        UUID a = claimSubjects(T0, "1/EXECUTE", "2/EXECUTE");
        UUID b = claimSubjects(T0.plusMillis(1), "2/EXECUTE", "3/EXECUTE");
        UUID c = claimSubjects(T0.plusMillis(2), "4/EXECUTE");
        UUID d = claimSubjects(T0.plusMillis(3), "2/DRY_RUN");
        Instant now = T0.plusSeconds(1);
        assertThat(state.heldBefore(state.call(a), now)).isEmpty();
        assertThat(state.heldBefore(state.call(b), now)).extracting(ClaimState.Call::callId).containsExactly(a);
        assertThat(state.heldBefore(state.call(c), now)).isEmpty();
        assertThat(state.heldBefore(state.call(d), now)).as("another mode is another subject").isEmpty();
        // The later call does not hold up the earlier one.
        assertThat(state.heldBefore(state.call(a), now)).isEmpty();

        done(a, null, null, T0.plusSeconds(2));
        assertThat(state.call(a)).isNull();
        assertThat(state.heldBefore(state.call(b), now)).isEmpty();

        UUID e = claimSubjects(T0.plusSeconds(3), "3/EXECUTE");
        assertThat(state.heldBefore(state.call(e), T0.plusSeconds(4))).extracting(ClaimState.Call::callId).containsExactly(b);
        assertThat(state.heldBefore(state.call(e), T0.plusSeconds(61))).as("b crashed: its lease is over").isEmpty();
    }

    @Test
    void callsPastTheirLeaseAreForgottenAtTheNextSweep() {
        UUID a = claimSubjects(T0, "1/EXECUTE");
        claimSubjects(T0.plusSeconds(120), "9/EXECUTE");
        assertThat(state.call(a)).isNull();
        assertThat(state.callCount()).isEqualTo(1);
    }

    @Test
    void recordsRoundTripThroughTheirJsonWithoutRequestContent() {
        ClaimRecord.Claim claim = new ClaimRecord.Claim(UUID.randomUUID(), "ab".repeat(32), "cd".repeat(32),
                Set.of("1000123/EXECUTE", "1000124/DRY_RUN"), "erasure-ingest-1");
        ClaimRecord.Done done = new ClaimRecord.Done(claim.callId(), "ab".repeat(32), OK);
        ClaimRecord.Done gaveUp = new ClaimRecord.Done(claim.callId(), null, null);
        assertThat(ClaimCodec.fromJson(ClaimCodec.toJson(claim))).isEqualTo(claim);
        assertThat(ClaimCodec.fromJson(ClaimCodec.toJson(done))).isEqualTo(done);
        assertThat(ClaimCodec.fromJson(ClaimCodec.toJson(gaveUp))).isEqualTo(gaveUp);
        assertThat(ClaimCodec.toJson(claim)).contains("\"type\":\"CLAIM\"", "\"subjects\":[\"1000123/EXECUTE\",\"1000124/DRY_RUN\"]");
        assertThatThrownBy(() -> ClaimCodec.fromJson("{\"type\":\"OTHER\",\"callId\":\"" + UUID.randomUUID() + "\"}"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ClaimCodec.fromJson("not json")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aTopicThatCompactsOrForgetsBeforeTheTtlIsRefused() {
        Duration ttl = Duration.ofHours(24);
        ClaimsTopic.check("t", "delete", "86400000", ttl);
        ClaimsTopic.check("t", "delete", "-1", ttl);
        assertThatThrownBy(() -> ClaimsTopic.check("t", "compact", "-1", ttl))
                .hasMessageContaining("cleanup.policy=compact").hasMessageContaining("topic t");
        assertThatThrownBy(() -> ClaimsTopic.check("t", "delete,compact", "86400000", ttl)).hasMessageContaining("cleanup.policy");
        assertThatThrownBy(() -> ClaimsTopic.check("t", "delete", "3600000", ttl))
                .hasMessageContaining("retention.ms=3600000").hasMessageContaining("ingest.idempotency.ttl");
    }
}

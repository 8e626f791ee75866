package org.erasure.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.erasure.events.serde.EventJson;
import org.junit.jupiter.api.Test;

class ContributorErasureRequestedTest {

    @Test
    void defaultsSystemsToAllFiveAndDeadlineToThirtyDays() {
        ContributorErasureRequested r = Samples.request();
        assertThat(r.systems()).containsExactly(Phase.POSTGRES, Phase.ELASTICSEARCH, Phase.CLICKHOUSE, Phase.S3, Phase.REDIS, Phase.KAFKA);
        assertThat(r.deadline()).isEqualTo(Instant.parse("2026-03-31T10:15:30.123Z"));
        assertThat(Duration.between(r.requestedAt(), r.deadline())).isEqualTo(Duration.ofDays(30));
        assertThat(r.schemaVersion()).isEqualTo(SchemaVersion.CURRENT);
        assertThat(r.replayOf()).isNull();
    }

    @Test
    void defaultsAlsoApplyWhenFieldsAreAbsentOnTheWire() {
        String json = "{\"schemaVersion\":1,\"requestId\":\"" + Samples.REQUEST_ID + "\",\"contributorId\":\"c-1\","
                + "\"identifiers\":{\"emails\":[],\"workerIds\":[\"w-1\"]},\"requestedAt\":\"2026-01-01T00:00:00Z\","
                + "\"requestedBy\":\"ops\",\"reason\":\"USER_REQUEST\",\"mode\":\"EXECUTE\"}";
        ContributorErasureRequested r = EventJson.read(json.getBytes(StandardCharsets.UTF_8), ContributorErasureRequested.class);
        assertThat(r.systems()).isEqualTo(Phase.all());
        assertThat(r.deadline()).isEqualTo(Instant.parse("2026-01-31T00:00:00Z"));
    }

    @Test
    void builderDefaultsRequestIdAndRequestedAt() {
        ContributorErasureRequested r = ContributorErasureRequested.builder()
                .contributorId("c-9").requestedBy("ops").reason(ErasureReason.USER_REQUEST).mode(Mode.EXECUTE).build();
        assertThat(r.requestId()).isNotNull();
        assertThat(r.requestedAt()).isBetween(Instant.now().minusSeconds(60), Instant.now().plusSeconds(1));
        assertThat(r.identifiers().emails()).isEmpty();
        assertThat(r.kafkaKey()).isEqualTo("c-9");
    }

    @Test
    void explicitValuesAreKept() {
        Instant deadline = Samples.REQUESTED_AT.plus(Duration.ofDays(7));
        ContributorErasureRequested r = Samples.request().toBuilder()
                .systems(Set.of(Phase.S3)).deadline(deadline).replayOf(Samples.EARLIER_REQUEST_ID).build();
        assertThat(r.systems()).containsExactly(Phase.S3);
        assertThat(r.deadline()).isEqualTo(deadline);
        assertThat(r.replayOf()).isEqualTo(Samples.EARLIER_REQUEST_ID);
    }

    @Test
    void systemsAreImmutableAndOrdered() {
        ContributorErasureRequested r = Samples.request().toBuilder().systems(Set.of(Phase.REDIS, Phase.POSTGRES)).build();
        assertThat(r.systems()).containsExactly(Phase.POSTGRES, Phase.REDIS);
        assertThatThrownBy(() -> r.systems().add(Phase.S3)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> r.identifiers().emails().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void validationNamesTheField() {
        ContributorErasureRequested.Builder ok = Samples.request().toBuilder();
        assertInvalid(() -> ok.contributorId(null).build(), "contributorId", "missing");
        assertInvalid(() -> Samples.request().toBuilder().contributorId(" ").build(), "contributorId", "must not be blank");
        assertInvalid(() -> Samples.request().toBuilder().requestedBy("").build(), "requestedBy", "must not be blank");
        assertInvalid(() -> Samples.request().toBuilder().mode(null).build(), "mode", "missing");
        assertInvalid(() -> Samples.request().toBuilder().reason(null).build(), "reason", "missing");
        assertInvalid(() -> Samples.request().toBuilder().identifiers(null).build(), "identifiers", "missing");
        assertInvalid(() -> Samples.request().toBuilder().systems(Set.of()).build(), "systems", "must not be empty");
        assertInvalid(() -> Samples.request().toBuilder().replayOf(Samples.REQUEST_ID).build(), "replayOf", "must differ");
        assertInvalid(() -> Identifiers.of(List.of("ok@example.com", "nope"), List.of()), "emails[1]", "not an email address");
        assertInvalid(() -> Identifiers.of(List.of(), List.of("w-1", " ")), "workerIds[1]", "must not be blank");
        assertThatThrownBy(() -> new ContributorErasureRequested(2, Samples.REQUEST_ID, "c", Identifiers.none(),
                Samples.REQUESTED_AT, "ops", ErasureReason.OTHER, Mode.EXECUTE, null, null, null))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("schemaVersion 2 is not supported (supported: 1)");
    }

    @Test
    void identifiersAreNormalisedOnceInTheContract() {
        // Emails: stripped and lower-cased (as the subject digest does); worker ids: stripped, case kept.
        Identifiers ids = Identifiers.of(List.of("  Bob@Example.com ", "bob@example.COM", "\tALICE@x.org"), List.of(" W-1", "W-1 "));
        assertThat(ids.emails()).containsExactly("bob@example.com", "alice@x.org");
        assertThat(ids.workerIds()).containsExactly("W-1");
        assertThat(new Identifiers(null, null)).isEqualTo(Identifiers.none());
    }

    @Test
    void aRequestReadFromTheWireIsNormalisedToo() {
        String json = EventJson.writeString(Samples.request()).replace("\"alice@old-domain.org\"", "\" Alice@Old-Domain.ORG \"");
        assertThat(json).contains("Alice@Old-Domain.ORG");
        assertThat(EventJson.read(json.getBytes(java.nio.charset.StandardCharsets.UTF_8), ContributorErasureRequested.class)
                .identifiers().emails()).contains("alice@old-domain.org", "alice.example@example.com");
    }

    @Test
    void toStringNeverPrintsRawEmails() {
        ContributorErasureRequested r = Samples.request();
        assertThat(r.identifiers().toString()).isEqualTo("Identifiers[emails=2 redacted, workerIds=[w-77, w-78]]");
        assertThat(r.toString())
                .contains("emails=2 redacted")
                .doesNotContainIgnoringCase("alice")
                .doesNotContain("@");
    }

    @Test
    void validationMessagesNeverContainTheValue() {
        assertThatThrownBy(() -> Identifiers.of(List.of("alice.secret@example .com"), List.of()))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("field 'emails[0]': not an email address")
                .hasMessageNotContaining("alice");
    }

    @Test
    void unknownReasonFromTheWireBecomesOther() {
        String json = EventJson.writeString(Samples.request()).replace("\"ACCOUNT_CLOSED\"", "\"COURT_ORDER\"");
        ContributorErasureRequested r = EventJson.read(json.getBytes(StandardCharsets.UTF_8), ContributorErasureRequested.class);
        assertThat(r.reason()).isEqualTo(ErasureReason.OTHER);
    }

    @Test
    void hostileContributorIdsAndIdentifiersAreRefusedOrNormalised() {
        ContributorErasureRequested.Builder b = Samples.request().toBuilder();
        assertThat(b.contributorId(" \tc-1042 ").build().contributorId()).isEqualTo("c-1042");
        assertThat(b.contributorId("7".repeat(200)).build().contributorId()).hasSize(200);
        assertInvalid(() -> b.contributorId("7".repeat(201)).build(), "contributorId", "longer than 200 characters");
        assertInvalid(() -> b.contributorId("c-1042\u0000").build(), "contributorId", "contains a control character");
        assertInvalid(() -> b.contributorId("c-1042\r\nX-Injected: 1").build(), "contributorId", "contains a control character");
        assertInvalid(() -> b.contributorId("c-\u00851042").build(), "contributorId", "contains a control character");
        assertInvalid(() -> b.contributorId("c-1042\ud800").build(), "contributorId", "is not well-formed Unicode");
        assertInvalid(() -> b.contributorId("alice.secret@example.com").build(), "contributorId", "must not be an email address");
        assertInvalid(() -> Identifiers.of(List.of("bob\u0000@example.com"), List.of()), "emails[0]", "contains a control character");
        assertInvalid(() -> Identifiers.of(List.of(), List.of("w-\n1")), "workerIds[0]", "contains a control character");
        assertInvalid(() -> Identifiers.of(List.of(), List.of("w-\udc001")), "workerIds[0]", "is not well-formed Unicode");
        assertThat(Identifiers.of(List.of(), List.of("w-\uD83D\uDE00")).workerIds()).containsExactly("w-\uD83D\uDE00");
        assertInvalid(() -> Identifiers.of(List.of("a".repeat(243) + "@example.com"), List.of()), "emails[0]", "longer than 254 characters");
        assertInvalid(() -> Identifiers.of(List.of(), List.of("w".repeat(255))), "workerIds[0]", "longer than 254 characters");
        assertThat(Identifiers.of(List.of(), List.of("w".repeat(254))).workerIds()).hasSize(1);
    }

    @Test
    void aNumberIsNotReadAsTextInAStringField() {
        String json = EventJson.writeString(Samples.request()).replace("\"contributorId\":\"c-1042\"", "\"contributorId\":1042");
        assertThat(json).contains("\"contributorId\":1042");
        assertThatThrownBy(() -> EventJson.read(json.getBytes(StandardCharsets.UTF_8), ContributorErasureRequested.class))
                .isInstanceOf(EventFormatException.class)
                .hasMessage("field 'contributorId': wrong type (expected string)");
    }

    @Test
    void exactlyOneOfPlainAndSealedIdentifiers() {
        ContributorErasureRequested sealed = Samples.sealedRequest();
        assertThat(sealed.hasSealedIdentifiers()).isTrue();
        assertThat(sealed.identifiers()).isNull();
        assertThat(sealed.sealedIdentifiers()).isEqualTo(Samples.SEALED);
        assertThat(Samples.request().hasSealedIdentifiers()).isFalse();
        // Setting one through the builder replaces the other; toBuilder keeps whichever the request has.
        assertThat(sealed.toBuilder().build()).isEqualTo(sealed);
        assertThat(sealed.toBuilder().identifiers(Samples.request().identifiers()).build()).isEqualTo(Samples.request());
        assertThat(sealed.withIdentifiers(Samples.request().identifiers())).isEqualTo(Samples.request());
        // The plain constructor every producer used before still builds a plain request.
        ContributorErasureRequested r = Samples.request();
        assertThat(new ContributorErasureRequested(r.schemaVersion(), r.requestId(), r.contributorId(), r.identifiers(),
                r.requestedAt(), r.requestedBy(), r.reason(), r.mode(), r.systems(), r.deadline(), r.replayOf())).isEqualTo(r);
        assertInvalid(() -> new ContributorErasureRequested(1, r.requestId(), r.contributorId(), r.identifiers(), r.requestedAt(),
                r.requestedBy(), r.reason(), r.mode(), null, null, null, Samples.SEALED), "sealedIdentifiers", "must not be set together");
        assertInvalid(() -> new ContributorErasureRequested(1, r.requestId(), r.contributorId(), null, r.requestedAt(),
                r.requestedBy(), r.reason(), r.mode(), null, null, null, null), "identifiers", "missing");
    }

    @Test
    void sealedIdentifiersAreChecked() {
        assertInvalid(() -> new SealedIdentifiers("dk 1", "AAAA"), "keyId", "not a key id");
        assertInvalid(() -> new SealedIdentifiers(null, "AAAA"), "keyId", "missing");
        assertInvalid(() -> new SealedIdentifiers("dk-1", "not base64!"), "ciphertext", "not base64");
        assertInvalid(() -> new SealedIdentifiers("dk-1", " "), "ciphertext", "must not be blank");
        assertThat(Samples.SEALED.ciphertextBytes()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        assertThat(Samples.SEALED.toString()).doesNotContain(Samples.SEALED.ciphertext());
    }

    @Test
    void aSealedRequestCannotBeDigestedUnopened() {
        org.erasure.events.integrity.SubjectDigest digest = new org.erasure.events.integrity.SubjectDigest(new byte[32]);
        assertThatThrownBy(() -> digest.digest(Samples.sealedRequest()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("sealed identifiers");
    }

    private static void assertInvalid(Runnable r, String field, String problem) {
        assertThatThrownBy(r::run)
                .isInstanceOf(InvalidEventException.class)
                .hasMessageStartingWith("field '" + field + "': ")
                .hasMessageContaining(problem)
                .satisfies(e -> assertThat(((InvalidEventException) e).field()).isEqualTo(field));
    }
}

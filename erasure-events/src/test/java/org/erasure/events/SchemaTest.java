package org.erasure.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.ValidationMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.erasure.events.integrity.IntegrityChain;
import org.erasure.events.serde.EventJson;
import org.erasure.events.serde.EventSerdes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SchemaTest {

    @Test
    void requestOutputValidates() {
        assertValid(ContributorErasureRequested.class, Samples.request());
        assertValid(ContributorErasureRequested.class, Samples.request().toBuilder()
                .replayOf(Samples.EARLIER_REQUEST_ID).mode(Mode.DRY_RUN).reason(ErasureReason.OTHER)
                .systems(Phase.REDIS).identifiers(List.of(), List.of()).build());
        assertValid(ContributorErasureRequested.class, Samples.sealedRequest());
    }

    @Test
    void exactlyOneOfIdentifiersAndSealedIdentifiersOnTheWire() throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode both =
                (com.fasterxml.jackson.databind.node.ObjectNode) SchemaSupport.PLAIN.readTree(EventJson.write(Samples.request()));
        both.set("sealedIdentifiers", SchemaSupport.PLAIN.readTree(EventJson.write(Samples.SEALED)));
        com.fasterxml.jackson.databind.node.ObjectNode neither = both.deepCopy();
        neither.remove("identifiers");
        neither.remove("sealedIdentifiers");
        com.fasterxml.jackson.databind.node.ObjectNode badCiphertext =
                (com.fasterxml.jackson.databind.node.ObjectNode) SchemaSupport.PLAIN.readTree(EventJson.write(Samples.sealedRequest()));
        ((com.fasterxml.jackson.databind.node.ObjectNode) badCiphertext.get("sealedIdentifiers")).put("ciphertext", "alice@example.com");
        record Case(com.fasterxml.jackson.databind.node.ObjectNode json, String field) {}
        for (Case c : List.of(new Case(both, "sealedIdentifiers"), new Case(neither, "identifiers"),
                new Case(badCiphertext, "sealedIdentifiers.ciphertext"))) {
            String json = SchemaSupport.PLAIN.writeValueAsString(c.json());
            assertThat(SchemaSupport.validate(ContributorErasureRequested.class, json)).as(c.field()).isNotEmpty();
            assertThatThrownBy(() -> EventSerdes.requested().deserializer().deserialize("t", json.getBytes(StandardCharsets.UTF_8)))
                    .as(c.field())
                    .isInstanceOf(EventFormatException.class)
                    .hasMessageNotContaining("alice@example.com")
                    .extracting(e -> ((EventFormatException) e).field()).isEqualTo(c.field());
        }
    }

    @Test
    void phaseCompletedOutputValidates() {
        assertValid(PhaseCompleted.class, Samples.postgresSucceeded());
        for (PhaseStatus s : PhaseStatus.values()) {
            assertValid(PhaseCompleted.class, Samples.phase(Phase.ELASTICSEARCH, s, 3));
        }
    }

    @Test
    void erasureCompletedOutputValidates() {
        List<ErasureCompleted> chain = IntegrityChain.sealAll(List.of(Samples.completed(1), Samples.timedOut(),
                failedRecord(), dryRunRecord(), shreddedRevision(), keyShreddedRecord()), null);
        chain.forEach(r -> assertValid(ErasureCompleted.class, r));
    }

    /**
     * The record of a request whose key was shredded before the verifier read it: every sink failed with
     * KEY_SHREDDED, no subject digest (the identifiers could not be read), the code says why.
     */
    static ErasureCompleted keyShreddedRecord() {
        ErasureCompleted.Builder b = ErasureCompleted.builder().forRequest(Samples.request()).identifiersUnreadable("KEY_SHREDDED")
                .completedAt(Samples.REQUESTED_AT.plusSeconds(90));
        for (Phase p : Samples.request().systems()) {
            b.phase(p, new PhaseResult(PhaseStatus.FAILED, List.of(), 0, false, 1, Samples.REQUESTED_AT.plusSeconds(5), "KEY_SHREDDED"));
        }
        return b.build();
    }

    @Test
    void exactlyOneOfSubjectDigestAndIdentifiersUnreadableOnTheWire() throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode neither = (com.fasterxml.jackson.databind.node.ObjectNode)
                SchemaSupport.PLAIN.readTree(EventJson.write(IntegrityChain.seal(Samples.completed(1), null)));
        neither.remove("subjectDigest");
        com.fasterxml.jackson.databind.node.ObjectNode both = (com.fasterxml.jackson.databind.node.ObjectNode)
                SchemaSupport.PLAIN.readTree(EventJson.write(IntegrityChain.seal(keyShreddedRecord(), null)));
        both.put("subjectDigest", Samples.DIGEST);
        for (var json : List.of(neither, both)) {
            String text = SchemaSupport.PLAIN.writeValueAsString(json);
            assertThat(SchemaSupport.validate(ErasureCompleted.class, text)).isNotEmpty();
            assertThatThrownBy(() -> EventSerdes.erasureCompleted().deserializer().deserialize("t", text.getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOf(EventFormatException.class)
                    .extracting(e -> ((EventFormatException) e).field()).isEqualTo("subjectDigest");
        }
    }

    /** The revision a verifier writes after shredding the request's key (crypto-shredding). */
    static ErasureCompleted shreddedRevision() {
        return ErasureCompleted.builder().forRequest(Samples.request()).subjectDigest(Samples.DIGEST)
                .completedAt(Samples.REQUESTED_AT.plusSeconds(90)).revision(2)
                .phase(Samples.postgresSucceeded()).shreddedAt(Samples.REQUESTED_AT.plusSeconds(90)).build();
    }

    static ErasureCompleted failedRecord() {
        return ErasureCompleted.builder().forRequest(Samples.request()).subjectDigest(Samples.DIGEST)
                .completedAt(Samples.REQUESTED_AT.plusSeconds(90))
                .phase(Samples.postgresSucceeded())
                .phase(Samples.phase(Phase.S3, PhaseStatus.FAILED, 4))
                .build();
    }

    static ErasureCompleted dryRunRecord() {
        ContributorErasureRequested dry = Samples.request().toBuilder().mode(Mode.DRY_RUN).build();
        ErasureCompleted.Builder b = ErasureCompleted.builder().forRequest(dry).subjectDigest(Samples.DIGEST)
                .completedAt(Samples.REQUESTED_AT.plusSeconds(90));
        for (Phase p : Phase.values()) {
            b.phase(Samples.phase(p, PhaseStatus.DRY_RUN, 2));
        }
        return b.build();
    }

    @Test
    void unsealedRecordIsNotValidOnTheTopic() {
        // The audit topic only carries sealed records: the schema requires hash.
        assertThat(SchemaSupport.validate(ErasureCompleted.class, EventJson.writeString(Samples.completed(1))))
                .extracting(ValidationMessage::getMessage).anySatisfy(m -> assertThat(m).contains("hash"));
    }

    /** Each case: a mutation of a valid request, and the field the deserializer must name. */
    static Stream<Arguments> invalidRequests() {
        return Stream.of(
                Arguments.of("missing requestId", "requestId", (Mutation) n -> n.remove("requestId")),
                Arguments.of("bad UUID", "requestId", (Mutation) n -> n.put("requestId", "not-a-uuid-alice@example.com")),
                Arguments.of("bad mode", "mode", (Mutation) n -> n.put("mode", "YOLO")),
                Arguments.of("mode as number", "mode", (Mutation) n -> n.put("mode", 0)),
                Arguments.of("wrong schemaVersion", "schemaVersion", (Mutation) n -> n.put("schemaVersion", 7)),
                Arguments.of("schemaVersion missing", "schemaVersion", (Mutation) n -> n.remove("schemaVersion")),
                Arguments.of("blank contributorId", "contributorId", (Mutation) n -> n.put("contributorId", "  ")),
                Arguments.of("requestedAt as epoch number", "requestedAt", (Mutation) n -> n.put("requestedAt", 1772360130)),
                Arguments.of("requestedAt garbage", "requestedAt", (Mutation) n -> n.put("requestedAt", "yesterday")),
                Arguments.of("ill-formed phase name in systems", "systems[1]", (Mutation) n -> n.putArray("systems").add("POSTGRES").add("mongo")),
                Arguments.of("not an email", "identifiers.emails[0]",
                        (Mutation) n -> ((com.fasterxml.jackson.databind.node.ObjectNode) n.get("identifiers")).putArray("emails").add("bob at example.com")),
                Arguments.of("identifiers wrong type", "identifiers", (Mutation) n -> n.put("identifiers", "alice@example.com")),
                Arguments.of("replayOf bad UUID", "replayOf", (Mutation) n -> n.put("replayOf", "x")),
                Arguments.of("contributorId as a number", "contributorId", (Mutation) n -> n.put("contributorId", 1042)),
                Arguments.of("contributorId with a control character", "contributorId", (Mutation) n -> n.put("contributorId", "c-10\u000042")),
                Arguments.of("contributorId too long", "contributorId", (Mutation) n -> n.put("contributorId", "7".repeat(201))),
                Arguments.of("contributorId that is an email", "contributorId", (Mutation) n -> n.put("contributorId", "alice@example.com")),
                Arguments.of("control character in an email", "identifiers.emails[0]",
                        (Mutation) n -> ((com.fasterxml.jackson.databind.node.ObjectNode) n.get("identifiers")).putArray("emails").add("bob\u0007@example.com")),
                Arguments.of("email too long", "identifiers.emails[0]",
                        (Mutation) n -> ((com.fasterxml.jackson.databind.node.ObjectNode) n.get("identifiers")).putArray("emails").add("b".repeat(250) + "@example.com")),
                Arguments.of("worker id too long", "identifiers.workerIds[0]",
                        (Mutation) n -> ((com.fasterxml.jackson.databind.node.ObjectNode) n.get("identifiers")).putArray("workerIds").add("w".repeat(255))),
                Arguments.of("control character in a worker id", "identifiers.workerIds[0]",
                        (Mutation) n -> ((com.fasterxml.jackson.databind.node.ObjectNode) n.get("identifiers")).putArray("workerIds").add("w-\r\n1")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidRequests")
    void invalidRequestRejectedBySchemaAndDeserializer(String name, String field, Mutation mutation) throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode tree =
                (com.fasterxml.jackson.databind.node.ObjectNode) SchemaSupport.PLAIN.readTree(EventJson.write(Samples.request()));
        mutation.apply(tree);
        String json = SchemaSupport.PLAIN.writeValueAsString(tree);

        assertThat(SchemaSupport.validate(ContributorErasureRequested.class, json)).as("schema errors").isNotEmpty();
        assertThatThrownBy(() -> EventSerdes.requested().deserializer().deserialize("t", json.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(EventFormatException.class)
                .satisfies(e -> {
                    EventFormatException efe = (EventFormatException) e;
                    // systems[1]: Jackson reports the collection, we accept either precision.
                    assertThat(efe.field()).startsWith(field.replaceAll("\\[\\d+]$", ""));
                    assertThat(efe.getMessage()).contains(field.equals("schemaVersion") ? "schemaVersion" : "'" + efe.field() + "'");
                    assertThat(efe.getMessage()).doesNotContain("alice@example.com").doesNotContain("bob at example.com");
                });
    }

    @Test
    void notJsonRejectedBySchemaParserAndDeserializer() {
        byte[] notJson = "alice@example.com wants out".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> SchemaSupport.PLAIN.readTree(notJson)).isInstanceOf(Exception.class);
        assertThatThrownBy(() -> EventSerdes.requested().deserializer().deserialize("t", notJson))
                .isInstanceOf(EventFormatException.class)
                .hasMessageStartingWith("payload: not valid JSON")
                .hasMessageNotContaining("alice")
                .extracting(e -> ((EventFormatException) e).field()).isEqualTo(EventFormatException.PAYLOAD);
    }

    @Test
    void invalidPhaseCompletedSamplesRejectedByBoth() throws Exception {
        String good = EventJson.writeString(Samples.postgresSucceeded());
        record Case(String json, String field) {}
        List<Case> cases = List.of(
                new Case(good.replace("\"status\":\"SUCCEEDED\"", "\"status\":\"DONE\""), "status"),
                new Case(good.replace("\"attempt\":1", "\"attempt\":0"), "attempt"),
                new Case(good.replace("\"attempt\":1,", ""), "attempt"),
                new Case(good.replace("\"deleted\":12", "\"deleted\":-1"), "targets[1].deleted"),
                new Case(good.replace("\"deleted\":12,", ""), "targets[1].deleted"),
                new Case(good.replace("\"sink\":{\"name\":\"sink-postgres\",", "\"sink\":{"), "sink.name"),
                new Case(good.replace("\"status\":\"SUCCEEDED\"", "\"status\":\"FAILED\""), "error"));
        for (Case c : cases) {
            assertThat(SchemaSupport.validate(PhaseCompleted.class, c.json())).as(c.field()).isNotEmpty();
            assertThatThrownBy(() -> EventJson.read(c.json().getBytes(StandardCharsets.UTF_8), PhaseCompleted.class))
                    .as(c.field())
                    .isInstanceOf(EventFormatException.class)
                    .hasMessageContaining("'" + c.field() + "'")
                    .extracting(e -> ((EventFormatException) e).field()).isEqualTo(c.field());
        }
    }

    @Test
    void schemaEnumsMatchJavaEnums() {
        JsonNode req = SchemaSupport.schemaJson(ContributorErasureRequested.class);
        assertThat(enumValues(req.at("/properties/mode/enum"))).containsExactlyElementsOf(names(Mode.values()));
        assertThat(enumValues(req.at("/properties/reason/enum"))).containsExactlyElementsOf(names(ErasureReason.values()));
        // Phases are open names: the schema's pattern is the reader's (a new phase changes no schema).
        assertThat(req.at("/$defs/phase/pattern").asText()).isEqualTo("^" + Phase.NAME.pattern() + "$");
        JsonNode pc = SchemaSupport.schemaJson(PhaseCompleted.class);
        assertThat(enumValues(pc.at("/properties/status/enum"))).containsExactlyElementsOf(names(PhaseStatus.values()));
        assertThat(pc.at("/$defs/phase/pattern").asText()).isEqualTo("^" + Phase.NAME.pattern() + "$");
        JsonNode ec = SchemaSupport.schemaJson(ErasureCompleted.class);
        assertThat(enumValues(ec.at("/properties/outcome/enum"))).containsExactlyElementsOf(names(Outcome.values()));
        assertThat(ec.at("/$defs/phase/pattern").asText()).isEqualTo("^" + Phase.NAME.pattern() + "$");
        // A record holds results only: the STARTED write-ahead never becomes a phase result.
        assertThat(enumValues(ec.at("/$defs/phaseResult/properties/status/enum"))).containsExactlyElementsOf(
                names(java.util.Arrays.stream(PhaseStatus.values()).filter(PhaseStatus::isResult).toArray(PhaseStatus[]::new)));
        assertThat(ec.at("/properties/schemaVersion/const").asInt()).isEqualTo(SchemaVersion.CURRENT);
    }

    private static List<String> enumValues(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        assertThat(out).isNotEmpty();
        return out;
    }

    private static List<String> names(Enum<?>[] values) {
        return Arrays.stream(values).map(Enum::name).toList();
    }

    private static void assertValid(Class<?> type, Object event) {
        String json = new String(EventJson.write(event), StandardCharsets.UTF_8);
        Set<ValidationMessage> errors = SchemaSupport.validate(type, json);
        assertThat(errors).as("schema errors for %s", json).isEmpty();
    }

    @FunctionalInterface
    interface Mutation {
        void apply(com.fasterxml.jackson.databind.node.ObjectNode node);
    }
}

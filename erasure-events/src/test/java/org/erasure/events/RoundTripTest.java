package org.erasure.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.kafka.common.serialization.Serde;
import org.erasure.events.integrity.IntegrityChain;
import org.erasure.events.serde.EventSerdes;
import org.junit.jupiter.api.Test;

class RoundTripTest {
    private static final String TOPIC = "t";

    private static <T> T roundTrip(Serde<T> serde, T event) {
        byte[] bytes = serde.serializer().serialize(TOPIC, event);
        return serde.deserializer().deserialize(TOPIC, bytes);
    }

    private static JsonNode json(Serde<?> serde, Object event) throws Exception {
        @SuppressWarnings("unchecked")
        Serde<Object> s = (Serde<Object>) serde;
        return SchemaSupport.PLAIN.readTree(s.serializer().serialize(TOPIC, event));
    }

    @Test
    void requestRoundTrips() {
        ContributorErasureRequested r = Samples.request().toBuilder()
                .replayOf(Samples.EARLIER_REQUEST_ID).mode(Mode.DRY_RUN).systems(Phase.S3, Phase.POSTGRES).build();
        assertThat(roundTrip(EventSerdes.requested(), r)).isEqualTo(r);
        assertThat(roundTrip(EventSerdes.requested(), Samples.request())).isEqualTo(Samples.request());
        assertThat(roundTrip(EventSerdes.requested(), Samples.sealedRequest())).isEqualTo(Samples.sealedRequest());
    }

    @Test
    void phaseCompletedRoundTrips() {
        for (PhaseCompleted p : List.of(Samples.postgresSucceeded(),
                Samples.phase(Phase.S3, PhaseStatus.FAILED, 4),
                Samples.phase(Phase.REDIS, PhaseStatus.DRY_RUN, 5),
                Samples.phase(Phase.CLICKHOUSE, PhaseStatus.SKIPPED, 6))) {
            assertThat(roundTrip(EventSerdes.phaseCompleted(), p)).isEqualTo(p);
        }
    }

    @Test
    void erasureCompletedRoundTrips() {
        ErasureCompleted sealed = IntegrityChain.seal(Samples.completed(1), null);
        ErasureCompleted back = roundTrip(EventSerdes.erasureCompleted(), sealed);
        assertThat(back).isEqualTo(sealed);
        assertThat(IntegrityChain.computeHash(back, back.previousHash())).isEqualTo(sealed.hash());
        ErasureCompleted timedOut = Samples.timedOut();
        assertThat(roundTrip(EventSerdes.erasureCompleted(), timedOut)).isEqualTo(timedOut);
    }

    @Test
    void nullIsATombstoneBothWays() {
        assertThat(EventSerdes.requested().serializer().serialize(TOPIC, null)).isNull();
        assertThat(EventSerdes.requested().deserializer().deserialize(TOPIC, null)).isNull();
    }

    @Test
    void instantsAreIso8601UtcStrings() throws Exception {
        JsonNode req = json(EventSerdes.requested(), Samples.request());
        assertThat(req.get("requestedAt").isTextual()).isTrue();
        assertThat(req.get("requestedAt").asText()).isEqualTo("2026-03-01T10:15:30.123Z");
        assertThat(req.get("deadline").asText()).isEqualTo("2026-03-31T10:15:30.123Z");
        JsonNode phase = json(EventSerdes.phaseCompleted(), Samples.postgresSucceeded());
        assertThat(phase.get("startedAt").asText()).isEqualTo("2026-03-01T10:15:32.123Z");
        assertThat(phase.get("completedAt").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z");
    }

    @Test
    void instantWithOffsetIsReadAsUtc() {
        String json = new String(EventSerdes.requested().serializer().serialize(TOPIC, Samples.request()), StandardCharsets.UTF_8)
                .replace("\"requestedAt\":\"2026-03-01T10:15:30.123Z\"", "\"requestedAt\":\"2026-03-01T12:15:30.123+02:00\"");
        ContributorErasureRequested r = EventSerdes.requested().deserializer().deserialize(TOPIC, json.getBytes(StandardCharsets.UTF_8));
        assertThat(r.requestedAt()).isEqualTo(Samples.REQUESTED_AT);
    }

    @Test
    void unknownFieldsAreIgnored() throws Exception {
        ObjectNode tree = (ObjectNode) json(EventSerdes.requested(), Samples.request());
        tree.put("addedInAFutureMinorVersion", "x");
        tree.putObject("nested").put("a", 1);
        ((ObjectNode) tree.get("identifiers")).putArray("phoneNumbers").add("+1 555");
        ContributorErasureRequested r = EventSerdes.requested().deserializer()
                .deserialize(TOPIC, SchemaSupport.PLAIN.writeValueAsBytes(tree));
        assertThat(r).isEqualTo(Samples.request());

        ObjectNode phase = (ObjectNode) json(EventSerdes.phaseCompleted(), Samples.postgresSucceeded());
        ((ObjectNode) phase.get("targets").get(0)).put("durationMs", 12);
        assertThat(EventSerdes.phaseCompleted().deserializer().deserialize(TOPIC, SchemaSupport.PLAIN.writeValueAsBytes(phase)))
                .isEqualTo(Samples.postgresSucceeded());
    }

    @Test
    void absentOptionalFieldsAreOmittedNotNull() throws Exception {
        JsonNode req = json(EventSerdes.requested(), Samples.request());
        assertThat(req.has("replayOf")).isFalse();
        JsonNode phase = json(EventSerdes.phaseCompleted(), Samples.postgresSucceeded());
        assertThat(phase.has("error")).isFalse();
        assertThat(phase.get("targets").get(0).has("note")).isFalse();
        assertThat(json(EventSerdes.erasureCompleted(), Samples.completed(1)).has("shreddedAt")).isFalse();
        assertThat(json(EventSerdes.erasureCompleted(), Samples.completed(1)).has("identifiersUnreadable")).isFalse();
    }

    @Test
    void writtenFieldsAreExactlyTheSchemaProperties() throws Exception {
        // Catches helper methods (totals(), kafkaKey()) leaking into the JSON, and schema drift.
        ContributorErasureRequested req = Samples.request().toBuilder().replayOf(Samples.EARLIER_REQUEST_ID).build();
        java.util.Set<String> plain = new java.util.TreeSet<>(names(json(EventSerdes.requested(), req)));
        java.util.Set<String> sealed = new java.util.TreeSet<>(names(json(EventSerdes.requested(), req.withSealedIdentifiers(Samples.SEALED))));
        assertThat(plain).doesNotContain("sealedIdentifiers");
        assertThat(sealed).doesNotContain("identifiers");
        java.util.Set<String> both = new java.util.TreeSet<>(plain);
        both.addAll(sealed);
        assertThat(both).isEqualTo(new java.util.TreeSet<>(names(SchemaSupport.schemaJson(ContributorErasureRequested.class).get("properties"))));
        PhaseCompleted failed = Samples.phase(Phase.S3, PhaseStatus.FAILED, 4);
        assertThat(names(json(EventSerdes.phaseCompleted(), failed)))
                .isEqualTo(names(SchemaSupport.schemaJson(PhaseCompleted.class).get("properties")));
        ErasureCompleted[] chain = IntegrityChain.sealAll(List.of(Samples.completed(1),
                Samples.completed(2).withIntegrity(null, null)), null).toArray(ErasureCompleted[]::new);
        ErasureCompleted withAll = new ErasureCompleted(1, Samples.REQUEST_ID, Samples.CONTRIBUTOR, Samples.DIGEST,
                Outcome.COMPLETED, Mode.EXECUTE, chain[1].phases(), chain[1].missingPhases(), chain[1].failedPhases(),
                chain[1].totals(), chain[1].requestedAt(), chain[1].completedAt(), 2, Samples.EARLIER_REQUEST_ID,
                chain[1].completedAt(), chain[1].previousHash(), chain[1].hash());
        JsonNode ec = json(EventSerdes.erasureCompleted(), withAll);
        JsonNode ecSchema = SchemaSupport.schemaJson(ErasureCompleted.class);
        // subjectDigest and identifiersUnreadable are alternatives: the union of both kinds of record.
        JsonNode keyShredded = json(EventSerdes.erasureCompleted(), IntegrityChain.seal(SchemaTest.keyShreddedRecord(), chain[1].hash()));
        assertThat(names(keyShredded)).doesNotContain("subjectDigest");
        java.util.Set<String> union = new java.util.TreeSet<>(names(ec));
        union.addAll(names(keyShredded));
        assertThat(names(ec)).doesNotContain("identifiersUnreadable");
        assertThat(union).isEqualTo(new java.util.TreeSet<>(names(ecSchema.get("properties"))));
        // A failed phase adds its error code: the union of a succeeded and a failed phase's fields.
        java.util.Set<String> phaseFields = new java.util.TreeSet<>(names(ec.get("phases").get("POSTGRES")));
        keyShredded.get("phases").forEach(p -> phaseFields.addAll(names(p)));
        assertThat(names(ec.get("phases").get("POSTGRES"))).doesNotContain("error");
        assertThat(phaseFields).isEqualTo(new java.util.TreeSet<>(names(ecSchema.at("/$defs/phaseResult/properties"))));
        assertThat(names(ec.get("phases").get("POSTGRES").get("targets").get(0)))
                .isSubsetOf(names(ecSchema.at("/$defs/targetResult/properties")));
    }

    private static TreeSet<String> names(JsonNode object) {
        List<String> out = new ArrayList<>();
        object.fieldNames().forEachRemaining(out::add);
        return new TreeSet<>(out);
    }
}

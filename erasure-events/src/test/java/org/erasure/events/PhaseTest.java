package org.erasure.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.erasure.events.integrity.IntegrityChain;
import org.erasure.events.serde.EventJson;
import org.junit.jupiter.api.Test;

/** A phase is an open name on the wire: a reader keeps working when a request names a phase it was built without. */
class PhaseTest {

    /** A phase this version does not know (added by a newer pipeline). */
    private static final Phase MONGO = Phase.valueOf("MONGO");

    @Test
    void knownNamesAreTheConstantsAndOtherWellFormedNamesAreRead() {
        assertThat(Phase.valueOf("POSTGRES")).isSameAs(Phase.POSTGRES);
        assertThat(Phase.valueOf("KAFKA")).isSameAs(Phase.KAFKA);
        assertThat(Phase.known()).containsExactly(Phase.POSTGRES, Phase.ELASTICSEARCH, Phase.CLICKHOUSE, Phase.S3, Phase.REDIS, Phase.KAFKA);
        assertThat(Phase.values()).containsExactlyElementsOf(Phase.known());
        assertThat(MONGO.name()).isEqualTo("MONGO");
        assertThat(MONGO.isKnown()).isFalse();
        assertThat(MONGO).isEqualTo(Phase.valueOf("MONGO")).hasSameHashCodeAs(Phase.valueOf("MONGO"));
        assertThat(Phase.valueOf("A_1" + "B".repeat(29)).name()).hasSize(32);
    }

    @Test
    void illFormedNamesAreRefusedWithoutQuotingThem() {
        for (String bad : List.of("", "kafka", "1KAFKA", "KAF KA", "KAFKA-2", "K".repeat(33), "alice@example.com")) {
            assertThatThrownBy(() -> Phase.valueOf(bad))
                    .isInstanceOf(InvalidEventException.class)
                    .hasMessageContaining("'phase'")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("alice"));
        }
    }

    @Test
    void orderIsTheFirstFiveThenOtherNamesAlphabeticallyWhateverTheReaderKnows() {
        List<Phase> mixed = new ArrayList<>(List.of(MONGO, Phase.REDIS, Phase.valueOf("ZOOKEEPER"), Phase.KAFKA, Phase.POSTGRES, Phase.S3,
                Phase.CLICKHOUSE, Phase.ELASTICSEARCH));
        assertThat(Phase.sortedSet(mixed)).containsExactly(Phase.POSTGRES, Phase.ELASTICSEARCH, Phase.CLICKHOUSE,
                Phase.S3, Phase.REDIS, Phase.KAFKA, MONGO, Phase.valueOf("ZOOKEEPER"));
    }

    @Test
    void aRequestNamingANewPhaseIsReadAndRoundTrips() {
        ContributorErasureRequested r = Samples.request().toBuilder().systems(Set.of(MONGO, Phase.POSTGRES)).build();
        ContributorErasureRequested back = EventJson.read(EventJson.write(r), ContributorErasureRequested.class);
        assertThat(back.systems()).containsExactly(Phase.POSTGRES, MONGO);
        assertThat(back).isEqualTo(r);
        assertThat(SchemaSupport.validate(ContributorErasureRequested.class, EventJson.writeString(r))).isEmpty();
    }

    @Test
    void absentSystemsMeansThePhasesTheReaderKnows() {
        ObjectNode json = (ObjectNode) EventJson.toTree(Samples.request());
        json.remove("systems");
        ContributorErasureRequested back = EventJson.read(json.toString().getBytes(StandardCharsets.UTF_8), ContributorErasureRequested.class);
        assertThat(back.systems()).isEqualTo(Phase.known());
    }

    @Test
    void anIllFormedPhaseOnTheWireNamesTheField() {
        ObjectNode json = (ObjectNode) EventJson.toTree(Samples.request());
        ((ArrayNode) json.putArray("systems")).add("POSTGRES").add("no-Phase");
        assertThatThrownBy(() -> EventJson.read(json.toString().getBytes(StandardCharsets.UTF_8), ContributorErasureRequested.class))
                .isInstanceOf(EventFormatException.class)
                .hasMessageContaining("systems[1]")
                .hasMessageNotContaining("no-Phase");
        ObjectNode numeric = (ObjectNode) EventJson.toTree(Samples.request());
        ((ArrayNode) numeric.putArray("systems")).add(3);
        assertThatThrownBy(() -> EventJson.read(numeric.toString().getBytes(StandardCharsets.UTF_8), ContributorErasureRequested.class))
                .isInstanceOf(EventFormatException.class)
                .extracting(e -> ((EventFormatException) e).field()).asString().startsWith("systems");
    }

    @Test
    void aReportAndARecordOfANewPhaseRoundTripAndChain() {
        PhaseCompleted kafka = Samples.phase(Phase.KAFKA, PhaseStatus.SUCCEEDED, 4);
        assertThat(EventJson.read(EventJson.write(kafka), PhaseCompleted.class)).isEqualTo(kafka);
        assertThat(SchemaSupport.validate(PhaseCompleted.class, EventJson.writeString(kafka))).isEmpty();

        ErasureCompleted record = IntegrityChain.seal(ErasureCompleted.builder().forRequest(Samples.request())
                .subjectDigest(Samples.DIGEST).completedAt(Samples.REQUESTED_AT.plusSeconds(9))
                .phase(kafka).phase(Samples.postgresSucceeded()).missingPhases(Set.of(Phase.valueOf("MONGO"), Phase.S3))
                .build(), null);
        String json = EventJson.writeString(record);
        assertThat(json).contains("\"missingPhases\":[\"S3\",\"MONGO\"]");
        assertThat(json.indexOf("\"POSTGRES\":")).isLessThan(json.indexOf("\"KAFKA\":"));
        ErasureCompleted back = EventJson.read(json.getBytes(StandardCharsets.UTF_8), ErasureCompleted.class);
        assertThat(back).isEqualTo(record);
        assertThat(back.phases()).containsKey(Phase.KAFKA);
        assertThat(IntegrityChain.verify(List.of(back))).isInstanceOf(org.erasure.events.integrity.ChainVerification.Ok.class);
        assertThat(SchemaSupport.validate(ErasureCompleted.class, json)).isEmpty();
    }
}

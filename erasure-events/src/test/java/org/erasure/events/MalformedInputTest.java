package org.erasure.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.erasure.events.serde.EventJson;
import org.erasure.events.serde.EventSerdes;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Every read failure is an EventFormatException naming the field, with no input value in the message. */
class MalformedInputTest {
    private static final String SECRET = "carol.secret@example.org";
    private static final String REQUEST = EventJson.writeString(Samples.request());
    private static final String PHASE = EventJson.writeString(Samples.postgresSucceeded());

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "\"requestId\":\"6f1c2b9e-4a51-4c1e-9d2a-0b7f3e8a1c55\"|\"requestId\":\"carol.secret@example.org\"|requestId|invalid value (expected UUID string)",
            "\"requestId\":\"6f1c2b9e-4a51-4c1e-9d2a-0b7f3e8a1c55\"|\"requestId\":null|requestId|missing",
            "\"mode\":\"EXECUTE\"|\"mode\":\"carol.secret@example.org\"|mode|unknown value (expected one of: EXECUTE, DRY_RUN, RESTORE)",
            "\"mode\":\"EXECUTE\"|\"mode\":[\"carol.secret@example.org\"]|mode|wrong type",
            "\"requestedAt\":\"2026-03-01T10:15:30.123Z\"|\"requestedAt\":\"carol.secret@example.org\"|requestedAt|invalid value",
            "\"contributorId\":\"c-1042\"|\"contributorId\":{\"x\":\"carol.secret@example.org\"}|contributorId|wrong type (expected string)",
            "\"emails\":[\"alice.example@example.com\"|\"emails\":[\"carol.secret@example .org\"|identifiers.emails[0]|not an email address",
            "\"emails\":[\"alice.example@example.com\"|\"emails\":[{\"carol.secret@example.org\":1}|identifiers.emails[0]|wrong type",
            "\"workerIds\":[\"w-77\"|\"workerIds\":[null|identifiers.workerIds[0]|missing",
            "\"systems\":[\"POSTGRES\"|\"systems\":[\"carol.secret@example.org\"|systems[0]|not a phase name",
    })
    void requestProblemsNameTheFieldAndHideTheValue(String from, String to, String field, String problem) {
        assertThat(REQUEST).contains(from);
        String json = REQUEST.replace(from, to);
        assertThatThrownBy(() -> EventSerdes.requested().deserializer().deserialize("t", json.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(EventFormatException.class)
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("field '" + field)
                .hasMessageContaining(problem)
                .hasMessageNotContaining("carol")
                .hasMessageNotContaining("secret")
                .hasNoCause()
                .satisfies(e -> {
                    EventFormatException efe = (EventFormatException) e;
                    assertThat(efe.field()).startsWith(field);
                    assertThat(efe.problem()).contains(problem).doesNotContain("carol");
                    assertThat(efe.getMessage()).doesNotContain("\n").hasSizeLessThan(200);
                });
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
            "\"attempt\":1|\"attempt\":\"1\"|attempt|wrong type (expected integer)",
            "\"attempt\":1|\"attempt\":1.5|attempt|wrong type (expected integer)",
            "\"attempt\":1,|''|attempt|missing",
            "\"attempt\":1|\"attempt\":0|attempt|must be >= 1",
            "\"verified\":true|\"verified\":\"yes\"|verification.verified|wrong type (expected boolean)",
            "\"totalResidual\":0,\"verified\":true|\"totalResidual\":3,\"verified\":false|verification.totalResidual|must equal the sum of targets[].residual",
            "\"totalResidual\":0|\"totalResidual\":3|verification.verified|cannot be true while totalResidual > 0",
            "\"residual\":0,\"note\"|\"residual\":-2,\"note\"|targets[2].residual|must be >= 0",
            "upstream Kafka topic still holds data|ask carol.secret@example.org|targets[2].note|must not contain an email address",
            "\"phase\":\"POSTGRES\"|\"phase\":1|phase|wrong type (expected string)",
            "\"phase\":\"POSTGRES\"|\"phase\":\"carol.secret@example.org\"|phase|not a phase name",
            "\"startedAt\":\"2026-03-01T10:15:32.123Z\"|\"startedAt\":1772360132|startedAt|wrong type (expected ISO-8601",
            "\"startedAt\":\"2026-03-01T10:15:32.123Z\"|\"startedAt\":\"2026-03-01T10:15:34Z\"|completedAt|must not be before startedAt",
    })
    void phaseProblemsNameTheField(String from, String to, String field, String problem) {
        assertThat(PHASE).contains(from);
        String json = PHASE.replace(from, to);
        assertThatThrownBy(() -> EventSerdes.phaseCompleted().deserializer().deserialize("t", json.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(EventFormatException.class)
                .hasMessage("field '" + field + "': " + ((EventFormatException) catchIt(json)).problem())
                .hasMessageContaining(problem)
                .hasMessageNotContaining("carol")
                .extracting(e -> ((EventFormatException) e).field()).isEqualTo(field);
    }

    private static Throwable catchIt(String json) {
        try {
            EventJson.read(json.getBytes(StandardCharsets.UTF_8), PhaseCompleted.class);
            return null;
        } catch (EventFormatException e) {
            return e;
        }
    }

    @Test
    void unsupportedSchemaVersion() {
        String json = REQUEST.replace("\"schemaVersion\":1", "\"schemaVersion\":7");
        assertThatThrownBy(() -> EventJson.read(json.getBytes(StandardCharsets.UTF_8), ContributorErasureRequested.class))
                .isInstanceOf(EventFormatException.class)
                .hasMessage("schemaVersion 7 is not supported (supported: 1)")
                .extracting(e -> ((EventFormatException) e).field()).isEqualTo("schemaVersion");
    }

    @Test
    void schemaVersionOfWrongType() {
        String json = PHASE.replace("\"schemaVersion\":1", "\"schemaVersion\":\"1\"");
        assertThatThrownBy(() -> EventJson.read(json.getBytes(StandardCharsets.UTF_8), PhaseCompleted.class))
                .hasMessage("field 'schemaVersion': wrong type (expected integer)");
    }

    @Test
    void payloadLevelProblems() {
        assertPayload("carol.secret@example.org", "not valid JSON");
        assertPayload("{\"mode\": carol.secret@example.org}", "not valid JSON");
        assertPayload(REQUEST + " carol.secret@example.org", "not valid JSON");
        assertPayload(REQUEST.replace("{\"schemaVersion\":1,", "{\"schemaVersion\":1,\"schemaVersion\":1,"), "not valid JSON: duplicate field");
        assertPayload("", "empty");
        assertPayload("[\"carol.secret@example.org\"]", "expected a JSON object");
        assertPayload("\"carol.secret@example.org\"", "expected a JSON object");
    }

    @Test
    void unknownPhaseKeyInErasureCompletedIsNamedWithoutTheKey() {
        String json = EventJson.writeString(Samples.timedOut()).replace("\"REDIS\":{", "\"carol.secret@example.org\":{");
        assertThatThrownBy(() -> EventSerdes.erasureCompleted().deserializer().deserialize("t", json.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(EventFormatException.class)
                .hasMessageStartingWith("field 'phases")
                .hasMessageNotContaining("carol");
    }

    @Test
    void deadLetterHeadersCarryFieldAndProblem() {
        EventFormatException e = (EventFormatException) catchIt(PHASE.replace("\"attempt\":1", "\"attempt\":0"));
        Headers h = DeadLetterHeaders.add(new RecordHeaders(), e, "erasure.phase-completions", 3, 42L);
        assertThat(new String(h.lastHeader(DeadLetterHeaders.FIELD).value(), StandardCharsets.UTF_8)).isEqualTo("attempt");
        assertThat(new String(h.lastHeader(DeadLetterHeaders.PROBLEM).value(), StandardCharsets.UTF_8)).isEqualTo("must be >= 1");
        assertThat(new String(h.lastHeader(DeadLetterHeaders.SOURCE_OFFSET).value(), StandardCharsets.UTF_8)).isEqualTo("42");
    }

    private static void assertPayload(String input, String problem) {
        assertThatThrownBy(() -> EventSerdes.requested().deserializer().deserialize("t", input.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(EventFormatException.class)
                .hasMessageStartingWith("payload: " + problem)
                .hasMessageNotContaining("carol")
                .hasNoCause()
                .extracting(e -> ((EventFormatException) e).field()).isEqualTo(EventFormatException.PAYLOAD);
        assertThat(SECRET).contains("carol");
    }
}

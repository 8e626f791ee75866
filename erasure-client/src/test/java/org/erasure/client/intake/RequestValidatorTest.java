package org.erasure.client.intake;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;
import org.erasure.events.ErasureReason;
import org.erasure.events.Mode;
import org.erasure.events.Phase;
import org.junit.jupiter.api.Test;

class RequestValidatorTest {

    private final ObjectMapper json = new ObjectMapper();
    private final RequestValidator validator = new RequestValidator(IntakeRules.defaults());

    private Intake validate(String body) throws Exception {
        return validator.validate(json.readTree(body));
    }

    @Test
    void acceptsOneObjectOrAnArray() throws Exception {
        Intake one = validate("""
                {"contributorId": "1001", "identifiers": {"emails": ["a@example.test", "A@example.test"], "workerIds": ["w1"]},
                 "reason": "ACCOUNT_CLOSED", "mode": "DRY_RUN", "systems": ["POSTGRES", "REDIS"], "deadline": "2030-01-01T00:00:00Z"}""");
        ErasureItem item = ((Intake.Accepted) one).items().getFirst();
        assertThat(item.contributorId()).isEqualTo("1001");
        assertThat(item.emails()).containsExactly("a@example.test");
        assertThat(item.workerIds()).containsExactly("w1");
        assertThat(item.reason()).isEqualTo(ErasureReason.ACCOUNT_CLOSED);
        assertThat(item.mode()).isEqualTo(Mode.DRY_RUN);
        assertThat(item.systems()).containsExactlyInAnyOrder(Phase.POSTGRES, Phase.REDIS);
        assertThat(item.deadline()).isEqualTo(Instant.parse("2030-01-01T00:00:00Z"));

        Intake many = validate("""
                [{"contributorId": 1001, "reason": "OTHER", "mode": "EXECUTE"},
                 {"contributorId": "1002", "reason": "OTHER", "mode": "EXECUTE"}]""");
        assertThat(((Intake.Accepted) many).items()).extracting(ErasureItem::contributorId).containsExactly("1001", "1002");
    }

    @Test
    void listsEveryErrorByItemAndField() throws Exception {
        Intake i = validate("""
                [{"contributorId": "x1", "reason": "BECAUSE", "mode": "EXECUTE",
                  "identifiers": {"emails": ["leaked.person@"]}, "extra@pii.test": 1},
                 {"reason": "OTHER"},
                 {"contributorId": "1003", "reason": "OTHER", "mode": "EXECUTE", "systems": [], "deadline": "tomorrow"},
                 {"contributorId": "1003", "reason": "OTHER", "mode": "EXECUTE"},
                 "nope"]""");
        List<String> errors = ((Intake.Rejected) i).messages();
        assertThat(errors).containsExactly(
                "item 1, field (name not shown): unknown field",
                "item 1, field contributorId: not a valid contributor id",
                "item 1, field identifiers.emails[0]: not a valid email",
                "item 1, field reason: must be one of [ACCOUNT_CLOSED, INACTIVITY_PURGE, USER_REQUEST, OTHER]",
                "item 2, field contributorId: required",
                "item 2, field mode: required (one of [EXECUTE, DRY_RUN])",
                "item 3, field systems: must be a non-empty array (omit it for all phases)",
                "item 3, field deadline: must be an ISO-8601 UTC instant",
                "item 4, field contributorId: duplicate of item 3",
                "item 5: must be an object");
        assertThat(String.join("\n", errors)).doesNotContain("leaked", "pii.test", "x1", "BECAUSE");
    }

    @Test
    void aRestoreIsNotASubmission() throws Exception {
        Intake json = validate("""
                {"contributorId": "1001", "reason": "OTHER", "mode": "RESTORE"}""");
        assertThat(((Intake.Rejected) json).messages()).containsExactly(
                "item 1, field mode: RESTORE is not a submission: undo an erasure with `erasurectl restore REQUEST_ID`");
        Intake csv = new CsvIntake(IntakeRules.defaults()).parse("contributor_id,email_address\n1001,a@b.example.com\n", Mode.RESTORE, ErasureReason.OTHER);
        assertThat(((Intake.Rejected) csv).messages()).singleElement().asString().contains("RESTORE is not a submission");
    }

    @Test
    void systemsAreOpenPhaseNames() throws Exception {
        // Rolling upgrades: a phase added after this ingest was built is passed on; the sinks that do not run it ignore it.
        Intake open = validate("""
                {"contributorId": "1001", "reason": "OTHER", "mode": "EXECUTE", "systems": ["KAFKA", "POSTGRES"]}""");
        assertThat(((Intake.Accepted) open).items().getFirst().systems()).containsExactly(Phase.POSTGRES, Phase.valueOf("KAFKA"));

        Intake bad = validate("""
                {"contributorId": "1001", "reason": "OTHER", "mode": "EXECUTE", "systems": ["POSTGRES", "kafka@pii.test", 7]}""");
        List<String> errors = ((Intake.Rejected) bad).messages();
        assertThat(errors).hasSize(2);
        assertThat(errors.getFirst()).startsWith("item 1, field systems[1]: must be a phase name ([A-Z][A-Z0-9_]{0,31}");
        assertThat(errors.get(1)).startsWith("item 1, field systems[2]: must be a phase name");
        assertThat(String.join("\n", errors)).doesNotContain("pii.test");
    }

    @Test
    void bodyLevelProblems() throws Exception {
        assertThat(((Intake.Rejected) validate("[]")).messages()).containsExactly("body: empty array");
        assertThat(((Intake.Rejected) validate("42")).messages()).containsExactly("body: expected a request object or an array of them");
        RequestValidator strict = new RequestValidator(IntakeRules.defaults().withEmailRequired(true).withMaxItems(1));
        assertThat(((Intake.Rejected) strict.validate(json.readTree("{\"contributorId\":\"1\",\"reason\":\"OTHER\",\"mode\":\"EXECUTE\"}"))).messages())
                .containsExactly("item 1, field identifiers.emails: required (identifier resolution is off)");
        assertThat(((Intake.Rejected) strict.validate(json.readTree("[{},{}]"))).messages())
                .containsExactly("body: 2 items, more than the limit of 1");
    }
}

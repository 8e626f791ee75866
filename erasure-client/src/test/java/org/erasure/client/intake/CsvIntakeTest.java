package org.erasure.client.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.erasure.events.ErasureReason;
import org.erasure.events.Mode;
import org.junit.jupiter.api.Test;

class CsvIntakeTest {

    private final CsvIntake intake = new CsvIntake(IntakeRules.defaults().withEmailRequired(true));

    private Intake parse(String csv) {
        return intake.parse(csv.getBytes(StandardCharsets.UTF_8), Mode.EXECUTE, ErasureReason.INACTIVITY_PURGE);
    }

    private static List<String> errors(Intake i) {
        assertThat(i).isInstanceOf(Intake.Rejected.class);
        return ((Intake.Rejected) i).messages();
    }

    @Test
    void acceptsAGoodFileWithExtraColumnsAnyOrderCrlfAndBom() {
        Intake i = parse("\uFEFFname,EMAIL_ADDRESS,contributor_id\r\n\"Doe, Jane\",jane@example.test,1001\r\n,bob@example.test,1002\r\n\r\n");
        assertThat(i).isInstanceOf(Intake.Accepted.class);
        List<ErasureItem> items = ((Intake.Accepted) i).items();
        assertThat(items).extracting(ErasureItem::contributorId).containsExactly("1001", "1002");
        assertThat(items).extracting(ErasureItem::position).containsExactly(2, 3);
        assertThat(items.getFirst().emails()).containsExactly("jane@example.test");
        assertThat(items.getFirst().mode()).isEqualTo(Mode.EXECUTE);
        assertThat(items.getFirst().reason()).isEqualTo(ErasureReason.INACTIVITY_PURGE);
    }

    @Test
    void listsEveryErrorByLineAndColumnWithoutEchoingValues() {
        String csv = """
                contributor_id,email_address
                1001,ok@example.test
                abc,secret.person@
                1001,other@example.test
                ,ok@example.test
                1005
                1006,
                1007,"quoted@example.test"x
                """;
        List<String> errors = errors(parse(csv));
        assertThat(errors).containsExactly(
                "line 3, column contributor_id: not a valid contributor id",
                "line 3, column email_address: not a valid email",
                "line 4, column contributor_id: duplicate of line 2",
                "line 5, column contributor_id: required",
                "line 5, column email_address: same email as line 2",
                "line 6: has 1 columns, the header has 2",
                "line 7, column email_address: required",
                "line 8: text after a closing quote");
        assertThat(String.join("\n", errors)).doesNotContain("secret.person", "abc", "other@");
    }

    @Test
    void quotedCellsSpanningLinesKeepLineNumbersRight() {
        String csv = "contributor_id,note,email_address\n1001,\"two\nlines\",a@example.test\n1002,x,not-an-email\n";
        assertThat(errors(parse(csv))).containsExactly("line 4, column email_address: not a valid email");
    }

    @Test
    void headerProblems() {
        assertThat(errors(parse("id,email\n1,a@b.test\n"))).containsExactly(
                "line 1, column contributor_id: missing from the header",
                "line 1, column email_address: missing from the header");
        assertThat(errors(parse(""))).containsExactly("file: empty file, expected a header contributor_id,email_address");
        assertThat(errors(parse("contributor_id,email_address\n"))).containsExactly("file: no rows after the header");
        assertThat(errors(parse("contributor_id,email_address\n1,\"a@b.test\n"))).containsExactly("line 2: quoted cell is never closed");
    }

    @Test
    void rejectsInvalidUtf8AndTooManyRows() {
        byte[] latin1 = "contributor_id,email_address\n1,j\u00f6rg@example.test\n".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(errors(intake.parse(latin1, Mode.EXECUTE, ErasureReason.OTHER))).containsExactly("file: not valid UTF-8");
        CsvIntake small = new CsvIntake(IntakeRules.defaults().withMaxItems(2));
        assertThat(errors(small.parse("contributor_id,email_address\n1,a@b.test\n2,c@b.test\n3,d@b.test\n", Mode.EXECUTE, ErasureReason.OTHER)))
                .containsExactly("file: 3 rows, more than the limit of 2");
    }

    @Test
    void emailMayBeEmptyWhenIdentifiersAreResolved() {
        CsvIntake resolving = new CsvIntake(IntakeRules.defaults());
        Intake i = resolving.parse("contributor_id,email_address\n1001,\n", Mode.DRY_RUN, ErasureReason.OTHER);
        assertThat(((Intake.Accepted) i).items().getFirst().emails()).isEmpty();
    }

    @Test
    void emailSyntax() {
        assertThat(EmailSyntax.isValid("contributor.1000001@example.test")).isTrue();
        assertThat(EmailSyntax.isValid("a+tag@sub.example.co.uk")).isTrue();
        for (String bad : new String[] {"plain", "@example.test", "a@", "a@localhost", "a..b@example.test", "a@-x.test",
                "a b@example.test", "a@example.123", ".a@example.test"}) {
            assertThat(EmailSyntax.isValid(bad)).as(bad).isFalse();
        }
    }
}

package org.erasure.sink.jdbc;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.erasure.sink.jdbc.TableMapping.Strategy;
import org.junit.jupiter.api.Test;

class MappingValidatorTest {

    private static final MappingRules<Void> RULES = new MappingRules<>("s", null, List.of(Strategy.FIXED, Strategy.NULL, Strategy.HMAC),
            List.of(), (entry, here) -> null);

    /** A dialect with types "int" (ids), "text", "date"; checking nullability or not. */
    private record Dialect(boolean checksNull) implements CatalogDialect {
        @Override
        public String container() {
            return "schema 'x'";
        }

        @Override
        public Map<String, Column> columns(Connection c, String table, String where) {
            return Map.of();
        }

        @Override
        public boolean isIdType(String type) {
            return type.equals("int") || type.equals("text");
        }

        @Override
        public String idTypes() {
            return "int, text";
        }

        @Override
        public boolean isText(String type) {
            return type.equals("text");
        }

        @Override
        public String textWord() {
            return "text";
        }

        @Override
        public String nullableWord() {
            return checksNull ? "Nullable" : null;
        }
    }

    private static final Map<String, Column> PEOPLE = Stream.of(
                    new Column("id", "int", false, List.of()),
                    new Column("born", "date", true, List.of()),
                    new Column("email", "text", false, List.of()),
                    new Column("name", "text", true, List.of()))
            .collect(Collectors.toMap(Column::name, Function.identity()));

    private static TableMapping<Void> entry(String hocon) {
        return RULES.parse(ConfigFactory.parseString("tables = [ { table = people, " + hocon + " } ]")).getFirst();
    }

    private static void check(boolean checksNull, String hocon) {
        MappingValidator.check(new Dialect(checksNull), entry(hocon), "s.tables[0] (people)", PEOPLE);
    }

    @Test
    void aMappingThatFitsTheTablePasses() {
        assertThatCode(() -> check(true, "action = mask, contributor-column = id, email-column = email,"
                + " columns { email { strategy = fixed, value = X }, name { strategy = null } }")).doesNotThrowAnyException();
        assertThatCode(() -> check(false, "action = mask, contributor-column = id, columns { email { strategy = null } }"))
                .as("a dialect that leaves NOT NULL to the database").doesNotThrowAnyException();
    }

    @Test
    void errorsNameTheEntryTheKeyAndTheColumn() {
        assertThatThrownBy(() -> check(true, "action = delete, contributor-column = uid"))
                .hasMessage("s.tables[0] (people): contributor-column 'uid' not found in table");
        assertThatThrownBy(() -> check(true, "action = delete, contributor-column = born"))
                .hasMessage("s.tables[0] (people): contributor-column 'born' has type date; supported: int, text");
        assertThatThrownBy(() -> check(true, "action = delete, contributor-column = id, email-column = mail"))
                .hasMessage("s.tables[0] (people): email-column 'mail' not found in table");
        assertThatThrownBy(() -> check(true, "action = delete, contributor-column = id, email-column = born"))
                .hasMessage("s.tables[0] (people): email-column 'born' must be a text column (is date)");
        assertThatThrownBy(() -> check(true, "action = mask, contributor-column = id, columns { \"emial\\\"; DROP\" { strategy = null } }"))
                .hasMessage("s.tables[0] (people): columns 'emial\"; DROP' not found in table");
        assertThatThrownBy(() -> check(true, "action = mask, contributor-column = id, columns { born { strategy = fixed, value = x } }"))
                .hasMessage("s.tables[0] (people): column 'born' is date; strategy fixed needs a text column");
        assertThatThrownBy(() -> check(true, "action = mask, contributor-column = id, columns { born { strategy = hmac } }"))
                .hasMessage("s.tables[0] (people): column 'born' is date; strategy hmac needs a text column");
        assertThatThrownBy(() -> check(true, "action = mask, contributor-column = id, columns { email { strategy = null } }"))
                .hasMessage("s.tables[0] (people): column 'email' is text; strategy null needs a Nullable column");
    }

    @Test
    void aMissingTableNamesTheContainer() {
        assertThatThrownBy(() -> MappingValidator.check(null, new Dialect(true), entry("action = delete, contributor-column = id"), "s.tables[0] (people)"))
                .hasMessage("s.tables[0] (people): table 'people' not found in schema 'x'");
    }
}

package org.erasure.sink.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import org.erasure.sink.jdbc.TableMapping.Action;
import org.erasure.sink.jdbc.TableMapping.ColumnStrategy;
import org.erasure.sink.jdbc.TableMapping.Strategy;
import org.junit.jupiter.api.Test;

class MappingRulesTest {

    /** Like PostgreSQL's: action required, three strategies, a mask-only extra key. */
    private static final MappingRules<String> STRICT = new MappingRules<>("pg", null, List.of(Strategy.FIXED, Strategy.NULL, Strategy.HMAC),
            List.of("erased-at-column"), (entry, here) -> entry.hasPath("erased-at-column") ? entry.getString("erased-at-column") : null);

    /** Like ClickHouse's: mask by default, no hmac, an extra with a default. */
    private static final MappingRules<String> LENIENT = new MappingRules<>("ch", Action.MASK, List.of(Strategy.FIXED, Strategy.NULL),
            List.of(), (entry, here) -> entry.hasPath("mode") ? entry.getString("mode") : "default");

    private static Config tables(String hocon) {
        return ConfigFactory.parseString("tables = [" + hocon + "]");
    }

    @Test
    void parsesEntriesInOrderWithTheirColumns() {
        List<TableMapping<String>> t = STRICT.parse(tables("""
                { table = jobs, action = delete, contributor-column = contributor_id }
                { table = people, action = MASK, contributor-column = id, email-column = email, erased-at-column = erased_at,
                  columns { email { strategy = fixed, value = "DELETED_USER" }, "last.name" { strategy = null }, first_name { strategy = "null" }, h { strategy = hmac } } }
                """));
        assertThat(t).extracting(TableMapping::table).containsExactly("jobs", "people");
        assertThat(t.getFirst().action()).isEqualTo(Action.DELETE);
        assertThat(t.getFirst().hasEmail()).isFalse();
        assertThat(t.getFirst().extra()).isNull();
        TableMapping<String> people = t.get(1);
        assertThat(people.action()).isEqualTo(Action.MASK);
        assertThat(people.emailColumn()).isEqualTo("email");
        assertThat(people.extra()).isEqualTo("erased_at");
        assertThat(people.columns().keySet()).containsExactlyInAnyOrder("email", "last.name", "first_name", "h");
        assertThat(people.columns().get("email")).isEqualTo(new ColumnStrategy(Strategy.FIXED, "DELETED_USER"));
        assertThat(people.columns().get("last.name").strategy()).isEqualTo(Strategy.NULL);
        assertThat(people.columns().get("first_name").strategy()).isEqualTo(Strategy.NULL);
        assertThat(people.columns().get("h").strategy()).isEqualTo(Strategy.HMAC);
    }

    @Test
    void theDefaultActionAndExtraApplyWhereAnEntryHasNone() {
        TableMapping<String> t = LENIENT.parse(tables("{ table = m, contributor-column = c, columns { e { strategy = fixed, value = x } } }")).getFirst();
        assertThat(t.action()).isEqualTo(Action.MASK);
        assertThat(t.extra()).isEqualTo("default");
    }

    @Test
    void errorsNameTheEntryTheTableAndTheColumn() {
        assertThatThrownBy(() -> STRICT.parse(tables(""))).hasMessage("pg.tables: at least one table must be mapped");
        assertThatThrownBy(() -> STRICT.parse(tables("{ table = a, action = delete, contributor-column = c }, { table = t, action = shred, contributor-column = c }")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("pg.tables[1] (t): action must be delete or mask");
        assertThatThrownBy(() -> STRICT.parse(tables("{ table = t, contributor-column = c }")))
                .as("required by these rules").isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("pg.tables[0]: ").hasMessageContaining("'action'");
        assertThatThrownBy(() -> STRICT.parse(tables("{ table = t, action = delete }")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("pg.tables[0]: ").hasMessageContaining("contributor-column");
        assertThatThrownBy(() -> STRICT.parse(tables("{ table = t, action = mask, contributor-column = c, columns { e { strategy = shred } } }")))
                .hasMessage("pg.tables[0] (t): column e: strategy must be fixed, null or hmac");
        assertThatThrownBy(() -> LENIENT.parse(tables("{ table = t, contributor-column = c, columns { e { strategy = hmac } } }")))
                .hasMessage("ch.tables[0] (t): column e: strategy must be fixed or null");
        assertThatThrownBy(() -> STRICT.parse(tables("{ table = t, action = mask, contributor-column = c, columns { e { strategy = fixed } } }")))
                .hasMessage("pg.tables[0] (t): column e: fixed strategy needs a value");
        assertThatThrownBy(() -> STRICT.parse(tables("{ table = t, action = mask, contributor-column = c }")))
                .hasMessage("pg.tables[0] (t): action mask needs at least one entry in columns");
        assertThatThrownBy(() -> STRICT.parse(tables("{ table = t, action = delete, contributor-column = c, erased-at-column = at }")))
                .hasMessage("pg.tables[0] (t): columns/erased-at-column only apply to action mask");
        assertThatThrownBy(() -> LENIENT.parse(tables("{ table = t, action = delete, contributor-column = c, columns { e { strategy = null } } }")))
                .hasMessage("ch.tables[0] (t): columns only apply to action mask");
        assertThatThrownBy(() -> LENIENT.parse(tables("{ table = t, contributor-column = c, columns { c { strategy = null } } }")))
                .hasMessage("ch.tables[0] (t): the contributor-column 'c' is only used to match rows and cannot be masked");
    }
}

package org.erasure.sink.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.erasure.sink.jdbc.TableMapping.ColumnStrategy;
import org.erasure.sink.jdbc.TableMapping.Strategy;

/**
 * The mapping checked against the live catalog at start, once for every JDBC dialect: the table exists,
 * every named column exists, the contributor-column has an id type, the email-column and the columns of
 * the fixed and hmac strategies hold text, the columns of the null strategy take NULL (where the dialect
 * checks it). Errors name the entry, table and column: {@code postgres.tables[2] (people): columns 'emial'
 * not found in table}. Every name that reaches SQL was found here.
 */
public final class MappingValidator {

    /** Turns one checked entry and its table's columns into the dialect's resolved table (its own checks too). */
    @FunctionalInterface
    public interface Resolver<E, R> {
        R resolve(TableMapping<E> mapping, String where, Map<String, Column> columns) throws SQLException;
    }

    private MappingValidator() {}

    public static <E, R> List<R> resolve(Connection c, CatalogDialect dialect, String section, List<TableMapping<E>> tables,
                                         Resolver<E, R> resolver) throws SQLException {
        List<R> resolved = new ArrayList<>();
        for (int i = 0; i < tables.size(); i++) {
            TableMapping<E> t = tables.get(i);
            String where = TableMapping.where(section, i, t.table());
            resolved.add(resolver.resolve(t, where, check(c, dialect, t, where)));
        }
        return resolved;
    }

    /** The columns of {@code t}'s table, after the common checks. */
    static Map<String, Column> check(Connection c, CatalogDialect dialect, TableMapping<?> t, String where) throws SQLException {
        Map<String, Column> columns = dialect.columns(c, t.table(), where);
        if (columns.isEmpty()) {
            throw new IllegalArgumentException(where + ": table '" + t.table() + "' not found in " + dialect.container());
        }
        check(dialect, t, where, columns);
        return columns;
    }

    /** The checks of {@code t} against its table's {@code columns} (pure: unit-tested). */
    static void check(CatalogDialect dialect, TableMapping<?> t, String where, Map<String, Column> columns) {
        Column id = require(columns, t.contributorColumn(), where, "contributor-column");
        if (!dialect.isIdType(id.type())) {
            throw new IllegalArgumentException(where + ": contributor-column '" + id.name() + "' has type " + id.type()
                    + "; supported: " + dialect.idTypes());
        }
        if (t.hasEmail()) {
            Column email = require(columns, t.emailColumn(), where, "email-column");
            if (!dialect.isText(email.type())) {
                throw new IllegalArgumentException(where + ": email-column '" + email.name() + "' must be a " + dialect.textWord()
                        + " column (is " + email.type() + ")");
            }
        }
        for (Map.Entry<String, ColumnStrategy> e : t.columns().entrySet()) {
            Column col = require(columns, e.getKey(), where, "columns");
            Strategy s = e.getValue().strategy();
            boolean fits = s == Strategy.NULL ? col.nullable() || dialect.nullableWord() == null : dialect.isText(col.type());
            if (!fits) {
                throw new IllegalArgumentException(where + ": column '" + col.name() + "' is " + col.type() + "; strategy "
                        + s.name().toLowerCase(Locale.ROOT) + " needs a "
                        + (s == Strategy.NULL ? dialect.nullableWord() : dialect.textWord()) + " column");
            }
        }
    }

    /** The named column, or an error naming the key that names it. */
    public static Column require(Map<String, Column> columns, String column, String where, String key) {
        Column c = columns.get(column);
        if (c == null) {
            throw new IllegalArgumentException(where + ": " + key + " '" + column + "' not found in table");
        }
        return c;
    }
}

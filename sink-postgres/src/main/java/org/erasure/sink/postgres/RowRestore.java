package org.erasure.sink.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.erasure.sink.postgres.Catalog.ResolvedTable;
import org.erasure.sink.postgres.PostgresErasureStore.Sql;

/**
 * Puts one table's {@link RowImages} back, one statement per table and kind, the images bound as one
 * {@code text[]} and unpacked by PostgreSQL ({@code jsonb_populate_record} gives every value its column type back).
 * Only what is still erased comes back:
 * <ul>
 *   <li>deleted rows are inserted only where absent: {@code ON CONFLICT DO NOTHING} (any unique key); a table
 *       without a primary key also skips a row whose exact copy is there;</li>
 *   <li>a masked column is set back only where it still holds the value the erasure wrote; the erased-at
 *       column gets its previous value back only when every masked column of the row is back.</li>
 * </ul>
 * Duplicate elements (a re-run that kept its images again) are collapsed by {@code DISTINCT}.
 */
final class RowRestore {
    private static final String ROW = "_r";
    private static final String TABLE = "_t";
    private static final String IMAGE = "_d";

    private RowRestore() {
    }

    /** Re-inserts the deleted rows that are absent; returns how many. */
    static long deleted(Connection c, ResolvedTable t, List<String> contents) throws SQLException {
        String table = t.qualifiedName();
        String cols = String.join(", ", t.insertable().stream().map(Catalog::quote).toList());
        String values = String.join(", ", t.insertable().stream().map(col -> ROW + "." + Catalog.quote(col)).toList());
        Sql sql = new Sql("INSERT INTO ").append(table).append(" (" + cols + ") OVERRIDING SYSTEM VALUE SELECT " + values)
                .append(" FROM (SELECT DISTINCT e FROM unnest(").param(c.createArrayOf("text", contents.toArray()))
                .append(") AS img(doc), jsonb_array_elements(img.doc::jsonb -> '" + RowImages.DELETE + "') AS e) " + IMAGE)
                .append(", LATERAL jsonb_populate_record(NULL::" + table + ", " + IMAGE + ".e -> 1) AS " + ROW);
        if (t.primaryKey().isEmpty()) {
            // No key to conflict on: an exact copy of the row being there means it is not erased any more.
            String contributor = Catalog.quote(t.mapping().contributorColumn());
            sql.append(" WHERE NOT EXISTS (SELECT 1 FROM " + table + " x WHERE x." + contributor + " IS NOT DISTINCT FROM "
                    + ROW + "." + contributor + " AND to_jsonb(x.*) = " + IMAGE + ".e -> 1)");
        }
        sql.append(" ON CONFLICT DO NOTHING");
        try (PreparedStatement ps = sql.prepare(c)) {
            return ps.executeUpdate();
        }
    }

    /** Sets masked columns back where they still hold the mask; returns the rows changed. */
    static long masked(Connection c, ResolvedTable t, List<String> contents) throws SQLException {
        String table = t.qualifiedName();
        List<String> masked = t.mapping().columns().keySet().stream().map(Catalog::quote).toList();
        List<String> sets = new ArrayList<>();
        List<String> stillMasked = new ArrayList<>();
        List<String> back = new ArrayList<>();
        for (String col : masked) {
            String now = TABLE + "." + col;
            String mask = "(" + IMAGE + ".m)." + col;
            String old = "(" + IMAGE + ".o)." + col;
            sets.add(col + " = CASE WHEN " + now + " IS NOT DISTINCT FROM " + mask + " THEN " + old + " ELSE " + now + " END");
            stillMasked.add("(" + now + " IS NOT DISTINCT FROM " + mask + " AND " + now + " IS DISTINCT FROM " + old + ")");
            back.add("(" + now + " IS NOT DISTINCT FROM " + mask + " OR " + now + " IS NOT DISTINCT FROM " + old + ")");
        }
        if (t.erasedAtColumn() != null) {
            String col = Catalog.quote(t.erasedAtColumn());
            sets.add(col + " = CASE WHEN " + String.join(" AND ", back) + " THEN (" + IMAGE + ".o)." + col
                    + " ELSE " + TABLE + "." + col + " END");
        }
        List<String> key = new ArrayList<>();
        for (String col : identity(t)) {
            String q = Catalog.quote(col);
            // A primary key is never null and compares with '=' (indexed); the fallback identity may hold nulls.
            key.add(TABLE + "." + q + (t.primaryKey().isEmpty() ? " IS NOT DISTINCT FROM " : " = ") + "(" + IMAGE + ".k)." + q);
        }
        Sql sql = new Sql("UPDATE ").append(table).append(" AS " + TABLE + " SET ").append(String.join(", ", sets))
                .append(" FROM (SELECT jsonb_populate_record(NULL::" + table + ", e -> 0) AS k, jsonb_populate_record(NULL::"
                        + table + ", e -> 1) AS o, jsonb_populate_record(NULL::" + table + ", e -> 2) AS m FROM (SELECT DISTINCT e FROM unnest(")
                .param(c.createArrayOf("text", contents.toArray()))
                .append(") AS img(doc), jsonb_array_elements(img.doc::jsonb -> '" + RowImages.MASK + "') AS e) u) " + IMAGE)
                .append(" WHERE " + String.join(" AND ", key) + " AND (" + String.join(" OR ", stillMasked) + ")");
        try (PreparedStatement ps = sql.prepare(c)) {
            return ps.executeUpdate();
        }
    }

    /**
     * How a masked row is found again: its primary key, or without one every column that the erasure leaves
     * as it is (not masked, not the erased-at column).
     */
    static List<String> identity(ResolvedTable t) {
        if (!t.primaryKey().isEmpty()) {
            return t.primaryKey();
        }
        return t.insertable().stream()
                .filter(col -> !t.mapping().columns().containsKey(col) && !col.equals(t.erasedAtColumn()))
                .toList();
    }
}

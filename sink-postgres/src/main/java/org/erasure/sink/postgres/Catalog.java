package org.erasure.sink.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Validates the mapping against the catalog at startup and resolves column types (for typed array
 * parameters). Every name that ends up in SQL was found here, and is still quoted ({@link #quote}).
 */
final class Catalog {

    static final Set<String> ID_TYPES = Set.of("int2", "int4", "int8", "text", "varchar", "bpchar", "uuid");
    static final Set<String> TEXT_TYPES = Set.of("text", "varchar", "bpchar");
    static final Set<String> TIME_TYPES = Set.of("timestamptz", "timestamp", "date");

    private Catalog() {}

    /** A mapped table whose columns exist, with the catalog type name ({@code pg_type.typname}) of each used column. */
    record ResolvedTable(TableMapping mapping, String qualifiedName, Map<String, String> types) {
        String type(String column) {
            return types.get(column);
        }
    }

    static List<ResolvedTable> resolve(Connection c, String schema, List<TableMapping> tables, boolean hmacKeyPresent) throws SQLException {
        List<ResolvedTable> resolved = new ArrayList<>();
        for (int i = 0; i < tables.size(); i++) {
            TableMapping t = tables.get(i);
            String where = "postgres.tables[" + i + "] (" + t.table() + ")";
            Map<String, String> columns = columns(c, schema, t.table());
            if (columns.isEmpty()) {
                throw new IllegalArgumentException(where + ": table '" + t.table() + "' not found in schema '" + schema + "'");
            }
            Map<String, String> used = new HashMap<>();
            require(columns, t.contributorColumn(), where, "contributor-column", used);
            if (!ID_TYPES.contains(used.get(t.contributorColumn()))) {
                throw new IllegalArgumentException(where + ": contributor-column '" + t.contributorColumn() + "' has type "
                        + used.get(t.contributorColumn()) + "; supported: " + ID_TYPES);
            }
            if (t.hasEmail()) {
                require(columns, t.emailColumn(), where, "email-column", used);
                if (!TEXT_TYPES.contains(used.get(t.emailColumn()))) {
                    throw new IllegalArgumentException(where + ": email-column '" + t.emailColumn() + "' must be a text column");
                }
            }
            for (Map.Entry<String, TableMapping.ColumnStrategy> e : t.columns().entrySet()) {
                require(columns, e.getKey(), where, "columns", used);
                TableMapping.Strategy s = e.getValue().strategy();
                if (s != TableMapping.Strategy.NULL && !TEXT_TYPES.contains(used.get(e.getKey()))) {
                    throw new IllegalArgumentException(where + ": column '" + e.getKey() + "' is " + used.get(e.getKey())
                            + "; strategy " + s.name().toLowerCase() + " needs a text column");
                }
                if (s == TableMapping.Strategy.HMAC && !hmacKeyPresent) {
                    throw new IllegalArgumentException(where + ": column '" + e.getKey() + "' uses hmac but postgres.hmac-key is not set (>= 16 bytes)");
                }
                if (e.getKey().equals(t.contributorColumn())) {
                    throw new IllegalArgumentException(where + ": the contributor-column cannot be masked (rows would no longer be found)");
                }
            }
            if (t.erasedAtColumn() != null) {
                require(columns, t.erasedAtColumn(), where, "erased-at-column", used);
                if (!TIME_TYPES.contains(used.get(t.erasedAtColumn()))) {
                    throw new IllegalArgumentException(where + ": erased-at-column '" + t.erasedAtColumn() + "' must be a timestamp or date column");
                }
            }
            resolved.add(new ResolvedTable(t, quote(schema) + "." + quote(t.table()), used));
        }
        return resolved;
    }

    private static void require(Map<String, String> columns, String column, String where, String key, Map<String, String> used) {
        String type = columns.get(column);
        if (type == null) {
            throw new IllegalArgumentException(where + ": " + key + " '" + column + "' not found in table");
        }
        used.put(column, type);
    }

    private static Map<String, String> columns(Connection c, String schema, String table) throws SQLException {
        String sql = """
                SELECT a.attname, t.typname
                  FROM pg_catalog.pg_attribute a
                  JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
                  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
                 WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p')
                   AND a.attnum > 0 AND NOT a.attisdropped""";
        Map<String, String> columns = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return columns;
    }

    /** SQL identifier quoting (the names were validated against the catalog already). */
    static String quote(String identifier) {
        if (identifier.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("identifier contains NUL");
        }
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}

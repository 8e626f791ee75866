package org.erasure.sink.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.erasure.sink.jdbc.CatalogDialect;
import org.erasure.sink.jdbc.Column;
import org.erasure.sink.jdbc.MappingRules;
import org.erasure.sink.jdbc.MappingValidator;
import org.erasure.sink.jdbc.TableMapping;
import org.erasure.sink.jdbc.TableMapping.Strategy;

/**
 * PostgreSQL's side of the shared mapping checks ({@link MappingValidator}): columns from
 * {@code pg_catalog}, the type names, and what only PostgreSQL has (the hmac strategy needs
 * {@code postgres.hmac-key}; the erased-at column is a timestamp or date). Every name that ends up in
 * SQL was found here, and is still quoted ({@link #quote}).
 */
final class Catalog implements CatalogDialect {

    static final List<String> ID_TYPES = List.of("int2", "int4", "int8", "text", "varchar", "bpchar", "uuid");
    static final List<String> TEXT_TYPES = List.of("text", "varchar", "bpchar");
    static final List<String> TIME_TYPES = List.of("timestamptz", "timestamp", "date");

    /** {@code postgres.tables}: action required; fixed, null or hmac; the extra is the optional erased-at column. */
    static final MappingRules<String> RULES = new MappingRules<>("postgres", null, List.of(Strategy.FIXED, Strategy.NULL, Strategy.HMAC),
            List.of("erased-at-column"), (entry, here) -> entry.hasPath("erased-at-column") ? entry.getString("erased-at-column") : null);

    private final String schema;

    private Catalog(String schema) {
        this.schema = schema;
    }

    /**
     * A mapped table whose columns exist, with the catalog type name ({@code pg_type.typname}) of each column.
     *
     * @param primaryKey  its primary key columns (empty: none), how a masked row is found again on restore
     * @param insertable  its columns a restore may write (not generated), in table order
     */
    record ResolvedTable(TableMapping<String> mapping, String qualifiedName, Map<String, Column> columns,
                         List<String> primaryKey, List<String> insertable) {
        String type(String column) {
            return columns.get(column).type();
        }

        String idType() {
            return type(mapping.contributorColumn());
        }

        /** Set to now() on the rows masked; null if not mapped. */
        String erasedAtColumn() {
            return mapping.extra();
        }
    }

    static List<ResolvedTable> resolve(Connection c, String schema, List<TableMapping<String>> tables, boolean hmacKeyPresent) throws SQLException {
        return MappingValidator.resolve(c, new Catalog(schema), "postgres", tables, (t, where, columns) -> {
            t.columns().forEach((column, s) -> {
                if (s.strategy() == Strategy.HMAC && !hmacKeyPresent) {
                    throw new IllegalArgumentException(where + ": column '" + column + "' uses hmac but postgres.hmac-key is not set (>= 16 bytes)");
                }
            });
            if (t.extra() != null) {
                Column at = MappingValidator.require(columns, t.extra(), where, "erased-at-column");
                if (!TIME_TYPES.contains(at.type())) {
                    throw new IllegalArgumentException(where + ": erased-at-column '" + at.name() + "' must be a timestamp or date column");
                }
            }
            return new ResolvedTable(t, quote(schema) + "." + quote(t.table()), columns,
                    primaryKey(c, schema, t.table()), insertable(c, schema, t.table()));
        });
    }

    private static List<String> primaryKey(Connection c, String schema, String table) throws SQLException {
        return names(c, schema, table, """
                SELECT a.attname
                  FROM pg_catalog.pg_index i
                  JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
                  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey)
                 WHERE n.nspname = ? AND c.relname = ? AND i.indisprimary
                 ORDER BY array_position(i.indkey::int2[], a.attnum)""");
    }

    private static List<String> insertable(Connection c, String schema, String table) throws SQLException {
        return names(c, schema, table, """
                SELECT a.attname
                  FROM pg_catalog.pg_attribute a
                  JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
                  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = ? AND c.relname = ? AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
                 ORDER BY a.attnum""");
    }

    private static List<String> names(Connection c, String schema, String table, String sql) throws SQLException {
        List<String> names = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
        }
        return List.copyOf(names);
    }

    @Override
    public String container() {
        return "schema '" + schema + "'";
    }

    @Override
    public Map<String, Column> columns(Connection c, String table, String where) throws SQLException {
        String sql = """
                SELECT a.attname, t.typname, NOT a.attnotnull
                  FROM pg_catalog.pg_attribute a
                  JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
                  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
                 WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p')
                   AND a.attnum > 0 AND NOT a.attisdropped
                 ORDER BY a.attnum""";
        Map<String, Column> columns = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.put(rs.getString(1), new Column(rs.getString(1), rs.getString(2), rs.getBoolean(3), List.of()));
                }
            }
        }
        return columns;
    }

    @Override
    public boolean isIdType(String type) {
        return ID_TYPES.contains(type);
    }

    @Override
    public String idTypes() {
        return String.join(", ", ID_TYPES);
    }

    @Override
    public boolean isText(String type) {
        return TEXT_TYPES.contains(type);
    }

    @Override
    public String textWord() {
        return "text";
    }

    /** Not checked at start: PostgreSQL refuses NULL in a NOT NULL column itself (23502) and the batch rolls back. */
    @Override
    public String nullableWord() {
        return null;
    }

    /** SQL identifier quoting (the names were validated against the catalog already). */
    static String quote(String identifier) {
        if (identifier.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("identifier contains NUL");
        }
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}

package org.erasure.e2e.bench.pipeline.direct;

import com.typesafe.config.Config;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * PostgreSQL with the {@code postgres.tables} mapping: a DELETE or a masking UPDATE per table, in
 * list order, one transaction per unit of work (one contributor, or the whole set with
 * {@code = ANY(?)}).
 */
public final class PostgresDirect implements DirectEraser {

    /** One mapped table with its statement's SQL parts. */
    private record Table(String qualifiedName, boolean delete, String contributorColumn, String idType,
                         String emailColumn, String setClause, List<String> fixedValues) {}

    private final Connection connection;
    private final List<Table> tables = new ArrayList<>();

    public PostgresDirect(Connection connection) {
        this.connection = connection;
        Config mapping = DefaultMapping.section("postgres");
        String schema = mapping.getString("schema");
        try {
            connection.setAutoCommit(false);
            for (Config t : mapping.getConfigList("tables")) {
                String table = t.getString("table");
                String contributorColumn = t.getString("contributor-column");
                String emailColumn = t.hasPath("email-column") ? t.getString("email-column") : null;
                boolean delete = t.getString("action").equals("delete");
                StringBuilder set = new StringBuilder();
                List<String> values = new ArrayList<>();
                if (!delete) {
                    for (Map.Entry<String, Object> column : t.getConfig("columns").root().unwrapped().entrySet()) {
                        Config strategy = t.getConfig("columns").getConfig(quoteKey(column.getKey()));
                        set.append(set.isEmpty() ? "" : ", ").append(quote(column.getKey())).append(" = ");
                        switch (strategy.getString("strategy")) {
                            case "fixed" -> {
                                set.append('?');
                                values.add(strategy.getString("value"));
                            }
                            case "null" -> set.append("NULL");
                            default -> throw new IllegalStateException("postgres." + table + "." + column.getKey()
                                    + ": strategy " + strategy.getString("strategy") + " is not supported by the benchmark");
                        }
                    }
                    if (t.hasPath("erased-at-column")) {
                        set.append(", ").append(quote(t.getString("erased-at-column"))).append(" = now()");
                    }
                }
                tables.add(new Table(quote(schema) + "." + quote(table), delete, quote(contributorColumn),
                        columnType(schema, table, contributorColumn), emailColumn == null ? null : quote(emailColumn),
                        set.toString(), values));
            }
            connection.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL mapping: " + e.getMessage(), e);
        }
    }

    @Override
    public String store() {
        return "postgres";
    }

    @Override
    public Erased eraseOne(Subject subject) {
        return inTransaction(() -> {
            Erased erased = Erased.NONE;
            for (Table t : tables) {
                String where = t.contributorColumn() + " = CAST(? AS " + t.idType() + ")"
                        + (t.emailColumn() == null ? "" : " OR " + t.emailColumn() + " = ?");
                try (PreparedStatement s = connection.prepareStatement(statement(t, where))) {
                    int i = bindSet(s, t);
                    s.setString(i++, subject.contributorId());
                    if (t.emailColumn() != null) {
                        s.setString(i, subject.email());
                    }
                    erased = erased.plus(counted(t, s.executeUpdate()));
                }
            }
            return erased;
        });
    }

    @Override
    public Erased eraseAll(List<Subject> subjects) {
        return inTransaction(() -> {
            Array ids = connection.createArrayOf("text", subjects.stream().map(Subject::contributorId).toArray());
            Array emails = connection.createArrayOf("text", subjects.stream().map(Subject::email).toArray());
            Erased erased = Erased.NONE;
            for (Table t : tables) {
                String where = t.contributorColumn() + " = ANY(CAST(? AS " + t.idType() + "[]))"
                        + (t.emailColumn() == null ? "" : " OR " + t.emailColumn() + " = ANY(?)");
                try (PreparedStatement s = connection.prepareStatement(statement(t, where))) {
                    int i = bindSet(s, t);
                    s.setArray(i++, ids);
                    if (t.emailColumn() != null) {
                        s.setArray(i, emails);
                    }
                    erased = erased.plus(counted(t, s.executeUpdate()));
                }
            }
            return erased;
        });
    }

    private static String statement(Table t, String where) {
        return t.delete() ? "DELETE FROM " + t.qualifiedName() + " WHERE " + where
                : "UPDATE " + t.qualifiedName() + " SET " + t.setClause() + " WHERE " + where;
    }

    private static int bindSet(PreparedStatement s, Table t) throws SQLException {
        int i = 1;
        for (String value : t.fixedValues()) {
            s.setString(i++, value);
        }
        return i;
    }

    private static Erased counted(Table t, int rows) {
        return t.delete() ? new Erased(rows, 0) : new Erased(0, rows);
    }

    private interface SqlWork {
        Erased run() throws SQLException;
    }

    private Erased inTransaction(SqlWork work) {
        try {
            Erased erased = work.run();
            connection.commit();
            return erased;
        } catch (SQLException e) {
            try {
                connection.rollback();
            } catch (SQLException ignored) {
                // the original failure is the one to report
            }
            throw new IllegalStateException("PostgreSQL erasure failed: " + e.getMessage(), e);
        }
    }

    /** The contributor column's SQL type (e.g. bigint), so ids bind as text and cast once, index-friendly. */
    private String columnType(String schema, String table, String column) throws SQLException {
        try (PreparedStatement s = connection.prepareStatement(
                "SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
                        + " WHERE a.attrelid = CAST(? AS regclass) AND a.attname = ? AND NOT a.attisdropped")) {
            s.setString(1, quote(schema) + "." + quote(table));
            s.setString(2, column);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("postgres: no column " + column + " in " + schema + "." + table);
                }
                return rs.getString(1);
            }
        }
    }

    private static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    private static String quoteKey(String key) {
        return '"' + key.replace("\"", "\\\"") + '"';
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // closing a connection to a local server
        }
    }
}

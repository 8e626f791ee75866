package org.erasure.e2e.bench.pipeline.direct;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.erasure.devstack.clickhouse.ClickHouseServer;

/**
 * ClickHouse with the {@code clickhouse.tables} mapping: per table a count of the rows still to
 * erase and one {@code ALTER TABLE ... UPDATE} (or {@code DELETE}) mutation with
 * {@code mutations_sync = 2}. The old way issues one per contributor and table; the lower bound one
 * per table, with the ids in a Memory table (never literals, never a session temporary table).
 */
public final class ClickHouseDirect implements DirectEraser {

    private static final String IDS_TABLE = "bench_lower_bound_subjects";

    private record Table(String qualifiedName, boolean delete, String contributorColumn, String idType,
                         String emailColumn, String setClause, String alreadyMasked) {}

    private final ClickHouseServer clickhouse;
    private final String database;
    private final List<Table> tables = new ArrayList<>();

    public ClickHouseDirect(ClickHouseServer clickhouse) {
        this.clickhouse = clickhouse;
        Config mapping = DefaultMapping.section("clickhouse");
        this.database = mapping.getString("database");
        for (Config t : mapping.getConfigList("tables")) {
            String table = t.getString("table");
            boolean delete = t.hasPath("action") && t.getString("action").equals("delete");
            String contributorColumn = t.getString("contributor-column");
            StringBuilder set = new StringBuilder();
            StringBuilder masked = new StringBuilder();
            if (!delete) {
                for (Map.Entry<String, Object> column : t.getConfig("columns").root().unwrapped().entrySet()) {
                    Config strategy = t.getConfig("columns").getConfig('"' + column.getKey() + '"');
                    String value = switch (strategy.getString("strategy")) {
                        case "fixed" -> literal(strategy.getString("value"));
                        case "null" -> "NULL";
                        default -> throw new IllegalStateException("clickhouse." + table + "." + column.getKey()
                                + ": strategy " + strategy.getString("strategy") + " is not supported by the benchmark");
                    };
                    set.append(set.isEmpty() ? "" : ", ").append(ident(column.getKey())).append(" = ").append(value);
                    masked.append(masked.isEmpty() ? "" : " AND ").append(ident(column.getKey()))
                            .append(value.equals("NULL") ? " IS NULL" : " = " + value);
                }
            }
            tables.add(new Table(ident(database) + "." + ident(table), delete, ident(contributorColumn),
                    columnType(table, contributorColumn), t.hasPath("email-column") ? ident(t.getString("email-column")) : null,
                    set.toString(), masked.isEmpty() ? "0" : masked.toString()));
        }
    }

    @Override
    public String store() {
        return "clickhouse";
    }

    @Override
    public Erased eraseOne(Subject subject) {
        Erased erased = Erased.NONE;
        for (Table t : tables) {
            String where = t.contributorColumn() + " = " + idLiteral(t, subject.contributorId())
                    + (t.emailColumn() == null ? "" : " OR " + t.emailColumn() + " = " + literal(subject.email()));
            erased = erased.plus(mutate(t, where));
        }
        return erased;
    }

    @Override
    public Erased eraseAll(List<Subject> subjects) {
        String ids = ident(database) + "." + IDS_TABLE;
        clickhouse.query("DROP TABLE IF EXISTS " + ids);
        clickhouse.query("CREATE TABLE " + ids + " (id String, email String) ENGINE = Memory");
        try {
            StringBuilder rows = new StringBuilder("INSERT INTO " + ids + " FORMAT TabSeparated\n");
            for (Subject s : subjects) {
                rows.append(tsv(s.contributorId())).append('\t').append(tsv(s.email())).append('\n');
            }
            clickhouse.query(rows.toString());
            Erased erased = Erased.NONE;
            for (Table t : tables) {
                String where = t.contributorColumn() + " IN (SELECT CAST(id AS " + t.idType() + ") FROM " + ids + ")"
                        + (t.emailColumn() == null ? "" : " OR " + t.emailColumn() + " IN (SELECT email FROM " + ids + ")");
                erased = erased.plus(mutate(t, where));
            }
            return erased;
        } finally {
            clickhouse.query("DROP TABLE IF EXISTS " + ids);
        }
    }

    /** Counts what is left to erase (the old script printed these counts), then runs the mutation and waits for it. */
    private Erased mutate(Table t, String where) {
        long rows = Long.parseLong(clickhouse.query("SELECT count() FROM " + t.qualifiedName() + " WHERE (" + where + ")"
                + (t.delete() ? "" : " AND NOT (" + t.alreadyMasked() + ")")).strip());
        String action = t.delete() ? "DELETE" : "UPDATE " + t.setClause();
        clickhouse.query("ALTER TABLE " + t.qualifiedName() + " " + action + " WHERE " + where + " SETTINGS mutations_sync = 2");
        return t.delete() ? new Erased(rows, 0) : new Erased(0, rows);
    }

    private String columnType(String table, String column) {
        String type = clickhouse.query("SELECT type FROM system.columns WHERE database = " + literal(database)
                + " AND table = " + literal(table) + " AND name = " + literal(column)).strip();
        if (type.isEmpty()) {
            throw new IllegalStateException("clickhouse: no column " + column + " in " + database + "." + table);
        }
        return type;
    }

    private static String idLiteral(Table t, String id) {
        return t.idType().contains("Int") && id.matches("[0-9]{1,19}") ? id : "CAST(" + literal(id) + " AS " + t.idType() + ")";
    }

    static String literal(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static String ident(String name) {
        return "`" + name.replace("`", "``") + "`";
    }

    private static String tsv(String value) {
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n");
    }

    @Override
    public void close() {
        // stateless over HTTP
    }
}

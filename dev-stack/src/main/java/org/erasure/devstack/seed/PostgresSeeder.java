package org.erasure.devstack.seed;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/** Loads the contributor tables with COPY, in chunks, one transaction. */
public final class PostgresSeeder {

    private static final int CHUNK = 20_000;

    private PostgresSeeder() {}

    public static SeedResult seed(Connection connection, String schema, SampleWorld world) throws SQLException {
        long begin = System.nanoTime();
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (Statement s = connection.createStatement()) {
            createTables(s, schema);
            CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
            copyContributors(copy, world);
            copyJobMappings(copy, world);
            copyProjectStats(copy, world);
            connection.commit();
            Map<String, Long> counts = new LinkedHashMap<>();
            for (String table : new String[] {SampleWorld.PG_CONTRIBUTORS, SampleWorld.PG_JOB_MAPPING, SampleWorld.PG_PROJECT_STATS}) {
                counts.put(table, count(connection, quote(schema) + "." + table));
            }
            s.execute("ANALYZE");
            return new SeedResult("postgres", counts, Duration.ofNanos(System.nanoTime() - begin));
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    /**
     * The contributor tables, empty, in {@code schema} (idempotent: IF NOT EXISTS), in one transaction;
     * what the PostgreSQL sink's default mapping and ingest's identifier lookup expect.
     */
    public static void createSchema(Connection connection, String schema) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false); // SET LOCAL search_path needs a transaction
        try (Statement s = connection.createStatement()) {
            createTables(s, schema);
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    /** Rows of the main contributor table in {@code schema}; 0 when the table does not exist yet. */
    public static long contributorRows(Connection connection, String schema) throws SQLException {
        String table = quote(schema) + "." + SampleWorld.PG_CONTRIBUTORS;
        try (PreparedStatement exists = connection.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            exists.setString(1, table);
            try (ResultSet rs = exists.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return 0;
                }
            }
        }
        return count(connection, table);
    }

    private static void createTables(Statement s, String schema) throws SQLException {
        s.execute("CREATE SCHEMA IF NOT EXISTS " + quote(schema));
        s.execute("SET LOCAL search_path TO " + quote(schema));
        s.execute(schemaSql());
    }

    private static void copyContributors(CopyManager copy, SampleWorld world) throws SQLException {
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < world.size(); i++) {
            SampleWorld.Contributor c = world.contributor(i);
            rows.append(c.id()).append('\t').append(c.email()).append('\t').append(c.firstName()).append('\t')
                    .append(c.lastName()).append('\t').append(c.status()).append('\t').append(c.lastActivityAt())
                    .append('\t').append(c.createdAt()).append('\n');
            flushIfFull(copy, SampleWorld.PG_CONTRIBUTORS
                    + " (id, email, first_name, last_name, status, last_activity_at, created_at)", rows, i);
        }
        flush(copy, SampleWorld.PG_CONTRIBUTORS + " (id, email, first_name, last_name, status, last_activity_at, created_at)", rows);
    }

    private static void copyJobMappings(CopyManager copy, SampleWorld world) throws SQLException {
        String target = SampleWorld.PG_JOB_MAPPING + " (contributor_id, job_id, assigned_at)";
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < world.size(); i++) {
            SampleWorld.Contributor c = world.contributor(i);
            for (int j = 0; j < c.jobs(); j++) {
                rows.append(c.id()).append('\t').append(world.jobId(i, j)).append('\t')
                        .append(c.lastActivityAt()).append('\n');
            }
            flushIfFull(copy, target, rows, i);
        }
        flush(copy, target, rows);
    }

    private static void copyProjectStats(CopyManager copy, SampleWorld world) throws SQLException {
        String target = SampleWorld.PG_PROJECT_STATS + " (contributor_id, project_id, judgments_count, accuracy)";
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < world.size(); i++) {
            SampleWorld.Contributor c = world.contributor(i);
            for (int p = 0; p < c.projects(); p++) {
                rows.append(c.id()).append('\t').append(world.projectId(i, p)).append('\t')
                        .append(10 + (i * 13 + p) % 990).append('\t').append("0.").append(5000 + (i * 31 + p) % 5000)
                        .append('\n');
            }
            flushIfFull(copy, target, rows, i);
        }
        flush(copy, target, rows);
    }

    private static void flushIfFull(CopyManager copy, String target, StringBuilder rows, int i) throws SQLException {
        if (i % CHUNK == CHUNK - 1) {
            flush(copy, target, rows);
        }
    }

    private static void flush(CopyManager copy, String target, StringBuilder rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        try {
            copy.copyIn("COPY " + target + " FROM STDIN", new StringReader(rows.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        rows.setLength(0);
    }

    private static long count(Connection connection, String table) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static String schemaSql() {
        try (InputStream in = PostgresSeeder.class.getResourceAsStream("/seed/postgres-schema.sql")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}

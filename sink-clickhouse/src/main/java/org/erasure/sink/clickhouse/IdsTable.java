package org.erasure.sink.clickhouse;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.erasure.events.Identifiers;
import org.erasure.sink.clickhouse.Catalog.ResolvedTable;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The identifiers of one batch (contributor ids and normalised emails) in a regular Memory-engine
 * table, {@code <ids-database>._erasure_batch_<uuid>}, that the attribution query, the mutations
 * and the verification read with {@code col IN (SELECT ... FROM it)}. Inlined as literals, a
 * batch of more than about 5,000 people exceeds the server's {@code max_query_size}.
 *
 * <p>Why a regular table: a mutation is stored as text and runs later in the background, without
 * the session that issued it, so a session-temporary table is not visible to it (the mutation
 * fails with "Default database is not selected" and stays stuck until killed).
 *
 * <p>Layout: one row per value; {@code k = 0} rows hold an email in {@code email}, {@code k = n}
 * rows hold a contributor id in {@code id<n>}, one id column per distinct contributor-column type
 * of the mapping (an id is written only where it fits that type, as the literal path did).
 *
 * <p>It holds PII: {@link #close()} kills any unfinished mutation that still reads it (a mutation
 * whose ids table disappears fails and blocks its table's later mutations) and drops it with
 * {@code SYNC} (an Atomic database otherwise keeps a dropped table for 8 minutes). Leftovers of a
 * crashed run are dropped by {@link IdsTableSweeper}.
 */
final class IdsTable implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(IdsTable.class);
    static final String PREFIX = "_erasure_batch_";
    private static final Pattern FIXED_STRING = Pattern.compile("FixedString\\((\\d+)\\)");

    private final Connection connection;
    private final String database;
    private final String mutatedDatabase;
    private final String name;
    private final String qualified;
    private final Map<String, Integer> idColumns; // contributor-column base type → n of column id<n>
    private boolean readByMutation;  // a mutation was issued that reads this table
    private boolean mutationsDone;   // ... and every such mutation finished

    private IdsTable(Connection connection, String database, String mutatedDatabase, String name, Map<String, Integer> idColumns) {
        this.connection = connection;
        this.database = database;
        this.mutatedDatabase = mutatedDatabase;
        this.name = name;
        this.qualified = Sql.quote(database) + "." + Sql.quote(name);
        this.idColumns = idColumns;
    }

    /**
     * Creates and fills the table for {@code items} (one CREATE, one INSERT). On failure the table
     * is dropped before the exception propagates.
     *
     * @param mutatedDatabase the database of the mapped tables, whose mutations may read this table
     */
    static IdsTable create(Connection c, String database, String mutatedDatabase, List<ResolvedTable> tables,
                           List<ErasureItem> items) throws SQLException {
        Map<String, Integer> idColumns = new LinkedHashMap<>();
        for (ResolvedTable t : tables) {
            idColumns.putIfAbsent(idColumnType(t), idColumns.size() + 1);
        }
        IdsTable ids = new IdsTable(c, database, mutatedDatabase, PREFIX + UUID.randomUUID().toString().replace("-", ""), idColumns);
        StringBuilder ddl = new StringBuilder("CREATE TABLE ").append(ids.qualified).append(" (k UInt8, email String");
        idColumns.forEach((type, n) -> ddl.append(", id").append(n).append(' ').append(type));
        ddl.append(") ENGINE = Memory COMMENT 'erasure batch identifiers: dropped when the batch is done'");
        try (Statement s = c.createStatement()) {
            s.execute(ddl.toString());
        }
        try {
            ids.fill(tables, items);
            return ids;
        } catch (SQLException | RuntimeException e) {
            ids.close();
            throw e;
        }
    }

    /** The ids column type for a table's contributor column: its base type ((U)IntN, String, FixedString(N)). */
    private static String idColumnType(ResolvedTable t) {
        return Catalog.baseType(t.idType());
    }

    private void fill(List<ResolvedTable> tables, List<ErasureItem> items) throws SQLException {
        // Values per column, de-duplicated: ids per type (as they parse for that type), emails normalised.
        Map<Integer, Set<String>> ids = new LinkedHashMap<>();
        Set<String> emails = new LinkedHashSet<>();
        boolean anyEmailColumn = tables.stream().anyMatch(t -> t.mapping().hasEmail());
        for (ResolvedTable t : tables) {
            int n = idColumns.get(idColumnType(t));
            Set<String> values = ids.computeIfAbsent(n, k -> new LinkedHashSet<>());
            for (ErasureItem item : items) {
                idLiteral(t, item.contributorId()).ifPresent(values::add);
            }
        }
        if (anyEmailColumn) {
            for (ErasureItem item : items) {
                item.identifiers().emails().forEach(e -> emails.add(Identifiers.normaliseEmail(e)));
            }
        }
        StringBuilder sql = new StringBuilder("INSERT INTO ").append(qualified).append(" (k, email");
        idColumns.values().forEach(n -> sql.append(", id").append(n));
        sql.append(") VALUES ");
        int rows = 0;
        for (String email : emails) {
            sql.append(rows++ == 0 ? "" : ", ").append("(0, ").append(Sql.str(email));
            idColumns.forEach((type, n) -> sql.append(", ").append(zero(type)));
            sql.append(')');
        }
        for (Map.Entry<Integer, Set<String>> e : ids.entrySet()) {
            for (String id : e.getValue()) {
                sql.append(rows++ == 0 ? "" : ", ").append('(').append(e.getKey()).append(", ''");
                idColumns.forEach((type, n) -> sql.append(", ").append(n.equals(e.getKey()) ? id : zero(type)));
                sql.append(')');
            }
        }
        if (rows == 0) {
            return;
        }
        long t0 = System.nanoTime();
        try (Statement s = connection.createStatement()) {
            s.execute(sql.toString()); // INSERT data is not limited by max_query_size (only the text before VALUES is parsed as query)
        }
        log.debug("ids table {}: {} rows ({} bytes) inserted in {} ms", name, rows, sql.length(), (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * The id as a literal of the table's contributor-column type, if it is a valid value of that type
     * (an integer in range; for FixedString(N), at most N bytes: a longer id cannot be stored there).
     */
    static Optional<String> idLiteral(ResolvedTable t, String contributorId) {
        if (t.numericId()) {
            return Sql.integer(t.idType(), contributorId);
        }
        Matcher fixed = FIXED_STRING.matcher(Catalog.baseType(t.idType()));
        if (fixed.matches() && contributorId.getBytes(StandardCharsets.UTF_8).length > Integer.parseInt(fixed.group(1))) {
            return Optional.empty();
        }
        return Optional.of(Sql.str(contributorId));
    }

    private static String zero(String type) {
        return Catalog.INTEGER_TYPES.contains(type) ? "0" : "''";
    }

    String name() {
        return name;
    }

    /** {@code (SELECT id<n> FROM ids WHERE k = n)}: the batch's ids that fit {@code t}'s contributor column. */
    String ids(ResolvedTable t) {
        int n = idColumns.get(idColumnType(t));
        return "(SELECT id" + n + " FROM " + qualified + " WHERE k = " + n + ")";
    }

    /** {@code (SELECT email FROM ids WHERE k = 0)}: the batch's emails, normalised (trimmed, lower-case). */
    String emails() {
        return "(SELECT email FROM " + qualified + " WHERE k = 0)";
    }

    /** Call before issuing a mutation that reads this table. */
    void readByMutation() {
        readByMutation = true;
        mutationsDone = false;
    }

    /** Call when every mutation that reads this table is done: {@link #close()} then needs no KILL. */
    void mutationsDone() {
        mutationsDone = true;
    }

    /**
     * Drops the table; first kills any unfinished mutation that still reads it (after a timeout or
     * a failure). Never throws: a failure is logged and the sweeper drops it later.
     */
    @Override
    public void close() {
        drop(connection, database, mutatedDatabase, name, readByMutation && !mutationsDone);
    }

    /**
     * Kills (if {@code killReaders}) the unfinished mutations of {@code mutatedDatabase} that read {@code table}, then drops it
     * ({@code SYNC}: at once, not after the Atomic database's delay). Returns whether it is gone.
     */
    static boolean drop(Connection c, String database, String mutatedDatabase, String table, boolean killReaders) {
        try (Statement s = c.createStatement()) {
            if (killReaders) {
                s.execute("KILL MUTATION WHERE database = " + Sql.str(mutatedDatabase) + " AND is_done = 0 AND position(command, "
                        + Sql.str(table) + ") > 0 FORMAT Null");
            }
            s.execute("DROP TABLE IF EXISTS " + Sql.quote(database) + "." + Sql.quote(table) + " SYNC");
            return true;
        } catch (SQLException e) {
            log.warn("could not drop ids table {}.{} ({}); the sweeper retries", database, table, ClickHouseErasureStore.describe(e));
            return false;
        }
    }
}

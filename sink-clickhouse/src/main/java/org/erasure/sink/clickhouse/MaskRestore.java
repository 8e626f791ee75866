package org.erasure.sink.clickhouse;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.erasure.sink.clickhouse.Catalog.ResolvedTable;
import org.erasure.sink.runtime.spi.StoreException;

/**
 * Puts one request's kept values back into one table ({@link MaskImage}s of one layout) with ONE mutation:
 * <pre>
 * CREATE TABLE ids_db._erasure_batch_&lt;uuid&gt; (h Int64, c UInt64, v0 String, ...) ENGINE = Join(ANY, LEFT, h) SETTINGS persistent = 0
 * INSERT INTO ... VALUES (contributor id, sorting-key hash, previous values), ...
 * SELECT count() FROM db.t WHERE contributor_id IN (SELECT c FROM join) AND h(row) IN (SELECT h FROM join) AND (a masked column holds its mask)
 * ALTER TABLE db.t UPDATE email = if(email = 'DELETED_USER', CAST(joinGet('ids_db.join', 'v0', h(row)), 'String'), email)
 *   WHERE (same) SETTINGS mutations_sync = 0
 * </pre>
 * The values travel through a Join-engine table (in memory, dropped like an ids table, same prefix so the sweeper
 * drops a crashed run's), never as literals in the mutation: a mutation's text stays in {@code system.mutations}.
 * Only rows that still hold the mask are set back (never data written since the erasure), column by column; a
 * second restore finds none and issues no mutation.
 */
final class MaskRestore {
    private static final Pattern INTEGER = Pattern.compile("-?[0-9]+");

    /** Awaits the mutation of {@code table} whose command contains {@code marker}. */
    @FunctionalInterface
    interface Await {
        String await(Connection c, String table, String marker) throws SQLException;
    }

    private MaskRestore() {}

    /** Returns the rows set back. */
    static long restore(Connection c, String idsDatabase, String database, ResolvedTable t, List<MaskImage> images, Await await,
                        Runnable mutationIssued) throws SQLException {
        MaskImage layout = images.getFirst();
        // (contributor id, row hash) → previous values; an image kept twice (a re-run) holds the same rows.
        Map<List<Object>, List<byte[]>> rows = new LinkedHashMap<>();
        for (MaskImage image : images) {
            for (MaskImage.Group g : image.groups()) {
                for (Long h : g.h()) {
                    rows.putIfAbsent(List.of(g.c(), h), g.v());
                }
            }
        }
        if (rows.isEmpty()) {
            return 0;
        }
        String idType = Catalog.baseType(t.idType());
        boolean numeric = t.numericId();
        String name = IdsTable.PREFIX + UUID.randomUUID().toString().replace("-", "");
        String qualified = Sql.quote(idsDatabase) + "." + Sql.quote(name);
        List<String> columns = layout.columns();
        StringBuilder ddl = new StringBuilder("CREATE TABLE ").append(qualified).append(" (h Int64, c ").append(idType);
        for (int i = 0; i < columns.size(); i++) {
            String type = columnType(t, columns.get(i));
            ddl.append(", v").append(i).append(nullable(type) ? " Nullable(String)" : " String");
        }
        ddl.append(") ENGINE = Join(ANY, LEFT, h) SETTINGS persistent = 0 COMMENT 'erasure restore values: dropped when the restore is done'");
        boolean mutated = false;
        boolean done = false;
        try (Statement s = c.createStatement()) {
            s.execute(ddl.toString());
            StringBuilder insert = new StringBuilder("INSERT INTO ").append(qualified).append(" VALUES ");
            boolean first = true;
            for (Map.Entry<List<Object>, List<byte[]>> r : rows.entrySet()) {
                String id = (String) r.getKey().get(0);
                if (numeric && !INTEGER.matcher(id).matches()) {
                    throw new StoreException("CH_RESTORE_IMAGE", "before-image of " + t.name() + " holds a contributor id that is not an integer");
                }
                insert.append(first ? "(" : ", (").append((long) r.getKey().get(1)).append(", ").append(numeric ? id : Sql.str(id));
                for (byte[] v : r.getValue()) {
                    insert.append(", ").append(v == null ? "NULL" : Sql.bytes(v));
                }
                insert.append(')');
                first = false;
            }
            s.execute(insert.toString());

            String id = Sql.quote(layout.id());
            String rowKey = ClickHouseErasureStore.rowKey(layout.keys());
            List<String> holds = new ArrayList<>();
            for (int i = 0; i < columns.size(); i++) {
                String col = Sql.quote(columns.get(i));
                String mask = layout.masks().get(i);
                holds.add(mask == null ? col + " IS NULL" : "(" + col + " IS NOT NULL AND " + col + " = " + Sql.str(mask) + ")");
            }
            String where = id + " IN (SELECT c FROM " + qualified + ") AND " + rowKey + " IN (SELECT h FROM " + qualified + ") AND ("
                    + String.join(" OR ", holds) + ")";
            long n;
            try (ResultSet rs = s.executeQuery("SELECT count() FROM " + t.qualifiedName() + " WHERE " + where)) {
                rs.next();
                n = rs.getLong(1);
            }
            if (n == 0) {
                return 0; // nothing still masked: a second restore, or everything rewritten since
            }
            StringBuilder alter = new StringBuilder("ALTER TABLE ").append(t.qualifiedName()).append(" UPDATE ");
            for (int i = 0; i < columns.size(); i++) {
                String col = Sql.quote(columns.get(i));
                alter.append(i == 0 ? "" : ", ").append(col).append(" = if(").append(holds.get(i)).append(", CAST(joinGet(")
                        .append(Sql.str(idsDatabase + "." + name)).append(", 'v").append(i).append("', ")
                        .append(rowKey).append("), ").append(Sql.str(columnType(t, columns.get(i)))).append("), ").append(col).append(')');
            }
            alter.append(" WHERE ").append(where).append(" SETTINGS mutations_sync = 0");
            mutated = true;
            s.execute(alter.toString());
            mutationIssued.run();
            await.await(c, t.name(), name);
            done = true;
            return n;
        } finally {
            IdsTable.drop(c, idsDatabase, database, name, mutated && !done);
        }
    }

    private static String columnType(ResolvedTable t, String column) {
        String type = t.columnTypes().get(column);
        if (type == null) {
            throw new StoreException("CH_RESTORE_COLUMN", "column " + column + " of " + t.name() + " no longer exists");
        }
        return type;
    }

    private static boolean nullable(String type) {
        return type.startsWith("Nullable(") || type.startsWith("LowCardinality(Nullable(");
    }
}

package org.erasure.sink.postgres;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.erasure.events.Phase;
import org.erasure.sink.postgres.Catalog.ResolvedTable;
import org.erasure.sink.jdbc.BatchKeys;
import org.erasure.sink.jdbc.JdbcErasureStore;
import org.erasure.sink.jdbc.TableMapping.Action;
import org.erasure.sink.jdbc.TableMapping.ColumnStrategy;
import org.erasure.sink.jdbc.TableMapping.Strategy;
import org.erasure.sink.runtime.spi.BeforeImage;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.RequestResult;
import org.erasure.sink.runtime.spi.RestorationLog;
import org.erasure.sink.runtime.spi.StoreException;
import org.erasure.sink.runtime.spi.StoreUnavailableException;
import org.erasure.sink.runtime.spi.Tally;
import org.erasure.sink.runtime.spi.TargetResidual;
import org.erasure.sink.runtime.spi.WriteAhead;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL erasure: one transaction per batch across all mapped tables, in mapping order;
 * set-based statements ({@code = ANY(?)} with typed arrays), never one statement per contributor;
 * only parameterised values; identifiers validated against the catalog and quoted.
 *
 * <ul>
 *   <li>delete: {@code DELETE FROM t WHERE (c = ANY(?) OR e = ANY(?)) RETURNING c, e}</li>
 *   <li>mask: {@code SELECT ctid, c, e FROM t WHERE match AND (unmasked) FOR UPDATE}, then one
 *       {@code UPDATE t SET ... FROM unnest(?::text[], ...) v WHERE t.ctid = v.rid::tid}; rows already
 *       masked do not match, so a replay reports 0</li>
 *   <li>dry run: the same predicates as {@code SELECT c, e}, counted per request</li>
 *   <li>verify (separate read, after commit): delete tables → any matching row is residual; mask
 *       tables → any matching row with unmasked PII is residual</li>
 * </ul>
 * Rows are attributed to requests in Java from the returned contributor id (or, failing that, email).
 */
public final class PostgresErasureStore extends JdbcErasureStore {
    private static final Logger log = LoggerFactory.getLogger(PostgresErasureStore.class);
    static final String HMAC_PATTERN = "^hmac:[0-9a-f]{64}$";
    /** The alias of the erased table when its rows are kept as before-images. */
    private static final String ROW = "_r";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<ResolvedTable> tables;
    private final long statementTimeoutMs;
    private final byte[] hmacKey;

    PostgresErasureStore(HikariDataSource dataSource, List<ResolvedTable> tables, Duration statementTimeout, byte[] hmacKey) {
        super(dataSource, Phase.POSTGRES, tables.stream().map(t -> t.mapping().table()).toList(), PostgresErasureStore::translate);
        this.tables = List.copyOf(tables);
        this.statementTimeoutMs = statementTimeout.toMillis();
        this.hmacKey = hmacKey;
    }

    // ---------------------------------------------------------------- erase

    @Override
    public Map<UUID, RequestResult> erase(ErasureBatch batch, WriteAhead writeAhead) {
        List<ErasureItem> executes = batch.executes();
        List<ErasureItem> dryRuns = batch.dryRuns();
        Tally tally = new Tally(targets());
        // The undo window: read what is about to change in the same statements; no extra work when it is off.
        RowImages images = writeAhead.restoration().enabled() && !executes.isEmpty() ? new RowImages() : null;
        withConnection("erase", c -> {
            c.setAutoCommit(false);
            try {
                setTimeout(c);
                if (!dryRuns.isEmpty()) {
                    for (ResolvedTable t : tables) {
                        BatchKeys keys = keys(t, dryRuns);
                        Sql sql = new Sql("SELECT ").append(selectKeys(t)).append(" FROM ").append(t.qualifiedName())
                                .append(" WHERE ").match(t, keys, c);
                        if (t.mapping().action() == Action.MASK) {
                            sql.append(" AND (").unmasked(t).append(")");
                        }
                        attributeRows(c, sql, t, keys, tally, t.mapping().action() == Action.MASK, null);
                    }
                }
                if (!executes.isEmpty()) {
                    for (ResolvedTable t : tables) {
                        BatchKeys keys = keys(t, executes);
                        if (t.mapping().action() == Action.DELETE) {
                            Sql sql = new Sql("DELETE FROM ").append(t.qualifiedName()).append(images == null ? "" : " AS " + ROW)
                                    .append(" WHERE ").match(t, keys, c).append(" RETURNING ").append(selectKeys(t));
                            if (images != null) {
                                sql.append(", jsonb_build_array(" + ROW + ".ctid::text, to_jsonb(" + ROW + ".*))::text");
                            }
                            attributeRows(c, sql, t, keys, tally, false, images);
                        } else {
                            mask(c, t, keys, tally, images);
                        }
                    }
                    // The changes are made but not committed: keep what they remove (sealed, durable), announce
                    // exactly them, then commit. If either throws, the transaction rolls back.
                    if (images != null) {
                        writeAhead.restoration().keep(images.images());
                    }
                    writeAhead.record(tally.planned(executes));
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                rollback(c);
                throw e;
            }
        });

        return tally.results(batch.items(), (item, target, r) -> target == 0 && idValue(tables.getFirst(), item.contributorId()).isEmpty()
                ? r.withNote("contributorId is not a valid id for this database; matched by email only") : r);
    }

    private void mask(Connection c, ResolvedTable t, BatchKeys keys, Tally tally, RowImages images) throws SQLException {
        List<String> hmacColumns = t.mapping().columns().entrySet().stream()
                .filter(e -> e.getValue().strategy() == Strategy.HMAC).map(Map.Entry::getKey).toList();
        Sql select = new Sql("SELECT ctid::text, ").append(selectKeys(t));
        for (String h : hmacColumns) {
            select.append(", ").append(Catalog.quote(h));
        }
        if (images != null) {
            // The row's identity and the previous values of what the update overwrites, as PostgreSQL's JSON.
            List<String> previous = new ArrayList<>(t.mapping().columns().keySet());
            if (t.erasedAtColumn() != null) {
                previous.add(t.erasedAtColumn());
            }
            select.append(", ").append(jsonOf(RowRestore.identity(t))).append(", ").append(jsonOf(previous));
        }
        select.append(" FROM ").append(t.qualifiedName()).append(images == null ? "" : " AS " + ROW).append(" WHERE ").match(t, keys, c)
                .append(" AND (").unmasked(t).append(") FOR UPDATE");
        List<String> rowIds = new ArrayList<>();
        List<List<String>> hmacValues = new ArrayList<>();
        hmacColumns.forEach(h -> hmacValues.add(new ArrayList<>()));
        try (PreparedStatement ps = select.prepare(c); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rowIds.add(rs.getString(1));
                ErasureItem item = owner(keys, rs.getObject(2), t.mapping().hasEmail() ? rs.getString(3) : null);
                count(tally, item, t, true);
                int base = t.mapping().hasEmail() ? 4 : 3;
                Map<String, String> written = new LinkedHashMap<>();
                for (int i = 0; i < hmacColumns.size(); i++) {
                    String v = rs.getString(base + i);
                    String h = v == null || v.matches(HMAC_PATTERN) ? v : hmac(v);
                    hmacValues.get(i).add(h);
                    written.put(hmacColumns.get(i), h);
                }
                if (images != null && item != null) {
                    int at = base + hmacColumns.size();
                    images.add(item, t.mapping().table(), RowImages.MASK,
                            "[" + rs.getString(at) + "," + rs.getString(at + 1) + "," + maskValues(t, written) + "]");
                }
            }
        }
        if (rowIds.isEmpty()) {
            return;
        }
        Sql update = new Sql("UPDATE ").append(t.qualifiedName()).append(" AS t SET ");
        List<String> sets = new ArrayList<>();
        int h = 0;
        Sql setSql = new Sql("");
        for (Map.Entry<String, ColumnStrategy> e : t.mapping().columns().entrySet()) {
            if (!sets.isEmpty()) {
                setSql.append(", ");
            }
            String col = Catalog.quote(e.getKey());
            switch (e.getValue().strategy()) {
                case FIXED -> setSql.append(col + " = ").param(e.getValue().value());
                case NULL -> setSql.append(col + " = NULL");
                case HMAC -> setSql.append(col + " = v.h" + h++);
            }
            sets.add(col);
        }
        if (t.erasedAtColumn() != null) {
            setSql.append(", ").append(Catalog.quote(t.erasedAtColumn())).append(" = now()");
        }
        update.append(setSql).append(" FROM unnest(").param(c.createArrayOf("text", rowIds.toArray()));
        StringBuilder alias = new StringBuilder("rid");
        for (int i = 0; i < hmacColumns.size(); i++) {
            update.append(", ").param(c.createArrayOf("text", hmacValues.get(i).toArray()));
            alias.append(", h").append(i);
        }
        update.append(") AS v(" + alias + ") WHERE t.ctid = v.rid::tid");
        try (PreparedStatement ps = update.prepare(c)) {
            int updated = ps.executeUpdate();
            if (updated != rowIds.size()) {
                throw new StoreException("PG_MASK_MISMATCH", "masked " + updated + " of " + rowIds.size() + " locked rows in " + t.mapping().table());
            }
        }
    }

    // ---------------------------------------------------------------- verify

    @Override
    public Map<UUID, List<TargetResidual>> verify(ErasureBatch batch) {
        Tally tally = new Tally(targets());
        withConnection("verify", c -> {
            c.setAutoCommit(false);
            c.setReadOnly(true);
            try {
                setTimeout(c);
                for (ResolvedTable t : tables) {
                    BatchKeys keys = keys(t, batch.items());
                    // Independent read: what is there now, whatever erase reported.
                    Sql sql = new Sql("SELECT ").append(selectKeys(t)).append(" FROM ").append(t.qualifiedName())
                            .append(" WHERE ").match(t, keys, c);
                    if (t.mapping().action() == Action.MASK) {
                        sql.append(" AND (").unmasked(t).append(")");
                    }
                    attributeRows(c, sql, t, keys, tally, false, null);
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                rollback(c);
                throw e;
            } finally {
                c.setReadOnly(false);
            }
        });
        return tally.residuals(batch.items());
    }

    // ---------------------------------------------------------------- restore

    @Override
    public Map<String, Long> restore(UUID requestId, List<BeforeImage> images, RestorationLog restorationLog) {
        Map<String, Map<String, List<String>>> byTarget = new HashMap<>(); // table -> kind -> image contents
        for (BeforeImage image : images) {
            String content = new String(image.content(), StandardCharsets.UTF_8);
            String kind = RowImages.kind(content);
            if (kind == null || !targets().contains(image.target())) {
                throw new StoreException("PG_RESTORE_IMAGE", "request " + requestId + ": a kept image is not one of this store's mapped tables");
            }
            byTarget.computeIfAbsent(image.target(), k -> new HashMap<>()).computeIfAbsent(kind, k -> new ArrayList<>()).add(content);
        }
        Map<String, Long> restored = new LinkedHashMap<>();
        withConnection("restore", c -> {
            c.setAutoCommit(false);
            try {
                setTimeout(c);
                // Reverse mapping order: parents (listed after their children) come back before the rows that reference them.
                for (ResolvedTable t : tables.reversed()) {
                    Map<String, List<String>> kinds = byTarget.getOrDefault(t.mapping().table(), Map.of());
                    long n = 0;
                    if (kinds.containsKey(RowImages.DELETE)) {
                        n += RowRestore.deleted(c, t, kinds.get(RowImages.DELETE));
                    }
                    if (kinds.containsKey(RowImages.MASK)) {
                        n += RowRestore.masked(c, t, kinds.get(RowImages.MASK));
                    }
                    restored.put(t.mapping().table(), n);
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                rollback(c);
                throw e;
            }
        });
        Map<String, Long> inOrder = new LinkedHashMap<>();
        targets().forEach(target -> inOrder.put(target, restored.getOrDefault(target, 0L)));
        log.info("restored request {}: {}", requestId, inOrder);
        return inOrder;
    }

    @Override
    public void checkReachable() {
        try (Connection c = dataSource.getConnection()) {
            if (!c.isValid(2)) {
                throw new StoreUnavailableException("PostgreSQL connection is not valid");
            }
        } catch (SQLException e) {
            throw new StoreUnavailableException("PostgreSQL unreachable (SQLState " + e.getSQLState() + ")");
        }
    }

    // ---------------------------------------------------------------- helpers

    private void setTimeout(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SET LOCAL statement_timeout = " + statementTimeoutMs);
        }
    }

    private static String selectKeys(ResolvedTable t) {
        String keys = Catalog.quote(t.mapping().contributorColumn());
        return t.mapping().hasEmail() ? keys + ", " + Catalog.quote(t.mapping().emailColumn()) : keys;
    }

    /**
     * Runs a statement returning (contributor[, email]) rows and counts them per request, as masked or not; with
     * {@code images}, each row's next column is its delete element ({@link RowImages}), kept for its request.
     */
    private static void attributeRows(Connection c, Sql sql, ResolvedTable t, BatchKeys keys, Tally tally, boolean masked,
                                      RowImages images) throws SQLException {
        try (PreparedStatement ps = sql.prepare(c); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                ErasureItem item = owner(keys, rs.getObject(1), t.mapping().hasEmail() ? rs.getString(2) : null);
                count(tally, item, t, masked);
                if (images != null && item != null) {
                    images.add(item, t.mapping().table(), RowImages.DELETE, rs.getString(t.mapping().hasEmail() ? 3 : 2));
                }
            }
        }
    }

    /** {@code (SELECT to_jsonb(j) FROM (SELECT _r."a", _r."b") j)::text}: the columns as a JSON object keyed by name. */
    private static String jsonOf(List<String> columns) {
        return "(SELECT to_jsonb(j) FROM (SELECT " + String.join(", ", columns.stream().map(col -> ROW + "." + Catalog.quote(col)).toList())
                + ") j)::text";
    }

    /** What the mask update writes into each masked column of one row, as a JSON object (the restore compares with it). */
    private static String maskValues(ResolvedTable t, Map<String, String> hmacs) {
        Map<String, String> values = new LinkedHashMap<>();
        t.mapping().columns().forEach((col, s) -> values.put(col, switch (s.strategy()) {
            case FIXED -> s.value();
            case NULL -> null;
            case HMAC -> hmacs.get(col);
        }));
        try {
            return JSON.writeValueAsString(values);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("mask values do not serialise", e);
        }
    }

    /** One row of {@code t}: deleted (a verify: found) or masked. */
    private static void count(Tally tally, ErasureItem item, ResolvedTable t, boolean masked) {
        if (item == null) {
            log.warn("a row in {} matched no request of the batch", t.mapping().table());
            return;
        }
        if (masked) {
            tally.masked(item, t.mapping().table(), 1);
        } else {
            tally.deleted(item, t.mapping().table(), 1);
        }
    }

    private String hmac(String value) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(hmacKey, "HmacSHA256"));
            return "hmac:" + HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    private static void rollback(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is broken; the server rolls back
        }
    }

    /** Transient SQL states → {@link StoreUnavailableException}; the rest → {@link StoreException}, no server text (it may quote values). */
    static RuntimeException translate(SQLException e, String operation) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        boolean transientState = state.startsWith("08") || state.startsWith("53") || state.startsWith("57P")
                || state.equals("57014") || state.equals("40001") || state.equals("40P01") || state.equals("55P03");
        if (transientState || e instanceof SQLTransientException || e instanceof SQLRecoverableException) {
            return new StoreUnavailableException("PostgreSQL " + operation + " failed transiently (SQLState "
                    + (state.isEmpty() ? "none" : state) + ", " + e.getClass().getSimpleName() + ")");
        }
        return new StoreException("PG_" + (state.isEmpty() ? "ERROR" : state),
                "PostgreSQL " + operation + " failed (SQLState " + (state.isEmpty() ? "none" : state) + ")");
    }

    // ---------------------------------------------------------------- SQL assembly

    /** SQL text plus positional parameters; values only ever go into parameters. */
    static final class Sql {
        private final StringBuilder text;
        private final List<Object> params = new ArrayList<>();

        Sql(String start) {
            this.text = new StringBuilder(start);
        }

        Sql append(String s) {
            text.append(s);
            return this;
        }

        Sql append(Sql other) {
            text.append(other.text);
            params.addAll(other.params);
            return this;
        }

        Sql param(Object value) {
            text.append('?');
            params.add(value);
            return this;
        }

        Sql match(ResolvedTable t, BatchKeys keys, Connection c) throws SQLException {
            text.append('(').append(Catalog.quote(t.mapping().contributorColumn())).append(" = ANY(");
            param(c.createArrayOf(arrayType(t), keys.ids().toArray()));
            text.append(')');
            if (t.mapping().hasEmail() && !keys.emails().isEmpty()) {
                // Requests carry normalised (trimmed, lower-case) emails; the stored spelling is whatever
                // the application wrote. An expression index on lower(btrim(email)) keeps this indexed.
                text.append(" OR lower(btrim(").append(Catalog.quote(t.mapping().emailColumn())).append(")) = ANY(");
                param(c.createArrayOf("text", keys.emails().toArray()));
                text.append(')');
            }
            text.append(')');
            return this;
        }

        /** True for a row that still holds PII in at least one masked column. */
        Sql unmasked(ResolvedTable t) {
            boolean first = true;
            for (Map.Entry<String, ColumnStrategy> e : t.mapping().columns().entrySet()) {
                if (!first) {
                    text.append(" OR ");
                }
                first = false;
                String col = Catalog.quote(e.getKey());
                switch (e.getValue().strategy()) {
                    case FIXED -> {
                        text.append('(').append(col).append(" IS NOT NULL AND ").append(col).append(" <> ");
                        param(e.getValue().value());
                        text.append(')');
                    }
                    case NULL -> text.append(col).append(" IS NOT NULL");
                    case HMAC -> text.append('(').append(col).append(" IS NOT NULL AND ").append(col)
                            .append(" !~ '").append(HMAC_PATTERN).append("')");
                }
            }
            return this;
        }

        PreparedStatement prepare(Connection c) throws SQLException {
            PreparedStatement ps = c.prepareStatement(text.toString());
            for (int i = 0; i < params.size(); i++) {
                Object p = params.get(i);
                if (p instanceof Array a) {
                    ps.setArray(i + 1, a);
                } else {
                    ps.setString(i + 1, (String) p);
                }
            }
            return ps;
        }

        @Override
        public String toString() {
            return text.toString();
        }
    }

    // ---------------------------------------------------------------- keys

    /** The batch's identifiers for one table, ids as the column's values compare ({@code Long}, {@code UUID}, text). */
    private static BatchKeys keys(ResolvedTable t, List<ErasureItem> items) {
        return BatchKeys.of(items, id -> idValue(t, id), t.mapping().hasEmail());
    }

    /** Empty when the id is not representable in the column: it cannot match any row by id. */
    private static Optional<?> idValue(ResolvedTable t, String id) {
        try {
            return switch (t.idType()) {
                case "int2", "int4", "int8" -> BatchKeys.integer(id, 64, false).map(BigInteger::longValue);
                case "uuid" -> Optional.of(UUID.fromString(id.strip()));
                default -> Optional.of(id);
            };
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The array type the ids are bound as: every integer column compares with {@code int8}. */
    private static String arrayType(ResolvedTable t) {
        return switch (t.idType()) {
            case "int2", "int4", "int8" -> "int8";
            case "uuid" -> "uuid";
            default -> "text";
        };
    }

    /** The request of a returned row: integer ids come back as the column's Java type, keyed as {@code Long}. */
    private static ErasureItem owner(BatchKeys keys, Object id, String email) {
        return keys.owner(id instanceof Number n ? (Object) n.longValue() : id, email);
    }
}

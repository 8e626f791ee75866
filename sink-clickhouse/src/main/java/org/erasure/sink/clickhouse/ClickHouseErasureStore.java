package org.erasure.sink.clickhouse;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.erasure.events.Phase;
import org.erasure.events.TargetResult;
import org.erasure.sink.clickhouse.Catalog.KafkaFeed;
import org.erasure.sink.clickhouse.Catalog.ResolvedTable;
import org.erasure.sink.jdbc.BatchKeys;
import org.erasure.sink.jdbc.JdbcErasureStore;
import org.erasure.sink.jdbc.TableMapping;
import org.erasure.sink.jdbc.TableMapping.Action;
import org.erasure.sink.jdbc.TableMapping.ColumnStrategy;
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
 * ClickHouse erasure: the batch's identifiers go into a Memory table ({@link IdsTable}); per mapped
 * table, one attribution {@code SELECT} (matching rows that still hold PII, counted per
 * contributor/normalised email in one {@code GROUP BY}); the counts are announced
 * ({@link WriteAhead}); then, for each table where something matched, exactly ONE mutation for the
 * whole batch, each awaited before the next:
 * <pre>
 * ALTER TABLE db.t UPDATE email = 'DELETED_USER' WHERE (match) AND (unmasked) SETTINGS mutations_sync = 0
 * ALTER TABLE db.t DELETE WHERE (match) SETTINGS mutations_sync = 0
 * match = contributor_id IN (SELECT id1 FROM ids WHERE k = 1) OR lowerUTF8(trimBoth(email)) IN (SELECT email FROM ids WHERE k = 0)
 * </pre>
 * then polls {@code system.mutations} (found by the ids table's name in {@code command}) until
 * {@code is_done}, a {@code latest_fail_reason} (the mutation is killed and the batch fails with the
 * reason, values redacted) or the batch's deadline ({@code mutation-timeout}; transient: the runtime
 * retries/pauses). The ids table is dropped when the batch is done, unfinished mutations killed first.
 */
public final class ClickHouseErasureStore extends JdbcErasureStore {
    private static final Logger log = LoggerFactory.getLogger(ClickHouseErasureStore.class);
    static final String MUTATIONS_METRIC = "erasure.sink.clickhouse.mutations";
    static final String MUTATION_WAIT_METRIC = "erasure.sink.clickhouse.mutation.wait";
    private static final Set<Integer> TRANSIENT_CODES = Set.of(
            3,    // UNEXPECTED_END_OF_FILE
            159,  // TIMEOUT_EXCEEDED
            164,  // READONLY
            202,  // TOO_MANY_SIMULTANEOUS_QUERIES
            203,  // NO_FREE_CONNECTION
            209,  // SOCKET_TIMEOUT
            210,  // NETWORK_ERROR
            241,  // MEMORY_LIMIT_EXCEEDED
            242,  // TABLE_IS_READ_ONLY
            252,  // TOO_MANY_PARTS
            319,  // UNKNOWN_STATUS_OF_INSERT
            341,  // UNFINISHED
            394,  // QUERY_WAS_CANCELLED
            425,  // SYSTEM_ERROR
            473,  // DEADLOCK_AVOIDED
            999); // KEEPER_EXCEPTION
    private static final Pattern ERROR_NAME = Pattern.compile("\\(([A-Z][A-Z0-9_]+)\\)\\s*\\(version");
    private static final Pattern QUOTED = Pattern.compile("'(?:[^'\\\\]|\\\\.)*'|`(?:[^`\\\\]|\\\\.)*`|\"(?:[^\"\\\\]|\\\\.)*\"");
    private static final Pattern EMAILISH = Pattern.compile("[^\\s@]*@[^\\s@]*");

    private final String database;
    private final String idsDatabase;
    private final IdsTableSweeper sweeper;
    private final List<ResolvedTable> tables;
    private final Duration mutationTimeout;
    private final Duration pollInterval;
    private final MeterRegistry meters;
    private final Timer mutationWait;

    ClickHouseErasureStore(HikariDataSource dataSource, String database, String idsDatabase, IdsTableSweeper sweeper,
                           List<ResolvedTable> tables, Duration mutationTimeout, Duration pollInterval, MeterRegistry meters) {
        super(dataSource, Phase.CLICKHOUSE, tables.stream().map(ResolvedTable::name).toList(), ClickHouseErasureStore::translate);
        this.database = database;
        this.idsDatabase = idsDatabase;
        this.sweeper = sweeper;
        this.tables = List.copyOf(tables);
        this.mutationTimeout = mutationTimeout;
        this.pollInterval = pollInterval;
        this.meters = meters == null ? new SimpleMeterRegistry() : meters;
        for (ResolvedTable t : tables) { // registered up front: the metric reads 0 before the first mutation
            mutationCounter(t);
        }
        this.mutationWait = Timer.builder(MUTATION_WAIT_METRIC).description("time from ALTER to is_done, per mutation")
                .register(this.meters);
    }

    List<ResolvedTable> resolvedTables() {
        return tables;
    }

    private Counter mutationCounter(ResolvedTable t) {
        return Counter.builder(MUTATIONS_METRIC).description("ClickHouse mutations issued (one per table per batch at most)")
                .tag("table", t.name()).tag("kind", t.action() == Action.DELETE ? "delete" : "update").register(meters);
    }

    /** Total mutations issued by this store (all tables). */
    double mutationsIssued() {
        return meters.find(MUTATIONS_METRIC).counters().stream().mapToDouble(Counter::count).sum();
    }

    // ---------------------------------------------------------------- erase

    /** Per request and target the counts (shared {@link Tally}), the parts a dry run's mutation would rewrite, the mutation ids. */
    private static final class Counts {
        final Tally tally;
        final Map<UUID, Map<String, Set<String>>> parts = new HashMap<>();
        final Map<String, Set<String>> batchParts = new HashMap<>();
        final Map<String, String> mutationIds = new HashMap<>();

        Counts(List<String> targets) {
            tally = new Tally(targets);
        }

        void add(ErasureItem item, ResolvedTable t, long n, List<String> partNames) {
            if (t.action() == Action.DELETE) {
                tally.deleted(item, t.name(), n);
            } else {
                tally.masked(item, t.name(), n);
            }
            if (partNames != null) {
                parts.computeIfAbsent(item.requestId(), k -> new HashMap<>()).computeIfAbsent(t.name(), k -> new LinkedHashSet<>()).addAll(partNames);
                batchParts.computeIfAbsent(t.name(), k -> new LinkedHashSet<>()).addAll(partNames);
            }
        }
    }

    @Override
    public Map<UUID, RequestResult> erase(ErasureBatch batch, WriteAhead writeAhead) {
        List<ErasureItem> executes = batch.executes();
        List<ErasureItem> dryRuns = batch.dryRuns();
        Counts counts = new Counts(targets());
        withConnection("erase", c -> {
            if (!dryRuns.isEmpty()) {
                try (IdsTable ids = IdsTable.create(c, idsDatabase, database, tables, dryRuns)) {
                    for (ResolvedTable t : tables) {
                        BatchKeys keys = keys(t, dryRuns);
                        if (!keys.isEmpty() && acts(t)) {
                            attribute(c, t, keys, ids, true, (item, n, partNames) ->
                                    counts.add(item, t, n, partNames));
                        }
                    }
                }
            }
            if (!executes.isEmpty()) {
                try (IdsTable ids = IdsTable.create(c, idsDatabase, database, tables, executes)) {
                    // Count every table first, announce, then mutate: the announcement precedes every change.
                    Map<ResolvedTable, BatchKeys> toMutate = new LinkedHashMap<>();
                    RestorationLog restoration = writeAhead.restoration();
                    List<BeforeImage> images = new ArrayList<>();
                    for (ResolvedTable t : tables) {
                        BatchKeys keys = keys(t, executes);
                        if (keys.isEmpty() || !acts(t)) {
                            continue;
                        }
                        long[] total = new long[1];
                        RowGroup counted = (item, n, partNames) -> {
                            counts.add(item, t, n, null);
                            total[0] += n;
                        };
                        if (restoration.enabled() && t.action() == Action.MASK) {
                            // The same read counts and keeps: no extra query per table with the undo window on.
                            images.addAll(beforeImages(c, t, keys, ids, counted));
                        } else {
                            if (restoration.enabled()) { // not built: whole rows of a delete table are not kept
                                log.warn("rows deleted from {} are not kept for the undo window: they cannot be restored", t.name());
                            }
                            attribute(c, t, keys, ids, false, counted);
                        }
                        if (total[0] > 0) {
                            toMutate.put(t, keys);
                        }
                    }
                    if (!toMutate.isEmpty()) {
                        if (!images.isEmpty()) {
                            restoration.keep(images); // durable (sealed) before the announcement and before any mutation
                        }
                        writeAhead.record(counts.tally.planned(executes));
                        counts.mutationIds.putAll(mutate(c, toMutate, ids));
                    }
                }
            }
        });

        return counts.tally.results(batch.items(), (item, index, r) -> withNotes(item, tables.get(index), r, counts));
    }

    /** Why an id matched by email only, what a dry run's mutation would rewrite, the batch's mutation, key and feed caveats. */
    private static TargetResult withNotes(ErasureItem item, ResolvedTable t, TargetResult r, Counts counts) {
        List<String> notes = new ArrayList<>();
        if (IdsTable.idLiteral(t, item.contributorId()).isEmpty()) {
            notes.add("contributorId is not a valid " + t.idType() + " id for this table; matched by email only");
        }
        if (item.dryRun()) {
            int mine = counts.parts.getOrDefault(item.requestId(), Map.of()).getOrDefault(t.name(), Set.of()).size();
            int all = counts.batchParts.getOrDefault(t.name(), Set.of()).size();
            notes.add("dry run: the " + (t.action() == Action.DELETE ? "DELETE" : "UPDATE") + " mutation would rewrite "
                    + mine + " part(s) for this request, " + all + " for the batch");
        } else if (counts.mutationIds.containsKey(t.name()) && counts.tally.total(item, t.name()) > 0) {
            notes.add("1 mutation for the batch: " + counts.mutationIds.get(t.name()));
        }
        if (t.keyNote() != null) {
            notes.add(t.keyNote());
        }
        for (KafkaFeed f : t.feeds()) {
            notes.add("fed by Kafka-engine table " + f.kafkaTable() + " via " + f.view() + " (not mutated): the upstream topic "
                    + f.topics() + " still holds the data");
        }
        if (!notes.isEmpty()) {
            String note = String.join("; ", notes);
            r = r.withNote(note.length() > 500 ? note.substring(0, 497) + "..." : note);
        }
        return r;
    }

    /** False for a mask table whose every PII column is a key column left by key-column-strategy = report. */
    private static boolean acts(ResolvedTable t) {
        return t.action() == Action.DELETE || !t.maskColumns().isEmpty();
    }

    @FunctionalInterface
    private interface RowGroup {
        void accept(ErasureItem item, long rows, List<String> parts);
    }

    /**
     * One GROUP BY over the rows that match and (mask tables) still hold PII, attributed id first,
     * then by the stored email as normalised (the stored spelling may differ in case and spaces).
     */
    private void attribute(Connection c, ResolvedTable t, BatchKeys keys, IdsTable ids, boolean withParts, RowGroup sink) throws SQLException {
        TableMapping<?> m = t.mapping();
        // toStringCutToZero: a FixedString value prints with its zero padding, the request's id without.
        StringBuilder sql = new StringBuilder("SELECT ").append(contributor(t)).append(" AS c, ");
        sql.append(m.hasEmail() ? normalised(m.emailColumn()) : "''").append(" AS e, count() AS n, ");
        sql.append(withParts ? "arrayStringConcat(groupUniqArray(_part), ',')" : "''").append(" AS p FROM ").append(t.qualifiedName())
                .append(" WHERE ").append(match(t, keys, ids));
        if (t.action() == Action.MASK) {
            sql.append(" AND (").append(unmasked(t)).append(')');
        }
        sql.append(" GROUP BY c, e");
        long t0 = System.nanoTime();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql.toString())) {
            log.debug("attribution query on {} ({} bytes) answered in {} ms", t.name(), sql.length(), (System.nanoTime() - t0) / 1_000_000);
            while (rs.next()) {
                ErasureItem item = keys.owner(rs.getString(1), m.hasEmail() ? rs.getString(2) : null);
                if (item == null) {
                    log.warn("rows in {} matched no request of the batch", t.name());
                    continue;
                }
                String p = rs.getString(4);
                sink.accept(item, rs.getLong(3), p == null || p.isEmpty() ? List.of() : List.of(p.split(",")));
            }
        }
    }

    /**
     * {@link #attribute}'s read, also grouped by the previous values of the masked columns, with the rows' identity
     * hashes (contributor id and sorting key) collected per group: counts the rows (as attribute does) and returns per request a {@link MaskImage} of what the mutation
     * will overwrite (split when large).
     */
    private List<BeforeImage> beforeImages(Connection c, ResolvedTable t, BatchKeys keys, IdsTable ids, RowGroup counted) throws SQLException {
        TableMapping<?> m = t.mapping();
        List<String> columns = List.copyOf(t.maskColumns().keySet());
        List<String> masks = new ArrayList<>();
        t.maskColumns().values().forEach(cs -> masks.add(cs.strategy() == TableMapping.Strategy.FIXED ? cs.value() : null));
        // The row's identity: the contributor column and the sorting key, hashed (one Int64 key for the restore's Join table).
        List<String> hashed = new ArrayList<>(List.of(m.contributorColumn()));
        t.sortingKey().stream().filter(k -> !k.equals(m.contributorColumn())).forEach(hashed::add);
        StringBuilder sql = new StringBuilder("SELECT ").append(contributor(t)).append(" AS c, ")
                .append(m.hasEmail() ? normalised(m.emailColumn()) : "''").append(" AS e, arrayStringConcat(groupUniqArray(")
                .append(rowKey(hashed)).append("), ',') AS h, count() AS n");
        StringBuilder groupBy = new StringBuilder(" GROUP BY c, e");
        for (int i = 0; i < columns.size(); i++) {
            sql.append(", hex(toString(").append(Sql.quote(columns.get(i))).append(")) AS v").append(i);
            groupBy.append(", v").append(i);
        }
        sql.append(" FROM ").append(t.qualifiedName()).append(" WHERE ").append(match(t, keys, ids)).append(" AND (").append(unmasked(t))
                .append(')').append(groupBy);
        // request → (contributor id, previous values as hex) → rows and hashes
        Map<ErasureItem, Map<List<String>, long[]>> rowsOf = new LinkedHashMap<>();
        Map<ErasureItem, Map<List<String>, List<Long>>> hashesOf = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql.toString())) {
            while (rs.next()) {
                ErasureItem item = keys.owner(rs.getString(1), m.hasEmail() ? rs.getString(2) : null);
                if (item == null) {
                    log.warn("rows in {} matched no request of the batch", t.name());
                    continue;
                }
                List<String> group = new ArrayList<>(columns.size() + 1);
                group.add(rs.getString(1));
                for (int i = 0; i < columns.size(); i++) {
                    group.add(rs.getString(5 + i));
                }
                long n = rs.getLong(4);
                rowsOf.computeIfAbsent(item, k -> new LinkedHashMap<>()).computeIfAbsent(group, k -> new long[1])[0] += n;
                List<Long> hashes = hashesOf.computeIfAbsent(item, k -> new LinkedHashMap<>()).computeIfAbsent(group, k -> new ArrayList<>());
                for (String h : rs.getString(3).split(",")) {
                    hashes.add(Long.parseLong(h));
                }
                counted.accept(item, n, null);
            }
        }
        List<BeforeImage> images = new ArrayList<>();
        HexFormat hex = HexFormat.of();
        rowsOf.forEach((item, groups) -> {
            List<MaskImage.Group> list = new ArrayList<>();
            groups.forEach((group, n) -> {
                List<byte[]> values = new ArrayList<>();
                group.subList(1, group.size()).forEach(v -> values.add(v == null ? null : hex.parseHex(v)));
                list.add(new MaskImage.Group(group.getFirst(), values, n[0], List.copyOf(hashesOf.get(item).get(group))));
            });
            for (byte[] content : new MaskImage(MaskImage.VERSION, m.contributorColumn(), hashed, columns, masks, list).encode()) {
                images.add(new BeforeImage(item.requestId(), t.name(), content));
            }
        });
        log.debug("before-images of {}: {} image(s) for {} request(s) read in {} ms", t.name(), images.size(), rowsOf.size(),
                (System.nanoTime() - t0) / 1_000_000);
        return images;
    }

    /** The contributor column as text, as the batch keys spell ids (a FixedString without its zero padding). */
    private static String contributor(ResolvedTable t) {
        return (Catalog.baseType(t.idType()).startsWith("FixedString(") ? "toStringCutToZero(" : "toString(")
                + Sql.quote(t.mapping().contributorColumn()) + ")";
    }

    /** A row's contributor id and sorting key as one Int64, to find the row again on restore. */
    static String rowKey(List<String> keyColumns) {
        return "reinterpretAsInt64(cityHash64(" + String.join(", ", keyColumns.stream().map(Sql::quote).toList()) + "))";
    }

    // ---------------------------------------------------------------- restore

    @Override
    public Map<String, Long> restore(UUID requestId, List<BeforeImage> images, RestorationLog restorationLog) {
        // target → layout → images (one layout per target unless the mapping changed between runs)
        Map<String, Map<String, List<MaskImage>>> byTarget = new LinkedHashMap<>();
        for (BeforeImage image : images) {
            if (!image.requestId().equals(requestId)) {
                throw new StoreException("CH_RESTORE_IMAGE", "a before-image of another request was handed to the restore of " + requestId);
            }
            if (tables.stream().noneMatch(t -> t.name().equals(image.target()))) {
                throw new StoreException("CH_RESTORE_TARGET", "target " + image.target() + " is not mapped");
            }
            MaskImage mi = MaskImage.fromJson(image.content());
            byTarget.computeIfAbsent(image.target(), k -> new LinkedHashMap<>()).computeIfAbsent(mi.layout(), k -> new ArrayList<>()).add(mi);
        }
        Map<String, Long> restored = new LinkedHashMap<>();
        withConnection("restore", c -> {
            for (ResolvedTable t : tables) {
                for (List<MaskImage> sameLayout : byTarget.getOrDefault(t.name(), Map.of()).values()) {
                    long t0 = System.nanoTime();
                    long n = MaskRestore.restore(c, idsDatabase, database, t, sameLayout, this::awaitMutation, () -> mutationCounter(t).increment());
                    restored.merge(t.name(), n, Long::sum);
                    log.info("restore of request {}: {} row(s) of {} set back in {} ms", requestId, n, t.name(), (System.nanoTime() - t0) / 1_000_000);
                }
            }
        });
        return restored;
    }

    /**
     * Issues the batch's one mutation per table and awaits it before the next, all against one
     * deadline ({@code mutation-timeout} for the batch); returns table → mutation_id. One at a time on
     * purpose: issued together, a lone request's three mutations took 0.8-1.1 s instead of 0.3-0.4 s
     * on the dev-stack's server (2 background threads).
     */
    private Map<String, String> mutate(Connection c, Map<ResolvedTable, BatchKeys> toMutate, IdsTable ids) throws SQLException {
        long deadline = System.nanoTime() + mutationTimeout.toNanos();
        Map<String, String> mutationIds = new LinkedHashMap<>();
        for (Map.Entry<ResolvedTable, BatchKeys> e : toMutate.entrySet()) {
            ResolvedTable t = e.getKey();
            StringBuilder sql = new StringBuilder("ALTER TABLE ").append(t.qualifiedName());
            if (t.action() == Action.DELETE) {
                sql.append(" DELETE WHERE ").append(match(t, e.getValue(), ids));
            } else {
                sql.append(" UPDATE ");
                boolean first = true;
                for (Map.Entry<String, ColumnStrategy> col : t.maskColumns().entrySet()) {
                    if (!first) {
                        sql.append(", ");
                    }
                    first = false;
                    sql.append(Sql.quote(col.getKey())).append(" = ").append(switch (col.getValue().strategy()) {
                        case FIXED -> Sql.str(col.getValue().value());
                        case NULL -> "NULL";
                        case HMAC -> throw noHmac();
                    });
                }
                sql.append(" WHERE ").append(match(t, e.getValue(), ids)).append(" AND (").append(unmasked(t)).append(')');
            }
            sql.append(" SETTINGS mutations_sync = 0");
            long t0 = System.nanoTime();
            ids.readByMutation();
            try (Statement s = c.createStatement()) {
                s.execute(sql.toString());
            }
            mutationCounter(t).increment();
            log.debug("ALTER on {} accepted in {} ms", t.name(), (System.nanoTime() - t0) / 1_000_000);
            // The ids table's name is unique to the batch: it finds the mutation in system.mutations.
            String id = awaitMutation(c, t.name(), ids.name(), deadline);
            mutationWait.record(Duration.ofNanos(System.nanoTime() - t0));
            log.debug("mutation {} on {} done {} ms after its ALTER", id, t.name(), (System.nanoTime() - t0) / 1_000_000);
            mutationIds.put(t.name(), id);
            ids.mutationsDone();
        }
        return mutationIds;
    }

    /**
     * Polls {@code system.mutations} for the mutation tagged {@code marker}: returns its id when done;
     * a {@code latest_fail_reason} kills it and throws {@link StoreException} (CH_MUTATION_FAILED) with
     * the reason (quoted values redacted); passing {@code deadline} (a {@link System#nanoTime()})
     * throws {@link StoreUnavailableException} (the batch then kills it as it drops its ids table; the
     * retried batch finds what it already changed masked and counts the rest).
     */
    String awaitMutation(Connection c, String table, String marker) throws SQLException {
        return awaitMutation(c, table, marker, System.nanoTime() + mutationTimeout.toNanos());
    }

    private String awaitMutation(Connection c, String table, String marker, long deadline) throws SQLException {
        long sleep = 10;
        String sql = "SELECT mutation_id, is_done, parts_to_do, latest_fail_reason, latest_fail_error_code_name, is_killed"
                + " FROM system.mutations WHERE database = " + Sql.str(database) + " AND table = " + Sql.str(table)
                + " AND position(command, " + Sql.str(marker) + ") > 0";
        String id = "?";
        long partsToDo = -1;
        while (true) {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                if (rs.next()) {
                    id = rs.getString(1);
                    partsToDo = rs.getLong(3);
                    String reason = rs.getString(4);
                    if (rs.getInt(2) == 1) {
                        return id;
                    }
                    if (rs.getInt(6) == 1) {
                        throw new StoreException("CH_MUTATION_KILLED", "mutation " + id + " on " + table + " was killed");
                    }
                    if (reason != null && !reason.isEmpty()) {
                        kill(c, table, id);
                        throw new StoreException("CH_MUTATION_FAILED", "mutation " + id + " on " + table + " failed ("
                                + rs.getString(5) + "): " + redact(reason) + "; killed");
                    }
                }
            }
            if (System.nanoTime() > deadline) {
                throw new StoreUnavailableException("mutation " + id + " on " + table + " not done within mutation-timeout "
                        + mutationTimeout + " (" + partsToDo + " parts to do; killed with the batch's ids table" + stuckOthers(c, table) + ")");
            }
            try {
                Thread.sleep(sleep);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StoreUnavailableException("interrupted while waiting for mutation " + id + " on " + table);
            }
            sleep = Math.min(sleep * 2, pollInterval.toMillis());
        }
    }

    /** Other unfinished mutations of the table that report a failure (they block the queue). */
    private String stuckOthers(Connection c, String table) {
        String sql = "SELECT mutation_id, latest_fail_error_code_name, latest_fail_reason FROM system.mutations WHERE database = "
                + Sql.str(database) + " AND table = " + Sql.str(table) + " AND is_done = 0 AND latest_fail_reason != '' ORDER BY create_time LIMIT 1";
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            if (rs.next()) {
                return "; stuck before it: " + rs.getString(1) + " (" + rs.getString(2) + "): " + redact(rs.getString(3));
            }
        } catch (SQLException e) {
            // best effort
        }
        return "";
    }

    private void kill(Connection c, String table, String mutationId) {
        try (Statement s = c.createStatement()) {
            s.execute("KILL MUTATION WHERE database = " + Sql.str(database) + " AND table = " + Sql.str(table)
                    + " AND mutation_id = " + Sql.str(mutationId));
        } catch (SQLException e) {
            log.warn("KILL MUTATION {} on {} failed: {}", mutationId, table, e.getClass().getSimpleName());
        }
    }

    /** A server text without quoted values, emails or query ids, at most 300 characters. */
    static String redact(String reason) {
        String r = QUOTED.matcher(reason).replaceAll("'?'");
        r = EMAILISH.matcher(r).replaceAll("?");
        r = r.replaceAll("\\(queryId=[^)]*\\)", "").replaceAll("\\s+", " ").strip();
        return r.length() > 300 ? r.substring(0, 297) + "..." : r;
    }

    // ---------------------------------------------------------------- verify

    @Override
    public Map<UUID, List<TargetResidual>> verify(ErasureBatch batch) {
        Tally tally = new Tally(targets());
        withConnection("verify", c -> {
            try (IdsTable ids = IdsTable.create(c, idsDatabase, database, tables, batch.items())) {
                for (ResolvedTable t : tables) {
                    BatchKeys keys = keys(t, batch.items());
                    if (keys.isEmpty() || !acts(t)) {
                        continue;
                    }
                    // Independent read: rows with the batch's identifiers, emails in any case and surrounding
                    // spaces, that still hold unmasked PII (delete tables: any row).
                    attribute(c, t, keys, ids, false, (item, n, parts) -> tally.found(item, t.name(), n));
                }
            }
        });
        return tally.residuals(batch.items());
    }

    @Override
    public void checkReachable() {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
            rs.next();
        } catch (SQLException e) {
            throw new StoreUnavailableException("ClickHouse unreachable (" + describe(e) + ")");
        }
    }

    @Override
    public void close() {
        sweeper.close();
        super.close();
    }

    // ---------------------------------------------------------------- SQL pieces

    /** Rows of {@code t} holding one of the batch's ids, or one of its emails in any case and surrounding spaces. */
    private static String match(ResolvedTable t, BatchKeys keys, IdsTable ids) {
        StringBuilder sql = new StringBuilder("(");
        boolean any = false;
        if (!keys.ids().isEmpty()) {
            sql.append(Sql.quote(t.mapping().contributorColumn())).append(" IN ").append(ids.ids(t));
            any = true;
        }
        if (!keys.emails().isEmpty()) {
            if (any) {
                sql.append(" OR ");
            }
            sql.append(normalised(t.mapping().emailColumn())).append(" IN ").append(ids.emails());
        }
        return sql.append(')').toString();
    }

    /**
     * The stored email as the pipeline spells it ({@code Identifiers.normaliseEmail}: stripped,
     * lower-cased). {@code lowerUTF8}, not {@code lower} (ASCII only); {@code trimBoth} with the ASCII
     * whitespace {@code String.strip()} removes too (its default trims spaces only).
     */
    static String normalised(String emailColumn) {
        return "lowerUTF8(trimBoth(" + Sql.quote(emailColumn) + ", ' \\t\\n\\r\\x0B\\x0C\\x1C\\x1D\\x1E\\x1F'))";
    }

    /** True for a row that still holds PII in at least one column the sink masks. */
    private static String unmasked(ResolvedTable t) {
        List<String> terms = new ArrayList<>();
        for (Map.Entry<String, ColumnStrategy> e : t.maskColumns().entrySet()) {
            String col = Sql.quote(e.getKey());
            terms.add(switch (e.getValue().strategy()) {
                case FIXED -> "(" + col + " IS NOT NULL AND " + col + " != " + Sql.str(e.getValue().value()) + ")";
                case NULL -> col + " IS NOT NULL";
                case HMAC -> throw noHmac();
            });
        }
        return String.join(" OR ", terms);
    }

    /** Catalog.rules accepts fixed and null only: a mutation is SQL text run later, with no key to hand. */
    private static IllegalStateException noHmac() {
        return new IllegalStateException("hmac is not a ClickHouse strategy");
    }

    // ---------------------------------------------------------------- errors

    /** Transient → {@link StoreUnavailableException}; the rest → {@link StoreException}; never the server text (it can quote values). */
    static RuntimeException translate(SQLException e, String operation) {
        int code = e.getErrorCode();
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        boolean transientError = e instanceof SQLTransientException || e instanceof SQLRecoverableException
                || state.startsWith("08") || TRANSIENT_CODES.contains(code) || (code == 0 && !hasServerCause(e));
        if (transientError) {
            return new StoreUnavailableException("ClickHouse " + operation + " failed transiently (" + describe(e) + ")");
        }
        return new StoreException("CH_" + code, "ClickHouse " + operation + " failed (" + describe(e) + ")");
    }

    private static boolean hasServerCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getClass().getSimpleName().equals("ServerException")) {
                return true;
            }
        }
        return false;
    }

    static String describe(SQLException e) {
        String name = Optional.ofNullable(e.getMessage()).map(ERROR_NAME::matcher).filter(Matcher::find).map(m -> m.group(1)).orElse(null);
        return "code " + e.getErrorCode() + (name == null ? "" : " " + name) + ", SQLState " + (e.getSQLState() == null ? "none" : e.getSQLState())
                + ", " + e.getClass().getSimpleName();
    }

    // ---------------------------------------------------------------- keys

    /** The batch's identifiers for one table: numeric ids keyed as the column prints them (canonical digits), string ids as they are. */
    static BatchKeys keys(ResolvedTable t, List<ErasureItem> items) {
        return BatchKeys.of(items, id -> IdsTable.idLiteral(t, id).map(literal -> t.numericId() ? literal : id), t.mapping().hasEmail());
    }
}

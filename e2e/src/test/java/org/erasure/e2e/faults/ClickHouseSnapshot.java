package org.erasure.e2e.faults;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.erasure.devstack.clickhouse.ClickHouseServer;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.events.Phase;

/**
 * Per table and contributor: the row count, an order-independent fingerprint of the rows (the sum of
 * {@code cityHash64} over every column of each row), the same over every column but {@code email},
 * and how many rows still hold an email. Erasure masks {@code email} in every row of the contributor.
 */
record ClickHouseSnapshot(Map<String, Map<Long, Rows>> tables) implements StoreSnapshot {

    static final List<String> TABLES = List.of(SampleWorld.CH_UNIT_METRICS, SampleWorld.CH_UNIT_METRICS_HOURLY, SampleWorld.CH_ACCRUED_STATS);

    record Rows(long count, String fingerprint, String keptFingerprint, long unmasked) {}

    static ClickHouseSnapshot take(ClickHouseServer clickhouse, String database, SampleWorld world) {
        String db = "`" + database + "`";
        Map<String, Map<Long, Rows>> tables = new LinkedHashMap<>();
        for (String table : TABLES) {
            List<String> kept = clickhouse.query("SELECT name FROM system.columns WHERE database = '" + database
                    + "' AND table = '" + table + "' AND name != 'email' ORDER BY position").lines().toList();
            String keptColumns = kept.stream().map(c -> "`" + c + "`").collect(Collectors.joining(", "));
            String tsv = clickhouse.query("SELECT contributor_id, count(), sum(cityHash64(*)), sum(cityHash64(" + keptColumns + ")),"
                    + " countIf(email != '" + PostgresSnapshot.MASK + "') FROM " + db + "." + table
                    + " WHERE contributor_id BETWEEN " + world.firstId() + " AND " + (world.firstId() + world.size() - 1)
                    + " GROUP BY contributor_id SETTINGS max_threads = 1");
            Map<Long, Rows> rows = new HashMap<>();
            for (String line : tsv.lines().toList()) {
                String[] f = line.split("\t");
                rows.put(Long.parseLong(f[0]), new Rows(Long.parseLong(f[1]), f[2], f[3], Long.parseLong(f[4])));
            }
            tables.put(table, rows);
        }
        return new ClickHouseSnapshot(tables);
    }

    @Override
    public Phase phase() {
        return Phase.CLICKHOUSE;
    }

    @Override
    public Map<String, Counts> erasable(long id) {
        Map<String, Counts> counts = new LinkedHashMap<>();
        tables.forEach((table, rows) -> counts.put(table, Counts.masked(rows.containsKey(id) ? rows.get(id).unmasked() : 0)));
        return counts;
    }

    @Override
    public List<String> problemsAfterErasure(StoreSnapshot other, Set<Long> erased) {
        ClickHouseSnapshot after = (ClickHouseSnapshot) other;
        List<String> problems = new ArrayList<>();
        tables.forEach((table, rows) -> {
            Map<Long, Rows> now = after.tables.get(table);
            rows.forEach((id, was) -> {
                Rows is = now.get(id);
                if (is == null || is.count() != was.count()) {
                    problems.add("clickhouse " + table + ": contributor " + id + " had " + was.count() + " rows, now "
                            + (is == null ? 0 : is.count()));
                } else if (erased.contains(id)) {
                    if (is.unmasked() != 0) {
                        problems.add("clickhouse " + table + ": contributor " + id + " has " + is.unmasked() + " unmasked rows");
                    }
                    if (!is.keptFingerprint().equals(was.keptFingerprint())) {
                        problems.add("clickhouse " + table + ": contributor " + id + " non-email columns changed");
                    }
                } else if (!is.fingerprint().equals(was.fingerprint())) {
                    problems.add("clickhouse " + table + ": neighbour " + id + " rows changed");
                }
            });
        });
        return problems;
    }
}

package org.erasure.e2e.faults;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.erasure.devstack.postgres.PostgresServer;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.events.Phase;

/**
 * The three contributor tables, row by row as PostgreSQL prints them ({@code t::text}). Erasure
 * deletes job mappings and project stats and masks the contributor row (email, names; sets erased_at).
 */
record PostgresSnapshot(Map<Long, Contributor> contributors, Map<Long, List<String>> jobs, Map<Long, List<String>> stats)
        implements StoreSnapshot {

    static final String MASK = "DELETED_USER";

    /** @param kept the columns erasure must not change, as text */
    record Contributor(String row, String kept, String email, String firstName, String lastName, boolean erasedAtSet) {
        boolean personal() {
            return !MASK.equals(email) || firstName != null || lastName != null;
        }
    }

    static PostgresSnapshot take(PostgresServer postgres, String schema, SampleWorld world) throws SQLException {
        String s = '"' + schema + '"';
        String range = " BETWEEN " + world.firstId() + " AND " + (world.firstId() + world.size() - 1);
        Map<Long, Contributor> contributors = new TreeMap<>();
        try (Connection c = postgres.newConnection(); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT id, t::text, (id, status, last_activity_at, created_at)::text,"
                    + " email, first_name, last_name, erased_at IS NOT NULL FROM " + s + "." + SampleWorld.PG_CONTRIBUTORS
                    + " t WHERE id" + range)) {
                while (rs.next()) {
                    contributors.put(rs.getLong(1), new Contributor(rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getBoolean(7)));
                }
            }
            return new PostgresSnapshot(contributors, rows(st, s + "." + SampleWorld.PG_JOB_MAPPING, range),
                    rows(st, s + "." + SampleWorld.PG_PROJECT_STATS, range));
        }
    }

    private static Map<Long, List<String>> rows(Statement st, String table, String range) throws SQLException {
        Map<Long, List<String>> rows = new HashMap<>();
        try (ResultSet rs = st.executeQuery("SELECT contributor_id, t::text FROM " + table + " t WHERE contributor_id" + range
                + " ORDER BY t::text")) {
            while (rs.next()) {
                rows.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>()).add(rs.getString(2));
            }
        }
        return rows;
    }

    @Override
    public Phase phase() {
        return Phase.POSTGRES;
    }

    @Override
    public Map<String, Counts> erasable(long id) {
        Map<String, Counts> counts = new LinkedHashMap<>();
        counts.put(SampleWorld.PG_JOB_MAPPING, Counts.deleted(jobs.getOrDefault(id, List.of()).size()));
        counts.put(SampleWorld.PG_PROJECT_STATS, Counts.deleted(stats.getOrDefault(id, List.of()).size()));
        Contributor c = contributors.get(id);
        counts.put(SampleWorld.PG_CONTRIBUTORS, Counts.masked(c != null && c.personal() ? 1 : 0));
        return counts;
    }

    @Override
    public List<String> problemsAfterErasure(StoreSnapshot other, Set<Long> erased) {
        PostgresSnapshot after = (PostgresSnapshot) other;
        List<String> problems = new ArrayList<>();
        for (Map.Entry<Long, Contributor> e : contributors.entrySet()) {
            long id = e.getKey();
            Contributor was = e.getValue();
            Contributor now = after.contributors.get(id);
            if (now == null) {
                problems.add("postgres: contributor row " + id + " is gone");
                continue;
            }
            if (erased.contains(id)) {
                if (now.personal() || !now.erasedAtSet()) {
                    problems.add("postgres: contributor " + id + " not masked (email masked " + MASK.equals(now.email())
                            + ", names null " + (now.firstName() == null && now.lastName() == null) + ", erased_at set " + now.erasedAtSet() + ")");
                }
                if (!was.kept().equals(now.kept())) {
                    problems.add("postgres: contributor " + id + " non-personal columns changed");
                }
                if (after.jobs.containsKey(id) || after.stats.containsKey(id)) {
                    problems.add("postgres: contributor " + id + " still has job mapping / project stats rows");
                }
            } else {
                if (!was.row().equals(now.row())) {
                    problems.add("postgres: neighbour " + id + " contributor row changed");
                }
                if (!Objects.equals(jobs.get(id), after.jobs.get(id)) || !Objects.equals(stats.get(id), after.stats.get(id))) {
                    problems.add("postgres: neighbour " + id + " job mapping / project stats rows changed");
                }
            }
        }
        if (after.contributors.size() != contributors.size()) {
            problems.add("postgres: " + contributors.size() + " contributor rows before, " + after.contributors.size() + " after");
        }
        return problems;
    }
}

package org.erasure.client.identity;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.erasure.client.intake.EmailSyntax;

/**
 * Resolves identifiers with one configurable query per upload. The query takes one parameter, a
 * {@code text[]} of contributor ids, and returns rows with columns {@code contributor_id}, {@code email}
 * and {@code worker_id} (either may be NULL; several rows per contributor are merged). Values that are
 * not valid emails (e.g. an already masked {@code DELETED_USER}) are ignored.
 *
 * <p>Default: the platform's main table, {@code kepler_crowd_contributors_t}: the email column, and the
 * contributor id as worker id (the id the Elasticsearch views carry in {@code latest.workerId}).
 */
public final class PostgresIdentifierResolver implements IdentifierResolver {

    public static final String DEFAULT_SQL = "SELECT id::text AS contributor_id, email, id::text AS worker_id"
            + " FROM kepler_crowd_contributors_t WHERE id = ANY(CAST(? AS bigint[]))";

    private final DataSource dataSource;
    private final String sql;
    private final int chunk;

    public PostgresIdentifierResolver(DataSource dataSource, String sql) {
        this.dataSource = dataSource;
        this.sql = sql;
        this.chunk = 5_000;
    }

    @Override
    public Map<String, Found> resolve(Collection<String> contributorIds) {
        Map<String, Set<String>> emails = new HashMap<>();
        Map<String, Set<String>> workers = new HashMap<>();
        List<String> ids = new ArrayList<>(new LinkedHashSet<>(contributorIds));
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int from = 0; from < ids.size(); from += chunk) {
                List<String> part = ids.subList(from, Math.min(ids.size(), from + chunk));
                Array array = c.createArrayOf("text", part.toArray());
                s.setArray(1, array);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        String id = rs.getString("contributor_id");
                        String email = rs.getString("email");
                        String worker = rs.getString("worker_id");
                        emails.computeIfAbsent(id, k -> new LinkedHashSet<>());
                        workers.computeIfAbsent(id, k -> new LinkedHashSet<>());
                        if (email != null && EmailSyntax.isValid(email.strip())) {
                            emails.get(id).add(email.strip());
                        }
                        if (worker != null && !worker.isBlank()) {
                            workers.get(id).add(worker.strip());
                        }
                    }
                }
                array.free();
            }
        } catch (SQLException e) {
            // SQLState only: driver messages can contain parameter values.
            throw new ResolutionException("identifier lookup in PostgreSQL failed (SQLState " + e.getSQLState() + ")", e);
        }
        Map<String, Found> found = new HashMap<>();
        for (String id : emails.keySet()) {
            found.put(id, new Found(List.copyOf(emails.get(id)), List.copyOf(workers.get(id))));
        }
        return found;
    }

    @Override
    public boolean healthy() {
        try (Connection c = dataSource.getConnection()) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }
}

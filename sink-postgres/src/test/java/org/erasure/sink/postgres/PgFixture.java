package org.erasure.sink.postgres;

import org.erasure.sink.runtime.testkit.LogScan;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.postgres.PostgresServer;
import org.erasure.devstack.seed.PostgresSeeder;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.devstack.seed.SeedNames;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureReason;
import org.erasure.events.Identifiers;
import org.erasure.events.Mode;
import org.erasure.events.Phase;
import org.erasure.sink.runtime.spi.ErasureItem;

/** A seeded per-test schema on the shared PostgreSQL and helpers to look at it. */
final class PgFixture {
    /** Every email any test seeded or sent: LogScanTest looks for each in the logs. */

    final PostgresServer postgres;
    final String schema;
    final SampleWorld world;

    private PgFixture(PostgresServer postgres, String schema, SampleWorld world) {
        this.postgres = postgres;
        this.schema = schema;
        this.world = world;
    }

    static PgFixture seed(PostgresServer postgres, TestNames names, int size) throws SQLException {
        SampleWorld world = SampleWorld.isolated(size);
        String schema = SeedNames.unique(names).pgSchema();
        try (Connection c = postgres.newConnection()) {
            PostgresSeeder.seed(c, schema, world);
        }
        world.contributors().forEach(x -> LogScan.SEEDED_EMAILS.add(x.email()));
        return new PgFixture(postgres, schema, world);
    }

    /** postgres { } config for this schema (reference mapping), jdbc url overridable. */
    Config storeConfig(String jdbcUrl, String extra) {
        return ConfigFactory.parseString("""
                jdbc-url = "%s"
                user = postgres
                password = postgres
                schema = "%s"
                pool.connection-timeout = 2s
                %s
                """.formatted(jdbcUrl, schema, extra))
                .withFallback(ConfigFactory.defaultReference().getConfig("postgres")).resolve();
    }

    PostgresErasureStore store() {
        return store("");
    }

    PostgresErasureStore store(String extra) {
        return (PostgresErasureStore) new PostgresStoreModule().create(storeConfig(postgres.jdbcUrl(), extra), new SimpleMeterRegistry());
    }

    static ErasureItem item(SampleWorld.Contributor c, Mode mode) {
        return new ErasureItem(UUID.randomUUID(), Long.toString(c.id()), Identifiers.of(List.of(c.email()), List.of(c.workerId())), mode);
    }

    static ContributorErasureRequested request(SampleWorld.Contributor c, Mode mode) {
        return ContributorErasureRequested.builder().contributorId(Long.toString(c.id()))
                .identifiers(List.of(c.email()), List.of(c.workerId())).requestedBy("sink-test")
                .reason(ErasureReason.ACCOUNT_CLOSED).mode(mode).systems(Phase.POSTGRES, Phase.REDIS).build();
    }

    long count(String sql, Object... args) throws SQLException {
        try (Connection c = postgres.newConnection(); PreparedStatement ps = c.prepareStatement(sql.replace("$s", q(schema)))) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    void execute(String sql, Object... args) throws SQLException {
        try (Connection c = postgres.newConnection(); PreparedStatement ps = c.prepareStatement(sql.replace("$s", q(schema)))) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.execute();
        }
    }

    long jobRows(long id) throws SQLException {
        return count("SELECT count(*) FROM $s.kepler_crowd_contributor_job_mapping_t WHERE contributor_id = ?", id);
    }

    long statsRows(long id) throws SQLException {
        return count("SELECT count(*) FROM $s.kepler_crowd_contributors_project_stats_t WHERE contributor_id = ?", id);
    }

    /** 1 if the contributor row still has its seeded PII (email and names) and is not marked erased. */
    long intactRows(SampleWorld.Contributor x) throws SQLException {
        return count("SELECT count(*) FROM $s.kepler_crowd_contributors_t WHERE id = ? AND email = ? AND first_name = ? AND last_name = ? AND erased_at IS NULL",
                x.id(), x.email(), x.firstName(), x.lastName());
    }

    long maskedRows(long id) throws SQLException {
        return count("SELECT count(*) FROM $s.kepler_crowd_contributors_t WHERE id = ? AND email = 'DELETED_USER' AND first_name IS NULL AND last_name IS NULL AND erased_at IS NOT NULL", id);
    }

    /** A digest of every row of the three tables: equal digests, nothing changed. */
    String digest() throws SQLException {
        List<String> parts = new ArrayList<>();
        try (Connection c = postgres.newConnection(); Statement s = c.createStatement()) {
            for (String t : List.of(SampleWorld.PG_CONTRIBUTORS, SampleWorld.PG_JOB_MAPPING, SampleWorld.PG_PROJECT_STATS)) {
                try (ResultSet rs = s.executeQuery("SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM " + q(schema) + "." + t + " x")) {
                    rs.next();
                    parts.add(rs.getString(1));
                }
            }
        }
        return String.join(",", parts);
    }

    static String q(String id) {
        return '"' + id.replace("\"", "\"\"") + '"';
    }
}

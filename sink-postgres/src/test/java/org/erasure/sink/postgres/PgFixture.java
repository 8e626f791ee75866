package org.erasure.sink.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import org.erasure.sink.runtime.testkit.StoreFixture;

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
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.postgres.PostgresServer;
import org.erasure.devstack.seed.PostgresSeeder;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.devstack.seed.SeedNames;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.TargetResult;

/** A seeded per-test schema on the shared PostgreSQL and helpers to look at it. */
final class PgFixture extends StoreFixture {
    final PostgresServer postgres;
    final String schema;

    private PgFixture(PostgresServer postgres, String schema, SampleWorld world) {
        super(world, PostgresStoreModule::new, "sink-pg");
        this.postgres = postgres;
        this.schema = schema;
    }

    static PgFixture seed(PostgresServer postgres, TestNames names, int size) throws SQLException {
        SampleWorld world = SampleWorld.isolated(size);
        String schema = SeedNames.unique(names).pgSchema();
        try (Connection c = postgres.newConnection()) {
            PostgresSeeder.seed(c, schema, world);
        }
        return new PgFixture(postgres, schema, world);
    }

    /** postgres { } config for this schema (reference mapping), jdbc url overridable. */
    @Override
    public Config storeConfig(String jdbcUrl, String extra) {
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

    /**
     * Every row of one contributor in the three tables, as PostgreSQL's {@code to_jsonb(row)} text, returned as its
     * SHA-256 (a failing assertion must not print the rows' PII): equal, byte for byte the same.
     */
    String snapshot(long id) throws SQLException {
        StringBuilder all = new StringBuilder();
        try (Connection c = postgres.newConnection()) {
            for (String t : List.of(SampleWorld.PG_CONTRIBUTORS, SampleWorld.PG_JOB_MAPPING, SampleWorld.PG_PROJECT_STATS)) {
                String column = t.equals(SampleWorld.PG_CONTRIBUTORS) ? "id" : "contributor_id";
                try (PreparedStatement ps = c.prepareStatement("SELECT coalesce(string_agg(to_jsonb(x)::text, '|' ORDER BY to_jsonb(x)::text), '') FROM "
                        + q(schema) + "." + t + " x WHERE " + column + " = ?")) {
                    ps.setLong(1, id);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        all.append(t).append(':').append(rs.getString(1)).append('\n');
                    }
                }
            }
        }
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(all.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String q(String id) {
        return '"' + id.replace("\"", "\"\"") + '"';
    }

    // --- StoreFixture: what the shared sink scenarios (SinkContract) need ---

    @Override
    public String endpoint() {
        return postgres.jdbcUrl();
    }

    @Override
    public String childStoreHocon() {
        return "postgres { jdbc-url = \"%s\", password = postgres, schema = \"%s\" }".formatted(postgres.jdbcUrl(), schema);
    }

    @Override
    public int storePort() {
        return postgres.port();
    }

    @Override
    public String endpointVia(int proxyPort) {
        return "jdbc:postgresql://127.0.0.1:" + proxyPort + "/postgres?connectTimeout=2&socketTimeout=10";
    }

    @Override
    public String outageOverrides() {
        return "postgres.pool.connection-timeout = 1s";
    }

    /** Masked contributor rows in the whole schema (only the first n are ever requested). */
    @Override
    public long erasedAmongFirst(int n) throws SQLException {
        return count("SELECT count(*) FROM $s.kepler_crowd_contributors_t WHERE email = 'DELETED_USER'");
    }

    @Override
    public void assertErased(int index) throws SQLException {
        assertThat(maskedRows(world.contributor(index).id())).isEqualTo(1);
    }

    @Override
    public void assertIntact(int index) throws SQLException {
        assertThat(intactRows(world.contributor(index))).isEqualTo(1);
    }

    @Override
    public void assertAllErased(int n) throws SQLException {
        assertThat(count("SELECT count(*) FROM $s.kepler_crowd_contributor_job_mapping_t WHERE contributor_id < ?", world.firstId() + n)).isZero();
    }

    @Override
    public long reportedWork(PhaseCompleted pc) {
        return pc.totalMasked();
    }

    @Override
    public void assertExecutedTargets(PhaseCompleted pc, int index) {
        assertThat(pc.targets()).extracting(TargetResult::target)
                .containsExactly(SampleWorld.PG_JOB_MAPPING, SampleWorld.PG_PROJECT_STATS, SampleWorld.PG_CONTRIBUTORS);
        assertThat(pc.targets().get(0).deleted()).isEqualTo(SampleWorld.jobCount(index));
        assertThat(pc.targets().get(1).deleted()).isEqualTo(SampleWorld.projectCount(index));
        assertThat(pc.targets().get(2).masked()).isEqualTo(1);
    }

    @Override
    public void assertDryRunTargets(PhaseCompleted pc, int index) {
        assertThat(pc.targets().get(0).wouldDelete()).isEqualTo(SampleWorld.jobCount(index));
        assertThat(pc.targets().get(2).wouldMask()).isEqualTo(1);
    }

    @Override
    public List<String> storeMetrics() {
        return List.of("hikaricp_connections");
    }
}

package org.erasure.sink.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.erasure.devstack.clickhouse.ClickHouseServer;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.seed.ClickHouseSeeder;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.devstack.seed.SeedNames;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.TargetResult;
import org.erasure.sink.runtime.SinkApplication;
import org.erasure.sink.runtime.testkit.StoreFixture;

/** A seeded per-test database on the shared ClickHouse and helpers to look at it. */
final class ChFixture extends StoreFixture {
    static final String METRICS = SampleWorld.CH_UNIT_METRICS;
    static final String HOURLY = SampleWorld.CH_UNIT_METRICS_HOURLY;
    static final String STATS = SampleWorld.CH_ACCRUED_STATS;
    static final List<String> TABLES = List.of(METRICS, HOURLY, STATS);
    static final long PER_CONTRIBUTOR = SampleWorld.CH_UNIT_METRICS_ROWS + SampleWorld.CH_HOURLY_ROWS + SampleWorld.CH_ACCRUED_ROWS;

    final ClickHouseServer clickhouse;
    final String database;

    private ChFixture(ClickHouseServer clickhouse, String database, SampleWorld world) {
        super(world, ClickHouseStoreModule::new, "sink-ch");
        this.clickhouse = clickhouse;
        this.database = database;
    }

    static ChFixture seed(ClickHouseServer clickhouse, TestNames names, int size) {
        SampleWorld world = SampleWorld.isolated(size);
        String db = SeedNames.unique(names).chDatabase();
        ClickHouseSeeder.seed(clickhouse, db, world, null);
        return new ChFixture(clickhouse, db, world);
    }

    /** clickhouse { } config for this database (reference mapping), jdbc url overridable. */
    @Override
    public Config storeConfig(String jdbcUrl, String extra) {
        return ConfigFactory.parseString("""
                jdbc-url = "%s"
                database = "%s"
                pool.connection-timeout = 10s
                mutation-timeout = 60s
                %s
                """.formatted(jdbcUrl, database, extra))
                .withFallback(ConfigFactory.defaultReference().getConfig("clickhouse")).resolve();
    }

    ClickHouseErasureStore store() {
        return store("");
    }

    ClickHouseErasureStore store(String extra) {
        return (ClickHouseErasureStore) new ClickHouseStoreModule().create(storeConfig(clickhouse.jdbcUrl(), extra), new SimpleMeterRegistry());
    }

    /** Runs a query ({@code $d} = this database, back-quoted) and returns the first value as a long. */
    long count(String sql) {
        return Long.parseLong(clickhouse.query(sql.replace("$d", "`" + database + "`")).strip());
    }

    String query(String sql) {
        return clickhouse.query(sql.replace("$d", "`" + database + "`"));
    }

    /** Rows of the contributor in the table still carrying the seeded email. */
    long intact(String table, SampleWorld.Contributor c) {
        return count("SELECT count() FROM $d." + table + " WHERE contributor_id = " + c.id() + " AND email = '" + c.email() + "'");
    }

    long masked(String table, SampleWorld.Contributor c) {
        return count("SELECT count() FROM $d." + table + " WHERE contributor_id = " + c.id() + " AND email = 'DELETED_USER'");
    }

    long maskedAll(String table) {
        return count("SELECT count() FROM $d." + table + " WHERE email = 'DELETED_USER'");
    }

    static long rows(String table) {
        return switch (table) {
            case METRICS -> SampleWorld.CH_UNIT_METRICS_ROWS;
            case HOURLY -> SampleWorld.CH_HOURLY_ROWS;
            default -> SampleWorld.CH_ACCRUED_ROWS;
        };
    }

    /** A digest of every row of the three tables: equal digests, nothing changed. */
    String digest() {
        StringBuilder sb = new StringBuilder();
        for (String t : TABLES) {
            sb.append(query("SELECT count(), groupBitXor(cityHash64(*)) FROM $d." + t).strip()).append('|');
        }
        return sb.toString();
    }

    // --- StoreFixture: what the shared sink scenarios (SinkContract) need ---

    @Override
    public String endpoint() {
        return clickhouse.jdbcUrl();
    }

    @Override
    public String childStoreHocon() {
        return "clickhouse { jdbc-url = \"%s\", database = \"%s\" }".formatted(clickhouse.jdbcUrl(), database);
    }

    @Override
    public int storePort() {
        return clickhouse.httpPort();
    }

    @Override
    public String endpointVia(int proxyPort) {
        return "jdbc:clickhouse://127.0.0.1:" + proxyPort + "/default";
    }

    @Override
    public String outageOverrides() {
        return "clickhouse { pool.connection-timeout = 3s, connect-timeout = 1s, socket-timeout = 10s }";
    }

    /** Contributors whose rows are masked in the last table of the mapping (the batch is done in the store). */
    @Override
    public long erasedAmongFirst(int n) {
        return count("SELECT uniqExact(contributor_id) FROM $d." + STATS + " WHERE email = 'DELETED_USER'");
    }

    @Override
    public void assertErased(int index) {
        for (String t : TABLES) {
            assertThat(masked(t, world.contributor(index))).as(t).isEqualTo(rows(t));
        }
    }

    @Override
    public void assertIntact(int index) {
        for (String t : TABLES) {
            assertThat(intact(t, world.contributor(index))).as(t).isEqualTo(rows(t));
        }
    }

    @Override
    public void assertAllErased(int n) {
        for (String t : TABLES) {
            assertThat(maskedAll(t)).isEqualTo(n * rows(t));
        }
    }

    @Override
    public long reportedWork(PhaseCompleted pc) {
        return pc.totalMasked();
    }

    @Override
    public long seededWork(int n) {
        return n * PER_CONTRIBUTOR;
    }

    @Override
    public void assertExecutedTargets(PhaseCompleted pc, int index) {
        assertThat(pc.targets()).extracting(TargetResult::target).containsExactly(METRICS, HOURLY, STATS);
        assertThat(pc.targets()).extracting(TargetResult::masked).containsExactly(60L, 30L, 10L);
        assertThat(pc.targets().get(1).note()).contains("upstream topic").contains("still holds the data");
    }

    @Override
    public void assertDryRunTargets(PhaseCompleted pc, int index) {
        assertThat(pc.targets()).extracting(TargetResult::wouldMask).containsExactly(60L, 30L, 10L);
        assertThat(pc.targets().getFirst().note()).contains("part(s)");
    }

    private static double mutations(SinkApplication app) {
        return app.registry().find(ClickHouseErasureStore.MUTATIONS_METRIC).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    @Override
    public void afterFirstRequest(SinkApplication app) {
        assertThat(mutations(app)).isEqualTo(3.0);
    }

    /** Mutations grow with batches, not with requests: at most 3 per batch, far fewer than 3 per request. */
    @Override
    public void afterBatch(BatchOutcome o) {
        long batches = (long) o.app().registry().get("erasure.sink.batch.size").tag("lane", "interactive").summary().count();
        double issued = mutations(o.app());
        System.out.printf("MEASURED %d requests (%d execute) in %d batches: %.0f ClickHouse mutations%n",
                o.expected(), o.executed(), batches, issued);
        assertThat(issued).isLessThanOrEqualTo(3.0 * batches).isLessThan(3.0 * o.executed());
    }

    @Override
    public List<String> storeMetrics() {
        return List.of("erasure_sink_clickhouse_mutations_total", "erasure_sink_clickhouse_mutation_wait_seconds", "hikaricp_connections");
    }

    /** Mutations make a lone request's latency the store's, not the runner's: not measured here. */
    @Override
    public java.time.Duration warmLoneRequestWithin() {
        return null;
    }
}

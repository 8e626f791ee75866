package org.erasure.sink.clickhouse;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.UUID;
import org.erasure.devstack.clickhouse.ClickHouseServer;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.seed.ClickHouseSeeder;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.devstack.seed.SeedNames;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureReason;
import org.erasure.events.Identifiers;
import org.erasure.events.Mode;
import org.erasure.events.Phase;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.testkit.LogScan;

/** A seeded per-test database on the shared ClickHouse and helpers to look at it. */
final class ChFixture {
    static final String METRICS = SampleWorld.CH_UNIT_METRICS;
    static final String HOURLY = SampleWorld.CH_UNIT_METRICS_HOURLY;
    static final String STATS = SampleWorld.CH_ACCRUED_STATS;
    static final List<String> TABLES = List.of(METRICS, HOURLY, STATS);
    static final long PER_CONTRIBUTOR = SampleWorld.CH_UNIT_METRICS_ROWS + SampleWorld.CH_HOURLY_ROWS + SampleWorld.CH_ACCRUED_ROWS;

    final ClickHouseServer clickhouse;
    final String database;
    final SampleWorld world;

    private ChFixture(ClickHouseServer clickhouse, String database, SampleWorld world) {
        this.clickhouse = clickhouse;
        this.database = database;
        this.world = world;
    }

    static ChFixture seed(ClickHouseServer clickhouse, TestNames names, int size) {
        SampleWorld world = SampleWorld.isolated(size);
        String db = SeedNames.unique(names).chDatabase();
        ClickHouseSeeder.seed(clickhouse, db, world, null);
        world.contributors().forEach(x -> LogScan.SEEDED_EMAILS.add(x.email()));
        return new ChFixture(clickhouse, db, world);
    }

    /** clickhouse { } config for this database (reference mapping), jdbc url overridable. */
    Config storeConfig(String jdbcUrl, String extra) {
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

    static ErasureItem item(SampleWorld.Contributor c, Mode mode) {
        return new ErasureItem(UUID.randomUUID(), Long.toString(c.id()), Identifiers.of(List.of(c.email()), List.of(c.workerId())), mode);
    }

    static ContributorErasureRequested request(SampleWorld.Contributor c, Mode mode) {
        return ContributorErasureRequested.builder().contributorId(Long.toString(c.id()))
                .identifiers(List.of(c.email()), List.of(c.workerId())).requestedBy("sink-test")
                .reason(ErasureReason.ACCOUNT_CLOSED).mode(mode).systems(Phase.CLICKHOUSE, Phase.REDIS).build();
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
}

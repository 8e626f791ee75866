package org.erasure.sink.clickhouse;

import com.typesafe.config.Config;
import com.zaxxer.hikari.HikariConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.erasure.events.Phase;
import org.erasure.sink.jdbc.JdbcPool;
import org.erasure.sink.jdbc.TableMapping;
import org.erasure.sink.runtime.spi.ErasureStore;
import org.erasure.sink.runtime.spi.StoreModule;
import org.erasure.sink.runtime.spi.StoreUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the ClickHouse store from {@code clickhouse { }}: HikariCP over clickhouse-jdbc, mapping validated against system tables. */
public final class ClickHouseStoreModule implements StoreModule {
    private static final Logger log = LoggerFactory.getLogger(ClickHouseStoreModule.class);

    @Override
    public Phase phase() {
        return Phase.CLICKHOUSE;
    }

    @Override
    public ErasureStore create(Config config, MeterRegistry meters) {
        List<TableMapping<Catalog.KeyColumnStrategy>> mapping = Catalog.rules(config).parse(config);
        String database = config.getString("database");
        String idsDatabase = config.getString("ids-table.database").isBlank() ? database : config.getString("ids-table.database");
        Duration mutationTimeout = config.getDuration("mutation-timeout");
        Duration orphanAfter = config.getDuration("ids-table.orphan-after");
        Duration sweepInterval = config.getDuration("ids-table.sweep-interval");
        if (orphanAfter.compareTo(mutationTimeout) <= 0) {
            // A live batch keeps its ids table for up to mutation-timeout (plus counting and the write-ahead):
            // a shorter orphan-after would let the sweeper drop the tables of live batches.
            throw new IllegalArgumentException("clickhouse.ids-table.orphan-after (" + orphanAfter + ") must be longer than "
                    + "clickhouse.mutation-timeout (" + mutationTimeout + "): a live batch keeps its ids table that long");
        }
        if (sweepInterval.isNegative() || sweepInterval.isZero()) {
            throw new IllegalArgumentException("clickhouse.ids-table.sweep-interval must be positive (was " + sweepInterval + ")");
        }
        HikariConfig hc = JdbcPool.settings(config, "sink-clickhouse", meters);
        hc.setDriverClassName("com.clickhouse.jdbc.ClickHouseDriver");
        hc.addDataSourceProperty("connection_timeout", Long.toString(config.getDuration("connect-timeout").toMillis()));
        hc.addDataSourceProperty("socket_timeout", Long.toString(config.getDuration("socket-timeout").toMillis()));
        // The runtime retries with back-off and pauses on an outage: no hidden client retries on top.
        hc.addDataSourceProperty("retry", Integer.toString(config.getInt("client-retries")));
        // A connection lost mid-validation (server restarting, a proxy cutting it) is an outage: the runtime waits.
        return JdbcPool.openAndValidate(hc, "clickhouse",
                e -> ClickHouseErasureStore.translate(e, "validation") instanceof StoreUnavailableException,
                ClickHouseErasureStore::describe, (ds, c) -> {
            List<Catalog.ResolvedTable> tables = Catalog.resolve(c, database, mapping);
            for (Catalog.ResolvedTable t : tables) {
                if (t.keyNote() != null) {
                    log.warn("clickhouse table {}: {}", t.name(), t.keyNote());
                }
                t.feeds().forEach(f -> log.info("clickhouse table {} is fed by Kafka-engine table {} via {} (topics {}): never mutated, reported",
                        t.name(), f.kafkaTable(), f.view(), f.topics()));
            }
            requireDatabase(c, idsDatabase);
            MeterRegistry registry = meters == null ? new SimpleMeterRegistry() : meters;
            IdsTableSweeper sweeper = new IdsTableSweeper(ds, idsDatabase, database, orphanAfter, registry);
            sweeper.sweep(); // leftovers of a crashed run, before the first batch
            // Fail at startup, not on the first batch, if the user may not create and drop the ids tables.
            IdsTable.create(c, idsDatabase, database, tables, List.of()).close();
            sweeper.start(sweepInterval);
            return new ClickHouseErasureStore(ds, database, idsDatabase, sweeper, tables, mutationTimeout,
                    config.getDuration("mutation-poll-interval"), registry);
        });
    }

    private static void requireDatabase(Connection c, String name) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count() FROM system.databases WHERE name = " + Sql.str(name))) {
            if (!rs.next() || rs.getLong(1) == 0) {
                throw new IllegalArgumentException("clickhouse.ids-table.database '" + name + "' not found: the batch ids tables are created there");
            }
        }
    }
}

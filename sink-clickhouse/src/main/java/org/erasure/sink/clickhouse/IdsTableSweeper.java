package org.erasure.sink.clickhouse;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drops ids tables ({@code _erasure_batch_*}) that a crashed run left behind: at startup and then
 * every {@code sweep-interval}, every such table of the ids database older than
 * {@code orphan-after} is dropped, after killing any unfinished mutation that still reads it.
 *
 * <p>Why by age and not "every one at startup": other replicas and the other lane of this process
 * share the ids database, and their live batches' tables must survive. A live batch holds its
 * table for at most its counting queries, the write-ahead acknowledgement and
 * {@code mutation-timeout} (its mutations are awaited against one deadline, then killed), so a
 * table older than {@code orphan-after} (validated to be longer than {@code mutation-timeout}) has
 * no live owner.
 */
final class IdsTableSweeper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(IdsTableSweeper.class);
    static final String SWEPT_METRIC = "erasure.sink.clickhouse.ids.tables.swept";

    private final DataSource dataSource;
    private final String database;
    private final String mutatedDatabase;
    private final Duration orphanAfter;
    private final Counter swept;
    private ScheduledExecutorService timer;

    IdsTableSweeper(DataSource dataSource, String database, String mutatedDatabase, Duration orphanAfter, MeterRegistry meters) {
        this.dataSource = dataSource;
        this.database = database;
        this.mutatedDatabase = mutatedDatabase;
        this.orphanAfter = orphanAfter;
        this.swept = Counter.builder(SWEPT_METRIC).description("ids tables of crashed runs dropped by the sweeper").register(meters);
    }

    /** Drops the orphaned ids tables now; returns their names. */
    List<String> sweep() throws SQLException {
        List<String> orphans = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT name FROM system.tables WHERE database = " + Sql.str(database)
                         + " AND startsWith(name, " + Sql.str(IdsTable.PREFIX) + ")"
                         + " AND metadata_modification_time <= now() - toIntervalSecond(" + orphanAfter.toSeconds() + ")")) {
                while (rs.next()) {
                    orphans.add(rs.getString(1));
                }
            }
            List<String> dropped = new ArrayList<>();
            for (String table : orphans) {
                if (IdsTable.drop(c, database, mutatedDatabase, table, true)) {
                    dropped.add(table);
                    swept.increment();
                }
            }
            if (!dropped.isEmpty()) {
                log.info("dropped {} ids table(s) left by a crashed run, older than {}: {}", dropped.size(), orphanAfter, dropped);
            }
            return dropped;
        }
    }

    /** Sweeps every {@code interval} on a daemon thread until {@link #close()}. */
    void start(Duration interval) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("clickhouse-ids-sweeper").unstarted(r));
        timer.scheduleWithFixedDelay(() -> {
            try {
                sweep();
            } catch (SQLException | RuntimeException e) {
                log.warn("ids table sweep failed ({}); next try in {}", e.getClass().getSimpleName(), interval);
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}

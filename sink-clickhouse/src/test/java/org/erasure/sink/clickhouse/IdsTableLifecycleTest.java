package org.erasure.sink.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.erasure.sink.clickhouse.ChFixture.METRICS;
import static org.erasure.sink.clickhouse.ChFixture.TABLES;
import static org.erasure.sink.runtime.testkit.StoreFixture.byTarget;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.erasure.devstack.clickhouse.ClickHouseServer;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.events.Mode;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.StoreUnavailableException;
import org.erasure.sink.runtime.testkit.Announced;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The batch ids table ({@code _erasure_batch_*}) holds PII: it never outlives its batch, nor a crashed run for long. */
@DevStackTest
@Order(1)
class IdsTableLifecycleTest {

    private static long idsTables(ChFixture f) {
        return f.count("SELECT count() FROM system.tables WHERE database = '" + f.database + "' AND startsWith(name, '_erasure_batch_')");
    }

    private static List<ErasureItem> items(ChFixture f, Mode mode, int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> ChFixture.item(f.world.contributor(i), mode)).toList();
    }

    @Test
    void theIdsTableExistsWhileTheBatchRunsAndIsGoneAfterEraseVerifyDryRunAndAFailedAnnouncement(ClickHouseServer ch, TestNames names) {
        ChFixture f = ChFixture.seed(ch, names, 10);
        try (ClickHouseErasureStore store = f.store()) {
            assertThat(idsTables(f)).as("the startup probe left nothing").isZero();
            List<ErasureItem> batch = items(f, Mode.EXECUTE, 0, 3);
            List<Long> seenDuringBatch = new ArrayList<>();
            Announced announced = new Announced();
            var results = store.erase(new ErasureBatch(batch), planned -> {
                seenDuringBatch.add(idsTables(f)); // between the counts and the mutations
                announced.record(planned);
            });
            announced.assertMatches(new ErasureBatch(batch), results);
            assertThat(seenDuringBatch).as("one ids table while the batch ran").containsExactly(1L);
            assertThat(byTarget(results.get(batch.getFirst().requestId())).get(METRICS).masked()).isEqualTo(60);
            assertThat(idsTables(f)).as("dropped after the mutations").isZero();

            store.verify(new ErasureBatch(batch));
            assertThat(idsTables(f)).as("dropped after verify").isZero();
            Announced.erase(store, new ErasureBatch(items(f, Mode.DRY_RUN, 3, 6)));
            assertThat(idsTables(f)).as("dropped after a dry run").isZero();

            // The write-ahead cannot be made durable: nothing changes, and the ids table still goes.
            String before = f.digest();
            assertThatThrownBy(() -> store.erase(new ErasureBatch(items(f, Mode.EXECUTE, 6, 9)), planned -> {
                throw new StoreUnavailableException("kafka down");
            })).isInstanceOf(StoreUnavailableException.class);
            assertThat(f.digest()).isEqualTo(before);
            assertThat(idsTables(f)).as("dropped after a failed announcement").isZero();
        }
    }

    /**
     * A crashed run leaves its filled ids table and a mutation still reading it. A restarted store
     * leaves a young table alone (it could be another replica's live batch) and drops it, after
     * killing the mutation, once it is older than orphan-after; the table's mutations run again.
     */
    @Test
    void leftoversOfACrashedRunAreDroppedOnceOrphanedAndTheirMutationsKilled(ClickHouseServer ch, TestNames names) throws Exception {
        ChFixture f = ChFixture.seed(ch, names, 10);
        String leftover;
        try (ClickHouseErasureStore crashed = f.store(); Connection c = ch.newConnection(); Statement s = c.createStatement()) {
            // What a run killed after issuing its mutation leaves behind (its finally never ran).
            IdsTable ids = IdsTable.create(c, f.database, f.database, crashed.resolvedTables(), items(f, Mode.EXECUTE, 0, 2));
            leftover = ids.name();
            // A mutation that cannot finish (it fails on a row and is retried forever): left alone it would
            // block every later mutation of the table, so the sweeper must kill it before dropping its table.
            s.execute("ALTER TABLE `" + f.database + "`." + METRICS + " UPDATE email = 'DELETED_USER' WHERE contributor_id IN "
                    + ids.ids(crashed.resolvedTables().getFirst()) + " AND throwIf(contributor_id = " + f.world.contributor(1).id()
                    + ", 'crashed run') = 0 SETTINGS mutations_sync = 0");
        }
        assertThat(idsTables(f)).isEqualTo(1);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> f.count("SELECT count() FROM system.mutations WHERE database = '"
                + f.database + "' AND is_done = 0 AND latest_fail_reason != ''") == 1);

        // A restart with the default orphan-after (10 min): the young table may be a live batch of another replica.
        try (ClickHouseErasureStore restarted = f.store()) {
            assertThat(f.count("SELECT count() FROM system.tables WHERE database = '" + f.database + "' AND name = '" + leftover + "'"))
                    .isEqualTo(1);
        }

        // A restart whose sweeper considers it orphaned after 3 s: it is dropped and its mutation killed.
        try (ClickHouseErasureStore restarted = f.store("mutation-timeout = 2s, ids-table { orphan-after = 3s, sweep-interval = 500ms }")) {
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                assertThat(idsTables(f)).as("ids tables left").isZero();
                assertThat(f.count("SELECT count() FROM system.mutations WHERE database = '" + f.database + "' AND is_done = 0"))
                        .as("unfinished mutations").isZero();
            });
        }

        // Nothing blocks the tables: the redelivered batch erases and leaves no ids table.
        List<ErasureItem> redelivered = items(f, Mode.EXECUTE, 0, 2);
        try (ClickHouseErasureStore store = f.store()) {
            Announced.erase(store, new ErasureBatch(redelivered));
            assertThat(ChFixture.residual(store.verify(new ErasureBatch(redelivered)).get(redelivered.getFirst().requestId()))).isZero();
        }
        for (String t : TABLES) {
            assertThat(f.masked(t, f.world.contributor(0))).isEqualTo(ChFixture.rows(t));
            assertThat(f.intact(t, f.world.contributor(2))).isEqualTo(ChFixture.rows(t));
        }
        assertThat(idsTables(f)).isZero();
    }

    /**
     * A mutation queued behind a slow one passes mutation-timeout: the batch fails transiently and
     * kills its own mutation as it drops its ids table (left running, it would fail without the
     * table and block the table's later mutations); the re-run finishes the job.
     */
    @Test
    void aMutationPastTheTimeoutIsKilledWithItsIdsTableAndTheRerunFinishesTheJob(ClickHouseServer ch, TestNames names) throws Exception {
        ChFixture f = ChFixture.seed(ch, names, 6);
        try (Connection c = ch.newConnection(); Statement s = c.createStatement()) {
            // Changes nothing and takes at least 9 s per part (sleep() is capped at 3 s per call and block).
            s.execute("ALTER TABLE `" + f.database + "`." + METRICS + " UPDATE judgments = judgments"
                    + " WHERE sleep(3) = 0 AND sleep(3) = 0 AND sleep(3) = 0 SETTINGS mutations_sync = 0");
        }
        List<ErasureItem> batch = items(f, Mode.EXECUTE, 0, 2);
        try (ClickHouseErasureStore store = f.store("mutation-timeout = 2s")) {
            assertThatThrownBy(() -> store.erase(new ErasureBatch(batch), org.erasure.sink.runtime.spi.WriteAhead.NONE))
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("on " + METRICS + " not done within mutation-timeout PT2S")
                    .hasMessageContaining("killed with the batch's ids table");
        }
        assertThat(idsTables(f)).isZero();
        Awaitility.await().atMost(Duration.ofSeconds(120)).untilAsserted(() ->
                assertThat(f.count("SELECT count() FROM system.mutations WHERE database = '" + f.database + "' AND is_done = 0"))
                        .as("the slow mutation finished, the batch's own was killed, none failed").isZero());
        assertThat(f.count("SELECT count() FROM system.mutations WHERE database = '" + f.database + "' AND latest_fail_reason != ''")).isZero();

        try (ClickHouseErasureStore store = f.store()) {
            Announced.erase(store, new ErasureBatch(batch));
            store.verify(new ErasureBatch(batch)).values().forEach(rs -> assertThat(ChFixture.residual(rs)).isZero());
        }
        for (String t : TABLES) {
            for (int i = 0; i < 2; i++) {
                assertThat(f.masked(t, f.world.contributor(i))).as("%s %d", t, i).isEqualTo(ChFixture.rows(t));
            }
            for (int i = 2; i < 6; i++) {
                assertThat(f.intact(t, f.world.contributor(i))).as("%s neighbour %d", t, i).isEqualTo(ChFixture.rows(t));
            }
        }
        assertThat(idsTables(f)).isZero();
    }

    @Test
    void orphanAfterMustExceedTheMutationTimeoutAndTheIdsDatabaseMustExist(ClickHouseServer ch, TestNames names) {
        ChFixture f = ChFixture.seed(ch, names, 2);
        assertThatThrownBy(() -> f.store("mutation-timeout = 2m, ids-table.orphan-after = 1m"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("clickhouse.ids-table.orphan-after").hasMessageContaining("mutation-timeout");
        assertThatThrownBy(() -> f.store("ids-table.database = no_such_db_" + System.nanoTime()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("clickhouse.ids-table.database").hasMessageContaining("not found");

        // Another database for the ids tables: the mutations read them across databases.
        String idsDb = f.database + "_ids";
        f.query("CREATE DATABASE `" + idsDb + "`");
        try (ClickHouseErasureStore store = f.store("ids-table.database = \"" + idsDb + "\"")) {
            List<ErasureItem> batch = items(f, Mode.EXECUTE, 0, 1);
            assertThat(byTarget(Announced.erase(store, new ErasureBatch(batch)).get(batch.getFirst().requestId())).get(METRICS).masked())
                    .isEqualTo(60);
        }
        assertThat(f.count("SELECT count() FROM system.tables WHERE database = '" + idsDb + "'")).isZero();
        assertThat(f.masked(METRICS, f.world.contributor(0))).isEqualTo(60);
        assertThat(f.intact(METRICS, f.world.contributor(1))).isEqualTo(60);
    }
}

package org.erasure.sink.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.erasure.sink.runtime.testkit.StoreFixture.byTarget;
import static org.erasure.sink.runtime.testkit.StoreFixture.residual;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.erasure.sink.clickhouse.ChFixture.HOURLY;
import static org.erasure.sink.clickhouse.ChFixture.METRICS;
import static org.erasure.sink.clickhouse.ChFixture.STATS;
import static org.erasure.sink.clickhouse.ChFixture.TABLES;

import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.erasure.sink.runtime.testkit.Announced;
import org.erasure.devstack.clickhouse.ClickHouseServer;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.events.Identifiers;
import org.erasure.events.Mode;
import org.erasure.events.TargetResult;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.RequestResult;
import org.erasure.sink.runtime.spi.StoreException;
import org.erasure.sink.runtime.spi.StoreUnavailableException;
import org.erasure.sink.runtime.spi.TargetResidual;
import org.erasure.sink.runtime.testkit.ClosingServer;
import org.erasure.sink.runtime.testkit.LogScan;
import org.erasure.sink.runtime.testkit.StoreContract;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

@DevStackTest
@Order(1)
class ClickHouseErasureStoreTest {
    private static final Logger log = LoggerFactory.getLogger(ClickHouseErasureStoreTest.class);

    @Test
    void executeMasksExactlyTheBatchWithOneMutationPerTableAndLeavesNeighboursInTheSamePartsUntouched(ClickHouseServer ch, TestNames names) {
        ChFixture f = ChFixture.seed(ch, names, 40);
        SampleWorld w = f.world;
        List<Integer> erased = List.of(3, 4, 5, 10, 11, 20, 21, 22, 23, 39);
        // Neighbours share the parts of the erased contributors: the mutation rewrites those parts.
        assertThat(f.count("SELECT count() FROM (SELECT DISTINCT _part FROM $d." + METRICS + " WHERE contributor_id = " + w.contributor(3).id()
                + " INTERSECT SELECT DISTINCT _part FROM $d." + METRICS + " WHERE contributor_id = " + w.contributor(6).id() + ")")).isPositive();
        List<ErasureItem> items = erased.stream().map(i -> ChFixture.item(w.contributor(i), Mode.EXECUTE)).toList();

        try (ClickHouseErasureStore store = f.store()) {
            assertThat(store.targets()).containsExactly(METRICS, HOURLY, STATS);
            assertThat(store.mutationsIssued()).isZero();
            Map<UUID, RequestResult> results = Announced.erase(store, new ErasureBatch(items));
            assertThat(store.mutationsIssued()).as("one mutation per table per batch, not per contributor").isEqualTo(3.0);
            for (ErasureItem item : items) {
                Map<String, TargetResult> r = byTarget(results.get(item.requestId()));
                for (String t : TABLES) {
                    assertThat(r.get(t).masked()).as(t).isEqualTo(ChFixture.rows(t));
                    assertThat(r.get(t).deleted()).isZero();
                }
                assertThat(r.get(HOURLY).note()).contains("Kafka-engine table unit_metrics_hourly_queue").contains("upstream topic")
                        .contains("still holds the data");
                assertThat(r.get(METRICS).note()).contains("1 mutation for the batch: mutation_");
            }
            Map<UUID, List<TargetResidual>> residuals = store.verify(new ErasureBatch(items));
            assertThat(residuals).hasSize(items.size());
            residuals.values().forEach(rs -> assertThat(residual(rs)).isZero());
        }
        for (String t : TABLES) {
            assertThat(f.count("SELECT count() FROM $d." + t)).as("masked, not deleted").isEqualTo(w.size() * ChFixture.rows(t));
            assertThat(f.maskedAll(t)).isEqualTo(erased.size() * ChFixture.rows(t));
            for (int i = 0; i < w.size(); i++) {
                SampleWorld.Contributor c = w.contributor(i);
                if (erased.contains(i)) {
                    assertThat(f.masked(t, c)).isEqualTo(ChFixture.rows(t));
                    assertThat(f.intact(t, c)).isZero();
                } else {
                    assertThat(f.intact(t, c)).as("neighbour %d in %s", i, t).isEqualTo(ChFixture.rows(t));
                }
            }
        }
        // The Kafka-engine table was never mutated.
        assertThat(f.count("SELECT count() FROM system.mutations WHERE database = '" + f.database + "' AND table = 'unit_metrics_hourly_queue'")).isZero();
        assertThat(f.count("SELECT count() FROM system.mutations WHERE database = '" + f.database + "'")).isEqualTo(3);
    }

    @Test
    void dryRunChangesNothingAndPredictsTheExecuteCountsAndReplayReportsZero(ClickHouseServer ch, TestNames names) throws Exception {
        ChFixture f = ChFixture.seed(ch, names, 30);
        List<SampleWorld.Contributor> people = IntStream.range(5, 17).mapToObj(f.world::contributor).toList();
        try (ClickHouseErasureStore store = f.store()) {
            var runs = StoreContract.dryRunPredictsExecuteAndReplayReportsZero(store, people, f::digest);
            // One mutation per table, all from the execute run (executeMasksExactlyTheBatch... shows it issues three):
            // the dry runs and the replay issued none.
            assertThat(store.mutationsIssued()).isEqualTo(3.0);
            for (int k = 0; k < people.size(); k++) {
                for (String target : store.targets()) {
                    assertThat(runs.dry(k).get(target).wouldMask()).isEqualTo(ChFixture.rows(target));
                    assertThat(runs.dry(k).get(target).note())
                            .containsPattern("mutation would rewrite [1-9][0-9]* part\\(s\\) for this request, [1-9][0-9]* for the batch");
                    assertThat(runs.dryAgain(k).get(target).note()).contains("rewrite 0 part(s)");
                }
            }
        }
    }

    @Test
    void mixedBatchErasesOnlyTheExecuteItems(ClickHouseServer ch, TestNames names) {
        ChFixture f = ChFixture.seed(ch, names, 10);
        SampleWorld.Contributor a = f.world.contributor(1);
        SampleWorld.Contributor b = f.world.contributor(2);
        ErasureItem exec = ChFixture.item(a, Mode.EXECUTE);
        ErasureItem dry = ChFixture.item(b, Mode.DRY_RUN);
        try (ClickHouseErasureStore store = f.store()) {
            Map<UUID, RequestResult> r = Announced.erase(store, ErasureBatch.of(exec, dry));
            assertThat(byTarget(r.get(exec.requestId())).get(METRICS).masked()).isEqualTo(60);
            assertThat(byTarget(r.get(dry.requestId())).get(METRICS).wouldMask()).isEqualTo(60);
        }
        for (String t : TABLES) {
            assertThat(f.masked(t, a)).isEqualTo(ChFixture.rows(t));
            assertThat(f.intact(t, b)).isEqualTo(ChFixture.rows(t));
        }
    }

    @Test
    void hostileIdentifiersAreTreatedAsData(ClickHouseServer ch, TestNames names) {
        ChFixture f = ChFixture.seed(ch, names, 20);
        List<String> hostile = List.of(
                "o'brien\"quoted@example.test",
                "100%_match*?[a-z]@example.test",
                "');ALTER/**/TABLE/**/unit_metrics/**/DELETE/**/WHERE/**/1;--@example.test",
                "slash/back\\slash\\'@example.test",
                "zoë.müller+δοκιμή@exämple.test",
                "`tick`@example.test");
        long base = f.world.firstId() + 500;
        for (int i = 0; i < hostile.size(); i++) {
            f.query("INSERT INTO $d." + METRICS + " (contributor_id, unit_id, project_id, email, event_time) VALUES ("
                    + (base + i) + ", 1, 1, " + Sql.hex(hostile.get(i)) + ", now())");
            LogScan.SEEDED_EMAILS.add(hostile.get(i));
        }
        // Requests whose contributorId is itself hostile (not a number): they match by email only.
        List<ErasureItem> items = new ArrayList<>();
        List<String> weird = List.of("1) OR (1=1", "%", "0x1F", "-1", "18446744073709551616"); // the last two are outside UInt64
        for (int i = 0; i < hostile.size() - 1; i++) {
            items.add(new ErasureItem(UUID.randomUUID(), weird.get(i % weird.size()), Identifiers.of(List.of(hostile.get(i)),
                    List.of("w/" + i + "'")), Mode.EXECUTE));
        }
        try (ClickHouseErasureStore store = f.store()) {
            Map<UUID, RequestResult> r = Announced.erase(store, new ErasureBatch(items));
            for (ErasureItem item : items) {
                Map<String, TargetResult> t = byTarget(r.get(item.requestId()));
                assertThat(t.get(METRICS).masked()).as("row found by its exact email").isEqualTo(1);
                assertThat(t.get(METRICS).note()).contains("matched by email only");
                assertThat(t.get(HOURLY).masked()).isZero();
            }
            store.verify(new ErasureBatch(items)).values().forEach(rs -> assertThat(residual(rs)).isZero());
        }
        for (int i = 0; i < hostile.size() - 1; i++) {
            assertThat(f.count("SELECT count() FROM $d." + METRICS + " WHERE contributor_id = " + (base + i) + " AND email = 'DELETED_USER'")).isEqualTo(1);
        }
        assertThat(f.count("SELECT count() FROM $d." + METRICS + " WHERE email = " + Sql.hex(hostile.getLast()))).as("not requested").isEqualTo(1);
        for (int i = 0; i < f.world.size(); i++) {
            assertThat(f.intact(METRICS, f.world.contributor(i))).isEqualTo(60);
        }
        assertThat(f.count("SELECT count() FROM $d." + METRICS)).isEqualTo(f.world.size() * 60L + hostile.size());

        // A numeric contributorId with a hostile extra email still erases by id and treats the email as data.
        SampleWorld.Contributor c = f.world.contributor(7);
        ErasureItem byId = new ErasureItem(UUID.randomUUID(), Long.toString(c.id()),
                Identifiers.of(List.of(c.email(), "x'),(1);DROP/**/TABLE/**/unit_metrics;--@e.test"), List.of()), Mode.EXECUTE);
        try (ClickHouseErasureStore store = f.store()) {
            Map<String, TargetResult> t = byTarget(Announced.erase(store, ErasureBatch.of(byId)).get(byId.requestId()));
            assertThat(t.get(METRICS).masked()).isEqualTo(60);
            assertThat(t.get(STATS).masked()).isEqualTo(10);
        }
        assertThat(f.count("SELECT count() FROM $d." + METRICS)).isEqualTo(f.world.size() * 60L + hostile.size());
    }

    @Test
    void thousandContributorsInOneBatch(ClickHouseServer ch, TestNames names) {
        ChFixture f = ChFixture.seed(ch, names, 1200);
        List<ErasureItem> items = IntStream.range(0, 1000).mapToObj(i -> ChFixture.item(f.world.contributor(i), Mode.EXECUTE)).toList();
        try (ClickHouseErasureStore store = f.store()) {
            long t0 = System.nanoTime();
            Map<UUID, RequestResult> r = Announced.erase(store, new ErasureBatch(items));
            long t1 = System.nanoTime();
            Map<UUID, List<TargetResidual>> v = store.verify(new ErasureBatch(items));
            long t2 = System.nanoTime();
            log.info("MEASURED erase of 1000 contributors (100,000 rows) in one batch: {} ms, verify: {} ms, mutations: {}",
                    (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, store.mutationsIssued());
            System.out.printf("MEASURED erase of 1000 contributors (100,000 rows) in one batch: %d ms, verify: %d ms, mutations: %.0f%n",
                    (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, store.mutationsIssued());
            assertThat(r.values().stream().mapToLong(x -> byTarget(x).get(METRICS).masked()).sum()).isEqualTo(60_000);
            assertThat(v.values().stream().mapToLong(ChFixture::residual).sum()).isZero();
            assertThat(store.mutationsIssued()).isEqualTo(3.0);
        }
        assertThat(f.maskedAll(METRICS)).isEqualTo(60_000);
        assertThat(f.count("SELECT count() FROM $d." + METRICS + " WHERE email != 'DELETED_USER'")).isEqualTo(200 * 60);
    }

    /**
     * 12,000 requests in one batch, 20 of them seeded: inlined as literals their ids and emails are
     * far over the server's max_query_size (the server refuses that statement); through the batch's
     * ids table the erase masks exactly the seeded ones with one mutation per table.
     */
    @Test
    void aBatchFarBeyondTheLiteralLimitErasesExactlyTheSeededPeople(ClickHouseServer ch, TestNames names) {
        ChFixture f = ChFixture.seed(ch, names, 40);
        SampleWorld w = f.world;
        List<Integer> seeded = IntStream.range(0, 40).filter(i -> i % 2 == 0).boxed().toList(); // 20 of 40: neighbours share parts
        List<ErasureItem> items = new ArrayList<>();
        List<String> unknownIds = new ArrayList<>();
        List<String> unknownEmails = new ArrayList<>();
        for (int k = 0; k < 12_000; k++) {
            if (k % 600 == 0 && k / 600 < seeded.size()) { // spread through the batch
                items.add(ChFixture.item(w.contributor(seeded.get(k / 600)), Mode.EXECUTE));
            } else {
                String id = Long.toString(w.firstId() + 100_000 + k);
                String email = "nobody." + k + "@unknown.invalid";
                unknownIds.add(id);
                unknownEmails.add(email);
                items.add(new ErasureItem(UUID.randomUUID(), id, Identifiers.of(List.of(email), List.of()), Mode.EXECUTE));
            }
        }
        assertThat(items).hasSize(12_000);
        // What the literal path would have sent for one table: the server refuses it.
        String literal = "SELECT count() FROM $d." + METRICS + " WHERE contributor_id IN (" + String.join(", ", unknownIds)
                + ") OR email IN ('" + String.join("', '", unknownEmails) + "')";
        assertThat(literal.length()).isGreaterThan(262_144);
        assertThatThrownBy(() -> f.query(literal)).hasMessageContaining("Max query size exceeded");

        String digestBefore = f.digest();
        try (ClickHouseErasureStore store = f.store()) {
            long t0 = System.nanoTime();
            Map<UUID, RequestResult> results = Announced.erase(store, new ErasureBatch(items));
            long t1 = System.nanoTime();
            Map<UUID, List<TargetResidual>> residuals = store.verify(new ErasureBatch(items));
            System.out.printf("MEASURED erase of a 12,000-request batch (20 seeded, 2,000 rows): %d ms, verify: %d ms%n",
                    (t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000);
            assertThat(store.mutationsIssued()).as("one mutation per table for the whole batch").isEqualTo(3.0);
            for (ErasureItem item : items) {
                Map<String, TargetResult> r = byTarget(results.get(item.requestId()));
                boolean known = item.identifiers().emails().getFirst().endsWith("@" + SampleWorld.EMAIL_DOMAIN);
                for (String t : TABLES) {
                    assertThat(r.get(t).masked()).as("%s for %s", t, known ? "a seeded person" : "an unknown id")
                            .isEqualTo(known ? ChFixture.rows(t) : 0);
                }
                assertThat(residual(residuals.get(item.requestId()))).isZero();
            }
        }
        assertThat(f.digest()).isNotEqualTo(digestBefore);
        for (String t : TABLES) {
            assertThat(f.count("SELECT count() FROM $d." + t)).as("masked, not deleted").isEqualTo(w.size() * ChFixture.rows(t));
            for (int i = 0; i < w.size(); i++) {
                if (seeded.contains(i)) {
                    assertThat(f.masked(t, w.contributor(i))).as("seeded %d in %s", i, t).isEqualTo(ChFixture.rows(t));
                } else {
                    assertThat(f.intact(t, w.contributor(i))).as("neighbour %d in %s", i, t).isEqualTo(ChFixture.rows(t));
                }
            }
        }
        assertThat(f.count("SELECT count() FROM system.tables WHERE database = '" + f.database + "' AND startsWith(name, '_erasure_batch_')"))
                .as("no ids table outlives the batch").isZero();
    }

    /**
     * Stored emails that differ from the request's (normalised) email only in letter case and
     * surrounding whitespace are found by verification before the erase, erased, counted for the
     * request, and verified clean; look-alikes that differ otherwise stay.
     */
    @Test
    void emailsMatchWhateverTheirStoredCaseAndSurroundingSpaces(ClickHouseServer ch, TestNames names) {
        ChFixture f = ChFixture.seed(ch, names, 6);
        long id = f.world.firstId() + 900; // not a seeded contributor: these rows match by email only
        String email = "mixed.case." + id + "@" + SampleWorld.EMAIL_DOMAIN;
        List<String> variants = List.of(email.toUpperCase(java.util.Locale.ROOT), "  " + email + " ", "\t" + email.replace("mixed", "MiXeD") + "\n",
                " \r\nMixed.Case." + id + "@Example.Test\t ");
        List<String> lookAlikes = List.of("x" + email, email + ".evil", email.replace("@", " @"), email.replace(".case", ".cas"));
        LogScan.remember(List.of(email));
        for (int i = 0; i < variants.size(); i++) {
            f.query("INSERT INTO $d." + METRICS + " (contributor_id, unit_id, project_id, email, event_time) VALUES ("
                    + (id + i) + ", 1, 1, " + Sql.hex(variants.get(i)) + ", now())");
        }
        f.query("INSERT INTO $d." + STATS + " (contributor_id, project_id, email, total_judgments, accrued_on) VALUES ("
                + id + ", 1, " + Sql.hex(variants.getFirst()) + ", 1, today())");
        for (int i = 0; i < lookAlikes.size(); i++) {
            f.query("INSERT INTO $d." + METRICS + " (contributor_id, unit_id, project_id, email, event_time) VALUES ("
                    + (id + 100 + i) + ", 1, 1, " + Sql.hex(lookAlikes.get(i)) + ", now())");
        }
        // The request as an upstream service sends it straight to Kafka: another case, spaces around.
        ErasureItem item = new ErasureItem(UUID.randomUUID(), "not-a-number",
                Identifiers.of(List.of("  " + email.toUpperCase(java.util.Locale.ROOT) + " "), List.of()), Mode.EXECUTE);
        assertThat(item.identifiers().emails()).containsExactly(email);
        try (ClickHouseErasureStore store = f.store()) {
            Map<String, Long> before = store.verify(ErasureBatch.of(item)).get(item.requestId()).stream()
                    .collect(java.util.stream.Collectors.toMap(TargetResidual::target, TargetResidual::residual));
            assertThat(before).as("verification finds every spelling").containsEntry(METRICS, (long) variants.size()).containsEntry(STATS, 1L)
                    .containsEntry(HOURLY, 0L);

            Map<String, TargetResult> r = byTarget(Announced.erase(store, ErasureBatch.of(item)).get(item.requestId()));
            assertThat(r.get(METRICS).masked()).isEqualTo(variants.size());
            assertThat(r.get(STATS).masked()).isEqualTo(1);
            assertThat(residual(store.verify(ErasureBatch.of(item)).get(item.requestId()))).isZero();
        }
        assertThat(f.count("SELECT count() FROM $d." + METRICS + " WHERE contributor_id BETWEEN " + id + " AND " + (id + 99)
                + " AND email = 'DELETED_USER'")).isEqualTo(variants.size());
        for (int i = 0; i < lookAlikes.size(); i++) {
            assertThat(f.count("SELECT count() FROM $d." + METRICS + " WHERE contributor_id = " + (id + 100 + i) + " AND email = "
                    + Sql.hex(lookAlikes.get(i)))).as("look-alike %d", i).isEqualTo(1);
        }
        for (int i = 0; i < f.world.size(); i++) {
            assertThat(f.intact(METRICS, f.world.contributor(i))).isEqualTo(60);
        }
    }

    /** String and FixedString contributor columns get their own id column in the ids table; numeric-only tables ignore non-numeric ids. */
    @Test
    void stringAndFixedStringContributorColumnsMatchThroughTheIdsTable(ClickHouseServer ch, TestNames names) {
        ChFixture f = ChFixture.seed(ch, names, 4);
        f.query("CREATE TABLE $d.by_handle (handle String, email String, n UInt32) ENGINE = MergeTree ORDER BY n");
        f.query("CREATE TABLE $d.by_code (code FixedString(12), email String, n UInt32) ENGINE = MergeTree ORDER BY n");
        f.query("INSERT INTO $d.by_handle VALUES ('u-1', 'a@x.invalid', 1), ('u-2', 'b@x.invalid', 2), ('u-1', 'c@x.invalid', 3)");
        f.query("INSERT INTO $d.by_code VALUES ('u-1', 'a@x.invalid', 1), ('u-2', 'b@x.invalid', 2)");
        String mapping = """
                tables = [
                  { table = by_handle, contributor-column = handle, email-column = email, columns { email { strategy = fixed, value = "DELETED_USER" } } }
                  { table = by_code, contributor-column = code, columns { email { strategy = fixed, value = "DELETED_USER" } } }
                  { table = accrued_contributor_stats, contributor-column = contributor_id, email-column = email,
                    columns { email { strategy = fixed, value = "DELETED_USER" } } }
                ]
                """;
        ErasureItem byHandle = new ErasureItem(UUID.randomUUID(), "u-1", Identifiers.of(List.of(), List.of()), Mode.EXECUTE);
        ErasureItem tooLong = new ErasureItem(UUID.randomUUID(), "u-3-longer-than-twelve-bytes", Identifiers.of(List.of("B@X.invalid"), List.of()),
                Mode.EXECUTE);
        try (ClickHouseErasureStore store = f.store(mapping)) {
            Map<UUID, RequestResult> r = Announced.erase(store, ErasureBatch.of(byHandle, tooLong));
            assertThat(byTarget(r.get(byHandle.requestId())).get("by_handle").masked()).isEqualTo(2);
            assertThat(byTarget(r.get(byHandle.requestId())).get("by_code").masked()).isEqualTo(1);
            assertThat(byTarget(r.get(tooLong.requestId())).get("by_handle").masked()).as("by email").isEqualTo(1);
            assertThat(byTarget(r.get(tooLong.requestId())).get("by_code").masked()).isZero();
            assertThat(byTarget(r.get(byHandle.requestId())).get(STATS).note()).contains("matched by email only");
            store.verify(ErasureBatch.of(byHandle, tooLong)).values().forEach(rs -> assertThat(residual(rs)).isZero());
        }
        assertThat(f.query("SELECT handle, email FROM $d.by_handle ORDER BY n").strip())
                .isEqualTo("u-1\tDELETED_USER\nu-2\tDELETED_USER\nu-1\tDELETED_USER");
        assertThat(f.count("SELECT count() FROM $d.by_code WHERE email = 'DELETED_USER'")).isEqualTo(1);
        assertThat(f.count("SELECT count() FROM $d.by_code WHERE email = 'b@x.invalid'")).isEqualTo(1);
    }

    @Test
    void piiInAKeyColumnIsRejectedOrDeletedOrReportedAsConfigured(ClickHouseServer ch, TestNames names) {
        ChFixture f = ChFixture.seed(ch, names, 6);
        f.query("CREATE TABLE $d.by_email (contributor_id UInt64, email String, n UInt32) ENGINE = MergeTree ORDER BY (email, contributor_id)");
        f.query("INSERT INTO $d.by_email SELECT contributor_id, email, 1 FROM $d." + STATS);
        String mapping = """
                tables = [
                  { table = by_email, contributor-column = contributor_id, email-column = email,
                    columns { email { strategy = fixed, value = "DELETED_USER" } } %s }
                  { table = accrued_contributor_stats, contributor-column = contributor_id, email-column = email,
                    columns { email { strategy = fixed, value = "DELETED_USER" } } }
                ]
                """;
        assertThatThrownBy(() -> f.store(mapping.formatted("")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("clickhouse.tables[0] (by_email)").hasMessageContaining("email (sorting key, primary key)")
                .hasMessageContaining("Code 420").hasMessageContaining("key-column-strategy = delete");
        assertThatThrownBy(() -> f.store("tables = [ { table = " + STATS + ", contributor-column = contributor_id, columns { project_id { strategy = fixed, value = x } } } ]"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fixed needs a String column");

        SampleWorld.Contributor a = f.world.contributor(1);
        ErasureItem del = ChFixture.item(a, Mode.EXECUTE);
        try (ClickHouseErasureStore store = f.store(mapping.formatted(", key-column-strategy = delete"))) {
            Map<String, TargetResult> t = byTarget(Announced.erase(store, ErasureBatch.of(del)).get(del.requestId()));
            assertThat(t.get("by_email").deleted()).isEqualTo(10);
            assertThat(t.get("by_email").masked()).isZero();
            assertThat(t.get("by_email").note()).contains("deleted instead");
            assertThat(t.get(STATS).masked()).isEqualTo(10);
            assertThat(residual(store.verify(ErasureBatch.of(del)).get(del.requestId()))).isZero();
        }
        assertThat(f.count("SELECT count() FROM $d.by_email WHERE contributor_id = " + a.id())).isZero();
        assertThat(f.count("SELECT count() FROM $d.by_email")).isEqualTo(50);

        SampleWorld.Contributor b = f.world.contributor(2);
        ErasureItem rep = ChFixture.item(b, Mode.EXECUTE);
        try (ClickHouseErasureStore store = f.store(mapping.formatted(", key-column-strategy = report"))) {
            Map<String, TargetResult> t = byTarget(Announced.erase(store, ErasureBatch.of(rep)).get(rep.requestId()));
            assertThat(t.get("by_email").masked()).isZero();
            assertThat(t.get("by_email").deleted()).isZero();
            assertThat(t.get("by_email").note()).contains("left as they are").contains("key-column-strategy = report");
            assertThat(store.mutationsIssued()).as("only the stats table").isEqualTo(1.0);
        }
        assertThat(f.count("SELECT count() FROM $d.by_email WHERE contributor_id = " + b.id() + " AND email = '" + b.email() + "'")).isEqualTo(10);
    }

    @Test
    void mappingIsValidatedAgainstTheCatalogWithClearErrors(ClickHouseServer ch, TestNames names) {
        ChFixture f = ChFixture.seed(ch, names, 2);
        assertThatThrownBy(() -> f.store("tables = [ { table = no_such_table, contributor-column = contributor_id, action = delete } ]"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no_such_table").hasMessageContaining("not found");
        assertThatThrownBy(() -> f.store("tables = [ { table = unit_metrics_hourly_queue, contributor-column = contributor_id, action = delete } ]"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Kafka-engine table").hasMessageContaining("never mutated");
        assertThatThrownBy(() -> f.store("tables = [ { table = unit_metrics, contributor-column = contributor_id, columns { \"email`; DROP\" { strategy = fixed, value = x } } } ]"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not found in table");
        assertThatThrownBy(() -> f.store("tables = [ { table = unit_metrics, contributor-column = contributor_id, columns { contributor_id { strategy = fixed, value = x } } } ]"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only used to match rows");
        assertThatThrownBy(() -> f.store("tables = [ { table = unit_metrics, contributor-column = contributor_id, action = shred } ]"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("delete or mask");
        assertThatThrownBy(() -> f.store("tables = [ { table = unit_metrics, contributor-column = email, columns { email { strategy = null } } } ]"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** A server that closes the connection mid-validation (a proxy cutting ClickHouse off) is an outage the runtime waits out. */
    @Test
    void aConnectionClosedDuringValidationIsAnOutageNotAConfigurationError(ClickHouseServer ch, TestNames names) throws Exception {
        ChFixture f = ChFixture.seed(ch, names, 1);
        try (ClosingServer closing = new ClosingServer()) {
            assertThatThrownBy(() -> new ClickHouseStoreModule().create(
                    f.storeConfig("jdbc:clickhouse://127.0.0.1:" + closing.port() + "/default", "pool.connection-timeout = 2s"), null))
                    .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("cannot validate the clickhouse mapping")
                    .satisfies(e -> assertThat(StoreUnavailableException.isUnreachable(e)).isTrue());
        }
    }

    @Test
    void aFailingMutationIsReportedWithItsFailReasonAndKilled(ClickHouseServer ch, TestNames names) throws Exception {
        ChFixture f = ChFixture.seed(ch, names, 3);
        SampleWorld.Contributor c = f.world.contributor(1);
        try (ClickHouseErasureStore store = f.store(); Connection conn = ch.newConnection(); Statement s = conn.createStatement()) {
            String marker = "erasure-batch:" + UUID.randomUUID();
            // Valid when issued, fails when the background task runs it.
            s.execute("ALTER TABLE `" + f.database + "`." + METRICS + " UPDATE email = 'DELETED_USER' WHERE throwIf(contributor_id = "
                    + c.id() + ", 'bad row of " + c.email() + "') = 0 AND notEmpty('" + marker + "') SETTINGS mutations_sync = 0");
            assertThatThrownBy(() -> store.awaitMutation(conn, METRICS, marker))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("failed (FUNCTION_THROW_IF_VALUE_IS_NON_ZERO)")
                    .hasMessageContaining("killed")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(c.email()).doesNotContain("@"))
                    .satisfies(e -> assertThat(((StoreException) e).code()).isEqualTo("CH_MUTATION_FAILED"));
        }
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() ->
                f.count("SELECT count() FROM system.mutations WHERE database = '" + f.database + "' AND is_done = 0") == 0);
        assertThat(f.intact(METRICS, c)).as("the killed mutation changed nothing").isEqualTo(60);
    }
}

package org.erasure.sink.postgres;

import org.erasure.sink.runtime.testkit.Announced;
import org.erasure.sink.runtime.testkit.LogScan;
import org.erasure.sink.runtime.testkit.StoreContract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.erasure.sink.runtime.testkit.StoreFixture.byTarget;
import static org.erasure.sink.runtime.testkit.StoreFixture.residual;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.postgres.PostgresServer;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.events.Identifiers;
import org.erasure.events.Mode;
import org.erasure.events.TargetResult;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.RequestResult;
import org.erasure.sink.runtime.spi.TargetResidual;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

@DevStackTest
@Order(1)
class PostgresErasureStoreTest {
    private static final Logger log = LoggerFactory.getLogger(PostgresErasureStoreTest.class);
    static final String JOBS = SampleWorld.PG_JOB_MAPPING;
    static final String STATS = SampleWorld.PG_PROJECT_STATS;
    static final String PEOPLE = SampleWorld.PG_CONTRIBUTORS;

    @Test
    void executeErasesExactlyTheBatchAndLeavesNeighboursUntouched(PostgresServer postgres, TestNames names) throws Exception {
        PgFixture f = PgFixture.seed(postgres, names, 60);
        SampleWorld w = f.world;
        long jobsBefore = f.count("SELECT count(*) FROM $s." + JOBS);
        long statsBefore = f.count("SELECT count(*) FROM $s." + STATS);
        assertThat(jobsBefore).isEqualTo(w.jobMappingRows());
        assertThat(statsBefore).isEqualTo(w.projectStatsRows());

        List<Integer> erased = List.of(3, 4, 5, 10, 11, 20, 21, 22, 23, 40);
        List<ErasureItem> items = erased.stream().map(i -> PgFixture.item(w.contributor(i), Mode.EXECUTE)).toList();
        long expectedJobs = erased.stream().mapToLong(SampleWorld::jobCount).sum();
        long expectedStats = erased.stream().mapToLong(SampleWorld::projectCount).sum();

        try (PostgresErasureStore store = f.store()) {
            assertThat(store.targets()).containsExactly(JOBS, STATS, PEOPLE);
            Map<UUID, RequestResult> results = Announced.erase(store, new ErasureBatch(items));
            for (int k = 0; k < erased.size(); k++) {
                int i = erased.get(k);
                Map<String, TargetResult> r = byTarget(results.get(items.get(k).requestId()));
                assertThat(r.get(JOBS).deleted()).isEqualTo(SampleWorld.jobCount(i));
                assertThat(r.get(STATS).deleted()).isEqualTo(SampleWorld.projectCount(i));
                assertThat(r.get(PEOPLE).masked()).isEqualTo(1);
                assertThat(r.get(PEOPLE).deleted()).isZero();
            }
            Map<UUID, List<TargetResidual>> residuals = store.verify(new ErasureBatch(items));
            assertThat(residuals).hasSize(items.size());
            residuals.values().forEach(rs -> assertThat(residual(rs)).isZero());
        }

        assertThat(f.count("SELECT count(*) FROM $s." + JOBS)).isEqualTo(jobsBefore - expectedJobs);
        assertThat(f.count("SELECT count(*) FROM $s." + STATS)).isEqualTo(statsBefore - expectedStats);
        assertThat(f.count("SELECT count(*) FROM $s." + PEOPLE)).isEqualTo(w.size()); // masked, not deleted
        for (int i = 0; i < w.size(); i++) {
            SampleWorld.Contributor c = w.contributor(i);
            if (erased.contains(i)) {
                assertThat(f.jobRows(c.id())).isZero();
                assertThat(f.statsRows(c.id())).isZero();
                assertThat(f.maskedRows(c.id())).isEqualTo(1);
            } else {
                assertThat(f.jobRows(c.id())).as("neighbour %d jobs", i).isEqualTo(c.jobs());
                assertThat(f.statsRows(c.id())).as("neighbour %d stats", i).isEqualTo(c.projects());
                assertThat(f.intactRows(c)).as("neighbour %d row", i).isEqualTo(1);
            }
        }
    }

    @Test
    void dryRunChangesNothingAndPredictsTheExecuteCountsAndReplayReportsZero(PostgresServer postgres, TestNames names) throws Exception {
        PgFixture f = PgFixture.seed(postgres, names, 30);
        List<SampleWorld.Contributor> people = IntStream.range(5, 17).mapToObj(f.world::contributor).toList();
        try (PostgresErasureStore store = f.store()) {
            var runs = StoreContract.dryRunPredictsExecuteAndReplayReportsZero(store, people, f::digest);
            for (int k = 0; k < people.size(); k++) {
                assertThat(runs.dry(k).get(JOBS).wouldDelete()).isEqualTo(people.get(k).jobs());
                assertThat(runs.dry(k).get(PEOPLE).wouldMask()).isEqualTo(1);
            }
        }
    }

    @Test
    void mixedBatchErasesOnlyTheExecuteItems(PostgresServer postgres, TestNames names) throws Exception {
        PgFixture f = PgFixture.seed(postgres, names, 10);
        SampleWorld.Contributor a = f.world.contributor(1);
        SampleWorld.Contributor b = f.world.contributor(2);
        ErasureItem exec = PgFixture.item(a, Mode.EXECUTE);
        ErasureItem dry = PgFixture.item(b, Mode.DRY_RUN);
        try (PostgresErasureStore store = f.store()) {
            Map<UUID, RequestResult> r = Announced.erase(store, ErasureBatch.of(exec, dry));
            assertThat(byTarget(r.get(exec.requestId())).get(JOBS).deleted()).isEqualTo(a.jobs());
            assertThat(byTarget(r.get(dry.requestId())).get(JOBS).wouldDelete()).isEqualTo(b.jobs());
        }
        assertThat(f.maskedRows(a.id())).isEqualTo(1);
        assertThat(f.intactRows(b)).isEqualTo(1);
        assertThat(f.jobRows(b.id())).isEqualTo(b.jobs());
    }

    @Test
    void hostileIdentifiersAreTreatedAsData(PostgresServer postgres, TestNames names) throws Exception {
        PgFixture f = PgFixture.seed(postgres, names, 20);
        List<String> hostile = List.of(
                "o'brien\"quoted@example.test",
                "100%_match*?[a-z]@example.test",
                "';DROP/**/TABLE/**/kepler_crowd_contributors_t;--@example.test",
                "slash/back\\slash@example.test",
                "zoë.müller+δοκιμή@exämple.test",
                "%@example.test");
        long base = f.world.firstId() + 500;
        List<ErasureItem> items = new ArrayList<>();
        for (int i = 0; i < hostile.size(); i++) {
            long id = base + i;
            f.execute("INSERT INTO $s.kepler_crowd_contributors_t (id, email, first_name, last_name, status, created_at) VALUES (?, ?, 'X', 'Y', 'ACTIVE', now())",
                    id, hostile.get(i));
            f.execute("INSERT INTO $s.kepler_crowd_contributor_job_mapping_t (contributor_id, job_id, assigned_at) VALUES (?, 1, now())", id);
            LogScan.SEEDED_EMAILS.add(hostile.get(i));
        }
        // Requests whose contributorId is itself hostile (not a number): they match by email only.
        for (int i = 0; i < hostile.size() - 1; i++) {
            String weirdId = List.of("1' OR '1'='1", "%", "_", "*", "[0-9]")
                    .get(i % 5);
            items.add(new ErasureItem(UUID.randomUUID(), weirdId + "#" + i, Identifiers.of(List.of(hostile.get(i)), List.of("w/" + i + "'")), Mode.EXECUTE));
        }
        String neighboursBefore = f.count("SELECT count(*) FROM $s.kepler_crowd_contributors_t WHERE email LIKE '%@example.test'") + "";
        try (PostgresErasureStore store = f.store()) {
            Map<UUID, RequestResult> r = Announced.erase(store, new ErasureBatch(items));
            for (ErasureItem item : items) {
                Map<String, TargetResult> t = byTarget(r.get(item.requestId()));
                assertThat(t.get(PEOPLE).masked()).as("row found by its exact email: %s", item.identifiers().emails()).isEqualTo(1);
                assertThat(t.get(JOBS).note()).contains("matched by email only");
                assertThat(t.get(JOBS).deleted()).as("job rows are keyed by contributor id only").isZero();
            }
            store.verify(new ErasureBatch(items)).values().forEach(rs -> assertThat(residual(rs)).isZero());
        }
        // Exactly the hostile rows named in requests were masked; the '%' row and the seeded world are intact.
        for (int i = 0; i < hostile.size() - 1; i++) {
            assertThat(f.maskedRows(base + i)).isEqualTo(1);
        }
        assertThat(f.count("SELECT count(*) FROM $s.kepler_crowd_contributors_t WHERE email = '%@example.test' AND first_name = 'X'")).isEqualTo(1);
        for (int i = 0; i < f.world.size(); i++) {
            assertThat(f.intactRows(f.world.contributor(i))).isEqualTo(1);
        }
        assertThat(f.count("SELECT count(*) FROM $s.kepler_crowd_contributors_t WHERE email LIKE '%@example.test'") + "")
                .isEqualTo(String.valueOf(Long.parseLong(neighboursBefore) - 4));
        assertThat(f.count("SELECT count(*) FROM pg_tables WHERE schemaname = ? AND tablename = ?", f.schema, PEOPLE)).isEqualTo(1);

        // A numeric contributorId with hostile emails still erases by id and treats the emails as data.
        SampleWorld.Contributor c = f.world.contributor(7);
        ErasureItem byId = new ErasureItem(UUID.randomUUID(), Long.toString(c.id()),
                Identifiers.of(List.of(c.email(), "x');DELETE/**/FROM/**/kepler_crowd_contributors_t;--@e.test"), List.of()), Mode.EXECUTE);
        try (PostgresErasureStore store = f.store()) {
            Map<String, TargetResult> t = byTarget(Announced.erase(store, ErasureBatch.of(byId)).get(byId.requestId()));
            assertThat(t.get(JOBS).deleted()).isEqualTo(c.jobs());
            assertThat(t.get(PEOPLE).masked()).isEqualTo(1);
        }
        assertThat(f.count("SELECT count(*) FROM $s.kepler_crowd_contributors_t")).isEqualTo(f.world.size() + hostile.size());
    }

    @Test
    void thousandContributorsInOneBatch(PostgresServer postgres, TestNames names) throws Exception {
        PgFixture f = PgFixture.seed(postgres, names, 1200);
        List<ErasureItem> items = IntStream.range(0, 1000).mapToObj(i -> PgFixture.item(f.world.contributor(i), Mode.EXECUTE)).toList();
        long expectedJobs = IntStream.range(0, 1000).mapToLong(SampleWorld::jobCount).sum();
        try (PostgresErasureStore store = f.store()) {
            long t0 = System.nanoTime();
            Map<UUID, RequestResult> r = Announced.erase(store, new ErasureBatch(items));
            long t1 = System.nanoTime();
            Map<UUID, List<TargetResidual>> v = store.verify(new ErasureBatch(items));
            long t2 = System.nanoTime();
            log.info("MEASURED erase of 1000 contributors in one batch: {} ms, verify: {} ms", (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
            System.out.printf("MEASURED erase of 1000 contributors in one batch: %d ms, verify: %d ms%n", (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
            assertThat(r.values().stream().mapToLong(x -> byTarget(x).get(JOBS).deleted()).sum()).isEqualTo(expectedJobs);
            assertThat(v.values().stream().mapToLong(PgFixture::residual).sum()).isZero();
        }
        assertThat(f.count("SELECT count(*) FROM $s." + PEOPLE + " WHERE email = 'DELETED_USER'")).isEqualTo(1000);
        assertThat(f.count("SELECT count(*) FROM $s." + JOBS)).isEqualTo(f.world.jobMappingRows() - expectedJobs);
    }

    @Test
    void alternativeMappingDeletesTheParentAndHmacsAColumn(PostgresServer postgres, TestNames names) throws Exception {
        PgFixture f = PgFixture.seed(postgres, names, 10);
        String mapping = """
                hmac-key = "0123456789abcdef0123"
                tables = [
                  { table = kepler_crowd_contributor_job_mapping_t, action = mask, contributor-column = contributor_id,
                    columns { job_id { strategy = null } } }
                  { table = kepler_crowd_contributors_project_stats_t, action = delete, contributor-column = contributor_id }
                ]
                """;
        // job_id is NOT NULL: masking it to NULL is a permanent error, surfaced as StoreException (rolled back).
        try (PostgresErasureStore store = f.store(mapping)) {
            ErasureItem item = PgFixture.item(f.world.contributor(1), Mode.EXECUTE);
            String before = f.digest();
            assertThatThrownBy(() -> Announced.erase(store, ErasureBatch.of(item)))
                    .isInstanceOf(org.erasure.sink.runtime.spi.StoreException.class)
                    .hasMessageContaining("23502");
            assertThat(f.digest()).as("rolled back").isEqualTo(before);
        }
        String deleteParent = """
                hmac-key = "0123456789abcdef0123"
                tables = [
                  { table = kepler_crowd_contributor_job_mapping_t, action = delete, contributor-column = contributor_id }
                  { table = kepler_crowd_contributors_project_stats_t, action = delete, contributor-column = contributor_id }
                  { table = kepler_crowd_contributors_t, action = delete, contributor-column = id, email-column = email }
                ]
                """;
        SampleWorld.Contributor gone = f.world.contributor(2);
        try (PostgresErasureStore store = f.store(deleteParent)) {
            ErasureItem item = PgFixture.item(gone, Mode.EXECUTE);
            assertThat(byTarget(Announced.erase(store, ErasureBatch.of(item)).get(item.requestId())).get(PEOPLE).deleted()).isEqualTo(1);
            assertThat(residual(store.verify(ErasureBatch.of(item)).get(item.requestId()))).isZero();
        }
        assertThat(f.count("SELECT count(*) FROM $s." + PEOPLE + " WHERE id = ?", gone.id())).isZero();

        String hmac = """
                hmac-key = "0123456789abcdef0123"
                tables = [
                  { table = kepler_crowd_contributors_t, action = mask, contributor-column = id, email-column = email,
                    columns { email { strategy = hmac }, first_name { strategy = null } } }
                ]
                """;
        SampleWorld.Contributor h = f.world.contributor(3);
        try (PostgresErasureStore store = f.store(hmac)) {
            ErasureItem item = PgFixture.item(h, Mode.EXECUTE);
            assertThat(byTarget(Announced.erase(store, ErasureBatch.of(item)).get(item.requestId())).get(PEOPLE).masked()).isEqualTo(1);
            ErasureItem again = PgFixture.item(h, Mode.EXECUTE);
            assertThat(byTarget(Announced.erase(store, ErasureBatch.of(again)).get(again.requestId())).get(PEOPLE).masked()).isZero();
            assertThat(residual(store.verify(ErasureBatch.of(again)).get(again.requestId()))).isZero();
        }
        assertThat(f.count("SELECT count(*) FROM $s." + PEOPLE + " WHERE id = ? AND email ~ '^hmac:[0-9a-f]{64}$' AND last_name IS NOT NULL", h.id())).isEqualTo(1);
    }

    @Test
    void mappingIsValidatedAgainstTheCatalogWithClearErrors(PostgresServer postgres, TestNames names) throws Exception {
        PgFixture f = PgFixture.seed(postgres, names, 2);
        assertThatThrownBy(() -> f.store("tables = [ { table = no_such_table, action = delete, contributor-column = id } ]"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no_such_table").hasMessageContaining("not found");
        assertThatThrownBy(() -> f.store("tables = [ { table = kepler_crowd_contributors_t, action = mask, contributor-column = id, columns { \"email\\\"; DROP\" { strategy = null } } } ]"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not found in table");
        assertThatThrownBy(() -> f.store("tables = [ { table = kepler_crowd_contributors_t, action = mask, contributor-column = id, columns { created_at { strategy = fixed, value = x } } } ]"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("created_at").hasMessageContaining("text column");
        assertThatThrownBy(() -> f.store("tables = [ { table = kepler_crowd_contributors_t, action = mask, contributor-column = id, columns { email { strategy = hmac } } } ]"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hmac-key");
        assertThatThrownBy(() -> f.store("tables = [ { table = kepler_crowd_contributors_t, action = shred, contributor-column = id } ]"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("delete or mask");
    }
}

package org.erasure.sink.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.erasure.sink.runtime.testkit.StoreFixture.byTarget;
import static org.erasure.sink.runtime.testkit.StoreFixture.residual;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.postgres.PostgresServer;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.events.Mode;
import org.erasure.events.TargetResult;
import org.erasure.sink.runtime.spi.BeforeImage;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.RequestResult;
import org.erasure.sink.runtime.spi.StoreException;
import org.erasure.sink.runtime.testkit.Announced;
import org.erasure.sink.runtime.testkit.KeptImages;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The undo window, store side: before-images kept by erase, put back by restore (issue 13). */
@DevStackTest
@Order(2)
class PostgresRestoreTest {
    private static final Logger log = LoggerFactory.getLogger(PostgresRestoreTest.class);
    static final String JOBS = SampleWorld.PG_JOB_MAPPING;
    static final String STATS = SampleWorld.PG_PROJECT_STATS;
    static final String PEOPLE = SampleWorld.PG_CONTRIBUTORS;

    @Test
    void eraseFiftyRestoreTenExactlyThoseTenComeBackByteForByte(PostgresServer postgres, TestNames names) throws Exception {
        PgFixture f = PgFixture.seed(postgres, names, 110);
        SampleWorld w = f.world;
        List<ErasureItem> items = IntStream.range(0, 50).mapToObj(i -> PgFixture.item(w.contributor(i), Mode.EXECUTE)).toList();
        List<String> before = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            before.add(f.snapshot(w.contributor(i).id()));
        }
        KeptImages kept = new KeptImages();
        Map<UUID, RequestResult> results;
        try (PostgresErasureStore store = f.store()) {
            // The cost of keeping: the same-sized batch of other contributors without images, after a warm-up.
            Announced.erase(store, new ErasureBatch(IntStream.range(100, 105).mapToObj(i -> PgFixture.item(w.contributor(i), Mode.EXECUTE)).toList()));
            List<ErasureItem> others = IntStream.range(50, 100).mapToObj(i -> PgFixture.item(w.contributor(i), Mode.EXECUTE)).toList();
            long t0 = System.nanoTime();
            Announced.erase(store, new ErasureBatch(others));
            long t1 = System.nanoTime();
            results = Announced.erase(store, new ErasureBatch(items), kept);
            long t2 = System.nanoTime();
            log.info("MEASURED erase of 50 contributors: {} ms without before-images, {} ms keeping them", (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
            System.out.printf("MEASURED erase of 50 contributors: %d ms without before-images, %d ms keeping them%n", (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);

            store.verify(new ErasureBatch(items)).values().forEach(rs -> assertThat(residual(rs)).isZero());
            for (int i = 0; i < 50; i++) {
                assertThat(f.snapshot(w.contributor(i).id())).as("contributor %d erased", i).isNotEqualTo(before.get(i));
                assertThat(kept.count(items.get(i).requestId())).as("images of contributor %d", i).isPositive();
                for (BeforeImage image : kept.images(items.get(i).requestId())) {
                    assertThat(image.content().length).isLessThanOrEqualTo(256 * 1024);
                }
                kept.assertNothingInClear(w.contributor(i).email().getBytes(StandardCharsets.UTF_8));
            }

            List<Integer> restored = IntStream.range(0, 10).map(k -> k * 5).boxed().toList();
            for (int i : restored) {
                UUID id = items.get(i).requestId();
                Map<String, TargetResult> erased = byTarget(results.get(id));
                assertThat(kept.restore(store, id)).as("restored of contributor %d", i).isEqualTo(Map.of(
                        JOBS, erased.get(JOBS).deleted(), STATS, erased.get(STATS).deleted(), PEOPLE, erased.get(PEOPLE).masked()));
            }
            for (int i = 0; i < 50; i++) {
                if (restored.contains(i)) {
                    assertThat(f.snapshot(w.contributor(i).id())).as("contributor %d restored", i).isEqualTo(before.get(i));
                    assertThat(f.intactRows(w.contributor(i))).isEqualTo(1);
                } else {
                    assertThat(f.snapshot(w.contributor(i).id())).as("contributor %d still erased", i).isNotEqualTo(before.get(i));
                }
            }
            List<ErasureItem> stillErased = IntStream.range(0, 50).filter(i -> !restored.contains(i)).mapToObj(items::get).toList();
            assertThat(stillErased).hasSize(40);
            store.verify(new ErasureBatch(stillErased)).values().forEach(rs -> assertThat(residual(rs)).isZero());

            // A second restore finds nothing still erased: 0 everywhere, nothing changes.
            String digest = f.digest();
            for (int i : restored) {
                assertThat(kept.restore(store, items.get(i).requestId())).isEqualTo(Map.of(JOBS, 0L, STATS, 0L, PEOPLE, 0L));
            }
            assertThat(f.digest()).isEqualTo(digest);

            // After the window (the key shredded) the images do not open and the restore is refused.
            UUID late = stillErased.getFirst().requestId();
            kept.shred(late);
            assertThatThrownBy(() -> kept.images(late)).isInstanceOf(StoreException.class)
                    .satisfies(e -> assertThat(((StoreException) e).code()).isEqualTo("RESTORATION_KEY_SHREDDED"));
            assertThatThrownBy(() -> kept.restore(store, late)).isInstanceOf(StoreException.class);
            assertThat(f.digest()).isEqualTo(digest);
        }
    }

    @Test
    void restoreNeverOverwritesWhatWasWrittenSinceTheErasure(PostgresServer postgres, TestNames names) throws Exception {
        PgFixture f = PgFixture.seed(postgres, names, 10);
        SampleWorld.Contributor x = f.world.contributor(3); // 4 job rows
        assertThat(x.jobs()).isEqualTo(4);
        ErasureItem item = PgFixture.item(x, Mode.EXECUTE);
        long firstJob = f.count("SELECT min(id) FROM $s." + JOBS + " WHERE contributor_id = ?", x.id());
        KeptImages kept = new KeptImages();
        try (PostgresErasureStore store = f.store()) {
            Announced.erase(store, ErasureBatch.of(item), kept);
            // Since the erasure: the person signed up again with a new email, and a job row took one old id.
            f.execute("UPDATE $s." + PEOPLE + " SET email = 'rejoined-3@example.test' WHERE id = ?", x.id());
            f.execute("INSERT INTO $s." + JOBS + " (id, contributor_id, job_id, assigned_at) VALUES (?, ?, 999999, now())", firstJob, x.id());

            assertThat(kept.restore(store, item.requestId())).isEqualTo(Map.of(JOBS, 3L, STATS, (long) x.projects(), PEOPLE, 1L));
        }
        // The new email and the new job row stay; the names (still masked) and the other job rows come back;
        // erased_at stays set as the row is not wholly back.
        assertThat(f.count("SELECT count(*) FROM $s." + PEOPLE + " WHERE id = ? AND email = 'rejoined-3@example.test' AND first_name = ? AND last_name = ? AND erased_at IS NOT NULL",
                x.id(), x.firstName(), x.lastName())).isEqualTo(1);
        assertThat(f.count("SELECT count(*) FROM $s." + JOBS + " WHERE id = ? AND job_id = 999999", firstJob)).isEqualTo(1);
        assertThat(f.jobRows(x.id())).isEqualTo(4);
    }

    @Test
    void deletedParentsComeBackBeforeTheirChildren(PostgresServer postgres, TestNames names) throws Exception {
        PgFixture f = PgFixture.seed(postgres, names, 10);
        String deleteAll = """
                tables = [
                  { table = kepler_crowd_contributor_job_mapping_t, action = delete, contributor-column = contributor_id }
                  { table = kepler_crowd_contributors_project_stats_t, action = delete, contributor-column = contributor_id }
                  { table = kepler_crowd_contributors_t, action = delete, contributor-column = id, email-column = email }
                ]
                """;
        SampleWorld.Contributor a = f.world.contributor(5);
        SampleWorld.Contributor b = f.world.contributor(6);
        String beforeA = f.snapshot(a.id());
        ErasureItem ia = PgFixture.item(a, Mode.EXECUTE);
        ErasureItem ib = PgFixture.item(b, Mode.EXECUTE);
        KeptImages kept = new KeptImages();
        try (PostgresErasureStore store = f.store(deleteAll)) {
            Announced.erase(store, ErasureBatch.of(ia, ib), kept);
            assertThat(f.count("SELECT count(*) FROM $s." + PEOPLE + " WHERE id IN (?, ?)", a.id(), b.id())).isZero();
            assertThat(kept.restore(store, ia.requestId())).isEqualTo(Map.of(JOBS, (long) a.jobs(), STATS, (long) a.projects(), PEOPLE, 1L));
            assertThat(kept.restore(store, ia.requestId())).isEqualTo(Map.of(JOBS, 0L, STATS, 0L, PEOPLE, 0L));
            assertThat(residual(store.verify(ErasureBatch.of(ib)).get(ib.requestId()))).isZero();
        }
        assertThat(f.snapshot(a.id())).isEqualTo(beforeA);
    }

    @Test
    void dryRunAndDisabledWindowKeepNothing(PostgresServer postgres, TestNames names) throws Exception {
        PgFixture f = PgFixture.seed(postgres, names, 10);
        ErasureItem dry = PgFixture.item(f.world.contributor(1), Mode.DRY_RUN);
        KeptImages kept = new KeptImages();
        String digest = f.digest();
        try (PostgresErasureStore store = f.store()) {
            Announced.erase(store, ErasureBatch.of(dry), kept);
            assertThat(kept.count(dry.requestId())).isZero();
            assertThat(f.digest()).isEqualTo(digest);
            // A re-run after the erasure finds nothing left to change and keeps nothing new.
            ErasureItem exec = PgFixture.item(f.world.contributor(2), Mode.EXECUTE);
            Announced.erase(store, ErasureBatch.of(exec), kept);
            int first = kept.count(exec.requestId());
            Announced.erase(store, ErasureBatch.of(exec), kept);
            assertThat(kept.count(exec.requestId())).isEqualTo(first);
        }
    }
}

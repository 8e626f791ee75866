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
import org.erasure.sink.runtime.spi.RestorationLog;
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
            // The cost of keeping: the same-sized batch of other contributors without images, after a warm-up of both paths.
            Announced.erase(store, new ErasureBatch(IntStream.range(100, 105).mapToObj(i -> PgFixture.item(w.contributor(i), Mode.EXECUTE)).toList()));
            Announced.erase(store, new ErasureBatch(IntStream.range(105, 110).mapToObj(i -> PgFixture.item(w.contributor(i), Mode.EXECUTE)).toList()), new KeptImages());
            List<ErasureItem> others = IntStream.range(50, 100).mapToObj(i -> PgFixture.item(w.contributor(i), Mode.EXECUTE)).toList();
            long t0 = System.nanoTime();
            Announced.erase(store, new ErasureBatch(others));
            long t1 = System.nanoTime();
            long[] keeping = new long[1];
            results = Announced.erase(store, new ErasureBatch(items), timed(kept, keeping));
            long t2 = System.nanoTime();
            String measured = "MEASURED erase of 50 contributors: %d ms without before-images, %d ms keeping them (of which %d ms in keep(): sealing, test log)"
                    .formatted((t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, keeping[0] / 1_000_000);
            log.info(measured);
            System.out.println(measured);

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

    /** {@code kept}, adding the time spent in {@link RestorationLog#keep} to {@code nanos[0]}. */
    private static RestorationLog timed(KeptImages kept, long[] nanos) {
        return new RestorationLog() {
            @Override
            public boolean enabled() {
                return true;
            }

            @Override
            public void keep(List<BeforeImage> images) {
                long t0 = System.nanoTime();
                kept.keep(images);
                nanos[0] += System.nanoTime() - t0;
            }

            @Override
            public byte[] seal(UUID requestId, byte[] plain) {
                return kept.seal(requestId, plain);
            }

            @Override
            public byte[] open(UUID requestId, byte[] sealed) {
                return kept.open(requestId, sealed);
            }
        };
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
    void tablesWithoutPrimaryKeyComeBackByValueDuplicatesIncluded(PostgresServer postgres, TestNames names) throws Exception {
        PgFixture f = PgFixture.seed(postgres, names, 4);
        f.execute("CREATE TABLE $s.notes_t (contributor_id bigint, note text, score numeric, tags text[])");
        f.execute("CREATE TABLE $s.profiles_t (contributor_id bigint, nick text, bio text, seen_at timestamptz)");
        long id = f.world.contributor(1).id();
        long other = f.world.contributor(2).id();
        for (long c : List.of(id, id, other)) { // two identical rows of one contributor
            f.execute("INSERT INTO $s.notes_t VALUES (?, 'same', 1.50, '{a,b}')", c);
        }
        f.execute("INSERT INTO $s.notes_t VALUES (?, NULL, NULL, NULL)", id);
        f.execute("INSERT INTO $s.profiles_t VALUES (?, 'nick', 'a bio', '2024-01-02 03:04:05.123456+00')", id);
        f.execute("INSERT INTO $s.profiles_t VALUES (?, 'nick', NULL, NULL)", id);
        String mapping = """
                tables = [
                  { table = notes_t, action = delete, contributor-column = contributor_id }
                  { table = profiles_t, action = mask, contributor-column = contributor_id,
                    columns { nick { strategy = fixed, value = DELETED_USER }, bio { strategy = "null" } } }
                ]
                """;
        String notes = "SELECT coalesce(string_agg(to_jsonb(x)::text, '|' ORDER BY to_jsonb(x)::text), '') FROM $s.%s x";
        String digest = f.count("SELECT count(*) FROM $s.notes_t") + digestOf(f, notes.formatted("notes_t")) + digestOf(f, notes.formatted("profiles_t"));
        ErasureItem item = PgFixture.item(f.world.contributor(1), Mode.EXECUTE);
        KeptImages kept = new KeptImages();
        try (PostgresErasureStore store = f.store(mapping)) {
            Map<String, TargetResult> r = byTarget(Announced.erase(store, ErasureBatch.of(item), kept).get(item.requestId()));
            assertThat(r.get("notes_t").deleted()).isEqualTo(3);
            assertThat(r.get("profiles_t").masked()).isEqualTo(2);
            assertThat(f.count("SELECT count(*) FROM $s.notes_t")).isEqualTo(1);
            assertThat(kept.restore(store, item.requestId())).isEqualTo(Map.of("notes_t", 3L, "profiles_t", 2L));
            assertThat(f.count("SELECT count(*) FROM $s.notes_t") + digestOf(f, notes.formatted("notes_t")) + digestOf(f, notes.formatted("profiles_t")))
                    .isEqualTo(digest);
            assertThat(kept.restore(store, item.requestId())).isEqualTo(Map.of("notes_t", 0L, "profiles_t", 0L));
        }
    }

    private static String digestOf(PgFixture f, String sql) throws Exception {
        return Long.toString(f.count("SELECT hashtextextended((" + sql + "), 0)"));
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

package org.erasure.sink.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.erasure.sink.clickhouse.ChFixture.METRICS;
import static org.erasure.sink.clickhouse.ChFixture.TABLES;
import static org.erasure.sink.runtime.testkit.StoreFixture.byTarget;
import static org.erasure.sink.runtime.testkit.StoreFixture.residual;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.erasure.devstack.clickhouse.ClickHouseServer;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.events.Mode;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.RequestResult;
import org.erasure.sink.runtime.spi.StoreException;
import org.erasure.sink.runtime.testkit.Announced;
import org.erasure.sink.runtime.testkit.KeptImages;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The undo window: before-images of the masked values, restore of exactly what is still masked. */
@DevStackTest
@Order(1)
class ClickHouseRestoreTest {

    private static List<ErasureItem> items(ChFixture f, Mode mode, int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> ChFixture.item(f.world.contributor(i), mode)).toList();
    }

    /** Every row of the contributor in every table, all columns, ordered: the store's bytes as TSV (escaping is injective). */
    private static String snapshot(ChFixture f, SampleWorld.Contributor c) {
        StringBuilder sb = new StringBuilder();
        for (String t : TABLES) {
            sb.append(t).append('\n').append(f.query("SELECT * FROM $d." + t + " WHERE contributor_id = " + c.id() + " ORDER BY ALL FORMAT TabSeparated"));
        }
        return sb.toString();
    }

    private static long timed(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1_000_000;
    }

    @Test
    void erase50Restore10ExactlyAsBeforeTheOther40StayErasedSecondRestoreIsZeroShreddedIsRefused(ClickHouseServer ch, TestNames names) {
        ChFixture f = ChFixture.seed(ch, names, 250);
        List<ErasureItem> kept = items(f, Mode.EXECUTE, 0, 50);
        Map<Integer, String> before = new LinkedHashMap<>();
        IntStream.range(0, 50).forEach(i -> before.put(i, snapshot(f, f.world.contributor(i))));
        KeptImages images = new KeptImages();
        try (ClickHouseErasureStore store = f.store()) {
            // Cost of keeping images: 50-contributor batches of the same shape, after a warm-up, alternating without / with.
            Announced.erase(store, new ErasureBatch(items(f, Mode.EXECUTE, 200, 250)));
            long plainA = timed(() -> Announced.erase(store, new ErasureBatch(items(f, Mode.EXECUTE, 50, 100))));
            AtomicReference<Map<UUID, RequestResult>> results = new AtomicReference<>();
            long keptA = timed(() -> results.set(Announced.erase(store, new ErasureBatch(kept), images)));
            long plainB = timed(() -> Announced.erase(store, new ErasureBatch(items(f, Mode.EXECUTE, 100, 150))));
            KeptImages other = new KeptImages();
            List<ErasureItem> keptToo = items(f, Mode.EXECUTE, 150, 200);
            long keptB = timed(() -> Announced.erase(store, new ErasureBatch(keptToo), other));
            long imageCount = kept.stream().mapToLong(i -> images.count(i.requestId())).sum();
            long imageBytes = kept.stream().flatMap(i -> images.images(i.requestId()).stream()).mapToLong(i -> i.content().length).sum();
            System.out.printf("MEASURED erase of 50 contributors (5,000 rows, 3 tables): without images %d, %d ms; keeping images %d, %d ms"
                    + " (%d images, %d bytes before sealing)%n", plainA, plainB, keptA, keptB, imageCount, imageBytes);
            assertThat(imageCount).as("one image per request and table").isEqualTo(50L * TABLES.size());
            for (ErasureItem item : kept) {
                assertThat(images.count(item.requestId())).isEqualTo(TABLES.size());
            }
            IntStream.range(0, 150).forEach(i -> images.assertNothingInClear(f.world.contributor(i).email().getBytes(StandardCharsets.UTF_8)));

            List<ErasureItem> restored = kept.subList(0, 10);
            List<ErasureItem> stillErased = kept.subList(10, 50);
            long r0 = System.nanoTime();
            for (ErasureItem item : restored) {
                Map<String, Long> n = images.restore(store, item.requestId());
                Map<String, org.erasure.events.TargetResult> erased = byTarget(results.get().get(item.requestId()));
                for (String t : TABLES) {
                    assertThat(n.get(t)).as("restored rows of %s equal the masked ones", t).isEqualTo(erased.get(t).masked()).isEqualTo(ChFixture.rows(t));
                }
            }
            System.out.printf("MEASURED restore of 10 requests one by one (1,000 rows, 3 tables each): %d ms%n", (System.nanoTime() - r0) / 1_000_000);
            for (int i = 0; i < 50; i++) {
                String now = snapshot(f, f.world.contributor(i));
                if (i < 10) {
                    assertThat(now).as("contributor %d restored byte for byte", i).isEqualTo(before.get(i));
                } else {
                    assertThat(now).as("contributor %d still erased", i).isNotEqualTo(before.get(i));
                }
            }
            store.verify(new ErasureBatch(stillErased)).values().forEach(rs -> assertThat(residual(rs)).isZero());
            store.verify(new ErasureBatch(restored)).values().forEach(rs -> assertThat(residual(rs)).isEqualTo(ChFixture.PER_CONTRIBUTOR));

            // Idempotent: a second restore finds nothing still masked, issues no mutation and changes nothing.
            String digest = f.digest();
            double mutations = store.mutationsIssued();
            for (ErasureItem item : restored) {
                assertThat(images.restore(store, item.requestId()).values()).allMatch(n -> n == 0);
            }
            assertThat(store.mutationsIssued()).isEqualTo(mutations);
            assertThat(f.digest()).isEqualTo(digest);

            // After the window: the images no longer open, the restore is refused, nothing changes.
            UUID shredded = stillErased.getFirst().requestId();
            images.shred(shredded);
            assertThatThrownBy(() -> images.images(shredded)).isInstanceOfSatisfying(StoreException.class,
                    e -> assertThat(e.code()).isEqualTo("RESTORATION_KEY_SHREDDED"));
            assertThatThrownBy(() -> images.restore(store, shredded)).isInstanceOf(StoreException.class);
            assertThat(f.digest()).isEqualTo(digest);
            assertThat(f.count("SELECT count() FROM system.tables WHERE database = '" + f.database + "' AND startsWith(name, '_erasure_batch_')"))
                    .as("restore tables dropped").isZero();
        }
    }

    @Test
    void restoreNeverOverwritesWhatWasWrittenSinceTheErasureAndDryRunKeepsNothing(ClickHouseServer ch, TestNames names) {
        ChFixture f = ChFixture.seed(ch, names, 6);
        SampleWorld.Contributor a = f.world.contributor(1);
        ErasureItem exec = ChFixture.item(a, Mode.EXECUTE);
        ErasureItem dry = ChFixture.item(f.world.contributor(2), Mode.DRY_RUN);
        KeptImages images = new KeptImages();
        try (ClickHouseErasureStore store = f.store()) {
            Announced.erase(store, ErasureBatch.of(exec, dry), images);
            assertThat(images.count(dry.requestId())).as("a dry run keeps nothing").isZero();
            assertThat(images.count(exec.requestId())).isEqualTo(TABLES.size());

            // Since the erasure: 10 of a's rows got a new value, and a new row arrived already masked (a new sorting key).
            f.query("ALTER TABLE $d." + METRICS + " UPDATE email = 'rewritten@example.test' WHERE contributor_id = " + a.id()
                    + " AND event_time IN (SELECT event_time FROM $d." + METRICS + " WHERE contributor_id = " + a.id()
                    + " ORDER BY event_time LIMIT 10) SETTINGS mutations_sync = 2");
            f.query("INSERT INTO $d." + METRICS + " SELECT * REPLACE (now() + INTERVAL 400 DAY AS event_time, 'DELETED_USER' AS email) FROM $d."
                    + METRICS + " WHERE contributor_id = " + a.id() + " LIMIT 1");
            Map<String, Long> n = images.restore(store, exec.requestId());
            assertThat(n.get(METRICS)).isEqualTo(ChFixture.rows(METRICS) - 10);
            assertThat(f.count("SELECT count() FROM $d." + METRICS + " WHERE contributor_id = " + a.id() + " AND email = 'rewritten@example.test'"))
                    .as("written since the erasure: kept").isEqualTo(10);
            assertThat(f.masked(METRICS, a)).as("the row that arrived after the erasure stays as written").isEqualTo(1);
            assertThat(f.intact(METRICS, a)).isEqualTo(ChFixture.rows(METRICS) - 10);
            for (String t : List.of(ChFixture.HOURLY, ChFixture.STATS)) {
                assertThat(f.intact(t, a)).isEqualTo(ChFixture.rows(t));
            }
        }
    }
}

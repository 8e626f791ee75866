package org.erasure.sink.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import co.elastic.clients.elasticsearch._types.Refresh;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;
import org.erasure.devstack.elasticsearch.ElasticsearchServer;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.events.Mode;
import org.erasure.events.TargetResult;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.RequestResult;
import org.erasure.sink.runtime.spi.StoreException;
import org.erasure.sink.runtime.testkit.Announced;
import org.erasure.sink.runtime.testkit.KeptImages;
import org.erasure.sink.runtime.testkit.StoreFixture;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The undo window (issue 13), store side: erase keeps the masked elements' previous values (sealed by the test
 * kit's {@link KeptImages}), restore puts back exactly the restored requests' elements and nothing written since,
 * and never un-masks another erased contributor sharing a document.
 */
@DevStackTest
@Order(1)
class RestoreTest {
    private static final Logger log = LoggerFactory.getLogger(RestoreTest.class);

    private static long masked(RequestResult r) {
        assertThat(r).isInstanceOf(RequestResult.Erased.class);
        return ((RequestResult.Erased) r).targets().stream().mapToLong(TargetResult::masked).sum();
    }

    private static Set<String> workerIds(SampleWorld w, List<Integer> indices) {
        Set<String> ids = new HashSet<>();
        indices.forEach(i -> ids.add(w.contributor(i).workerId()));
        return ids;
    }

    /** Defaults (one bulk), and small bulks with three in flight: images are kept per bulk, before each is announced. */
    @ParameterizedTest(name = "[{index}] bulks {0}")
    @ValueSource(strings = {"", "page-size = 50, bulk-size = 20, bulk-concurrency = 3"})
    void erase50Restore10BringsBackExactlyThoseTenAndLeavesTheOther40Erased(String bulks, ElasticsearchServer es, TestNames names) throws Exception {
        List<Integer> erased = IntStream.range(0, 50).boxed().toList();
        List<Integer> restored = IntStream.range(0, 10).boxed().toList();
        List<Integer> stillErased = erased.stream().filter(i -> !restored.contains(i)).toList();
        try (EsFixture f = EsFixture.seed(es, names, 100); ElasticsearchErasureStore store = f.store(bulks)) {
            SampleWorld w = f.world;
            Map<String, ObjectNode> before = f.snapshot();
            List<ErasureItem> items = erased.stream().map(i -> EsFixture.item(w.contributor(i), Mode.EXECUTE)).toList();
            KeptImages kept = new KeptImages();

            Map<UUID, RequestResult> results = Announced.erase(store, new ErasureBatch(items), kept);
            for (int k = 0; k < items.size(); k++) {
                assertThat(masked(results.get(items.get(k).requestId()))).isEqualTo(w.esDocumentsOf(erased.get(k)));
                assertThat(kept.count(items.get(k).requestId())).as("images of request %d", k).isPositive();
            }
            store.verify(new ErasureBatch(items)).values().forEach(rs -> assertThat(StoreFixture.residual(rs)).isZero());
            for (Integer i : erased) {
                kept.assertNothingInClear(w.contributor(i).email().getBytes(StandardCharsets.UTF_8));
            }

            for (Integer i : restored) {
                ErasureItem item = items.get(i);
                assertThat(kept.restore(store, item.requestId()))
                        .as("documents restored for contributor %d", i).isEqualTo(Map.of(f.pattern, masked(results.get(item.requestId()))));
            }

            // Every document: the restored contributors' elements exactly as before, the other 40's still masked.
            Map<String, ObjectNode> after = f.snapshot();
            assertThat(after.keySet()).isEqualTo(before.keySet());
            Set<String> restoredIds = workerIds(w, restored);
            Set<String> stillErasedIds = workerIds(w, stillErased);
            int onlyRestored = 0;
            int shared = 0;
            for (Map.Entry<String, ObjectNode> e : before.entrySet()) {
                ObjectNode was = e.getValue();
                assertThat(after.get(e.getKey())).as("document %s", e.getKey()).isEqualTo(EsFixture.expectedAfter(was, stillErasedIds));
                Set<String> holders = new HashSet<>();
                was.withArray("judgments").forEach(j -> holders.add(j.path("workerId").asText()));
                boolean hasRestored = holders.stream().anyMatch(restoredIds::contains);
                boolean hasStillErased = holders.stream().anyMatch(stillErasedIds::contains);
                if (hasRestored && !hasStillErased) {
                    onlyRestored++;
                    assertThat(after.get(e.getKey())).as("a document only restored contributors touched").isEqualTo(was);
                } else if (hasRestored) {
                    shared++;
                    ArrayNode wasJudgments = was.withArray("judgments");
                    ArrayNode now = after.get(e.getKey()).withArray("judgments");
                    for (int j = 0; j < wasJudgments.size(); j++) {
                        String worker = wasJudgments.get(j).path("workerId").asText();
                        if (restoredIds.contains(worker)) {
                            assertThat(now.get(j)).as("a restored contributor's element of a shared document").isEqualTo(wasJudgments.get(j));
                        } else if (stillErasedIds.contains(worker)) {
                            assertThat(now.get(j).path("workerId").asText()).as("a still-erased contributor's element").isEqualTo("DELETED_USER");
                            assertThat(now.get(j).path("workerEmail").asText()).isEqualTo("DELETED_USER");
                        }
                    }
                }
            }
            assertThat(onlyRestored).as("documents only restored contributors touched").isPositive();
            assertThat(shared).as("documents shared by a restored and a still-erased contributor").isPositive();

            // The store's own verify: the 40 still erased, the 10 fully back.
            List<ErasureItem> stillItems = stillErased.stream().map(items::get).toList();
            store.verify(new ErasureBatch(stillItems)).values().forEach(rs -> assertThat(StoreFixture.residual(rs)).isZero());
            List<ErasureItem> backItems = restored.stream().map(items::get).toList();
            Map<UUID, List<org.erasure.sink.runtime.spi.TargetResidual>> back = store.verify(new ErasureBatch(backItems));
            for (Integer i : restored) {
                assertThat(StoreFixture.residual(back.get(items.get(i).requestId()))).isEqualTo(w.esDocumentsOf(i));
            }

            // Idempotent: a second restore puts back nothing and changes nothing.
            for (Integer i : restored) {
                assertThat(kept.restore(store, items.get(i).requestId()).values()).allMatch(n -> n == 0);
            }
            assertThat(f.snapshot()).isEqualTo(after);

            // After the window: the images no longer open, so the restore is refused; the store is unchanged.
            UUID shredded = items.get(stillErased.getFirst()).requestId();
            kept.shred(shredded);
            assertThatThrownBy(() -> kept.restore(store, shredded)).isInstanceOfSatisfying(StoreException.class,
                    e -> assertThat(e.code()).isEqualTo("RESTORATION_KEY_SHREDDED"));
            assertThatThrownBy(() -> kept.images(shredded)).isInstanceOf(StoreException.class);
            assertThat(f.snapshot()).isEqualTo(after);
        }
    }

    /**
     * Data written since the erasure is never overwritten, and an element removed from a shared judgments array
     * since (so that the others moved up) neither blocks its neighbours' restore nor un-masks them by position.
     */
    @Test
    void restoreLeavesWhatWasWrittenSinceAndFollowsElementsThatMoved(ElasticsearchServer es, TestNames names) throws Exception {
        try (EsFixture f = EsFixture.seed(es, names, 30); ElasticsearchErasureStore store = f.store()) {
            SampleWorld w = f.world;
            SampleWorld.UnitDocument doc0 = w.esDocument(0);
            List<Integer> workers = doc0.workers().stream().map(SampleWorld.Contributor::index).toList();
            int latest = doc0.latest().index();
            Map<String, ObjectNode> before = f.snapshot();
            String key0 = before.keySet().stream().filter(k -> k.endsWith("/" + doc0.id())).findFirst().orElseThrow();
            String index0 = key0.substring(0, key0.indexOf('/'));
            ObjectNode was0 = before.get(key0);

            List<ErasureItem> items = workers.stream().map(i -> EsFixture.item(w.contributor(i), Mode.EXECUTE)).toList();
            KeptImages kept = new KeptImages();
            Announced.erase(store, new ErasureBatch(items), kept);

            // Written since: the latest element gets a new email; the first judgment (worker 0's, masked) is removed.
            ObjectNode now0 = f.client.get(g -> g.index(index0).id(doc0.id()), ObjectNode.class).source();
            ObjectNode partial = EsFixture.JSON.createObjectNode();
            ObjectNode latestNow = now0.get("latest").deepCopy();
            latestNow.put("workerEmail", "rewritten-after-erasure");
            partial.set("latest", latestNow);
            ArrayNode judgments = now0.withArray("judgments").deepCopy();
            judgments.remove(0);
            partial.set("judgments", judgments);
            f.client.update(u -> u.index(index0).id(doc0.id()).doc(partial).refresh(Refresh.True), ObjectNode.class);

            // worker 0: its element of doc0 is gone; everything else of it is back
            assertThat(kept.restore(store, items.get(0).requestId())).isEqualTo(Map.of(f.pattern, w.esDocumentsOf(workers.get(0)) - 1));
            ObjectNode mid = f.snapshot().get(key0);
            assertThat(mid.withArray("judgments").get(0)).as("worker 1's element moved to position 0 and stays masked")
                    .isEqualTo(EsFixture.expectedAfter(was0, Set.of(w.contributor(workers.get(1)).workerId())).withArray("judgments").get(1));

            // workers 1 and 2: every document back, doc0 elements found where they moved
            for (int k = 1; k < 3; k++) {
                assertThat(kept.restore(store, items.get(k).requestId())).isEqualTo(Map.of(f.pattern, w.esDocumentsOf(workers.get(k))));
            }
            ObjectNode after0 = f.snapshot().get(key0);
            assertThat(after0.withArray("judgments")).containsExactly(was0.withArray("judgments").get(1), was0.withArray("judgments").get(2));
            assertThat(after0.get("latest").get("workerEmail").asText()).as("written since the erasure").isEqualTo("rewritten-after-erasure");
            assertThat(after0.get("latest").get("workerId").asText()).isEqualTo(w.contributor(latest).workerId());
            assertThat(after0.get("latest").get("answer")).isEqualTo(was0.get("latest").get("answer"));

            // every other document exactly as before
            Map<String, ObjectNode> after = f.snapshot();
            before.forEach((k, v) -> {
                if (!k.equals(key0)) {
                    assertThat(after.get(k)).as("document %s", k).isEqualTo(v);
                }
            });
        }
    }

    /**
     * A document changed between the scan and the bulk (an element inserted before the person's): the bulk
     * conflicts, the re-read masks the person's element at its new position and keeps that too; the restore puts
     * back the document as it was right before the masking, the concurrent change included.
     */
    @Test
    void aConflictedWriteKeepsTheReReadAndRestoresTheCurrentDocument(ElasticsearchServer es, TestNames names) throws Exception {
        try (EsFixture f = EsFixture.seed(es, names, 30); ElasticsearchErasureStore store = f.store()) {
            SampleWorld.Contributor a = f.world.contributor(4);
            Map<String, ObjectNode> snap = f.snapshot();
            List<String> ofA = snap.entrySet().stream()
                    .filter(e -> e.getValue().toString().contains("\"" + a.workerId() + "\"")).map(Map.Entry::getKey).toList();
            assertThat(ofA).hasSize((int) f.world.esDocumentsOf(4));
            store.beforeBulk = () -> {
                store.beforeBulk = null;
                for (String key : ofA) {
                    String[] p = key.split("/");
                    ArrayNode judgments = snap.get(key).withArray("judgments").deepCopy();
                    judgments.insertObject(0).put("workerId", "late-worker").put("answer", "maybe");
                    try {
                        f.client.update(u -> u.index(p[0]).id(p[1]).doc(Map.of("judgments", judgments)), ObjectNode.class);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            };
            ErasureItem item = EsFixture.item(a, Mode.EXECUTE);
            KeptImages kept = new KeptImages();
            assertThat(masked(Announced.erase(store, ErasureBatch.of(item), kept).get(item.requestId()))).isEqualTo(f.world.esDocumentsOf(4));
            assertThat(kept.count(item.requestId())).as("the first attempt's image and the re-read's").isEqualTo(2);
            Map<String, ObjectNode> changed = f.snapshot();
            ofA.forEach(k -> assertThat(changed.get(k).withArray("judgments").get(0).path("workerId").asText()).isEqualTo("late-worker"));

            assertThat(kept.restore(store, item.requestId())).isEqualTo(Map.of(f.pattern, f.world.esDocumentsOf(4)));
            Map<String, ObjectNode> after = f.snapshot();
            for (String k : ofA) {
                ObjectNode expected = snap.get(k).deepCopy();
                ArrayNode judgments = expected.withArray("judgments");
                judgments.insertObject(0).put("workerId", "late-worker").put("answer", "maybe");
                assertThat(after.get(k)).as("document %s", k).isEqualTo(expected);
            }
        }
    }

    /** Erase time of the same 50-contributor batch with and without keeping before-images (logged; runs alternate). */
    @Test
    void eraseCostWithAndWithoutBeforeImages(ElasticsearchServer es, TestNames names) throws Exception {
        for (int run = 0; run < 3; run++) {
            for (boolean keep : new boolean[] {false, true}) {
                try (EsFixture f = EsFixture.seed(es, names, (keep ? "on" : "off") + (char) ('a' + run), 100);
                     ElasticsearchErasureStore store = f.store()) {
                    List<ErasureItem> items = IntStream.range(0, 50).mapToObj(i -> EsFixture.item(f.world.contributor(i), Mode.EXECUTE)).toList();
                    KeptImages kept = new KeptImages();
                    long start = System.nanoTime();
                    Map<UUID, RequestResult> results = keep ? Announced.erase(store, new ErasureBatch(items), kept)
                            : Announced.erase(store, new ErasureBatch(items));
                    log.info("undo window: erase of 50 contributors ({} documents masked) {} before-images: {} ms",
                            results.values().stream().mapToLong(RestoreTest::masked).sum(), keep ? "keeping" : "without",
                            (System.nanoTime() - start) / 1_000_000);
                    assertThat(kept.count(items.getFirst().requestId())).isEqualTo(keep ? 1 : 0);
                }
            }
        }
    }

    /** A dry run keeps nothing; with the restoration log off, erase keeps nothing either (the default). */
    @Test
    void dryRunKeepsNothing(ElasticsearchServer es, TestNames names) throws Exception {
        try (EsFixture f = EsFixture.seed(es, names, 30); ElasticsearchErasureStore store = f.store()) {
            String digest = f.digest();
            List<ErasureItem> items = IntStream.range(0, 5).mapToObj(i -> EsFixture.item(f.world.contributor(i), Mode.DRY_RUN)).toList();
            KeptImages kept = new KeptImages();
            Map<UUID, RequestResult> results = Announced.erase(store, new ErasureBatch(items), kept);
            for (int i = 0; i < items.size(); i++) {
                assertThat(((RequestResult.Erased) results.get(items.get(i).requestId())).targets().getFirst().wouldMask())
                        .isEqualTo(f.world.esDocumentsOf(i));
                assertThat(kept.count(items.get(i).requestId())).isZero();
            }
            assertThat(f.digest()).isEqualTo(digest);
        }
    }
}

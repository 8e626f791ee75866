package org.erasure.sink.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import co.elastic.clients.elasticsearch._types.Refresh;
import co.elastic.clients.json.JsonData;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;
import org.erasure.devstack.elasticsearch.ElasticsearchServer;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.events.Identifiers;
import org.erasure.events.Mode;
import org.erasure.events.TargetResult;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.RequestResult;
import org.erasure.sink.runtime.spi.StoreUnavailableException;
import org.erasure.sink.runtime.spi.TargetResidual;
import org.erasure.sink.runtime.testkit.Announced;
import org.erasure.sink.runtime.testkit.ClosingServer;
import org.erasure.sink.runtime.testkit.LogScan;
import org.erasure.sink.runtime.testkit.StoreContract;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DevStackTest
@Order(1)
class ElasticsearchErasureStoreTest {

    private static TargetResult only(RequestResult r) {
        assertThat(r).isInstanceOf(RequestResult.Erased.class);
        List<TargetResult> t = ((RequestResult.Erased) r).targets();
        assertThat(t).hasSize(1);
        return t.getFirst();
    }

    private static long residual(List<TargetResidual> rs) {
        return rs.stream().mapToLong(TargetResidual::residual).sum();
    }

    /**
     * Defaults (one bulk), and small bulks with three in flight while the scan goes on: the same documents, and the
     * announcements (one per bulk, checked by {@link Announced}) add up to the counts.
     */
    @ParameterizedTest(name = "[{index}] bulks {0}")
    @ValueSource(strings = {"", "page-size = 5, bulk-size = 3, bulk-concurrency = 3"})
    void executeMasksExactlyTheBatchsElementsAndLeavesNeighboursByteIdentical(String bulks, ElasticsearchServer es, TestNames names) throws Exception {
        try (EsFixture f = EsFixture.seed(es, names, 60)) {
            SampleWorld w = f.world;
            Map<String, ObjectNode> before = f.snapshot();
            assertThat(before).hasSize(w.esDocumentCount());
            List<Integer> erased = List.of(3, 4, 5, 10, 20, 21, 40);
            List<ErasureItem> items = erased.stream().map(i -> EsFixture.item(w.contributor(i), Mode.EXECUTE)).toList();
            Set<String> erasedIds = new HashSet<>();
            erased.forEach(i -> erasedIds.add(w.contributor(i).workerId()));

            try (ElasticsearchErasureStore store = f.store(bulks)) {
                assertThat(store.targets()).containsExactly(f.pattern);
                Map<UUID, RequestResult> results = Announced.erase(store, new ErasureBatch(items));
                for (int k = 0; k < erased.size(); k++) {
                    TargetResult t = only(results.get(items.get(k).requestId()));
                    assertThat(t.masked()).as("documents of contributor %d", erased.get(k)).isEqualTo(w.esDocumentsOf(erased.get(k)));
                    assertThat(t.deleted()).isZero();
                    assertThat(t.note()).contains("logical erasure");
                }
                store.verify(new ErasureBatch(items)).values().forEach(rs -> assertThat(residual(rs)).isZero());
            }

            Map<String, ObjectNode> after = f.snapshot();
            assertThat(after).hasSameSizeAs(before); // documents stay: the views keep their counts
            int changed = 0;
            for (Map.Entry<String, ObjectNode> e : before.entrySet()) {
                ObjectNode expected = EsFixture.expectedAfter(e.getValue(), erasedIds);
                assertThat(after.get(e.getKey())).as("document %s", e.getKey()).isEqualTo(expected);
                changed += expected.equals(e.getValue()) ? 0 : 1;
            }
            assertThat(changed).isGreaterThan(0);
            for (int i = 0; i < w.size(); i++) {
                SampleWorld.Contributor c = w.contributor(i);
                assertThat(f.holding(c)).as("contributor %d", i).isEqualTo(erased.contains(i) ? 0 : w.esDocumentsOf(i));
            }
            // A document holding an erased worker AND two neighbours: only the erased element changed.
            SampleWorld.Contributor neighbour = w.contributor(6); // shares documents with 4 and 5
            assertThat(f.count("judgments.workerEmail", neighbour.email())).isEqualTo(w.esDocumentsOf(6));
            assertThat(f.count("judgments.workerId", "DELETED_USER")).isGreaterThan(0);
        }
    }

    @Test
    void dryRunPredictsExecuteAndChangesNothingReplayReportsZero(ElasticsearchServer es, TestNames names) throws Exception {
        try (EsFixture f = EsFixture.seed(es, names, 30)) {
            List<SampleWorld.Contributor> people = IntStream.range(5, 15).mapToObj(f.world::contributor).toList();
            try (ElasticsearchErasureStore store = f.store()) {
                var runs = StoreContract.dryRunPredictsExecuteAndReplayReportsZero(store, people, f::digest);
                for (int k = 0; k < people.size(); k++) {
                    assertThat(runs.dry(k).get(f.pattern).wouldMask()).isEqualTo(f.world.esDocumentsOf(5 + k));
                }
            }
        }
    }

    @Test
    void mixedBatchMasksOnlyExecuteItemsAndSharedDocumentsCountForBoth(ElasticsearchServer es, TestNames names) throws Exception {
        try (EsFixture f = EsFixture.seed(es, names, 30)) {
            SampleWorld.Contributor a = f.world.contributor(7);
            SampleWorld.Contributor b = f.world.contributor(8);   // shares documents with 7
            SampleWorld.Contributor dry = f.world.contributor(20);
            ErasureItem ia = EsFixture.item(a, Mode.EXECUTE);
            ErasureItem ib = EsFixture.item(b, Mode.EXECUTE);
            ErasureItem id = EsFixture.item(dry, Mode.DRY_RUN);
            try (ElasticsearchErasureStore store = f.store()) {
                Map<UUID, RequestResult> r = Announced.erase(store, ErasureBatch.of(ia, ib, id));
                assertThat(only(r.get(ia.requestId())).masked()).isEqualTo(f.world.esDocumentsOf(7));
                assertThat(only(r.get(ib.requestId())).masked()).isEqualTo(f.world.esDocumentsOf(8));
                assertThat(only(r.get(id.requestId())).wouldMask()).isEqualTo(f.world.esDocumentsOf(20));
            }
            assertThat(f.holding(a)).isZero();
            assertThat(f.holding(b)).isZero();
            assertThat(f.holding(dry)).isEqualTo(f.world.esDocumentsOf(20));
        }
    }

    @Test
    void hostileIdentifiersAreMatchedExactlyAsData(ElasticsearchServer es, TestNames names) throws Exception {
        try (EsFixture f = EsFixture.seed(es, names, 10)) {
            List<String> hostile = List.of(
                    "o'brien\"quoted@example.test",
                    "100%_match*?[a-z]@example.test",
                    "\"}},{\"match_all\":{}}@example.test",
                    "slash/back\\slash@example.test",
                    "zoë.müller+δοκιμή@exämple.test",
                    "*@example.test");
            List<String> hostileIds = List.of("*", "?", "1' OR '1'='1", "\\\"}", "DELETED_USER", "w/5");
            String index = f.indices.getFirst();
            for (int i = 0; i < hostile.size(); i++) {
                Map<String, Object> me = Map.of("workerId", hostileIds.get(i), "workerEmail", hostile.get(i), "answer", "yes");
                Map<String, Object> other = Map.of("workerId", "neighbour-" + i, "workerEmail", "neighbour." + i + "@example.test", "answer", "no");
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("latest", other);
                doc.put("judgments", List.of(me, other));
                String docId = "hostile-" + i;
                f.client.index(x -> x.index(index).id(docId).document(doc).refresh(Refresh.True));
                LogScan.SEEDED_EMAILS.add(hostile.get(i));
            }
            long total = f.total();
            // Requests for the first five only; the "*@example.test" document is nobody's in this batch.
            List<ErasureItem> items = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                items.add(new ErasureItem(UUID.randomUUID(), "hostile#" + i + hostileIds.get(i),
                        Identifiers.of(List.of(hostile.get(i)), List.of(hostileIds.get(i))), Mode.EXECUTE));
            }
            try (ElasticsearchErasureStore store = f.store()) {
                Map<UUID, RequestResult> r = Announced.erase(store, new ErasureBatch(items));
                for (ErasureItem item : items) {
                    assertThat(only(r.get(item.requestId())).masked()).as("its one document, found by exact email").isEqualTo(1);
                }
                store.verify(new ErasureBatch(items)).values().forEach(rs -> assertThat(residual(rs)).isZero());
            }
            assertThat(f.total()).isEqualTo(total);
            for (int i = 0; i < 5; i++) {
                assertThat(f.count("judgments.workerEmail", hostile.get(i))).isZero();
                assertThat(f.count("judgments.workerEmail", "neighbour." + i + "@example.test")).isEqualTo(1);
            }
            assertThat(f.count("judgments.workerEmail", "*@example.test")).isEqualTo(1);
            assertThat(f.count("judgments.workerId", "w/5")).isEqualTo(1);
            for (int i = 0; i < f.world.size(); i++) {
                assertThat(f.holding(f.world.contributor(i))).isEqualTo(f.world.esDocumentsOf(i));
            }
        }
    }

    @Test
    void emailsStoredInAnotherCaseOrWithSurroundingSpacesAreMaskedAndCountedByVerification(ElasticsearchServer es, TestNames names) throws Exception {
        // Five documents below hold non-normalised emails: at the limit, so exact terms + those five. The masked
        // elements (DELETED_USER, not lower case) of the first erasure must not count, or the mode would flip.
        caseAndSpaces(es, names, "non-normalised-limit = 5", "exact_and_non_normalised");
    }

    @Test
    void emailsInAnotherCaseOrWithSpacesAreFoundByPerEmailPatternsWhenManyValuesAreNotNormalised(ElasticsearchServer es, TestNames names)
            throws Exception {
        // non-normalised-limit = 0: the target holds "too many" non-normalised emails, so the per-email regexp path runs.
        caseAndSpaces(es, names, "non-normalised-limit = 0", "patterns");
    }

    private void caseAndSpaces(ElasticsearchServer es, TestNames names, String config, String expectedMode) throws Exception {
        try (EsFixture f = EsFixture.seed(es, names, 10)) {
            String index = f.indices.getFirst();
            // A user mapping that already folds case (built-in lowercase normalizer): must work as well as plain keyword.
            String folded = f.prefix + "folded-1";
            f.client.indices().create(c -> c.index(folded).mappings(m -> m
                    .properties("latest", p -> p.object(o -> o.properties("workerEmail", k -> k.keyword(x -> x.normalizer("lowercase")))
                            .properties("workerId", k -> k.keyword(x -> x))))
                    .properties("judgments", p -> p.object(o -> o.properties("workerEmail", k -> k.keyword(x -> x.normalizer("lowercase")))
                            .properties("workerId", k -> k.keyword(x -> x))))));
            String email = "alice.case@example.test";
            Map<String, Object> neighbour = Map.of("workerId", "nb-1", "workerEmail", "neighbour.case@example.test", "answer", "no");
            Map<String, Map<String, Object>> docs = new LinkedHashMap<>();
            // only latest.workerEmail holds the person, with another case and spaces around
            docs.put(index + "/latest-only", doc(element("w-x1", " Alice.Case@Example.TEST "), List.of(neighbour)));
            // a judgments element that carries only the email (its workerId is not the request's): the defect's case
            docs.put(index + "/judgment-only", doc(neighbour, List.of(neighbour, element("w-x2", "ALICE.CASE@example.test\t"))));
            docs.put(index + "/unicode-spaces", doc(neighbour, List.of(element("w-x3", "\u3000alice.case@EXAMPLE.test\n"), neighbour)));
            docs.put(folded + "/folded-mapping", doc(neighbour, List.of(element("w-x4", "  ALICE.case@example.test"))));
            // other people: not the same address once stripped and lower-cased
            docs.put(index + "/look-alikes", doc(element("w-y4", "\u00A0alice.case@example.test"), List.of(element("w-y1", "xalice.case@example.test"),
                    element("w-y2", "alice.case@example.test.evil"), element("w-y3", "alice. case@example.test"))));
            for (Map.Entry<String, Map<String, Object>> d : docs.entrySet()) {
                String[] p = d.getKey().split("/");
                f.client.index(x -> x.index(p[0]).id(p[1]).document(d.getValue()).refresh(Refresh.True));
            }
            LogScan.SEEDED_EMAILS.add(email);
            // The request spells it differently again; the event contract normalises it.
            ErasureItem item = new ErasureItem(UUID.randomUUID(), "case#1", Identifiers.of(List.of("  Alice.Case@EXAMPLE.test "), List.of()), Mode.EXECUTE);
            assertThat(item.identifiers().emails()).containsExactly(email);
            assertThat(f.count("latest.workerEmail", email) + f.count("judgments.workerEmail", email))
                    .as("no stored spelling equals the request's: an exact query finds nothing").isZero();
            Map<String, ObjectNode> before;

            try (ElasticsearchErasureStore store = f.store(config)) {
                List<ErasureItem> first = IntStream.range(0, 5).mapToObj(i -> EsFixture.item(f.world.contributor(i), Mode.EXECUTE)).toList();
                Map<UUID, RequestResult> r = Announced.erase(store, new ErasureBatch(first));
                for (int i = 0; i < 5; i++) {
                    assertThat(only(r.get(first.get(i).requestId())).masked()).isEqualTo(f.world.esDocumentsOf(i));
                }
                before = f.snapshot();
                // Erase bypassed (as when the erase query misses them): verification must still count all four.
                assertThat(residual(store.verify(ErasureBatch.of(item)).get(item.requestId()))).isEqualTo(4);
                ErasureItem dry = new ErasureItem(UUID.randomUUID(), "case#1", item.identifiers(), Mode.DRY_RUN);
                assertThat(only(Announced.erase(store, ErasureBatch.of(dry)).get(dry.requestId())).wouldMask()).isEqualTo(4);
                assertThat(f.snapshot()).isEqualTo(before);

                TargetResult t = only(Announced.erase(store, ErasureBatch.of(item)).get(item.requestId()));
                assertThat(t.masked()).isEqualTo(4);
                assertThat(residual(store.verify(ErasureBatch.of(item)).get(item.requestId()))).isZero();

                Map<String, ObjectNode> after = f.snapshot();
                assertThat(after).hasSameSizeAs(before);
                for (Map.Entry<String, ObjectNode> e : before.entrySet()) {
                    ObjectNode expected = e.getValue().deepCopy();
                    maskElementsHoldingWorkerIds(expected, Set.of("w-x1", "w-x2", "w-x3", "w-x4"));
                    assertThat(after.get(e.getKey())).as(e.getKey()).isEqualTo(expected);
                }
                assertThat(after.get(index + "/look-alikes")).isEqualTo(before.get(index + "/look-alikes"));

                // A copy the erase did not see (written after it) is counted: verification does not repeat the scan.
                f.client.index(x -> x.index(index).id("late").document(doc(element("w-x5", "ALICE.CASE@EXAMPLE.TEST "), List.of(neighbour)))
                        .refresh(Refresh.True));
                assertThat(residual(store.verify(ErasureBatch.of(item)).get(item.requestId()))).isEqualTo(1);
                assertThat(store.meters().find("erasure.sink.es.email.mode").counters())
                        .allSatisfy(c -> assertThat(c.getId().getTag("mode")).isEqualTo(expectedMode)).isNotEmpty();
            }
        }
    }

    private static Map<String, Object> element(String workerId, String workerEmail) {
        return Map.of("workerId", workerId, "workerEmail", workerEmail, "answer", "yes");
    }

    private static Map<String, Object> doc(Map<String, Object> latest, List<Map<String, Object>> judgments) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("latest", latest);
        doc.put("judgments", judgments);
        return doc;
    }

    private static void maskElementsHoldingWorkerIds(ObjectNode doc, Set<String> workerIds) {
        List<com.fasterxml.jackson.databind.JsonNode> elements = new ArrayList<>();
        elements.add(doc.get("latest"));
        doc.withArray("judgments").forEach(elements::add);
        for (var e : elements) {
            if (e instanceof ObjectNode o && workerIds.contains(o.path("workerId").asText())) {
                o.put("workerId", "DELETED_USER");
                o.put("workerEmail", "DELETED_USER");
            }
        }
    }

    @Test
    void aConcurrentWriteBetweenReadAndUpdateIsReReadNotOverwritten(ElasticsearchServer es, TestNames names) throws Exception {
        try (EsFixture f = EsFixture.seed(es, names, 30)) {
            SampleWorld.Contributor a = f.world.contributor(4);
            // Every document of contributor 4 gets a concurrent change of another field before the bulk.
            try (ElasticsearchErasureStore store = f.store()) {
                Map<String, ObjectNode> snap = f.snapshot();
                List<String> ofA = snap.entrySet().stream()
                        .filter(e -> e.getValue().toString().contains("\"" + a.workerId() + "\"")).map(Map.Entry::getKey).toList();
                assertThat(ofA).hasSize((int) f.world.esDocumentsOf(4));
                store.beforeBulk = () -> {
                    store.beforeBulk = null;
                    for (String key : ofA) {
                        String[] p = key.split("/");
                        try {
                            f.client.update(u -> u.index(p[0]).id(p[1]).doc(Map.of("state", "reviewed")), ObjectNode.class);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }
                };
                ErasureItem item = EsFixture.item(a, Mode.EXECUTE);
                TargetResult t = only(Announced.erase(store, ErasureBatch.of(item)).get(item.requestId()));
                assertThat(t.masked()).isEqualTo(f.world.esDocumentsOf(4));
                assertThat(residual(store.verify(ErasureBatch.of(item)).get(item.requestId()))).isZero();
            }
            assertThat(f.holding(a)).isZero();
            assertThat(f.count("state", "reviewed")).as("the concurrent change survived").isEqualTo(f.world.esDocumentsOf(4));
        }
    }

    @Test
    void closedReadOnlyAndMissingIndicesAreReportedNotCrashed(ElasticsearchServer es, TestNames names) throws Exception {
        try (EsFixture f = EsFixture.seed(es, names, 400)) {
            assertThat(f.indices).hasSize(2);
            String first = f.indices.get(0);
            String second = f.indices.get(1);
            // contributor 10 has documents in both indices (documents alternate between them)
            SampleWorld.Contributor c = f.world.contributor(10);
            long inFirst = f.client.count(x -> x.index(first).query(q -> q.term(t -> t.field("judgments.workerId").value(c.workerId())))).count();
            long inSecond = f.world.esDocumentsOf(10) - inFirst;
            assertThat(inFirst).isPositive();
            assertThat(inSecond).isPositive();

            // Read-only index: not masked, reported in a note; verify finds the residual (FAILED RESIDUAL_FOUND by the runtime).
            f.client.indices().putSettings(s -> s.index(second).settings(x -> x.blocks(b -> b.write(true))));
            try (ElasticsearchErasureStore store = f.store()) {
                ErasureItem dry = EsFixture.item(c, Mode.DRY_RUN);
                TargetResult d = only(Announced.erase(store, ErasureBatch.of(dry)).get(dry.requestId()));
                assertThat(d.wouldMask()).isEqualTo(inFirst);
                assertThat(d.note()).contains("read-only").contains(second).contains("would not be masked");
                ErasureItem item = EsFixture.item(c, Mode.EXECUTE);
                TargetResult t = only(Announced.erase(store, ErasureBatch.of(item)).get(item.requestId()));
                assertThat(t.masked()).isEqualTo(inFirst);
                assertThat(t.note()).contains(inSecond + " matching document(s) in read-only").contains(second);
                assertThat(residual(store.verify(ErasureBatch.of(item)).get(item.requestId()))).isEqualTo(inSecond);
            }
            f.client.indices().putSettings(s -> s.index(second).settings(x -> x.blocks(b -> b.write(false))));

            // Closed index: default policy FAILS the request (open indices still erased), skip reports a note.
            f.client.indices().close(x -> x.index(second));
            SampleWorld.Contributor d = f.world.contributor(11);
            long dFirst = f.client.count(x -> x.index(first).query(q -> q.term(t -> t.field("judgments.workerId").value(d.workerId())))).count();
            try (ElasticsearchErasureStore store = f.store()) {
                ErasureItem item = EsFixture.item(d, Mode.EXECUTE);
                RequestResult r = Announced.erase(store, ErasureBatch.of(item)).get(item.requestId());
                assertThat(r).isInstanceOf(RequestResult.Failed.class);
                RequestResult.Failed failed = (RequestResult.Failed) r;
                assertThat(failed.code()).isEqualTo("ES_INDEX_CLOSED");
                assertThat(failed.message()).contains(second).contains(dFirst + " document(s) masked");
            }
            try (ElasticsearchErasureStore store = f.store("closed-index = skip")) {
                ErasureItem item = EsFixture.item(f.world.contributor(12), Mode.EXECUTE);
                TargetResult t = only(Announced.erase(store, ErasureBatch.of(item)).get(item.requestId()));
                assertThat(t.note()).contains("not searched, 1 closed index(es)").contains(second);
                assertThat(residual(store.verify(ErasureBatch.of(item)).get(item.requestId()))).isZero();
            }
            f.client.indices().open(x -> x.index(second));

            // A pattern matching no index: 0 and a note.
            try (ElasticsearchErasureStore store = (ElasticsearchErasureStore) new ElasticsearchStoreModule().create(
                    f.storeConfig(es.httpUrl(), "").withValue("targets", com.typesafe.config.ConfigFactory.parseString(
                            "targets = [ { index = \"" + f.prefix + "nothing-*\", groups = [ { path = latest, fields { workerId = worker-id } } ] } ]")
                            .getValue("targets")), null)) {
                ErasureItem item = EsFixture.item(c, Mode.EXECUTE);
                TargetResult t = only(Announced.erase(store, ErasureBatch.of(item)).get(item.requestId()));
                assertThat(t.masked()).isZero();
                assertThat(t.note()).isEqualTo("no index matches " + f.prefix + "nothing-*");
                assertThat(residual(store.verify(ErasureBatch.of(item)).get(item.requestId()))).isZero();
            }
        }
    }

    @Test
    void expungeDeletesReportsPhysicalErasure(ElasticsearchServer es, TestNames names) throws Exception {
        try (EsFixture f = EsFixture.seed(es, names, 20)) {
            String targets = "targets = [ { index = \"" + f.pattern + "\", expunge-deletes = true, groups = ["
                    + " { path = latest, fields { workerEmail = email, workerId = worker-id } }"
                    + " { path = judgments, fields { workerEmail = email, workerId = worker-id } } ] } ]";
            try (ElasticsearchErasureStore store = f.store(targets)) {
                ErasureItem item = EsFixture.item(f.world.contributor(3), Mode.EXECUTE);
                TargetResult t = only(Announced.erase(store, ErasureBatch.of(item)).get(item.requestId()));
                assertThat(t.masked()).isEqualTo(f.world.esDocumentsOf(3));
                var stats = f.client.indices().stats(s -> s.index(f.pattern)).all().primaries().docs();
                System.out.printf("MEASURED expunge: %d deleted version(s) left after forcemerge only_expunge_deletes%n", stats.deleted());
                // The note tells physical from logical by what the index stats say after the merge.
                assertThat(t.note()).contains(stats.deleted() == 0 ? "physical erasure" : stats.deleted() + " deleted version(s) remain");
            }
        }
    }

    @Test
    void thousandContributorsInOneBatch(ElasticsearchServer es, TestNames names) throws Exception {
        try (EsFixture f = EsFixture.seed(es, names, 1200)) {
            List<ErasureItem> items = IntStream.range(0, 1000).mapToObj(i -> EsFixture.item(f.world.contributor(i), Mode.EXECUTE)).toList();
            long expected = IntStream.range(0, 1000).mapToLong(f.world::esDocumentsOf).sum();
            try (ElasticsearchErasureStore store = f.store()) {
                long t0 = System.nanoTime();
                Map<UUID, RequestResult> r = Announced.erase(store, new ErasureBatch(items));
                long t1 = System.nanoTime();
                Map<UUID, List<TargetResidual>> v = store.verify(new ErasureBatch(items));
                long t2 = System.nanoTime();
                System.out.printf("MEASURED erase of 1000 contributors (%d docs in index) in one batch: %d ms, verify: %d ms%n",
                        f.world.esDocumentCount(), (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
                assertThat(r.values().stream().mapToLong(x -> only(x).masked()).sum()).isEqualTo(expected);
                assertThat(v.values().stream().mapToLong(ElasticsearchErasureStoreTest::residual).sum()).isZero();
            }
            for (int i = 1000; i < 1200; i++) {
                // documents of 1000..1199 that do not contain 0..999 keep their values; check their counts stay
                assertThat(f.count("judgments.workerEmail", f.world.contributor(i).email())).isEqualTo(f.world.esDocumentsOf(i));
            }
        }
    }

    @Test
    void configurationIsValidatedWithClearErrors(ElasticsearchServer es, TestNames names) throws Exception {
        try (EsFixture f = EsFixture.seed(es, names, 5)) {
            f.client.indices().create(c -> c.index(f.prefix + "text-1").mappings(m -> m.properties("latest", p -> p.object(o -> o
                    .properties("workerEmail", t -> t.text(x -> x))))));
            assertThatThrownBy(() -> f.store())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("latest.workerEmail").hasMessageContaining("text");
            f.client.indices().delete(d -> d.index(f.prefix + "text-1"));
            assertThatThrownBy(() -> f.store("targets = [ { index = \"a,b\", groups = [ { path = x, fields { y = email } } ] } ]"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a valid index");
            assertThatThrownBy(() -> f.store("targets = [ { index = \"x-*\", groups = [ { path = x, fields { y = phone } } ] } ]"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("email or worker-id");
            assertThatThrownBy(() -> f.store("closed-index = ignore")).isInstanceOf(IllegalArgumentException.class);
            // Not reachable at start is an outage the runtime waits out, not a configuration error: refused, or
            // closed mid-answer (a proxy cutting Elasticsearch off).
            assertThatThrownBy(() -> new ElasticsearchStoreModule().create(f.storeConfig("http://127.0.0.1:1", ""), null))
                    .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("not reachable")
                    .satisfies(e -> assertThat(StoreUnavailableException.isUnreachable(e)).isTrue());
            try (ClosingServer closing = new ClosingServer()) {
                assertThatThrownBy(() -> new ElasticsearchStoreModule().create(f.storeConfig("http://127.0.0.1:" + closing.port(), ""), null))
                        .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("not reachable");
            }
            // Email matching needs regexp queries: refused at start when the cluster forbids them.
            f.client.cluster().putSettings(p -> p.persistent("search.allow_expensive_queries", JsonData.of(false)));
            try {
                assertThatThrownBy(() -> f.store()).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("search.allow_expensive_queries = false");
            } finally {
                f.client.cluster().putSettings(p -> p.persistent("search.allow_expensive_queries", JsonData.fromJson("null")));
            }
            f.store().close();
        }
    }
}

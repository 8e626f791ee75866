package org.erasure.sink.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;

import co.elastic.clients.elasticsearch._types.Refresh;
import io.micrometer.core.instrument.Timer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.erasure.devstack.elasticsearch.ElasticsearchServer;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.events.Mode;
import org.erasure.events.TargetResult;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.RequestResult;
import org.erasure.sink.runtime.testkit.Announced;
import org.erasure.sink.runtime.testkit.StoreFixture;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The cached index view and email mode ({@code metadata-cache}): a lone request on a warm store costs four round
 * trips (three one after the other) and still erases and verifies exactly; an index closed, write- or read-blocked, created, or an alias moved
 * after the cache warmed gives the same results as a fresh inspection would.
 */
@DevStackTest
@Order(1)
class IndexViewCacheTest {

    /** Calls per operation so far (round trips; the in-memory timers are left out). Also used by LoneRequestBench. */
    static Map<String, Long> calls(ElasticsearchErasureStore store) {
        Map<String, Long> out = new TreeMap<>();
        for (Timer t : store.meters().find("erasure.sink.es.request").timers()) {
            String op = t.getId().getTag("operation");
            if (!op.equals("mask in memory") && !op.equals("write-ahead")) {
                out.merge(op, t.count(), Long::sum);
            }
        }
        return out;
    }

    private static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> out = new TreeMap<>();
        after.forEach((op, n) -> {
            long d = n - before.getOrDefault(op, 0L);
            if (d != 0) {
                out.put(op, d);
            }
        });
        return out;
    }

    /** Erase (through the write-ahead check) and verify one EXECUTE request; returns its target result and residual. */
    private static Outcome lone(ElasticsearchErasureStore store, SampleWorld.Contributor c) {
        ErasureItem item = EsFixture.item(c, Mode.EXECUTE);
        RequestResult r = Announced.erase(store, ErasureBatch.of(item)).get(item.requestId());
        if (!(r instanceof RequestResult.Erased e)) {
            return new Outcome(r, null, -1);
        }
        long residual = StoreFixture.residual(store.verify(ErasureBatch.of(item)).get(item.requestId()));
        return new Outcome(r, e.targets().getFirst(), residual);
    }

    private record Outcome(RequestResult result, TargetResult target, long residual) {}

    private static long inIndex(EsFixture f, String index, SampleWorld.Contributor c) throws Exception {
        f.refresh();
        return f.client.count(x -> x.index(index).query(q -> q.term(t -> t.field("judgments.workerId").value(c.workerId())))).count();
    }

    @Test
    void aLoneRequestOnAWarmStoreTakesFourRoundTripsAndStillErasesAndVerifies(ElasticsearchServer es, TestNames names) throws Exception {
        try (EsFixture f = EsFixture.seed(es, names, 60)) {
            SampleWorld w = f.world;
            try (ElasticsearchErasureStore store = f.store()) {
                Outcome warm = lone(store, w.contributor(3));
                assertThat(warm.target().masked()).isEqualTo(w.esDocumentsOf(3));
                assertThat(warm.residual()).isZero();

                Map<String, Long> before = calls(store);
                Outcome o = lone(store, w.contributor(20));
                // the blocks (alongside the search), search, bulk (refresh=true: the verify right after sees the masked
                // versions), verify search
                assertThat(delta(before, calls(store))).isEqualTo(Map.of("get settings", 1L, "search", 1L, "bulk", 1L, "verify search", 1L));
                assertThat(o.target().masked()).isEqualTo(w.esDocumentsOf(20));
                assertThat(o.residual()).isZero();
            }
            assertThat(f.holding(w.contributor(20))).isZero();
            assertThat(f.holding(w.contributor(22))).as("a neighbour").isEqualTo(w.esDocumentsOf(22));
            assertThat(f.total()).isEqualTo(w.esDocumentCount());

            // Cache off: every batch inspects the pattern and counts the non-normalised emails again (erase and verify).
            try (ElasticsearchErasureStore store = f.store("metadata-cache = 0")) {
                lone(store, w.contributor(30));
                Map<String, Long> before = calls(store);
                Outcome o = lone(store, w.contributor(40));
                assertThat(delta(before, calls(store))).containsEntry("resolve index", 2L).containsEntry("get settings", 2L)
                        .containsEntry("count non-normalised", 2L).containsEntry("search", 1L).containsEntry("bulk", 1L)
                        .doesNotContainKey("refresh");
                assertThat(o.target().masked()).isEqualTo(w.esDocumentsOf(40));
                assertThat(o.residual()).isZero();
            }
        }
    }

    @Test
    void indicesClosedBlockedOrCreatedAfterTheCacheWarmedAreSeenAsAFreshInspectionWould(ElasticsearchServer es, TestNames names) throws Exception {
        try (EsFixture f = EsFixture.seed(es, names, 400)) {
            SampleWorld w = f.world;
            assertThat(f.indices).hasSize(2);
            String first = f.indices.get(0);
            String second = f.indices.get(1);
            try (ElasticsearchErasureStore store = f.store()) {
                assertThat(lone(store, w.contributor(100)).residual()).isZero(); // warm

                // Closed since: the cached view's search is refused, the store inspects again and fails the request as before.
                SampleWorld.Contributor c10 = w.contributor(10);
                long c10First = inIndex(f, first, c10);
                long c10Second = inIndex(f, second, c10);
                assertThat(c10First).isPositive();
                assertThat(c10Second).isPositive();
                f.client.indices().close(x -> x.index(second));
                Outcome closed = lone(store, c10);
                assertThat(closed.result()).isInstanceOf(RequestResult.Failed.class);
                assertThat(((RequestResult.Failed) closed.result()).code()).isEqualTo("ES_INDEX_CLOSED");
                assertThat(((RequestResult.Failed) closed.result()).message()).contains(second).contains(c10First + " document(s) masked");
                f.client.indices().open(x -> x.index(second));
                Outcome reopened = lone(store, c10);
                assertThat(reopened.target().masked()).isEqualTo(c10Second);
                assertThat(reopened.residual()).isZero();
                assertThat(f.holding(c10)).isZero();

                // Write-blocked since (the cache is warm again): the bulk's 403s are reported, verification counts them.
                assertThat(lone(store, w.contributor(110)).residual()).isZero();
                SampleWorld.Contributor c20 = w.contributor(20);
                long c20First = inIndex(f, first, c20);
                long c20Second = inIndex(f, second, c20);
                f.client.indices().putSettings(s -> s.index(second).settings(x -> x.blocks(b -> b.write(true))));
                try {
                    Outcome blocked = lone(store, c20);
                    assertThat(blocked.target().masked()).isEqualTo(c20First);
                    assertThat(blocked.target().note()).contains(c20Second + " matching document(s) in read-only").contains(second);
                    assertThat(blocked.residual()).isEqualTo(c20Second);
                } finally {
                    f.client.indices().putSettings(s -> s.index(second).settings(x -> x.blocks(b -> b.write(false))));
                }

                // Read-blocked since: refused, inspected again, the index is left out with a note (as a fresh view does).
                assertThat(lone(store, w.contributor(120)).residual()).isZero();
                SampleWorld.Contributor c30 = w.contributor(30);
                long c30First = inIndex(f, first, c30);
                f.client.indices().putSettings(s -> s.index(second).settings(x -> x.blocks(b -> b.read(true))));
                try {
                    Outcome readBlocked = lone(store, c30);
                    assertThat(readBlocked.target().masked()).isEqualTo(c30First);
                    assertThat(readBlocked.target().note()).contains("not searched, 1 read-blocked index(es)").contains(second);
                } finally {
                    f.client.indices().putSettings(s -> s.index(second).settings(x -> x.blocks(b -> b.read(false))));
                }

                // Created since: the cached view searches the pattern, so the new index is erased too.
                assertThat(lone(store, w.contributor(130)).residual()).isZero();
                SampleWorld.Contributor c40 = w.contributor(40);
                String late = f.prefix + "late-1";
                var mapping = f.client.indices().getMapping(g -> g.index(first)).get(first).mappings();
                f.client.indices().create(x -> x.index(late).mappings(mapping)); // as a rollover would: the same mapping
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("latest", Map.of("workerId", c40.workerId(), "workerEmail", c40.email(), "answer", "yes"));
                doc.put("judgments", List.of(Map.of("workerId", "someone-else", "workerEmail", "someone.else@example.test", "answer", "no")));
                f.client.index(x -> x.index(late).id("late").document(doc).refresh(Refresh.True));
                Map<String, Long> before = calls(store);
                Outcome created = lone(store, c40);
                assertThat(delta(before, calls(store))).as("served by the cached view").doesNotContainKey("resolve index");
                assertThat(created.target().masked()).isEqualTo(w.esDocumentsOf(40) + 1);
                assertThat(created.residual()).isZero();
                assertThat(f.holding(c40)).isZero();
                assertThat(f.count("judgments.workerEmail", "someone.else@example.test")).isEqualTo(1);
            }
        }
    }

    @Test
    void anAliasMovedToAnotherIndexAfterTheCacheWarmedIsFollowed(ElasticsearchServer es, TestNames names) throws Exception {
        try (EsFixture f = EsFixture.seed(es, names, 400)) {
            SampleWorld w = f.world;
            String first = f.indices.get(0);
            String second = f.indices.get(1);
            String alias = f.prefix + "current";
            f.client.indices().updateAliases(u -> u.actions(a -> a.add(x -> x.index(first).alias(alias))));
            String targets = "targets = [ { index = \"" + alias + "\", groups = ["
                    + " { path = latest, fields { workerEmail = email, workerId = worker-id } }"
                    + " { path = judgments, fields { workerEmail = email, workerId = worker-id } } ] } ]";
            try (ElasticsearchErasureStore store = f.store(targets)) {
                SampleWorld.Contributor c10 = w.contributor(10);
                long c10First = inIndex(f, first, c10);
                Outcome o1 = lone(store, c10);
                assertThat(o1.target().masked()).isEqualTo(c10First);
                assertThat(o1.residual()).isZero();

                f.client.indices().updateAliases(u -> u.actions(a -> a.remove(x -> x.index(first).alias(alias)))
                        .actions(a -> a.add(x -> x.index(second).alias(alias))));
                SampleWorld.Contributor c20 = w.contributor(20);
                long c20First = inIndex(f, first, c20);
                long c20Second = inIndex(f, second, c20);
                assertThat(c20Second).isPositive();
                Map<String, Long> before = calls(store);
                Outcome o2 = lone(store, c20);
                assertThat(delta(before, calls(store))).as("served by the cached view").doesNotContainKey("resolve index");
                assertThat(o2.target().masked()).as("the alias's index now").isEqualTo(c20Second);
                assertThat(o2.residual()).isZero();
                assertThat(inIndex(f, second, c20)).isZero();
                assertThat(inIndex(f, first, c20)).as("no longer behind the alias: untouched").isEqualTo(c20First);
            }
        }
    }
}

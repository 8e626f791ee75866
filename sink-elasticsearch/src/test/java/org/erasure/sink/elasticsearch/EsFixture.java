package org.erasure.sink.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.erasure.devstack.elasticsearch.ElasticsearchServer;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.seed.ElasticsearchSeeder;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.devstack.seed.SeedNames;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureReason;
import org.erasure.events.Identifiers;
import org.erasure.events.Mode;
import org.erasure.events.Phase;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.testkit.LogScan;

/** A seeded per-test index prefix on the shared Elasticsearch node and helpers to look at it. */
final class EsFixture implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    final ElasticsearchServer es;
    final ElasticsearchClient client;
    final String prefix;
    final String pattern;
    final SampleWorld world;
    final List<String> indices;

    private EsFixture(ElasticsearchServer es, String prefix, SampleWorld world) {
        this.es = es;
        this.client = es.newClient();
        this.prefix = prefix;
        this.pattern = prefix + "*";
        this.world = world;
        this.indices = world.esIndices().stream().map(i -> prefix + i.substring(SampleWorld.ES_INDEX_PREFIX.length())).toList();
    }

    static EsFixture seed(ElasticsearchServer es, TestNames names, int size) {
        SampleWorld world = SampleWorld.isolated(size);
        String prefix = SeedNames.unique(names).esIndexPrefix();
        EsFixture f = new EsFixture(es, prefix, world);
        ElasticsearchSeeder.seed(f.client, prefix, world);
        world.contributors().forEach(x -> LogScan.SEEDED_EMAILS.add(x.email()));
        return f;
    }

    /** elasticsearch { } config for this prefix (reference groups), host overridable. */
    Config storeConfig(String url, String extra) {
        return ConfigFactory.parseString("""
                hosts = "%s"
                connect-timeout = 2s
                response-timeout = 30s
                targets = [ { index = "%s", groups = [
                  { path = latest, fields { workerEmail = email, workerId = worker-id } }
                  { path = judgments, fields { workerEmail = email, workerId = worker-id } } ] } ]
                %s
                """.formatted(url, pattern, extra))
                .withFallback(ConfigFactory.defaultReference().getConfig("elasticsearch")).resolve();
    }

    ElasticsearchErasureStore store() {
        return store("");
    }

    ElasticsearchErasureStore store(String extra) {
        return (ElasticsearchErasureStore) new ElasticsearchStoreModule().create(storeConfig(es.httpUrl(), extra), new SimpleMeterRegistry());
    }

    static ErasureItem item(SampleWorld.Contributor c, Mode mode) {
        return new ErasureItem(UUID.randomUUID(), Long.toString(c.id()), Identifiers.of(List.of(c.email()), List.of(c.workerId())), mode);
    }

    static ContributorErasureRequested request(SampleWorld.Contributor c, Mode mode) {
        return ContributorErasureRequested.builder().contributorId(Long.toString(c.id()))
                .identifiers(List.of(c.email()), List.of(c.workerId())).requestedBy("sink-test")
                .reason(ErasureReason.ACCOUNT_CLOSED).mode(mode).systems(Phase.ELASTICSEARCH, Phase.REDIS).build();
    }

    void refresh() throws IOException {
        client.indices().refresh(r -> r.index(pattern));
    }

    /** Documents (in open indices of the pattern) holding {@code value} in {@code field}. */
    long count(String field, String value) throws IOException {
        refresh();
        return client.count(c -> c.index(pattern).query(q -> q.term(t -> t.field(field).value(FieldValue.of(value))))).count();
    }

    long total() throws IOException {
        refresh();
        return client.count(c -> c.index(pattern)).count();
    }

    /** Documents holding any identifier of the contributor anywhere (the four configured fields). */
    long holding(SampleWorld.Contributor c) throws IOException {
        refresh();
        return client.count(r -> r.index(pattern).query(q -> q.bool(b -> b
                .should(s -> s.term(t -> t.field("latest.workerEmail").value(c.email())))
                .should(s -> s.term(t -> t.field("latest.workerId").value(c.workerId())))
                .should(s -> s.term(t -> t.field("judgments.workerEmail").value(c.email())))
                .should(s -> s.term(t -> t.field("judgments.workerId").value(c.workerId())))))).count();
    }

    /** Every document's full source by index/id (sorted); test worlds stay under 10,000 documents. */
    Map<String, ObjectNode> snapshot() throws IOException {
        refresh();
        Map<String, ObjectNode> out = new TreeMap<>();
        SearchResponse<ObjectNode> r = client.search(s -> s.index(pattern).size(10_000).seqNoPrimaryTerm(true), ObjectNode.class);
        for (Hit<ObjectNode> h : r.hits().hits()) {
            out.put(h.index() + "/" + h.id(), h.source());
        }
        if (out.size() >= 10_000) {
            throw new IllegalStateException("snapshot() is for small test worlds");
        }
        return out;
    }

    String digest() throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (Map.Entry<String, ObjectNode> e : snapshot().entrySet()) {
            md.update(e.getKey().getBytes());
            md.update(JSON.writeValueAsBytes(e.getValue()));
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** The expected source after erasing {@code workerIds}: their elements masked, everything else as before. */
    static ObjectNode expectedAfter(ObjectNode before, Set<String> workerIds) {
        ObjectNode copy = before.deepCopy();
        mask(copy.get("latest"), workerIds);
        for (JsonNode j : copy.withArray("judgments")) {
            mask(j, workerIds);
        }
        return copy;
    }

    private static void mask(JsonNode element, Set<String> workerIds) {
        if (element instanceof ObjectNode o && workerIds.contains(o.path("workerId").asText())) {
            o.put("workerId", "DELETED_USER");
            o.put("workerEmail", "DELETED_USER");
        }
    }

    @Override
    public void close() throws IOException {
        client.close();
    }
}

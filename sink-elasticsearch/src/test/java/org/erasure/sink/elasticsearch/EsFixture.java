package org.erasure.sink.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.erasure.devstack.elasticsearch.ElasticsearchServer;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.seed.ElasticsearchSeeder;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.devstack.seed.SeedNames;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.TargetResult;
import org.erasure.sink.runtime.testkit.StoreFixture;

/**
 * A seeded per-test index prefix on the shared Elasticsearch node, helpers to look at it, and what the
 * shared sink scenarios ({@code SinkContract}) need from it. Documents are masked, never deleted, and each
 * holds three consecutive contributors: erased = no document holds any of the person's identifiers,
 * intact = every document seeded with the person still holds them.
 */
final class EsFixture extends StoreFixture {
    static final ObjectMapper JSON = new ObjectMapper();
    final ElasticsearchServer es;
    final ElasticsearchClient client;
    final String prefix;
    final String pattern;
    final List<String> indices;

    private EsFixture(ElasticsearchServer es, String prefix, SampleWorld world) {
        super(world, ElasticsearchStoreModule::new, "sink-es");
        this.es = es;
        this.client = es.newClient();
        this.prefix = prefix;
        this.pattern = prefix + "*";
        this.indices = world.esIndices().stream().map(i -> prefix + i.substring(SampleWorld.ES_INDEX_PREFIX.length())).toList();
    }

    static EsFixture seed(ElasticsearchServer es, TestNames names, int size) {
        return seed(es, names, "", size);
    }

    /** A second fixture of the same test: {@code variant} (lower-case letters) keeps its indices apart. */
    static EsFixture seed(ElasticsearchServer es, TestNames names, String variant, int size) {
        SampleWorld world = SampleWorld.isolated(size);
        String prefix = variant + SeedNames.unique(names).esIndexPrefix();
        EsFixture f = new EsFixture(es, prefix, world);
        ElasticsearchSeeder.seed(f.client, prefix, world);
        return f;
    }

    /** elasticsearch { } config for this prefix (reference groups), host overridable. */
    @Override
    public Config storeConfig(String url, String extra) {
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

    // --- StoreFixture: what the shared sink scenarios (SinkContract) need ---

    @Override
    public String endpoint() {
        return es.httpUrl();
    }

    @Override
    public int storePort() {
        return es.httpPort();
    }

    @Override
    public String endpointVia(int proxyPort) {
        return "http://127.0.0.1:" + proxyPort;
    }

    /** Short timeouts, so that a cut connection is seen as an outage within the scenario's seconds. */
    @Override
    public String outageOverrides() {
        return "elasticsearch { connect-timeout = 1s, response-timeout = 10s }";
    }

    /** Contributors among the first {@code n} whose worker id no judgment holds any more (one aggregation). */
    @Override
    public long erasedAmongFirst(int n) throws IOException {
        refresh();
        List<FieldValue> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(FieldValue.of(world.contributor(i).workerId()));
        }
        var r = client.search(s -> s.index(pattern).size(0).query(q -> q.terms(t -> t.field("judgments.workerId").terms(v -> v.value(ids))))
                .aggregations("w", a -> a.terms(t -> t.field("judgments.workerId").size(10_000))), Void.class);
        Set<String> still = new HashSet<>();
        r.aggregations().get("w").sterms().buckets().array().forEach(b -> still.add(b.key().stringValue()));
        return IntStream.range(0, n).filter(i -> !still.contains(world.contributor(i).workerId())).count();
    }

    @Override
    public void assertErased(int index) throws IOException {
        assertThat(holding(world.contributor(index))).as("documents still holding contributor %d", index).isZero();
    }

    /** Neighbours share documents: only the erased person's elements were masked, so this one's are all still there. */
    @Override
    public void assertIntact(int index) throws IOException {
        assertThat(holding(world.contributor(index))).as("documents holding contributor %d", index).isEqualTo(world.esDocumentsOf(index));
    }

    /** Every erased contributor gone, and no document deleted (masked, never deleted). */
    @Override
    public void assertAllErased(int n) throws Exception {
        super.assertAllErased(n);
        assertThat(total()).isEqualTo(world.esDocumentCount());
    }

    /** Documents masked for the request (a document shared by two requests counts for both). */
    @Override
    public long reportedWork(PhaseCompleted pc) {
        return pc.targets().stream().mapToLong(TargetResult::masked).sum();
    }

    @Override
    public long seededWork(int n) {
        return IntStream.range(0, n).mapToLong(world::esDocumentsOf).sum();
    }

    @Override
    public void assertExecutedTargets(PhaseCompleted pc, int index) {
        assertThat(pc.targets()).extracting(TargetResult::target).containsExactly(pattern);
        TargetResult t = pc.targets().getFirst();
        assertThat(t.deleted()).isZero();
        assertThat(t.masked()).isEqualTo(world.esDocumentsOf(index));
        assertThat(t.residual()).isZero();
    }

    @Override
    public void assertDryRunTargets(PhaseCompleted pc, int index) {
        assertThat(pc.targets()).extracting(TargetResult::target).containsExactly(pattern);
        assertThat(pc.targets().getFirst().wouldMask()).isEqualTo(world.esDocumentsOf(index));
    }

    @Override
    public void afterBatch(BatchOutcome outcome) throws IOException {
        assertThat(total()).as("documents are masked, never deleted").isEqualTo(world.esDocumentCount());
    }

    @Override
    public List<String> storeMetrics() {
        return List.of("erasure_sink_es_request_seconds_count", "erasure_sink_es_email_mode_total");
    }
}

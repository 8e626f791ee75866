package org.erasure.devstack.seed;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.BulkRequest;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Creates the {@code project-<uuid>} indices (Unit View / Judgment View documents) and bulk-loads
 * them with refresh off. Each document names its latest worker in {@code latest.*} and every
 * worker who judged it in the {@code judgments} array of objects.
 */
public final class ElasticsearchSeeder {

    private static final int BULK = 5_000;

    static final String MAPPING = """
            {
              "properties": {
                "unitId":    {"type": "long"},
                "projectId": {"type": "keyword"},
                "state":     {"type": "keyword"},
                "updatedAt": {"type": "date"},
                "latest": {
                  "properties": {
                    "workerId":    {"type": "keyword"},
                    "workerEmail": {"type": "keyword"},
                    "answer":      {"type": "keyword"},
                    "createdAt":   {"type": "date"}
                  }
                },
                "judgments": {
                  "properties": {
                    "workerId":    {"type": "keyword"},
                    "workerEmail": {"type": "keyword"},
                    "answer":      {"type": "keyword"},
                    "createdAt":   {"type": "date"}
                  }
                }
              }
            }
            """;

    private ElasticsearchSeeder() {}

    /** Seeds under {@code indexPrefix} ("project-" by default): one index per sample project. */
    public static SeedResult seed(ElasticsearchClient es, String indexPrefix, SampleWorld world) {
        long begin = System.nanoTime();
        try {
            List<String> indices = world.esIndices().stream()
                    .map(i -> indexPrefix + i.substring(SampleWorld.ES_INDEX_PREFIX.length())).toList();
            for (String index : indices) {
                es.indices().create(c -> c.index(index)
                        .settings(s -> s.numberOfShards("1").numberOfReplicas("0").refreshInterval(t -> t.time("-1")))
                        .mappings(m -> m.withJson(new StringReader(MAPPING))));
            }
            BulkRequest.Builder bulk = new BulkRequest.Builder();
            int pending = 0;
            for (int d = 0; d < world.esDocumentCount(); d++) {
                SampleWorld.UnitDocument doc = world.esDocument(d);
                String index = indices.get(d % indices.size());
                Map<String, Object> source = source(doc);
                bulk.operations(op -> op.index(i -> i.index(index).id(doc.id()).document(source)));
                if (++pending == BULK) {
                    execute(es, bulk.build());
                    bulk = new BulkRequest.Builder();
                    pending = 0;
                }
            }
            if (pending > 0) {
                execute(es, bulk.build());
            }
            Map<String, Long> counts = new LinkedHashMap<>();
            for (String index : indices) {
                es.indices().putSettings(s -> s.index(index).settings(t -> t.refreshInterval(r -> r.time("1s"))));
                es.indices().refresh(r -> r.index(index));
                counts.put(index, es.count(c -> c.index(index)).count());
            }
            return new SeedResult("elasticsearch", counts, Duration.ofNanos(System.nanoTime() - begin));
        } catch (IOException e) {
            throw new UncheckedIOException("Seeding Elasticsearch failed", e);
        }
    }

    private static void execute(ElasticsearchClient es, BulkRequest request) throws IOException {
        BulkResponse response = es.bulk(request);
        if (response.errors()) {
            String first = response.items().stream().filter(i -> i.error() != null)
                    .map(i -> i.error().type() + ": " + i.error().reason()).findFirst().orElse("unknown");
            throw new IllegalStateException("Bulk indexing failed: " + first);
        }
    }

    static Map<String, Object> source(SampleWorld.UnitDocument doc) {
        List<Map<String, Object>> judgments = new ArrayList<>();
        for (int k = 0; k < doc.workers().size(); k++) {
            SampleWorld.Contributor worker = doc.workers().get(k);
            judgments.add(Map.of("workerId", worker.workerId(), "workerEmail", worker.email(),
                    "answer", k % 2 == 0 ? "yes" : "no", "createdAt", doc.updatedAt().minusSeconds(60L * (3 - k)).toString()));
        }
        SampleWorld.Contributor latest = doc.latest();
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("unitId", doc.unitId());
        source.put("projectId", doc.index());
        source.put("state", "finalized");
        source.put("updatedAt", doc.updatedAt().toString());
        source.put("latest", Map.of("workerId", latest.workerId(), "workerEmail", latest.email(),
                "answer", "yes", "createdAt", doc.updatedAt().toString()));
        source.put("judgments", judgments);
        return source;
    }
}

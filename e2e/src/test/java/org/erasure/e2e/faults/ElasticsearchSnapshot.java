package org.erasure.e2e.faults;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.search.Hit;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.erasure.devstack.elasticsearch.ElasticsearchServer;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.events.Phase;

/**
 * Every document of the world's indices ({@code _source} as parsed JSON). Documents are shared by
 * three workers; erasure sets {@code workerId} and {@code workerEmail} of the erased worker's elements
 * ({@code judgments[]}, {@code latest}) to the mask and must leave everything else as it was.
 */
record ElasticsearchSnapshot(String pattern, Map<String, Map<String, Object>> documents) implements StoreSnapshot {

    private static final int MAX_DOCUMENTS = 10_000;

    static ElasticsearchSnapshot take(ElasticsearchServer server, String indexPrefix) throws IOException {
        String pattern = indexPrefix + "*";
        try (ElasticsearchClient es = server.newClient()) {
            es.indices().refresh(r -> r.index(pattern));
            @SuppressWarnings("rawtypes")
            var response = es.search(s -> s.index(pattern).size(MAX_DOCUMENTS).query(q -> q.matchAll(m -> m)), Map.class);
            Map<String, Map<String, Object>> documents = new TreeMap<>();
            for (@SuppressWarnings("rawtypes") Hit<Map> hit : response.hits().hits()) {
                @SuppressWarnings("unchecked")
                Map<String, Object> source = hit.source();
                documents.put(hit.index() + "/" + hit.id(), source);
            }
            if (response.hits().total() != null && response.hits().total().value() != documents.size()) {
                throw new IllegalStateException("more documents than one page: " + response.hits().total().value());
            }
            return new ElasticsearchSnapshot(pattern, documents);
        }
    }

    @Override
    public Phase phase() {
        return Phase.ELASTICSEARCH;
    }

    /** One element per document: {@code latest} and each {@code judgments[k]}, keyed "latest" / "judgments[k]". */
    private static Map<String, Map<String, Object>> elements(Map<String, Object> document) {
        Map<String, Map<String, Object>> elements = new LinkedHashMap<>();
        if (document.get("latest") instanceof Map<?, ?> latest) {
            elements.put("latest", cast(latest));
        }
        if (document.get("judgments") instanceof List<?> judgments) {
            for (int k = 0; k < judgments.size(); k++) {
                elements.put("judgments[" + k + "]", cast((Map<?, ?>) judgments.get(k)));
            }
        }
        return elements;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> map) {
        return (Map<String, Object>) map;
    }

    private static boolean belongsTo(Map<String, Object> element, long id) {
        return Long.toString(id).equals(element.get("workerId")) || SampleWorld.email(id).equals(element.get("workerEmail"));
    }

    /** Masked = documents holding the contributor in any element (the sink counts documents). */
    @Override
    public Map<String, Counts> erasable(long id) {
        long documentsOf = documents.values().stream()
                .filter(d -> elements(d).values().stream().anyMatch(e -> belongsTo(e, id))).count();
        return Map.of(pattern, Counts.masked(documentsOf));
    }

    @Override
    public List<String> problemsAfterErasure(StoreSnapshot other, Set<Long> erased) {
        ElasticsearchSnapshot after = (ElasticsearchSnapshot) other;
        List<String> problems = new ArrayList<>();
        if (!after.documents.keySet().equals(documents.keySet())) {
            problems.add("elasticsearch: the set of documents changed (" + documents.size() + " before, " + after.documents.size() + " after)");
        }
        for (Map.Entry<String, Map<String, Object>> doc : documents.entrySet()) {
            Map<String, Object> now = after.documents.get(doc.getKey());
            if (now == null) {
                continue;
            }
            Map<String, Object> restBefore = new HashMap<>(doc.getValue());
            Map<String, Object> restAfter = new HashMap<>(now);
            for (String group : List.of("latest", "judgments")) {
                restBefore.remove(group);
                restAfter.remove(group);
            }
            if (!restBefore.equals(restAfter)) {
                problems.add("elasticsearch " + doc.getKey() + ": document fields other than the workers changed");
            }
            Map<String, Map<String, Object>> elementsBefore = elements(doc.getValue());
            Map<String, Map<String, Object>> elementsAfter = elements(now);
            if (!elementsBefore.keySet().equals(elementsAfter.keySet())) {
                problems.add("elasticsearch " + doc.getKey() + ": worker elements added or removed");
                continue;
            }
            elementsBefore.forEach((where, was) -> {
                Map<String, Object> is = elementsAfter.get(where);
                long owner = Long.parseLong((String) was.get("workerId"));
                if (erased.contains(owner)) {
                    Map<String, Object> expected = new HashMap<>(was);
                    expected.put("workerId", PostgresSnapshot.MASK);
                    expected.put("workerEmail", PostgresSnapshot.MASK);
                    if (!expected.equals(is)) {
                        problems.add("elasticsearch " + doc.getKey() + " " + where + ": erased worker " + owner
                                + " not masked exactly (ids masked: " + PostgresSnapshot.MASK.equals(is.get("workerId"))
                                + "/" + PostgresSnapshot.MASK.equals(is.get("workerEmail")) + ")");
                    }
                } else if (!Objects.equals(was, is)) {
                    problems.add("elasticsearch " + doc.getKey() + " " + where + ": neighbour " + owner + " changed");
                }
            });
        }
        return problems;
    }
}

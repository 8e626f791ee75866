package org.erasure.e2e.bench.pipeline.direct;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.SearchRequest;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.search.Hit;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Elasticsearch with the {@code elasticsearch.targets} mapping: every element of a group (e.g.
 * {@code latest}, each entry of {@code judgments}) that names the person gets all its identifier
 * fields set to the mask value; other people's entries in the same document stay. Writes are
 * partial updates guarded by {@code if_seq_no}/{@code if_primary_term}.
 *
 * <p>The old way: per contributor and per index, one search for their documents and one bulk of
 * updates. The lower bound: one terms query over the whole set, read with a point in time and
 * {@code search_after} pages, written with bulk partial updates, then one refresh.
 */
public final class ElasticsearchDirect implements DirectEraser {

    /** Terms per terms query stay well below index.max_terms_count (65,536). */
    private static final int MAX_SUBJECTS_PER_SCAN = 30_000;

    private record Group(String path, Map<String, String> fields) {}

    private record Target(String index, List<Group> groups) {}

    private record Update(String index, String id, long seqNo, long primaryTerm, ObjectNode partial) {}

    private final ElasticsearchClient es;
    private final List<Target> targets = new ArrayList<>();
    private final String maskValue;
    private final boolean contributorIdAsWorkerId;
    private final int pageSize;
    private final int bulkSize;
    /** Concrete indices per target, resolved once (the old way goes index by index). */
    private final Map<Target, List<String>> indices = new LinkedHashMap<>();

    public ElasticsearchDirect(ElasticsearchClient es) {
        this.es = es;
        Config mapping = DefaultMapping.section("elasticsearch");
        this.maskValue = mapping.getString("mask-value");
        this.contributorIdAsWorkerId = mapping.getBoolean("contributor-id-as-worker-id");
        this.pageSize = mapping.getInt("page-size");
        this.bulkSize = mapping.getInt("bulk-size");
        for (Config t : mapping.getConfigList("targets")) {
            List<Group> groups = new ArrayList<>();
            for (Config g : t.getConfigList("groups")) {
                Map<String, String> fields = new LinkedHashMap<>();
                g.getConfig("fields").root().unwrapped().forEach((field, kind) -> fields.put(field, kind.toString()));
                groups.add(new Group(g.getString("path"), fields));
            }
            Target target = new Target(t.getString("index"), groups);
            targets.add(target);
            indices.put(target, call(() -> List.copyOf(es.indices().get(r -> r.index(target.index())).indices().keySet())));
        }
    }

    @Override
    public String store() {
        return "elasticsearch";
    }

    @Override
    public Erased eraseOne(Subject subject) {
        Identifiers ids = Identifiers.of(List.of(subject), contributorIdAsWorkerId);
        long masked = 0;
        for (Target target : targets) {
            Query query = query(target, ids);
            for (String index : indices.get(target)) {
                SearchResponse<ObjectNode> found = call(() -> es.search(s -> s.index(index).query(query).size(10_000)
                        .seqNoPrimaryTerm(true).source(src -> src.filter(f -> f.includes(roots(target)))), ObjectNode.class));
                List<Update> updates = new ArrayList<>();
                for (Hit<ObjectNode> hit : found.hits().hits()) {
                    collect(target, hit, ids, updates);
                }
                masked += bulk(updates);
            }
        }
        return new Erased(0, masked);
    }

    @Override
    public Erased eraseAll(List<Subject> subjects) {
        long masked = 0;
        for (int from = 0; from < subjects.size(); from += MAX_SUBJECTS_PER_SCAN) {
            Identifiers ids = Identifiers.of(subjects.subList(from, Math.min(subjects.size(), from + MAX_SUBJECTS_PER_SCAN)),
                    contributorIdAsWorkerId);
            for (Target target : targets) {
                masked += scanAndMask(target, ids);
                call(() -> es.indices().refresh(r -> r.index(target.index())));
            }
        }
        return new Erased(0, masked);
    }

    private long scanAndMask(Target target, Identifiers ids) {
        Query query = query(target, ids);
        String pit = call(() -> es.openPointInTime(o -> o.index(target.index()).keepAlive(k -> k.time("2m")))).id();
        long masked = 0;
        try {
            List<FieldValue> after = null;
            List<Update> pending = new ArrayList<>();
            while (true) {
                List<FieldValue> searchAfter = after;
                SearchRequest request = SearchRequest.of(s -> {
                    s.pit(p -> p.id(pit).keepAlive(k -> k.time("2m"))).query(query).size(pageSize).seqNoPrimaryTerm(true)
                            .sort(so -> so.field(f -> f.field("_shard_doc").order(SortOrder.Asc)))
                            .source(src -> src.filter(f -> f.includes(roots(target))));
                    if (searchAfter != null) {
                        s.searchAfter(searchAfter);
                    }
                    return s;
                });
                List<Hit<ObjectNode>> hits = call(() -> es.search(request, ObjectNode.class)).hits().hits();
                for (Hit<ObjectNode> hit : hits) {
                    collect(target, hit, ids, pending);
                    if (pending.size() >= bulkSize) {
                        masked += bulk(pending);
                        pending.clear();
                    }
                }
                if (hits.size() < pageSize) {
                    break;
                }
                after = hits.getLast().sort();
            }
            masked += bulk(pending);
        } finally {
            call(() -> es.closePointInTime(c -> c.id(pit)));
        }
        return masked;
    }

    /** Adds the partial update that masks the person's group elements in this hit, if any. */
    private void collect(Target target, Hit<ObjectNode> hit, Identifiers ids, List<Update> updates) {
        if (hit.source() == null || hit.seqNo() == null || hit.primaryTerm() == null) {
            return;
        }
        ObjectNode partial = mask(target, hit.source(), ids);
        if (partial != null) {
            updates.add(new Update(hit.index(), hit.id(), hit.seqNo(), hit.primaryTerm(), partial));
        }
    }

    /** Masks the matching group elements in {@code source}; returns the changed top-level fields, or null. */
    private ObjectNode mask(Target target, ObjectNode source, Identifiers ids) {
        Set<String> changedRoots = new LinkedHashSet<>();
        for (Group group : target.groups()) {
            String[] path = group.path().split("\\.");
            if (maskElements(source.get(path[0]), path, 1, group, ids)) {
                changedRoots.add(path[0]);
            }
        }
        if (changedRoots.isEmpty()) {
            return null;
        }
        ObjectNode partial = JsonNodeFactory.instance.objectNode();
        changedRoots.forEach(root -> partial.set(root, source.get(root)));
        return partial;
    }

    private boolean maskElements(JsonNode node, String[] path, int depth, Group group, Identifiers ids) {
        if (node == null || node.isNull()) {
            return false;
        }
        if (node.isArray()) {
            boolean changed = false;
            for (JsonNode element : (ArrayNode) node) {
                changed |= maskElements(element, path, depth, group, ids);
            }
            return changed;
        }
        if (!node.isObject()) {
            return false;
        }
        if (depth < path.length) {
            return maskElements(node.get(path[depth]), path, depth + 1, group, ids);
        }
        ObjectNode element = (ObjectNode) node;
        boolean names = group.fields().entrySet().stream().anyMatch(f -> {
            JsonNode value = element.get(f.getKey());
            return value != null && value.isTextual() && ids.matches(f.getValue(), value.asText());
        });
        if (!names) {
            return false;
        }
        group.fields().keySet().forEach(field -> element.put(field, maskValue));
        return true;
    }

    private long bulk(List<Update> updates) {
        if (updates.isEmpty()) {
            return 0;
        }
        long written = 0;
        for (int from = 0; from < updates.size(); from += bulkSize) {
            List<BulkOperation> ops = new ArrayList<>();
            for (Update u : updates.subList(from, Math.min(updates.size(), from + bulkSize))) {
                ops.add(BulkOperation.of(b -> b.update(up -> up.index(u.index()).id(u.id()).ifSeqNo(u.seqNo())
                        .ifPrimaryTerm(u.primaryTerm()).action(a -> a.doc(u.partial())))));
            }
            BulkResponse response = call(() -> es.bulk(b -> b.operations(ops)));
            if (response.errors()) {
                String first = response.items().stream().filter(i -> i.error() != null)
                        .map(i -> i.error().type() + ": " + i.error().reason()).findFirst().orElse("unknown");
                throw new IllegalStateException("Elasticsearch bulk update failed: " + first);
            }
            written += ops.size();
        }
        return written;
    }

    /** A document matches when any identifier field of any group holds one of the identifiers. */
    private static Query query(Target target, Identifiers ids) {
        List<Query> should = new ArrayList<>();
        for (Group group : target.groups()) {
            group.fields().forEach((field, kind) -> {
                List<FieldValue> values = ids.of(kind).stream().map(FieldValue::of).toList();
                if (!values.isEmpty()) {
                    should.add(Query.of(q -> q.terms(t -> t.field(group.path() + "." + field).terms(v -> v.value(values)))));
                }
            });
        }
        return Query.of(q -> q.bool(b -> b.should(should).minimumShouldMatch("1")));
    }

    private static List<String> roots(Target target) {
        return target.groups().stream().map(g -> g.path().split("\\.")[0]).distinct().toList();
    }

    /** The identifiers of a set of subjects, by kind (email, worker-id). */
    private record Identifiers(Set<String> emails, Set<String> workerIds) {
        static Identifiers of(List<Subject> subjects, boolean contributorIdAsWorkerId) {
            Set<String> emails = new HashSet<>();
            Set<String> workerIds = new HashSet<>();
            for (Subject s : subjects) {
                emails.add(s.email());
                if (contributorIdAsWorkerId) {
                    workerIds.add(s.contributorId());
                }
            }
            return new Identifiers(emails, workerIds);
        }

        Set<String> of(String kind) {
            return switch (kind) {
                case "email" -> emails;
                case "worker-id" -> workerIds;
                default -> throw new IllegalStateException("elasticsearch: unknown field kind " + kind);
            };
        }

        boolean matches(String kind, String value) {
            return of(kind).contains(value);
        }
    }

    private interface EsCall<T> {
        T run() throws IOException;
    }

    private static <T> T call(EsCall<T> call) {
        try {
            return call.run();
        } catch (IOException e) {
            throw new UncheckedIOException("Elasticsearch request failed", e);
        }
    }

    @Override
    public void close() {
        try {
            es.close();
        } catch (IOException ignored) {
            // closing a client of a local server
        }
    }
}

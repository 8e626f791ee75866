package org.erasure.sink.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.ErrorCause;
import co.elastic.clients.elasticsearch._types.ExpandWildcard;
import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch._types.query_dsl.BoolQuery;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.MgetResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.elasticsearch.core.get.GetResult;
import co.elastic.clients.elasticsearch.core.mget.MultiGetOperation;
import co.elastic.clients.elasticsearch.core.mget.MultiGetResponseItem;
import co.elastic.clients.elasticsearch.core.search.Hit;
import co.elastic.clients.elasticsearch.indices.IndexSettingBlocks;
import co.elastic.clients.elasticsearch.indices.IndexSettings;
import co.elastic.clients.elasticsearch.indices.IndexState;
import co.elastic.clients.elasticsearch.indices.ResolveIndexResponse;
import co.elastic.clients.elasticsearch.indices.resolve_index.ResolveIndexItem;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.erasure.events.Phase;
import org.erasure.events.TargetResult;
import org.erasure.sink.elasticsearch.DocumentMasker.Lookup;
import org.erasure.sink.elasticsearch.DocumentMasker.Outcome;
import org.erasure.sink.elasticsearch.EsMapping.Kind;
import org.erasure.sink.elasticsearch.EsMapping.Target;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.ErasureStore;
import org.erasure.sink.runtime.spi.RequestResult;
import org.erasure.sink.runtime.spi.StoreException;
import org.erasure.sink.runtime.spi.StoreUnavailableException;
import org.erasure.sink.runtime.spi.TargetResidual;
import org.erasure.sink.runtime.spi.WriteAhead;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Elasticsearch erasure, per target (index pattern) and batch:
 * <ol>
 *   <li>inspect the pattern: open, closed, read-blocked and write-blocked indices (resolve + settings);</li>
 *   <li>one query: {@code bool.should} of {@code terms} over every identifier of the batch (EXECUTE and
 *       DRY_RUN) across the configured fields, scanned with a point in time + {@code search_after}
 *       (sort {@code _shard_doc}, {@code seq_no_primary_term});</li>
 *   <li>per hit, {@link DocumentMasker} rewrites only the matching group elements in memory;</li>
 *   <li>bulk partial updates ({@code doc} = the changed top-level fields) with {@code if_seq_no} /
 *       {@code if_primary_term}; a 409 re-reads the document (mget, realtime) and re-applies the
 *       masking, at most {@code conflict-retries} times;</li>
 *   <li>refresh the written indices; optionally {@code _forcemerge?only_expunge_deletes}.</li>
 * </ol>
 * No painless, no {@code _update_by_query}. Verify is a separate search: one count query (filter) per
 * request over all configured fields.
 * (one search per target and 500 requests: union query + a keyed {@code filters} aggregation).
 */
public final class ElasticsearchErasureStore implements ErasureStore {
    private static final Logger log = LoggerFactory.getLogger(ElasticsearchErasureStore.class);
    private static final int NAMES_PER_CALL = 20;
    private static final int VERIFY_CHUNK = 500;
    private static final int NOTE_NAMES = 3;

    enum ClosedPolicy { FAIL, SKIP }

    record Settings(String maskValue, boolean contributorIdAsWorkerId, int pageSize, int bulkSize, int conflictRetries,
                    Duration pitKeepAlive, boolean refresh, ClosedPolicy closedPolicy) {}

    private final ElasticsearchClient client;
    private final EsMapping mapping;
    private final Settings settings;
    private final List<String> targets;
    /** Tests only: runs before each first bulk attempt (e.g. to change a document under the erasure). */
    volatile Runnable beforeBulk;

    ElasticsearchErasureStore(ElasticsearchClient client, EsMapping mapping, Settings settings) {
        this.client = client;
        this.mapping = mapping;
        this.settings = settings;
        this.targets = mapping.targets().stream().map(Target::index).toList();
    }

    @Override
    public Phase phase() {
        return Phase.ELASTICSEARCH;
    }

    @Override
    public List<String> targets() {
        return targets;
    }

    // ---------------------------------------------------------------- erase

    /** What one target's run did for the whole batch. */
    private static final class TargetRun {
        final Map<UUID, long[]> counts = new HashMap<>();   // requestId -> {masked | wouldMask}
        IndexView view;
        final Set<String> written = new TreeSet<>();
        final Set<String> blockedHit = new TreeSet<>();     // write-blocked indices holding matches
        long blockedDocs;
        long conflicts;
        boolean expunged;
        long retainedDeleted = -1;                           // deleted docs still in segments after expunge (-1 = not asked)

        void count(ErasureItem item) {
            counts.computeIfAbsent(item.requestId(), k -> new long[1])[0]++;
        }
    }

    @Override
    public Map<UUID, RequestResult> erase(ErasureBatch batch, WriteAhead writeAhead) {
        Lookup lookup = Lookup.of(batch.items(), settings.contributorIdAsWorkerId(), settings.maskValue());
        List<TargetRun> runs = new ArrayList<>();
        for (Target t : mapping.targets()) {
            runs.add(eraseTarget(t, lookup, writeAhead));
        }
        Map<UUID, RequestResult> results = new LinkedHashMap<>();
        for (ErasureItem item : batch.items()) {
            List<TargetResult> out = new ArrayList<>();
            List<String> closedProblems = new ArrayList<>();
            long maskedTotal = 0;
            for (int i = 0; i < runs.size(); i++) {
                TargetRun run = runs.get(i);
                Target t = mapping.targets().get(i);
                long n = run.counts.getOrDefault(item.requestId(), new long[1])[0];
                maskedTotal += n;
                TargetResult r = item.dryRun() ? TargetResult.dryRun(t.index(), 0, n) : TargetResult.erased(t.index(), 0, n, 0);
                String note = note(t, run, item.dryRun(), n);
                if (note != null) {
                    r = r.withNote(note);
                }
                out.add(r);
                if (!run.view.closed.isEmpty()) {
                    closedProblems.add(run.view.closed.size() + " closed index(es) matching " + t.index() + " " + names(run.view.closed));
                }
            }
            if (!item.dryRun() && settings.closedPolicy() == ClosedPolicy.FAIL && !closedProblems.isEmpty()) {
                results.put(item.requestId(), RequestResult.failed("ES_INDEX_CLOSED", truncate(String.join("; ", closedProblems)
                        + " could not be searched or erased (open indices were erased: " + maskedTotal
                        + " document(s) masked); reopen them or set elasticsearch.closed-index = skip", 480)));
            } else {
                results.put(item.requestId(), RequestResult.erased(out));
            }
        }
        return results;
    }

    private String note(Target t, TargetRun run, boolean dryRun, long n) {
        List<String> parts = new ArrayList<>();
        IndexView v = run.view;
        if (v.open.isEmpty() && v.closed.isEmpty()) {
            parts.add("no index matches " + t.index());
        }
        if (!v.closed.isEmpty()) {
            parts.add((dryRun || settings.closedPolicy() == ClosedPolicy.SKIP ? "not searched, " : "")
                    + v.closed.size() + " closed index(es) " + names(v.closed));
        }
        if (!v.readBlocked.isEmpty()) {
            parts.add("not searched, " + v.readBlocked.size() + " read-blocked index(es) " + names(v.readBlocked));
        }
        if (!run.blockedHit.isEmpty()) {
            parts.add(run.blockedDocs + " matching document(s) in read-only index(es) " + names(run.blockedHit)
                    + (dryRun ? " would not be masked" : " not masked"));
        }
        if (!dryRun && n > 0) {
            if (!run.expunged) {
                parts.add("logical erasure: superseded versions stay on disk until segments merge");
            } else if (run.retainedDeleted == 0) {
                parts.add("physical erasure: superseded versions expunged (forcemerge only_expunge_deletes)");
            } else {
                parts.add("logical erasure: forcemerge only_expunge_deletes ran but " + run.retainedDeleted
                        + " deleted version(s) remain in the written indices (soft-delete retention or below the expunge threshold)");
            }
        }
        return parts.isEmpty() ? null : truncate(String.join("; ", parts), 480);
    }

    private static String names(Set<String> indices) {
        List<String> l = new ArrayList<>(indices);
        String shown = String.join(", ", l.subList(0, Math.min(NOTE_NAMES, l.size())));
        return "[" + shown + (l.size() > NOTE_NAMES ? ", +" + (l.size() - NOTE_NAMES) + " more" : "") + "]";
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }

    private TargetRun eraseTarget(Target t, Lookup lookup, WriteAhead writeAhead) {
        TargetRun run = new TargetRun();
        run.view = inspect(t.index());
        Query query = batchQuery(t, lookup);
        if (query == null || !run.view.searchable()) {
            return run;
        }
        DocumentMasker masker = new DocumentMasker(t.groups(), settings.maskValue());
        String expression = run.view.searchExpression(t.index());
        String keepAlive = settings.pitKeepAlive().toSeconds() + "s";
        String pit = call("open point in time", () -> client.openPointInTime(o -> o.index(expression).keepAlive(k -> k.time(keepAlive))
                .ignoreUnavailable(true).expandWildcards(ExpandWildcard.Open))).id();
        try {
            List<FieldValue> after = null;
            List<Update> pending = new ArrayList<>();
            while (true) {
                String pitId = pit;
                List<FieldValue> searchAfter = after;
                SearchResponse<ObjectNode> page = call("search", () -> client.search(s -> {
                    s.pit(p -> p.id(pitId).keepAlive(k -> k.time(keepAlive)))
                            .query(query).size(settings.pageSize()).seqNoPrimaryTerm(true)
                            .trackTotalHits(h -> h.enabled(false))
                            .sort(so -> so.field(f -> f.field("_shard_doc").order(SortOrder.Asc)))
                            .source(sc -> sc.filter(f -> f.includes(t.sourceKeys())));
                    if (searchAfter != null) {
                        s.searchAfter(searchAfter);
                    }
                    return s;
                }, ObjectNode.class));
                if (page.pitId() != null) {
                    pit = page.pitId();
                }
                List<Hit<ObjectNode>> hits = page.hits().hits();
                for (Hit<ObjectNode> hit : hits) {
                    if (hit.source() == null) {
                        continue;
                    }
                    Outcome o = masker.apply(hit.source(), lookup);
                    boolean blocked = run.view.writeBlocked.contains(hit.index());
                    if (blocked && (o.changed() || !o.dryMatched().isEmpty())) {
                        run.blockedHit.add(hit.index());
                        run.blockedDocs++;
                        continue; // neither masked nor counted as would-mask: EXECUTE cannot write there
                    }
                    o.dryMatched().forEach(run::count);
                    if (o.changed()) {
                        pending.add(new Update(hit.index(), hit.id(), hit.seqNo(), hit.primaryTerm(), o));
                        if (pending.size() >= settings.bulkSize()) {
                            write(t, pending, lookup, masker, run, writeAhead);
                            pending = new ArrayList<>();
                        }
                    }
                }
                if (hits.size() < settings.pageSize()) {
                    break;
                }
                after = hits.getLast().sort();
            }
            if (!pending.isEmpty()) {
                write(t, pending, lookup, masker, run, writeAhead);
            }
        } finally {
            closePit(pit);
        }
        if (!run.written.isEmpty()) {
            if (settings.refresh()) {
                for (List<String> chunk : chunks(run.written)) {
                    call("refresh", () -> client.indices().refresh(r -> r.index(chunk).ignoreUnavailable(true)));
                }
            }
            if (t.expungeDeletes()) {
                for (List<String> chunk : chunks(run.written)) {
                    call("forcemerge", () -> client.indices().forcemerge(f -> f.index(chunk).onlyExpungeDeletes(true)));
                }
                run.expunged = true;
                long retained = 0;
                for (List<String> chunk : chunks(run.written)) {
                    var stats = call("index stats", () -> client.indices().stats(st -> st.index(chunk).metric(co.elastic.clients.elasticsearch._types.CommonStatsFlag.Docs)));
                    var docs = stats.all() == null || stats.all().primaries() == null ? null : stats.all().primaries().docs();
                    retained += docs == null ? 0 : docs.deleted();
                }
                run.retainedDeleted = retained;
            }
        }
        return run;
    }

    private record Update(String index, String id, Long seqNo, Long primaryTerm, Outcome outcome) {}

    /** The documents this bulk is about to mask, per request (one bulk = one announcement, before it is sent). */
    private static void announce(Target t, List<Update> updates, WriteAhead writeAhead) {
        Map<UUID, long[]> perRequest = new HashMap<>();
        for (Update u : updates) {
            for (ErasureItem item : u.outcome().masked()) {
                perRequest.computeIfAbsent(item.requestId(), k -> new long[1])[0]++;
            }
        }
        Map<UUID, List<TargetResult>> planned = new HashMap<>();
        perRequest.forEach((id, n) -> planned.put(id, List.of(TargetResult.erased(t.index(), 0, n[0], 0))));
        if (!planned.isEmpty()) {
            writeAhead.record(planned);
        }
    }

    /** Bulk partial updates guarded by seq_no/primary_term; conflicts are re-read and re-masked. */
    private void write(Target t, List<Update> updates, Lookup lookup, DocumentMasker masker, TargetRun run, WriteAhead writeAhead) {
        announce(t, updates, writeAhead);
        List<Update> todo = updates;
        int attempt = 0;
        Runnable hook = beforeBulk;
        if (hook != null) {
            hook.run();
        }
        while (!todo.isEmpty()) {
            List<BulkOperation> ops = new ArrayList<>(todo.size());
            for (Update u : todo) {
                ops.add(BulkOperation.of(b -> b.update(up -> up.index(u.index()).id(u.id()).ifSeqNo(u.seqNo()).ifPrimaryTerm(u.primaryTerm())
                        .action(a -> a.doc(u.outcome().partial())))));
            }
            BulkResponse response = call("bulk", () -> client.bulk(b -> b.operations(ops)));
            List<Update> conflicts = new ArrayList<>();
            for (int i = 0; i < response.items().size(); i++) {
                BulkResponseItem item = response.items().get(i);
                Update u = todo.get(i);
                ErrorCause error = item.error();
                if (error == null) {
                    run.written.add(u.index());
                    u.outcome().masked().forEach(run::count);
                    continue;
                }
                switch (item.status()) {
                    case 409 -> conflicts.add(u);
                    case 404 -> log.debug("a matched document was deleted before its update (index {})", u.index());
                    case 403 -> {
                        run.blockedHit.add(u.index());
                        run.blockedDocs++;
                    }
                    case 429, 502, 503, 504 -> throw new StoreUnavailableException("Elasticsearch bulk update rejected (HTTP "
                            + item.status() + ", " + error.type() + ")");
                    default -> throw new StoreException("ES_BULK_" + code(error.type()),
                            "Elasticsearch bulk update failed (HTTP " + item.status() + ", " + error.type() + ") in " + u.index());
                }
            }
            if (conflicts.isEmpty()) {
                return;
            }
            run.conflicts += conflicts.size();
            if (++attempt > settings.conflictRetries()) {
                throw new StoreUnavailableException(conflicts.size() + " document(s) in " + t.index()
                        + " kept changing under the erasure (version conflicts after " + settings.conflictRetries() + " re-reads)");
            }
            todo = reread(t, conflicts, lookup, masker);
        }
    }

    /** Realtime mget of the conflicted documents, masked again from their current source. */
    private List<Update> reread(Target t, List<Update> conflicts, Lookup lookup, DocumentMasker masker) {
        List<MultiGetOperation> docs = conflicts.stream()
                .map(u -> MultiGetOperation.of(m -> m.index(u.index()).id(u.id()))).toList();
        MgetResponse<ObjectNode> response = call("mget", () -> client.mget(m -> m.docs(docs).realtime(true)
                .sourceIncludes(t.sourceKeys()), ObjectNode.class));
        List<Update> again = new ArrayList<>();
        for (MultiGetResponseItem<ObjectNode> item : response.docs()) {
            if (item.isFailure()) {
                throw new StoreUnavailableException("Elasticsearch re-read failed (" + item.failure().error().type() + ")");
            }
            GetResult<ObjectNode> doc = item.result();
            if (!doc.found() || doc.source() == null) {
                continue;
            }
            Outcome o = masker.apply(doc.source(), lookup);
            if (o.changed()) {
                again.add(new Update(doc.index(), doc.id(), doc.seqNo(), doc.primaryTerm(), o));
            }
        }
        return again;
    }

    private void closePit(String pit) {
        try {
            client.closePointInTime(c -> c.id(pit));
        } catch (IOException | RuntimeException e) {
            log.debug("closing a point in time failed ({}); it expires by itself", e.getClass().getSimpleName());
        }
    }

    /** {@code bool.should} of one {@code terms} per configured field with the batch's values of that field's kind. */
    private static Query batchQuery(Target t, Lookup lookup) {
        List<Query> should = new ArrayList<>();
        for (Map.Entry<Kind, List<String>> e : t.fieldsByKind().entrySet()) {
            List<FieldValue> values = lookup.values(e.getKey()).stream().map(FieldValue::of).toList();
            if (values.isEmpty()) {
                continue;
            }
            for (String field : e.getValue()) {
                should.add(Query.of(q -> q.terms(tq -> tq.field(field).terms(tv -> tv.value(values)))));
            }
        }
        if (should.isEmpty()) {
            return null;
        }
        return Query.of(q -> q.bool(b -> b.filter(f -> f.bool(BoolQuery.of(s -> s.should(should).minimumShouldMatch("1"))))));
    }

    // ---------------------------------------------------------------- verify

    @Override
    public Map<UUID, List<TargetResidual>> verify(ErasureBatch batch) {
        Map<UUID, List<TargetResidual>> out = new LinkedHashMap<>();
        batch.items().forEach(i -> out.put(i.requestId(), new ArrayList<>()));
        for (Target t : mapping.targets()) {
            IndexView view = inspect(t.index());
            List<ErasureItem> items = batch.items();
            if (!view.searchable()) {
                items.forEach(i -> out.get(i.requestId()).add(new TargetResidual(t.index(), 0)));
                continue;
            }
            String expression = view.searchExpression(t.index());
            for (int from = 0; from < items.size(); from += VERIFY_CHUNK) {
                List<ErasureItem> chunk = items.subList(from, Math.min(items.size(), from + VERIFY_CHUNK));
                // One search: the union of the requests' residual queries as the query (usually matching
                // nothing after an erasure, so it costs next to nothing), one keyed filter per request counting
                // its documents.
                Map<String, Query> filters = new LinkedHashMap<>();
                List<Query> union = new ArrayList<>();
                for (ErasureItem item : chunk) {
                    Query q = residualQuery(t, item);
                    filters.put(item.requestId().toString(), q);
                    union.add(q);
                }
                SearchResponse<Void> response = call("verify search", () -> client.search(s -> s
                        .index(expression).ignoreUnavailable(true).allowNoIndices(true).expandWildcards(ExpandWildcard.Open)
                        .size(0).trackTotalHits(th -> th.enabled(true))
                        .query(q -> q.bool(b -> b.should(union).minimumShouldMatch("1")))
                        .aggregations("residual", a -> a.filters(fa -> fa.filters(fb -> fb.keyed(filters)))), Void.class));
                if (response.shards() != null && response.shards().failed().intValue() > 0) {
                    throw new StoreUnavailableException("Elasticsearch verification searched only part of the shards ("
                            + response.shards().failed() + " failed)");
                }
                var buckets = response.aggregations().get("residual").filters().buckets().keyed();
                for (ErasureItem item : chunk) {
                    var bucket = buckets.get(item.requestId().toString());
                    if (bucket == null) {
                        throw new StoreException("ES_VERIFY_INCOMPLETE", "Elasticsearch verification returned no count for a request");
                    }
                    out.get(item.requestId()).add(new TargetResidual(t.index(), bucket.docCount()));
                }
            }
        }
        return out;
    }

    /** Independent of the erase path: documents holding any of this request's identifiers in any configured field. */
    private Query residualQuery(Target t, ErasureItem item) {
        List<Query> should = new ArrayList<>();
        for (Map.Entry<Kind, List<String>> e : t.fieldsByKind().entrySet()) {
            Set<String> values = new LinkedHashSet<>(Lookup.values(item, e.getKey(), settings.contributorIdAsWorkerId()));
            values.remove(settings.maskValue());
            if (values.isEmpty()) {
                continue;
            }
            List<FieldValue> fv = values.stream().map(FieldValue::of).toList();
            for (String field : e.getValue()) {
                should.add(Query.of(q -> q.terms(tq -> tq.field(field).terms(tv -> tv.value(fv)))));
            }
        }
        if (should.isEmpty()) {
            return Query.of(q -> q.matchNone(m -> m));
        }
        return Query.of(q -> q.bool(b -> b.should(should).minimumShouldMatch("1")));
    }

    // ---------------------------------------------------------------- index state

    /** The indices behind a pattern and what they allow. */
    static final class IndexView {
        final Set<String> open = new TreeSet<>();
        final Set<String> closed = new TreeSet<>();
        final Set<String> readBlocked = new TreeSet<>();
        final Set<String> writeBlocked = new TreeSet<>();
        boolean aliasesOrStreams;

        boolean searchable() {
            return aliasesOrStreams || open.stream().anyMatch(i -> !readBlocked.contains(i));
        }

        /** The pattern minus read-blocked indices (closed ones are left out by expand_wildcards=open). */
        String searchExpression(String pattern) {
            StringBuilder sb = new StringBuilder(pattern);
            readBlocked.forEach(i -> sb.append(",-").append(i));
            return sb.toString();
        }
    }

    IndexView inspect(String pattern) {
        IndexView v = new IndexView();
        ResolveIndexResponse resolved = call("resolve index", () -> client.indices().resolveIndex(r -> r.name(pattern)
                .expandWildcards(ExpandWildcard.Open, ExpandWildcard.Closed).ignoreUnavailable(true).allowNoIndices(true)));
        for (ResolveIndexItem i : resolved.indices()) {
            if (i.attributes().contains("closed")) {
                v.closed.add(i.name());
            } else {
                v.open.add(i.name());
            }
        }
        v.aliasesOrStreams = !resolved.aliases().isEmpty() || !resolved.dataStreams().isEmpty();
        if (v.open.isEmpty()) {
            return v;
        }
        Map<String, IndexState> settingsByIndex = call("get settings", () -> client.indices().getSettings(g -> g.index(pattern)
                .name("index.blocks.*").expandWildcards(ExpandWildcard.Open).ignoreUnavailable(true).allowNoIndices(true))).settings();
        for (Map.Entry<String, IndexState> e : settingsByIndex.entrySet()) {
            IndexSettings s = e.getValue().settings();
            IndexSettingBlocks blocks = s == null ? null : s.blocks() != null ? s.blocks() : s.index() == null ? null : s.index().blocks();
            if (blocks == null) {
                continue;
            }
            if (Boolean.TRUE.equals(blocks.read())) {
                v.readBlocked.add(e.getKey());
            }
            if (Boolean.TRUE.equals(blocks.write()) || Boolean.TRUE.equals(blocks.readOnly()) || Boolean.TRUE.equals(blocks.readOnlyAllowDelete())) {
                v.writeBlocked.add(e.getKey());
            }
        }
        return v;
    }

    // ---------------------------------------------------------------- plumbing

    @Override
    public void checkReachable() {
        call("ping", client::info);
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (IOException | RuntimeException e) {
            log.debug("closing the Elasticsearch client failed: {}", e.getClass().getSimpleName());
        }
    }

    private static List<List<String>> chunks(Set<String> names) {
        List<String> l = new ArrayList<>(names);
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i < l.size(); i += NAMES_PER_CALL) {
            out.add(l.subList(i, Math.min(l.size(), i + NAMES_PER_CALL)));
        }
        return out;
    }

    @FunctionalInterface
    interface EsCall<T> {
        T run() throws IOException;
    }

    /**
     * Runs one Elasticsearch call, translating errors without their server text (it can quote values):
     * I/O trouble, 429 and 5xx → {@link StoreUnavailableException}; other server errors → {@link StoreException}.
     */
    static <T> T call(String operation, EsCall<T> call) {
        try {
            return call.run();
        } catch (ElasticsearchException e) {
            String type = e.error() == null ? "unknown" : e.error().type();
            int status = e.status();
            if (status == 429 || status >= 500 || "search_context_missing_exception".equals(type)
                    || "no_shard_available_action_exception".equals(type) || "cluster_block_exception".equals(type) && status == 503) {
                throw new StoreUnavailableException("Elasticsearch " + operation + " failed transiently (HTTP " + status + ", " + type + ")");
            }
            throw new StoreException("ES_" + code(type), "Elasticsearch " + operation + " failed (HTTP " + status + ", " + type + ")");
        } catch (IOException e) {
            throw new StoreUnavailableException("Elasticsearch " + operation + " failed: " + e.getClass().getSimpleName());
        }
    }

    private static String code(String type) {
        String c = type == null ? "ERROR" : type.replaceAll("[^A-Za-z0-9_]", "_");
        return c.length() > 50 ? c.substring(0, 50) : c;
    }
}

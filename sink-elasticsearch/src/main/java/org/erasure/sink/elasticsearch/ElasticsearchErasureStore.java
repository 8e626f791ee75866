package org.erasure.sink.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.ErrorCause;
import co.elastic.clients.elasticsearch._types.ExpandWildcard;
import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.Refresh;
import co.elastic.clients.elasticsearch._types.SortOrder;
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
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.ToIntFunction;
import org.erasure.events.Phase;
import org.erasure.events.TargetResult;
import org.erasure.sink.elasticsearch.DocumentMasker.Lookup;
import org.erasure.sink.elasticsearch.DocumentMasker.Outcome;
import org.erasure.sink.elasticsearch.EsMapping.Target;
import org.erasure.sink.elasticsearch.IdentifierQueries.EmailMode;
import org.erasure.sink.runtime.spi.BeforeImage;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.ErasureStore;
import org.erasure.sink.runtime.spi.RequestResult;
import org.erasure.sink.runtime.spi.RestorationLog;
import org.erasure.sink.runtime.spi.StoreException;
import org.erasure.sink.runtime.spi.StoreUnavailableException;
import org.erasure.sink.runtime.spi.TargetResidual;
import org.erasure.sink.runtime.spi.WriteAhead;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Elasticsearch erasure, per target (index pattern) and batch:
 * <ol>
 *   <li>inspect the pattern: open, closed, read-blocked and write-blocked indices, regexp length limit, email mode;
 *       a clean view is cached for {@code metadata-cache} (later batches re-read only the blocks, alongside the
 *       first search, and search it strictly so that an index closed or blocked since is noticed);</li>
 *   <li>one query for the batch (EXECUTE and DRY_RUN): worker ids as {@code terms}, emails in any case and
 *       surrounding whitespace ({@link IdentifierQueries}), scanned with a point in time + {@code search_after}
 *       (sort {@code _shard_doc}, {@code seq_no_primary_term});</li>
 *   <li>per hit, {@link DocumentMasker} rewrites only the matching group elements in memory (emails compared
 *       normalised);</li>
 *   <li>bulk partial {@code update}s of the changed top-level fields with
 *       {@code if_seq_no} / {@code if_primary_term}, each announced ({@link WriteAhead}) before it is sent, up to
 *       {@code bulk-concurrency} in flight while the scan goes on; a 409 re-reads the document (mget, realtime)
 *       and re-applies the masking, at most {@code conflict-retries} times;</li>
 *   <li>refresh: {@code refresh=true} on the scan's last bulk, a refresh call only for indices written by earlier
 *       bulks; optionally {@code _forcemerge?only_expunge_deletes}.</li>
 * </ol>
 * No painless, no {@code _update_by_query}. Verify re-reads with its own queries, built from the requests.
 */
public final class ElasticsearchErasureStore implements ErasureStore {
    private static final Logger log = LoggerFactory.getLogger(ElasticsearchErasureStore.class);
    private static final int NAMES_PER_CALL = 20;
    private static final int VERIFY_CHUNK = 500;
    /** Up to this many requests per slice, per-email verification skips the union count (one keyed search answers). */
    private static final int DIRECT_ATTRIBUTION = 16;
    private static final int NOTE_NAMES = 3;
    private static final String MAX_REGEX_LENGTH = "index.max_regex_length";
    /** Elasticsearch's default {@code index.max_regex_length}, used when an index does not say. */
    static final int DEFAULT_MAX_REGEX_LENGTH = 1000;

    enum ClosedPolicy { FAIL, SKIP }

    /**
     * @param nonNormalisedLimit up to this many documents holding a non-normalised email, a batch's scan
     *                           includes them all and compares in memory; above it, per-email regexp patterns
     */
    record Settings(String maskValue, boolean contributorIdAsWorkerId, int pageSize, int bulkSize, int bulkConcurrency,
                    int conflictRetries, Duration pitKeepAlive, boolean refresh, ClosedPolicy closedPolicy, int nonNormalisedLimit,
                    Duration metadataCache) {}

    /** A target's clean index view and email mode, reused by later batches until {@code expiresAt} (nanoTime). */
    private record Inspected(IndexView view, EmailMode mode, long expiresAt) {}

    private final ElasticsearchClient client;
    private final EsMapping mapping;
    private final Settings settings;
    private final List<String> targets;
    private final MeterRegistry meters;
    /** Sends bulks while the scan goes on reading and masking the next page. */
    private final ExecutorService bulkSender;
    /**
     * Per target pattern: what {@link #inspect} and the non-normalised count said, while it stays true (see
     * {@link #cached}). Only the runtime's single batch thread touches it (erase and verify of one lane).
     */
    private final Map<String, Inspected> inspected = new HashMap<>();
    /** Serialises {@link RestorationLog#keep} calls of the scanning thread and the bulk threads. */
    private final Object keepLock = new Object();
    /** Tests only: runs before each first bulk attempt (e.g. to change a document under the erasure). */
    volatile Runnable beforeBulk;

    ElasticsearchErasureStore(ElasticsearchClient client, EsMapping mapping, Settings settings, MeterRegistry meters) {
        this.client = client;
        this.mapping = mapping;
        this.settings = settings;
        this.meters = meters == null ? new SimpleMeterRegistry() : meters;
        this.targets = mapping.targets().stream().map(Target::index).toList();
        this.bulkSender = Executors.newCachedThreadPool(Thread.ofPlatform().name("es-bulk-", 0).daemon(true).factory());
    }

    /** Tests: the store's meters (request timers, email mode counts). */
    MeterRegistry meters() {
        return meters;
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
        final Set<String> unrefreshed = new TreeSet<>();    // written by a bulk sent without refresh
        boolean announced;                                   // a bulk was announced (then the target is never re-run)
        final Set<String> blockedHit = new TreeSet<>();     // write-blocked indices holding matches
        long blockedDocs;
        long conflicts;
        boolean expunged;
        long retainedDeleted = -1;                           // deleted docs still in segments after expunge (-1 = not asked)

        void count(ErasureItem item) {
            counts.computeIfAbsent(item.requestId(), k -> new long[1])[0]++;
        }

        void add(BulkResult r) {
            written.addAll(r.written);
            if (!r.refreshed) {
                unrefreshed.addAll(r.written);
            }
            r.masked.forEach((id, n) -> counts.computeIfAbsent(id, k -> new long[1])[0] += n[0]);
            blockedHit.addAll(r.blocked);
            blockedDocs += r.blockedDocs;
            conflicts += r.conflicts;
        }
    }

    /** What one bulk (with its conflict re-reads) did; merged into the {@link TargetRun} on the scanning thread. */
    private static final class BulkResult {
        final Set<String> written = new TreeSet<>();
        boolean refreshed;
        final Map<UUID, long[]> masked = new HashMap<>();
        final Set<String> blocked = new TreeSet<>();
        long blockedDocs;
        long conflicts;
    }

    /**
     * At most {@code bulk-concurrency} bulks in flight while the scan continues; each is announced (write-ahead)
     * on the scanning thread before it is sent. {@link #drain} waits for all of them, also when the scan fails,
     * so no write of a failed attempt is still running when the runtime retries the batch.
     */
    private final class Bulks {
        private final ArrayDeque<Future<BulkResult>> inFlight = new ArrayDeque<>();
        private final TargetRun run;

        Bulks(TargetRun run) {
            this.run = run;
        }

        /** @param last the scan's last bulk: sent with {@code refresh=true} (when refreshing), saving a refresh call */
        void send(Target t, List<Update> updates, Lookup lookup, DocumentMasker masker, WriteAhead writeAhead, boolean last) {
            run.announced = true;
            keep(t, updates, writeAhead.restoration()); // the undo window's before-images, before the announcement
            announce(t, updates, writeAhead);
            Runnable hook = beforeBulk;
            if (hook != null) {
                hook.run();
            }
            while (inFlight.size() >= settings.bulkConcurrency()) {
                run.add(await(inFlight.removeFirst()));
            }
            boolean refresh = last && settings.refresh();
            RestorationLog restoration = writeAhead.restoration();
            inFlight.add(bulkSender.submit(() -> write(t, updates, lookup, masker, refresh, restoration)));
        }

        /** Waits for every bulk in flight; the first failure is thrown after all have ended. */
        void drain() {
            RuntimeException failure = null;
            while (!inFlight.isEmpty()) {
                try {
                    run.add(await(inFlight.removeFirst()));
                } catch (RuntimeException e) {
                    failure = failure == null ? e : failure;
                }
            }
            if (failure != null) {
                throw failure;
            }
        }

        private BulkResult await(Future<BulkResult> f) {
            return awaitFuture(f, "bulk");
        }
    }

    /** Waits for a call running on {@link #bulkSender}, also when interrupted (the call must not outlive the attempt). */
    private static <T> T awaitFuture(Future<T> f, String operation) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    interrupted = true; // finish waiting: the call must not outlive the attempt
                }
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new StoreUnavailableException("Elasticsearch " + operation + " failed: " + e.getCause().getClass().getSimpleName());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public Map<UUID, RequestResult> erase(ErasureBatch batch, WriteAhead writeAhead) {
        List<TargetRun> runs = new ArrayList<>();
        for (Target t : mapping.targets()) {
            runs.add(eraseTarget(t, batch.items(), writeAhead));
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

    private TargetRun eraseTarget(Target t, List<ErasureItem> items, WriteAhead writeAhead) {
        Inspected hit = cached(t);
        if (hit != null) {
            TargetRun run = new TargetRun();
            // Blocks change more often than the index set (ILM read-only, flood-stage watermark): read them for
            // every batch that writes, alongside the first search rather than before it.
            IndexView view = hit.view().strict();
            if (!view.open.isEmpty()) {
                view.pendingBlocks = bulkSender.submit(() -> {
                    IndexView now = new IndexView();
                    readSettings(t.index(), now);
                    return now;
                });
            }
            try {
                eraseTarget(t, items, writeAhead, run, view, hit.mode());
                view.awaitBlocks(); // also when nothing was searched: no call outlives the batch
                if (!view.clean() || !run.blockedHit.isEmpty()) {
                    inspected.remove(t.index()); // blocked since: inspect afresh next time
                }
                return run;
            } catch (StoreException e) {
                view.discardBlocks();
                inspected.remove(t.index());
                if (run.announced) {
                    throw e;
                }
                // Nothing written yet: the index set changed under the cached view (closed, blocked, ...). Look again.
                log.debug("Elasticsearch target {}: cached index view refused ({}), inspecting again", t.index(), e.code());
            } catch (RuntimeException e) {
                view.discardBlocks();
                inspected.remove(t.index());
                throw e;
            }
            Inspected fresh = inspectNow(t);
            TargetRun run2 = new TargetRun();
            eraseTarget(t, items, writeAhead, run2, fresh.view(), fresh.mode());
            return run2;
        }
        Inspected now = inspectAndRemember(t);
        TargetRun run = new TargetRun();
        eraseTarget(t, items, writeAhead, run, now.view(), now.mode());
        return run;
    }

    /** The target's cached view and email mode, if caching is on and the entry has not expired. */
    private Inspected cached(Target t) {
        Inspected hit = inspected.get(t.index());
        if (hit != null && System.nanoTime() - hit.expiresAt() >= 0) {
            inspected.remove(t.index());
            return null;
        }
        return hit;
    }

    /** Inspects the target now: its index view, and its email mode when there is something to search. */
    private Inspected inspectNow(Target t) {
        IndexView view = inspect(t.index());
        return new Inspected(view, view.searchable() ? emailMode(t, view) : null, System.nanoTime() + settings.metadataCache().toNanos());
    }

    /**
     * Inspects the target now and caches the result for later batches when the view is clean: open indices, none
     * closed or blocked. Anything else (no index yet, closed or blocked indices) is inspected every batch, so notes,
     * skips and failures are always computed from the current state. The cached copy is {@link IndexView#strict}.
     */
    private Inspected inspectAndRemember(Target t) {
        Inspected now = inspectNow(t);
        if (!settings.metadataCache().isZero() && now.view().clean()) {
            inspected.put(t.index(), new Inspected(now.view().strict(), now.mode(), now.expiresAt()));
        }
        return now;
    }

    private void eraseTarget(Target t, List<ErasureItem> items, WriteAhead writeAhead, TargetRun run, IndexView view, EmailMode mode) {
        run.view = view;
        if (run.view.searchable()) {
            int maxRegex = run.view.maxRegexLength;
            // Each slice masks with its own requests only, so a document found by two slices counts once per owner.
            for (List<ErasureItem> slice : slices(items, sl -> IdentifierQueries.scan(t,
                    Lookup.of(sl, settings.contributorIdAsWorkerId(), settings.maskValue()), mode, settings.maskValue(), maxRegex).clauses())) {
                Lookup lookup = Lookup.of(slice, settings.contributorIdAsWorkerId(), settings.maskValue());
                IdentifierQueries.Built built = IdentifierQueries.scan(t, lookup, mode, settings.maskValue(), maxRegex);
                if (built.query() != null) {
                    scan(t, built.query(), lookup, run, writeAhead);
                }
            }
        }
        finish(t, run);
    }

    /**
     * How this batch finds emails in this target: exact terms plus every document holding a non-normalised
     * email while there are at most {@code non-normalised-limit} of those (counted here, early-terminated),
     * else per-email patterns.
     */
    private EmailMode emailMode(Target t, IndexView view) {
        Query dirty = IdentifierQueries.nonNormalised(t, settings.maskValue());
        if (dirty == null) {
            return EmailMode.EXACT_AND_NON_NORMALISED;
        }
        int limit = settings.nonNormalisedLimit();
        String expression = view.searchExpression(t.index());
        SearchResponse<Void> r = es("count non-normalised", () -> client.search(s -> s
                .index(expression).ignoreUnavailable(view.ignoreUnavailable()).allowNoIndices(true).expandWildcards(view.expand())
                .size(0).trackTotalHits(th -> th.count(limit + 1)).query(dirty), Void.class));
        long n = r.hits().total() == null ? 0 : r.hits().total().value();
        EmailMode mode = n <= limit ? EmailMode.EXACT_AND_NON_NORMALISED : EmailMode.PATTERNS;
        meters.counter("erasure.sink.es.email.mode", "mode", mode.name().toLowerCase(java.util.Locale.ROOT)).increment();
        return mode;
    }

    /**
     * Read the query's documents, mask in memory, bulk-update what changed. A first plain search answers
     * when one page holds every hit (a single request's documents: two calls fewer than a point in time);
     * otherwise the scan starts over in a point in time, paged with {@code search_after}.
     */
    private void scan(Target t, Query should, Lookup lookup, TargetRun run, WriteAhead writeAhead) {
        Query query = Query.of(q -> q.bool(b -> b.filter(should)));
        DocumentMasker masker = new DocumentMasker(t.groups(), settings.maskValue());
        String expression = run.view.searchExpression(t.index());
        SearchResponse<ObjectNode> first = es("search", () -> client.search(s -> s.index(expression).ignoreUnavailable(run.view.ignoreUnavailable())
                .allowNoIndices(true).expandWildcards(run.view.expand()).query(query).size(settings.pageSize())
                .seqNoPrimaryTerm(true).trackTotalHits(h -> h.enabled(false)).source(sc -> sc.filter(f -> f.includes(t.sourceKeys()))),
                ObjectNode.class));
        if (first.hits().hits().size() < settings.pageSize()) {
            Bulks bulks = new Bulks(run);
            boolean scanned = false;
            try {
                List<Update> pending = maskPage(t, first.hits().hits(), masker, lookup, run, bulks, new ArrayList<>(), writeAhead);
                if (!pending.isEmpty()) {
                    bulks.send(t, pending, lookup, masker, writeAhead, true);
                }
                scanned = true;
            } finally {
                drain(bulks, scanned);
            }
            return;
        }
        String keepAlive = settings.pitKeepAlive().toSeconds() + "s";
        String pit = es("open point in time", () -> client.openPointInTime(o -> o.index(expression).keepAlive(k -> k.time(keepAlive))
                .ignoreUnavailable(run.view.ignoreUnavailable()).expandWildcards(run.view.expand()))).id();
        Bulks bulks = new Bulks(run);
        boolean scanned = false;
        try {
            List<FieldValue> after = null;
            List<Update> pending = new ArrayList<>();
            while (true) {
                String pitId = pit;
                List<FieldValue> searchAfter = after;
                SearchResponse<ObjectNode> page = es("search", () -> client.search(s -> {
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
                pending = maskPage(t, hits, masker, lookup, run, bulks, pending, writeAhead);
                if (hits.size() < settings.pageSize()) {
                    break;
                }
                after = hits.getLast().sort();
            }
            if (!pending.isEmpty()) {
                bulks.send(t, pending, lookup, masker, writeAhead, true);
            }
            scanned = true;
        } finally {
            try {
                drain(bulks, scanned);
            } finally {
                closePit(pit);
            }
        }
    }

    /** Wait for the bulks in flight; after a failed scan, their own failure must not hide the scan's. */
    private static void drain(Bulks bulks, boolean scanned) {
        if (scanned) {
            bulks.drain();
            return;
        }
        try {
            bulks.drain();
        } catch (RuntimeException suppressed) {
            log.debug("a bulk also failed after the scan failed: {}", suppressed.getClass().getSimpleName());
        }
    }

    /** Mask one page's hits in memory; sends a bulk whenever {@code bulk-size} updates are pending, returns the rest. */
    private List<Update> maskPage(Target t, List<Hit<ObjectNode>> hits, DocumentMasker masker, Lookup lookup, TargetRun run,
                                  Bulks bulks, List<Update> pending, WriteAhead writeAhead) {
        run.view.awaitBlocks();
        long maskNanos = 0;
        for (Hit<ObjectNode> hit : hits) {
            if (hit.source() == null) {
                continue;
            }
            long maskStart = System.nanoTime();
            Outcome o = masker.apply(hit.source(), lookup, writeAhead.restoration().enabled());
            maskNanos += System.nanoTime() - maskStart;
            boolean blocked = run.view.writeBlocked.contains(hit.index());
            if (blocked && (o.changed() || !o.dryMatched().isEmpty())) {
                run.blockedHit.add(hit.index());
                run.blockedDocs++;
                continue; // neither masked nor counted as would-mask: EXECUTE cannot write there
            }
            o.dryMatched().forEach(run::count);
            if (o.changed()) {
                pending.add(new Update(hit.index(), hit.id(), hit.routing(), hit.seqNo(), hit.primaryTerm(), o));
                if (pending.size() >= settings.bulkSize()) {
                    bulks.send(t, pending, lookup, masker, writeAhead, false);
                    pending = new ArrayList<>();
                }
            }
        }
        meters.timer("erasure.sink.es.request", "operation", "mask in memory").record(Duration.ofNanos(maskNanos));
        return pending;
    }

    /** Refresh (and optionally expunge) the indices written to. */
    private void finish(Target t, TargetRun run) {
        if (!run.written.isEmpty()) {
            if (settings.refresh() && !run.unrefreshed.isEmpty()) {
                for (List<String> chunk : chunks(run.unrefreshed)) {
                    es("refresh", () -> client.indices().refresh(r -> r.index(chunk).ignoreUnavailable(true)));
                }
            }
            if (t.expungeDeletes()) {
                for (List<String> chunk : chunks(run.written)) {
                    es("forcemerge", () -> client.indices().forcemerge(f -> f.index(chunk).onlyExpungeDeletes(true)));
                }
                run.expunged = true;
                long retained = 0;
                for (List<String> chunk : chunks(run.written)) {
                    var stats = es("index stats", () -> client.indices().stats(st -> st.index(chunk).metric(co.elastic.clients.elasticsearch._types.CommonStatsFlag.Docs)));
                    var docs = stats.all() == null || stats.all().primaries() == null ? null : stats.all().primaries().docs();
                    retained += docs == null ? 0 : docs.deleted();
                }
                run.retainedDeleted = retained;
            }
        }
    }

    /** A masked document to write (its partial doc is in the outcome). */
    private record Update(String index, String id, String routing, Long seqNo, Long primaryTerm, Outcome outcome) {}

    /** The documents this bulk is about to mask, per request (one bulk = one announcement, before it is sent). */
    private void announce(Target t, List<Update> updates, WriteAhead writeAhead) {
        Map<UUID, long[]> perRequest = new HashMap<>();
        for (Update u : updates) {
            for (ErasureItem item : u.outcome().masked()) {
                perRequest.computeIfAbsent(item.requestId(), k -> new long[1])[0]++;
            }
        }
        Map<UUID, List<TargetResult>> planned = new HashMap<>();
        perRequest.forEach((id, n) -> planned.put(id, List.of(TargetResult.erased(t.index(), 0, n[0], 0))));
        if (!planned.isEmpty()) {
            meters.timer("erasure.sink.es.request", "operation", "write-ahead").record(() -> writeAhead.record(planned));
        }
    }

    /**
     * The undo window: what these updates are about to mask, kept before they are sent (and before they are
     * announced). Nothing when the restoration log is off. Serialised: bulk threads keep their conflict re-reads.
     */
    private void keep(Target t, List<Update> updates, RestorationLog restoration) {
        if (!restoration.enabled()) {
            return;
        }
        RestorationImages.Builder images = new RestorationImages.Builder(t.index(), settings.maskValue());
        for (Update u : updates) {
            images.add(u.index(), u.id(), u.routing(), u.primaryTerm(), u.seqNo(), u.outcome().before());
        }
        if (!images.isEmpty()) {
            synchronized (keepLock) {
                meters.timer("erasure.sink.es.request", "operation", "keep before-images").record(() -> restoration.keep(images.images()));
            }
        }
    }

    /** Bulk partial updates guarded by seq_no/primary_term; conflicts are re-read and re-masked. Runs on a bulk thread. */
    private BulkResult write(Target t, List<Update> updates, Lookup lookup, DocumentMasker masker, boolean refresh,
                             RestorationLog restoration) {
        BulkResult run = new BulkResult();
        run.refreshed = refresh;
        List<Update> todo = updates;
        int attempt = 0;
        while (!todo.isEmpty()) {
            List<BulkOperation> ops = new ArrayList<>(todo.size());
            for (Update u : todo) {
                ops.add(BulkOperation.of(b -> b.update(up -> up.index(u.index()).id(u.id()).routing(u.routing()).ifSeqNo(u.seqNo())
                        .ifPrimaryTerm(u.primaryTerm()).action(a -> a.doc(u.outcome().partial())))));
            }
            // refresh=true, not wait_for: the touched shards are refreshed now, in this round trip, instead of
            // waiting up to index.refresh_interval (1 s by default) for the next scheduled refresh.
            BulkResponse response = es("bulk", () -> client.bulk(b -> b.operations(ops).refresh(refresh ? Refresh.True : null)));
            List<Update> conflicts = new ArrayList<>();
            for (int i = 0; i < response.items().size(); i++) {
                BulkResponseItem item = response.items().get(i);
                Update u = todo.get(i);
                ErrorCause error = item.error();
                if (error == null) {
                    run.written.add(u.index());
                    u.outcome().masked().forEach(m -> run.masked.computeIfAbsent(m.requestId(), k -> new long[1])[0]++);
                    continue;
                }
                switch (item.status()) {
                    case 409 -> conflicts.add(u);
                    case 404 -> log.debug("a matched document was deleted before its update (index {})", u.index());
                    case 403 -> {
                        run.blocked.add(u.index());
                        run.blockedDocs++;
                    }
                    case 429, 502, 503, 504 -> throw new StoreUnavailableException("Elasticsearch bulk update rejected (HTTP "
                            + item.status() + ", " + error.type() + ")");
                    default -> throw new StoreException("ES_BULK_" + code(error.type()),
                            "Elasticsearch bulk update failed (HTTP " + item.status() + ", " + error.type() + ") in " + u.index());
                }
            }
            if (conflicts.isEmpty()) {
                return run;
            }
            run.conflicts += conflicts.size();
            if (++attempt > settings.conflictRetries()) {
                throw new StoreUnavailableException(conflicts.size() + " document(s) in " + t.index()
                        + " kept changing under the erasure (version conflicts after " + settings.conflictRetries() + " re-reads)");
            }
            todo = reread(t, conflicts, lookup, masker, restoration.enabled());
            keep(t, todo, restoration); // masked again from the current source: its own before-images
        }
        return run;
    }

    /** Realtime mget of the conflicted documents, masked again from their current source. */
    private List<Update> reread(Target t, List<Update> conflicts, Lookup lookup, DocumentMasker masker, boolean capture) {
        List<MultiGetOperation> docs = conflicts.stream()
                .map(u -> MultiGetOperation.of(m -> m.index(u.index()).id(u.id()).routing(u.routing()))).toList();
        MgetResponse<ObjectNode> response = es("mget", () -> client.mget(m -> m.docs(docs).realtime(true).sourceIncludes(t.sourceKeys()),
                ObjectNode.class));
        List<Update> again = new ArrayList<>();
        for (MultiGetResponseItem<ObjectNode> item : response.docs()) {
            if (item.isFailure()) {
                throw new StoreUnavailableException("Elasticsearch re-read failed (" + item.failure().error().type() + ")");
            }
            GetResult<ObjectNode> doc = item.result();
            if (!doc.found() || doc.source() == null) {
                continue;
            }
            Outcome o = masker.apply(doc.source(), lookup, capture);
            if (o.changed()) {
                again.add(new Update(doc.index(), doc.id(), doc.routing(), doc.seqNo(), doc.primaryTerm(), o));
            }
        }
        return again;
    }

    private void closePit(String pit) {
        try {
            es("close point in time", () -> client.closePointInTime(c -> c.id(pit)));
        } catch (RuntimeException e) {
            log.debug("closing a point in time failed ({}); it expires by itself", e.getClass().getSimpleName());
        }
    }

    // ---------------------------------------------------------------- restore (the undo window)

    /**
     * Puts back what {@link #erase} masked for the request, from its before-images (see {@link RestorationImages}):
     * per target, one realtime mget per {@code bulk-size} documents, the elements put back in memory where they
     * still hold the mask, and one bulk of partial updates guarded by seq_no/primary_term (a conflict is re-read
     * and re-applied, at most {@code conflict-retries} times). Counts documents in which anything was put back.
     */
    @Override
    public Map<String, Long> restore(UUID requestId, List<BeforeImage> images, RestorationLog restorationLog) {
        Map<String, List<BeforeImage>> byTarget = new LinkedHashMap<>();
        for (BeforeImage image : images) {
            if (image.requestId().equals(requestId)) {
                byTarget.computeIfAbsent(image.target(), k -> new ArrayList<>()).add(image);
            }
        }
        Map<String, Long> restored = new LinkedHashMap<>();
        // The images name their indices: a target no longer configured is restored all the same.
        byTarget.forEach((target, kept) -> {
            List<RestorationImages.Doc> docs = RestorationImages.docs(kept);
            long n = 0;
            for (int from = 0; from < docs.size(); from += settings.bulkSize()) {
                n += restoreDocs(target, docs.subList(from, Math.min(docs.size(), from + settings.bulkSize())));
            }
            restored.put(target, n);
        });
        log.info("restore of request {}: {} document(s) restored per target", requestId, restored);
        return restored;
    }

    private long restoreDocs(String target, List<RestorationImages.Doc> docs) {
        long restored = 0;
        List<RestorationImages.Doc> todo = docs;
        for (int attempt = 0; !todo.isEmpty(); attempt++) {
            if (attempt > settings.conflictRetries()) {
                throw new StoreUnavailableException(todo.size() + " document(s) in " + target
                        + " kept changing under the restore (version conflicts after " + settings.conflictRetries() + " re-reads)");
            }
            List<String> keys = todo.stream().flatMap(d -> d.topLevelKeys().stream()).distinct().toList();
            List<MultiGetOperation> gets = todo.stream()
                    .map(d -> MultiGetOperation.of(m -> m.index(d.index()).id(d.id()).routing(d.routing()))).toList();
            MgetResponse<ObjectNode> current = es("restore mget", () -> client.mget(m -> m.docs(gets).realtime(true).sourceIncludes(keys),
                    ObjectNode.class));
            List<BulkOperation> ops = new ArrayList<>();
            List<RestorationImages.Doc> sent = new ArrayList<>();
            for (int i = 0; i < todo.size(); i++) {
                MultiGetResponseItem<ObjectNode> item = current.docs().get(i);
                if (item.isFailure()) {
                    throw new StoreUnavailableException("Elasticsearch restore read failed (" + item.failure().error().type() + ")");
                }
                GetResult<ObjectNode> doc = item.result();
                if (!doc.found() || doc.source() == null) {
                    continue; // deleted since: nothing to put back into
                }
                ObjectNode partial = RestorationImages.restore(doc.source(), todo.get(i));
                if (partial != null) {
                    ops.add(BulkOperation.of(b -> b.update(up -> up.index(doc.index()).id(doc.id()).routing(doc.routing())
                            .ifSeqNo(doc.seqNo()).ifPrimaryTerm(doc.primaryTerm()).action(a -> a.doc(partial)))));
                    sent.add(todo.get(i));
                }
            }
            if (ops.isEmpty()) {
                break;
            }
            BulkResponse response = es("restore bulk", () -> client.bulk(b -> b.operations(ops).refresh(settings.refresh() ? Refresh.True : null)));
            List<RestorationImages.Doc> conflicts = new ArrayList<>();
            for (int i = 0; i < response.items().size(); i++) {
                BulkResponseItem item = response.items().get(i);
                ErrorCause error = item.error();
                if (error == null) {
                    restored++;
                    continue;
                }
                switch (item.status()) {
                    case 409 -> conflicts.add(sent.get(i));
                    case 404 -> log.debug("a document to restore was deleted before its update (index {})", sent.get(i).index());
                    case 429, 502, 503, 504 -> throw new StoreUnavailableException("Elasticsearch restore update rejected (HTTP "
                            + item.status() + ", " + error.type() + ")");
                    default -> throw new StoreException("ES_RESTORE_" + code(error.type()),
                            "Elasticsearch restore update failed (HTTP " + item.status() + ", " + error.type() + ") in " + sent.get(i).index());
                }
            }
            todo = conflicts;
        }
        return restored;
    }

    // ---------------------------------------------------------------- verify

    /**
     * Per target, with queries rebuilt from the requests (never the erase scan's query, slices or results),
     * in the same email mode rule as the scan but counted afresh: exact identifiers or any non-normalised
     * email (then attribution in memory by normalised comparison), or verification's own explicitly spelled
     * per-email patterns. Either way a document holding a request's email in any case or spacing is counted,
     * so a document the scan missed shows up as residual. The first search is a count; after a successful
     * erasure it is usually 0 and nothing else runs.
     */
    @Override
    public Map<UUID, List<TargetResidual>> verify(ErasureBatch batch) {
        Map<UUID, List<TargetResidual>> out = new LinkedHashMap<>();
        batch.items().forEach(i -> out.put(i.requestId(), new ArrayList<>()));
        for (Target t : mapping.targets()) {
            Map<UUID, Long> residual = verifyTarget(t, batch.items());
            batch.items().forEach(i -> out.get(i.requestId()).add(new TargetResidual(t.index(), residual.getOrDefault(i.requestId(), 0L))));
        }
        return out;
    }

    /** With the cached view and mode when there is one (a refused cached view: inspected again), else inspected now. */
    private Map<UUID, Long> verifyTarget(Target t, List<ErasureItem> items) {
        Inspected hit = cached(t);
        if (hit != null) {
            try {
                return verifyTarget(t, items, hit.view(), hit.mode());
            } catch (StoreException e) {
                inspected.remove(t.index()); // verification only reads: safe to run again on a fresh view
                log.debug("Elasticsearch target {}: cached index view refused ({}), inspecting again", t.index(), e.code());
            } catch (RuntimeException e) {
                inspected.remove(t.index());
                throw e;
            }
            Inspected fresh = inspectNow(t);
            return verifyTarget(t, items, fresh.view(), fresh.mode());
        }
        Inspected now = inspectAndRemember(t);
        return verifyTarget(t, items, now.view(), now.mode());
    }

    private Map<UUID, Long> verifyTarget(Target t, List<ErasureItem> items, IndexView view, EmailMode mode) {
        Map<UUID, Long> residual = new HashMap<>();
        if (view.searchable()) {
            if (mode == EmailMode.EXACT_AND_NON_NORMALISED) {
                verifyBySuperset(t, view, items, residual);
            } else {
                verifyByPatterns(t, view, items, residual);
            }
        }
        return residual;
    }

    /**
     * Read the superset (exact identifiers, or any non-normalised email) and attribute each document to the
     * requests whose identifiers it holds, comparing emails normalised. One plain search answers when a page
     * holds every hit (after a successful erasure: none, so this is the count too); otherwise the superset is
     * read again from the start in a point in time, paged with {@code search_after}.
     */
    private void verifyBySuperset(Target t, IndexView view, List<ErasureItem> items, Map<UUID, Long> residual) {
        Query superset = IdentifierQueries.verifySuperset(t, items, settings.contributorIdAsWorkerId(), settings.maskValue());
        if (superset == null) {
            return;
        }
        String expression = view.searchExpression(t.index());
        Lookup lookup = Lookup.of(items, settings.contributorIdAsWorkerId(), settings.maskValue());
        DocumentMasker reader = new DocumentMasker(t.groups(), settings.maskValue());
        SearchResponse<ObjectNode> first = es("verify search", () -> client.search(s -> s.index(expression)
                .ignoreUnavailable(view.ignoreUnavailable()).allowNoIndices(true).expandWildcards(view.expand()).query(superset)
                .size(settings.pageSize()).trackTotalHits(h -> h.enabled(false)).source(sc -> sc.filter(f -> f.includes(t.sourceKeys()))),
                ObjectNode.class));
        checkShards(first);
        if (first.hits().hits().size() < settings.pageSize()) {
            attribute(first.hits().hits(), reader, lookup, residual);
            return;
        }
        String keepAlive = settings.pitKeepAlive().toSeconds() + "s";
        String pit = es("open point in time", () -> client.openPointInTime(o -> o.index(expression).keepAlive(k -> k.time(keepAlive))
                .ignoreUnavailable(view.ignoreUnavailable()).expandWildcards(view.expand()))).id();
        try {
            List<FieldValue> after = null;
            while (true) {
                String pitId = pit;
                List<FieldValue> searchAfter = after;
                SearchResponse<ObjectNode> page = es("verify read", () -> client.search(s -> {
                    s.pit(p -> p.id(pitId).keepAlive(k -> k.time(keepAlive))).query(superset).size(settings.pageSize())
                            .trackTotalHits(h -> h.enabled(false)).sort(so -> so.field(f -> f.field("_shard_doc").order(SortOrder.Asc)))
                            .source(sc -> sc.filter(f -> f.includes(t.sourceKeys())));
                    if (searchAfter != null) {
                        s.searchAfter(searchAfter);
                    }
                    return s;
                }, ObjectNode.class));
                checkShards(page);
                if (page.pitId() != null) {
                    pit = page.pitId();
                }
                List<Hit<ObjectNode>> hits = page.hits().hits();
                attribute(hits, reader, lookup, residual);
                if (hits.size() < settings.pageSize()) {
                    break;
                }
                after = hits.getLast().sort();
            }
        } finally {
            closePit(pit);
        }
    }

    /** Each document counts once for every request whose identifiers it still holds. */
    private static void attribute(List<Hit<ObjectNode>> hits, DocumentMasker reader, Lookup lookup, Map<UUID, Long> residual) {
        for (Hit<ObjectNode> hit : hits) {
            if (hit.source() != null) {
                reader.holders(hit.source(), lookup).forEach(item -> residual.merge(item.requestId(), 1L, Long::sum));
            }
        }
    }

    /** Per-email patterns: count the union per slice; only if it finds something, a keyed count per request. */
    private void verifyByPatterns(Target t, IndexView view, List<ErasureItem> items, Map<UUID, Long> residual) {
        String expression = view.searchExpression(t.index());
        int maxRegex = view.maxRegexLength;
        List<List<ErasureItem>> slices = slices(items, sl -> IdentifierQueries.verifyUnion(t, sl,
                settings.contributorIdAsWorkerId(), settings.maskValue(), maxRegex).clauses());
        for (List<ErasureItem> slice : slices) {
            IdentifierQueries.Built union = IdentifierQueries.verifyUnion(t, slice, settings.contributorIdAsWorkerId(),
                    settings.maskValue(), maxRegex);
            if (union.query() == null) {
                continue;
            }
            // A few requests: the keyed search alone answers (its query is the union). Many: a count first, since
            // after a successful erasure it is 0 and the per-request filters need not run.
            if (slice.size() > DIRECT_ATTRIBUTION && count(view, expression, union.query()) == 0) {
                continue;
            }
            for (int from = 0; from < slice.size(); from += VERIFY_CHUNK) {
                attribute(t, view, expression, slice.subList(from, Math.min(slice.size(), from + VERIFY_CHUNK)), maxRegex, residual);
            }
        }
    }

    private long count(IndexView view, String expression, Query query) {
        SearchResponse<Void> response = es("verify count", () -> client.search(s -> s
                .index(expression).ignoreUnavailable(view.ignoreUnavailable()).allowNoIndices(true).expandWildcards(view.expand())
                .size(0).trackTotalHits(th -> th.enabled(true)).query(query), Void.class));
        checkShards(response);
        return response.hits().total() == null ? 0 : response.hits().total().value();
    }

    /** Documents per request: one keyed filter per request (the requests' own queries). */
    private void attribute(Target t, IndexView view, String expression, List<ErasureItem> chunk, int maxRegex, Map<UUID, Long> residual) {
        Map<String, Query> filters = new LinkedHashMap<>();
        for (ErasureItem item : chunk) {
            filters.put(item.requestId().toString(), IdentifierQueries.verifyOne(t, item, settings.contributorIdAsWorkerId(),
                    settings.maskValue(), maxRegex));
        }
        SearchResponse<Void> response = es("verify attribute", () -> client.search(s -> s
                .index(expression).ignoreUnavailable(view.ignoreUnavailable()).allowNoIndices(true).expandWildcards(view.expand())
                .size(0).query(q -> q.bool(b -> b.should(List.copyOf(filters.values())).minimumShouldMatch("1")))
                .aggregations("residual", a -> a.filters(fa -> fa.filters(fb -> fb.keyed(filters)))), Void.class));
        checkShards(response);
        var buckets = response.aggregations().get("residual").filters().buckets().keyed();
        for (ErasureItem item : chunk) {
            var bucket = buckets.get(item.requestId().toString());
            if (bucket == null) {
                throw new StoreException("ES_VERIFY_INCOMPLETE", "Elasticsearch verification returned no count for a request");
            }
            residual.merge(item.requestId(), bucket.docCount(), Long::sum);
        }
    }

    private static void checkShards(SearchResponse<?> response) {
        if (response.shards() != null && response.shards().failed().intValue() > 0) {
            throw new StoreUnavailableException("Elasticsearch verification searched only part of the shards ("
                    + response.shards().failed() + " failed)");
        }
    }

    /** Items split in halves until each part's query has at most {@link IdentifierQueries#MAX_CLAUSES} clauses. */
    static List<List<ErasureItem>> slices(List<ErasureItem> items, ToIntFunction<List<ErasureItem>> clauses) {
        for (int parts = 1; ; parts *= 2) {
            List<List<ErasureItem>> slices = new ArrayList<>();
            int size = Math.max(1, (items.size() + parts - 1) / parts);
            for (int i = 0; i < items.size(); i += size) {
                slices.add(items.subList(i, Math.min(items.size(), i + size)));
            }
            if (size == 1 || slices.stream().allMatch(sl -> clauses.applyAsInt(sl) <= IdentifierQueries.MAX_CLAUSES)) {
                return slices;
            }
        }
    }

    // ---------------------------------------------------------------- index state

    /** The indices behind a pattern and what they allow. */
    static final class IndexView {
        final Set<String> open = new TreeSet<>();
        final Set<String> closed = new TreeSet<>();
        final Set<String> readBlocked = new TreeSet<>();
        final Set<String> writeBlocked = new TreeSet<>();
        boolean aliasesOrStreams;
        /** The smallest {@code index.max_regex_length} of the open indices: bounds the email patterns. */
        int maxRegexLength = DEFAULT_MAX_REGEX_LENGTH;
        /**
         * A cached view: its searches expand to closed indices too and do not ignore unavailable ones, so an
         * index closed since the view was read fails the call ({@code index_closed_exception}) instead of being
         * skipped silently, as a new read block does ({@code cluster_block_exception}); the caller then inspects again.
         */
        boolean strict;

        /**
         * Something to search (open indices, or aliases / data streams, whose backing indices are not inspected, as
         * in a fresh view) and no closed, read- or write-blocked index: nothing in it needs a note, a skip or a failure.
         */
        boolean clean() {
            return searchable() && closed.isEmpty() && readBlocked.isEmpty() && writeBlocked.isEmpty();
        }

        /** Cached views: this batch's own read of the blocks, sent alongside the first search. */
        private Future<IndexView> pendingBlocks;

        /**
         * Takes this batch's blocks and regexp limit (a cached view's settings call, running since the batch
         * began); called before any hit is masked or announced, so write-blocked indices are left out as in a
         * fresh view. No-op for a fresh view.
         */
        void awaitBlocks() {
            Future<IndexView> f = pendingBlocks;
            if (f == null) {
                return;
            }
            pendingBlocks = null;
            IndexView now = awaitFuture(f, "get settings");
            readBlocked.addAll(now.readBlocked);
            writeBlocked.addAll(now.writeBlocked);
            maxRegexLength = Math.min(maxRegexLength, now.maxRegexLength);
        }

        /** After a failure: waits for the settings call still running, ignoring its outcome. */
        void discardBlocks() {
            try {
                awaitBlocks();
            } catch (RuntimeException ignored) {
                pendingBlocks = null; // the batch's own failure is the one that counts
            }
        }

        IndexView strict() {
            IndexView v = new IndexView();
            v.open.addAll(open);
            v.aliasesOrStreams = aliasesOrStreams;
            v.maxRegexLength = maxRegexLength;
            v.strict = true;
            return v;
        }

        List<ExpandWildcard> expand() {
            return strict ? List.of(ExpandWildcard.Open, ExpandWildcard.Closed) : List.of(ExpandWildcard.Open);
        }

        boolean ignoreUnavailable() {
            return !strict;
        }

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
        ResolveIndexResponse resolved = es("resolve index", () -> client.indices().resolveIndex(r -> r.name(pattern)
                .expandWildcards(ExpandWildcard.Open, ExpandWildcard.Closed).ignoreUnavailable(true).allowNoIndices(true)));
        for (ResolveIndexItem i : resolved.indices()) {
            if (i.attributes().contains("closed")) {
                v.closed.add(i.name());
            } else {
                v.open.add(i.name());
            }
        }
        v.aliasesOrStreams = !resolved.aliases().isEmpty() || !resolved.dataStreams().isEmpty();
        if (!v.open.isEmpty()) {
            readSettings(pattern, v);
        }
        return v;
    }

    /** Blocks and the regexp length limit of the pattern's open indices, into {@code v}. */
    private void readSettings(String pattern, IndexView v) {
        Map<String, IndexState> settingsByIndex = es("get settings", () -> client.indices().getSettings(g -> g.index(pattern)
                .name("index.blocks.*", MAX_REGEX_LENGTH).includeDefaults(true)
                .expandWildcards(ExpandWildcard.Open).ignoreUnavailable(true).allowNoIndices(true))).settings();
        for (Map.Entry<String, IndexState> e : settingsByIndex.entrySet()) {
            Integer maxRegex = maxRegexLength(e.getValue().settings());
            if (maxRegex == null) {
                maxRegex = maxRegexLength(e.getValue().defaults());
            }
            if (maxRegex != null) {
                v.maxRegexLength = Math.min(v.maxRegexLength, maxRegex);
            }
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
    }

    private static Integer maxRegexLength(IndexSettings s) {
        if (s == null) {
            return null;
        }
        if (s.maxRegexLength() != null) {
            return s.maxRegexLength();
        }
        return s.index() == null ? null : s.index().maxRegexLength();
    }

    // ---------------------------------------------------------------- plumbing

    @Override
    public void checkReachable() {
        es("ping", client::info);
    }

    @Override
    public void close() {
        bulkSender.shutdown();
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

    /** {@link #call} timed per operation ({@code erasure_sink_es_request_seconds{operation}}): where a batch's time goes. */
    private <T> T es(String operation, EsCall<T> call) {
        Timer.Sample sample = Timer.start(meters);
        try {
            return call(operation, call);
        } finally {
            sample.stop(meters.timer("erasure.sink.es.request", "operation", operation));
        }
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

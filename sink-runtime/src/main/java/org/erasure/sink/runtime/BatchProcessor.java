package org.erasure.sink.runtime;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.InvalidEventException;
import org.erasure.events.Mode;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.PhaseError;
import org.erasure.events.PhaseStatus;
import org.erasure.events.SinkInfo;
import org.erasure.events.TargetResult;
import org.erasure.events.Verification;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.restore.RestorationVault;
import org.erasure.sink.runtime.spi.BeforeImage;
import org.erasure.sink.runtime.spi.ErasureStore;
import org.erasure.sink.runtime.spi.RestorationLog;
import org.erasure.sink.runtime.spi.RequestResult;
import org.erasure.sink.runtime.spi.StoreException;
import org.erasure.sink.runtime.spi.StoreUnavailableException;
import org.erasure.sink.runtime.spi.TargetResidual;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The store-facing half of the runtime, without Kafka: plans batches, calls the store with retries,
 * isolates permanent failures by bisection, verifies, and turns the results into one
 * {@link PhaseCompleted} per request. Pure enough to unit-test with a fake store.
 */
public final class BatchProcessor {
    private static final Logger log = LoggerFactory.getLogger(BatchProcessor.class);

    private final ErasureStore store;
    private final SinkInfo sink;
    private final int maxBatch;
    private final Retry retry;
    private final SinkMetrics metrics;
    private final Clock clock;
    private final WriteAheadPublisher writeAhead;
    private final RequestOpener opener;
    private final RestorationVault vault; // null: the undo window is off

    public BatchProcessor(ErasureStore store, SinkSettings settings, SinkMetrics metrics, Clock clock, WriteAheadPublisher writeAhead) {
        this(store, settings, metrics, clock, writeAhead, RequestOpener.none());
    }

    public BatchProcessor(ErasureStore store, SinkSettings settings, SinkMetrics metrics, Clock clock, WriteAheadPublisher writeAhead,
                          RequestOpener opener) {
        this(store, settings.sinkInfo(), settings.maxBatch(), retryConfig(settings), metrics, clock, writeAhead, opener);
    }

    public BatchProcessor(ErasureStore store, SinkInfo sink, int maxBatch, RetryConfig retryConfig, SinkMetrics metrics, Clock clock,
                          WriteAheadPublisher writeAhead) {
        this(store, sink, maxBatch, retryConfig, metrics, clock, writeAhead, RequestOpener.none());
    }

    public BatchProcessor(ErasureStore store, SinkInfo sink, int maxBatch, RetryConfig retryConfig, SinkMetrics metrics, Clock clock,
                          WriteAheadPublisher writeAhead, RequestOpener opener) {
        this(store, sink, maxBatch, retryConfig, metrics, clock, writeAhead, opener, null);
    }

    /** @param vault the undo window's store of before-images, or null when it is off (nothing kept, a restore fails) */
    public BatchProcessor(ErasureStore store, SinkInfo sink, int maxBatch, RetryConfig retryConfig, SinkMetrics metrics, Clock clock,
                          WriteAheadPublisher writeAhead, RequestOpener opener, RestorationVault vault) {
        this.opener = opener;
        this.vault = vault;
        this.store = store;
        this.sink = sink;
        this.maxBatch = maxBatch;
        this.metrics = metrics;
        this.clock = clock;
        this.writeAhead = writeAhead;
        this.retry = Retry.of(sink.name() + "-store", retryConfig);
        this.retry.getEventPublisher().onRetry(e -> {
            metrics.retry();
            log.warn("store call failed transiently, retry {} in {} ms: {}", e.getNumberOfRetryAttempts(),
                    e.getWaitInterval().toMillis(), safe(e.getLastThrowable()));
        });
    }

    static RetryConfig retryConfig(SinkSettings s) {
        return RetryConfig.custom()
                .maxAttempts(s.retryMaxAttempts())
                .intervalFunction(IntervalFunction.ofExponentialBackoff(s.retryInitialBackoff(), s.retryMultiplier(), s.retryMaxBackoff()))
                .retryExceptions(StoreUnavailableException.class)
                .build();
    }

    /**
     * Processes the requests of one poll (already filtered to this phase).
     *
     * @return one PhaseCompleted per request, in request order (requests refused before the store, such as
     *         a shredded key, first)
     * @throws StoreUnavailableException when the store (or the key store) stays down through the retries:
     *         nothing is reported, the caller pauses and re-runs the whole poll later (the store is idempotent)
     */
    public List<PhaseCompleted> process(List<ContributorErasureRequested> requests) {
        RequestOpener.Result opened = opener.open(requests);
        List<PhaseCompleted> out = new ArrayList<>(requests.size());
        for (RequestOpener.Refusal refusal : opened.refused()) {
            Instant now = clock.instant();
            PhaseCompleted pc = failed(PhaseCompleted.builder().forRequest(refusal.request()).phase(store.phase()).sink(sink)
                    .startedAt(now).completedAt(now), refusal.code(), refusal.message());
            metrics.completed(pc.status(), pc.targets());
            try (var a = MDC.putCloseable("requestId", refusal.request().requestId().toString());
                 var b = MDC.putCloseable("contributorId", refusal.request().contributorId())) {
                log.warn("phase {} FAILED: {} {}", pc.phase(), pc.error().code(), pc.error().message());
            }
            out.add(pc);
        }
        Map<UUID, ContributorErasureRequested> byId = new LinkedHashMap<>();
        List<ErasureItem> items = new ArrayList<>();
        for (ContributorErasureRequested r : opened.readable()) {
            if (r.mode() == Mode.RESTORE) {
                // In record order: an erasure read before this restore is done first (it may be what the restore undoes).
                eraseAll(items, byId, out);
                out.add(restore(r)); // never an erase item: ErasureItem refuses RESTORE
                continue;
            }
            byId.put(r.requestId(), r);
            items.add(ErasureItem.of(r));
        }
        eraseAll(items, byId, out);
        return out;
    }

    private void eraseAll(List<ErasureItem> items, Map<UUID, ContributorErasureRequested> byId, List<PhaseCompleted> out) {
        for (ErasureBatch batch : BatchPlanner.plan(items, maxBatch)) {
            out.addAll(processBatch(batch, byId));
        }
        items.clear();
    }

    private List<PhaseCompleted> processBatch(ErasureBatch batch, Map<UUID, ContributorErasureRequested> requests) {
        Instant started = clock.instant();
        metrics.batch(batch.size());
        Map<UUID, RequestResult> results = metrics.eraseTimer().record(() -> eraseIsolating(batch, requests));

        List<ErasureItem> toVerify = new ArrayList<>();
        for (ErasureItem item : batch.items()) {
            if (!item.dryRun() && results.get(item.requestId()) instanceof RequestResult.Erased) {
                toVerify.add(item);
            }
        }
        Map<UUID, Object> residuals = toVerify.isEmpty() ? Map.of()
                : metrics.verifyTimer().record(() -> verifyIsolating(new ErasureBatch(toVerify)));

        Instant completed = clock.instant();
        List<PhaseCompleted> out = new ArrayList<>(batch.size());
        for (ErasureItem item : batch.items()) {
            ContributorErasureRequested request = requests.get(item.requestId());
            PhaseCompleted pc = complete(request, item, results.get(item.requestId()), residuals.get(item.requestId()), started, completed);
            metrics.completed(pc.status(), pc.targets());
            try (var a = MDC.putCloseable("requestId", item.requestId().toString());
                 var b = MDC.putCloseable("contributorId", item.contributorId())) {
                if (pc.status() == PhaseStatus.FAILED) {
                    log.warn("phase {} FAILED: {} {} (batch of {})", pc.phase(), pc.error().code(), pc.error().message(), batch.size());
                } else {
                    log.info("phase {} {}: deleted={} masked={} wouldDelete={} wouldMask={} residual={} (batch of {})",
                            pc.phase(), pc.status(), pc.totalDeleted(), pc.totalMasked(), pc.totals().wouldDelete(),
                            pc.totals().wouldMask(), pc.totalResidual(), batch.size());
                }
            }
            out.add(pc);
        }
        return out;
    }

    /**
     * Undoes the erasure of {@code request.replayOf()} in this store from the images this sink kept (the undo
     * window): RESTORED with the store's counts per target, or FAILED with why (window ended, window off, store
     * cannot restore). A store or Kafka outage propagates like an erase's: the poll is re-run later.
     */
    private PhaseCompleted restore(ContributorErasureRequested request) {
        Instant started = clock.instant();
        PhaseCompleted.Builder b = PhaseCompleted.builder().forRequest(request).phase(store.phase()).sink(sink).startedAt(started);
        PhaseCompleted pc;
        if (vault == null) {
            pc = failed(b.completedAt(started), "RESTORATION_OFF", "this sink keeps no before-images (no key-encryption key,"
                    + " or sink.restoration.enabled = false): nothing to restore from");
        } else {
            UUID original = request.replayOf();
            try {
                List<BeforeImage> images = withRetry(() -> vault.read(original));
                Map<String, Long> restored = images.isEmpty() ? Map.of()
                        : metrics.eraseTimer().record(() -> withRetry(() -> store.restore(original, images, vault.forRestore())));
                List<TargetResult> targets = new ArrayList<>();
                for (String t : store.targets()) {
                    targets.add(TargetResult.restored(t, restored.getOrDefault(t, 0L)));
                }
                restored.forEach((t, n) -> {
                    if (!store.targets().contains(t)) targets.add(TargetResult.restored(t, n));
                });
                if (images.isEmpty() && !targets.isEmpty()) {
                    targets.set(0, targets.getFirst().withNote("nothing was kept for request " + original
                            + " in this store: it erased nothing here, or ran without the undo window"));
                }
                pc = b.completedAt(clock.instant()).status(PhaseStatus.RESTORED).targets(targets).build();
            } catch (StoreUnavailableException e) {
                throw e;
            } catch (UnsupportedOperationException e) {
                pc = failed(b.completedAt(clock.instant()), "RESTORE_UNSUPPORTED", store.phase() + " keeps no before-images: it cannot restore");
            } catch (RuntimeException e) {
                RequestResult.Failed f = failure(e, "RESTORE_ERROR");
                pc = failed(b.completedAt(clock.instant()), f.code(), f.message());
            }
        }
        metrics.completed(pc.status(), pc.targets());
        try (var a = MDC.putCloseable("requestId", request.requestId().toString());
             var c = MDC.putCloseable("contributorId", request.contributorId())) {
            if (pc.status() == PhaseStatus.FAILED) {
                log.warn("phase {} restore of {} FAILED: {} {}", pc.phase(), request.replayOf(), pc.error().code(), pc.error().message());
            } else {
                log.info("phase {} RESTORED from the undo window of {}: restored={}", pc.phase(), request.replayOf(), pc.totals().restored());
            }
        }
        return pc;
    }

    /** Store erase with retries; a permanent batch error is bisected down to the single culprit. */
    private Map<UUID, RequestResult> eraseIsolating(ErasureBatch batch, Map<UUID, ContributorErasureRequested> requests) {
        try {
            // A new WriteAhead per call: a retry announces its own plan, never on top of the failed one's.
            RestorationLog restoration = vault == null ? RestorationLog.OFF
                    : vault.logFor(batch.executes().stream().map(ErasureItem::requestId).collect(Collectors.toSet()));
            Map<UUID, RequestResult> r = withRetry(() -> store.erase(batch,
                    new PlannedChanges(batch, requests, store.phase(), sink, clock, writeAhead, restoration)));
            return r == null ? Map.of() : r;
        } catch (StoreUnavailableException e) {
            throw e;
        } catch (RuntimeException e) {
            if (batch.size() == 1) {
                return Map.of(batch.items().getFirst().requestId(), failure(e, "STORE_ERROR"));
            }
            log.warn("store erase failed permanently for a batch of {}, bisecting: {}", batch.size(), safe(e));
            Map<UUID, RequestResult> merged = new HashMap<>();
            int mid = batch.size() / 2;
            merged.putAll(eraseIsolating(batch.subList(0, mid), requests));
            merged.putAll(eraseIsolating(batch.subList(mid, batch.size()), requests));
            return merged;
        }
    }

    /** Values: {@code List<TargetResidual>} or a {@link RequestResult.Failed}. */
    private Map<UUID, Object> verifyIsolating(ErasureBatch batch) {
        try {
            Map<UUID, List<TargetResidual>> r = withRetry(() -> store.verify(batch));
            return r == null ? Map.of() : new HashMap<>(r);
        } catch (StoreUnavailableException e) {
            throw e;
        } catch (RuntimeException e) {
            if (batch.size() == 1) {
                return Map.of(batch.items().getFirst().requestId(), failure(e, "VERIFY_ERROR"));
            }
            log.warn("store verify failed permanently for a batch of {}, bisecting: {}", batch.size(), safe(e));
            Map<UUID, Object> merged = new HashMap<>();
            int mid = batch.size() / 2;
            merged.putAll(verifyIsolating(batch.subList(0, mid)));
            merged.putAll(verifyIsolating(batch.subList(mid, batch.size())));
            return merged;
        }
    }

    private <T> T withRetry(Supplier<T> call) {
        return retry.executeSupplier(call);
    }

    private PhaseCompleted complete(ContributorErasureRequested request, ErasureItem item, RequestResult result,
                                    Object verification, Instant started, Instant completed) {
        PhaseCompleted.Builder b = PhaseCompleted.builder().forRequest(request).phase(store.phase()).sink(sink)
                .startedAt(started).completedAt(completed);
        if (result == null) {
            return failed(b, "STORE_NO_RESULT", "the store returned no result for this request");
        }
        if (result instanceof RequestResult.Failed f) {
            return failed(b, f.code(), f.message());
        }
        List<TargetResult> targets = ((RequestResult.Erased) result).targets();
        try {
            if (item.dryRun()) {
                return b.status(PhaseStatus.DRY_RUN).targets(targets).verification(Verification.notChecked(targets)).build();
            }
            if (verification instanceof RequestResult.Failed f) {
                return failed(b.targets(targets), f.code(), f.message());
            }
            if (!(verification instanceof List<?> list)) {
                return failed(b.targets(targets), "VERIFY_MISSING", "the store verified nothing for this request");
            }
            Map<String, Long> residual = new HashMap<>();
            for (Object o : list) {
                TargetResidual tr = (TargetResidual) o;
                residual.merge(tr.target(), tr.residual(), Long::sum);
            }
            List<TargetResult> merged = new ArrayList<>(targets.size());
            List<String> dirty = new ArrayList<>();
            for (TargetResult t : targets) {
                long res = residual.getOrDefault(t.target(), 0L);
                if (res > 0) {
                    dirty.add(t.target());
                }
                merged.add(new TargetResult(t.target(), t.deleted(), t.masked(), t.wouldDelete(), t.wouldMask(), res, t.note()));
            }
            for (Map.Entry<String, Long> e : residual.entrySet()) {
                if (e.getValue() > 0 && targets.stream().noneMatch(t -> t.target().equals(e.getKey()))) {
                    merged.add(TargetResult.erased(e.getKey(), 0, 0, e.getValue()));
                    dirty.add(e.getKey());
                }
            }
            Verification v = Verification.checked(merged);
            if (!v.verified()) {
                b.targets(merged).verification(v);
                return failed(b, "RESIDUAL_FOUND", v.totalResidual() + " record(s) still hold the person's data after erasure in " + dirty);
            }
            return b.status(PhaseStatus.SUCCEEDED).targets(merged).verification(v).build();
        } catch (InvalidEventException e) {
            // The store broke the contract (e.g. would-counts on an EXECUTE item): report, don't crash.
            return failed(PhaseCompleted.builder().forRequest(request).phase(store.phase()).sink(sink)
                    .startedAt(started).completedAt(completed), "STORE_CONTRACT", "the store returned an invalid result: " + e.getMessage());
        }
    }

    private static PhaseCompleted failed(PhaseCompleted.Builder b, String code, String message) {
        PhaseError error;
        try {
            error = new PhaseError(code, message);
        } catch (InvalidEventException e) {
            error = new PhaseError("STORE_ERROR", "the store's error message was withheld (it was not PII-free)");
        }
        try {
            return b.status(PhaseStatus.FAILED).error(error).verification(null).build();
        } catch (InvalidEventException e) {
            return b.status(PhaseStatus.FAILED).error(error).targets(List.of()).verification(null).build();
        }
    }

    private static RequestResult.Failed failure(RuntimeException e, String defaultCode) {
        if (e instanceof StoreException se) {
            return new RequestResult.Failed(se.code() == null ? defaultCode : se.code(), String.valueOf(se.getMessage()));
        }
        return new RequestResult.Failed(defaultCode, "unexpected " + e.getClass().getSimpleName());
    }

    /** Exception summary for logs: class and message of StoreUnavailable/StoreException only (PII-free by contract). */
    static String safe(Throwable t) {
        if (t == null) {
            return "";
        }
        if (t instanceof StoreUnavailableException || t instanceof StoreException) {
            return t.getClass().getSimpleName() + ": " + t.getMessage();
        }
        return t.getClass().getName();
    }
}

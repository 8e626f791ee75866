package org.erasure.sink.s3;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.erasure.events.Phase;
import org.erasure.events.TargetResult;
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
import org.erasure.sink.s3.PrefixListing.Upload;
import org.erasure.sink.s3.PrefixListing.Version;
import org.erasure.sink.s3.S3Lister.BatchListing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Error;

/**
 * S3 erasure by key prefix, version-aware, in two steps:
 *
 * <ol>
 *   <li><b>list everything to change</b> ({@link S3Lister}): per request and target, every object
 *       version, delete marker and incomplete multipart upload under the request's prefix, listed
 *       per prefix or by one sharded bucket pass, chosen per batch by the cost rule (README);</li>
 *   <li><b>apply</b>: the listed (key, versionId) pairs of all EXECUTE items, per bucket, in
 *       {@code DeleteObjects} calls of up to {@code delete-chunk-size} (≤ 1,000) entries across
 *       requests, a few calls in parallel; each listed upload aborted ({@code AbortMultipartUpload}).
 *       A per-key error makes its request FAILED ({@code S3_DELETE_<code>} / {@code S3_ABORT_<code>}),
 *       the other requests go on. Deleting by version id removes the data for good (a plain delete in
 *       a versioned bucket would only add a delete marker).</li>
 * </ol>
 * Dry run: step 1 only, counted. Verify: a fresh listing must find nothing (a bucket pass lists only
 * which prefixes hold anything, then those prefixes exactly: {@link S3Lister#listResidue}).
 * Counts: {@code deleted} = object versions + delete markers removed + incomplete uploads aborted; the
 * note splits them.
 */
public final class S3ErasureStore implements ErasureStore {
    private static final Logger log = LoggerFactory.getLogger(S3ErasureStore.class);

    static final String UNSAFE_ID = "S3_UNSAFE_CONTRIBUTOR_ID";
    static final int MAX_CHUNK = 1000;
    private static final Set<String> TRANSIENT_CODES = Set.of("SlowDown", "RequestTimeout", "ServiceUnavailable",
            "InternalError", "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequests",
            "ExpiredToken", "RequestTimeTooSkewed", "TokenRefreshRequired");

    private final S3Client s3;
    private final List<S3Target> targets;
    private final List<String> targetNames;
    private final int chunkSize;
    private final int deleteParallelism;
    private final Duration probeTimeout;
    private final ExecutorService listers;
    private final S3Lister lister;
    private final S3Restoration restoration;
    private final Counter deleteCalls;
    private final Counter deleteErrors;
    private final Counter abortCalls;

    S3ErasureStore(S3Client s3, List<S3Target> targets, int listerParallelism, int chunkSize, Duration probeTimeout, MeterRegistry meters) {
        this(s3, targets, listerParallelism, chunkSize, 4, ListingConfig.defaults(), probeTimeout, meters);
    }

    S3ErasureStore(S3Client s3, List<S3Target> targets, int listerParallelism, int chunkSize, int deleteParallelism,
            ListingConfig listing, Duration probeTimeout, MeterRegistry meters) {
        this(s3, targets, listerParallelism, chunkSize, deleteParallelism, listing, RestorationConfig.defaults(), probeTimeout, meters);
    }

    S3ErasureStore(S3Client s3, List<S3Target> targets, int listerParallelism, int chunkSize, int deleteParallelism,
            ListingConfig listing, RestorationConfig restorationConfig, Duration probeTimeout, MeterRegistry meters) {
        if (chunkSize < 1 || chunkSize > MAX_CHUNK) {
            throw new IllegalArgumentException("s3.delete-chunk-size must be 1.." + MAX_CHUNK);
        }
        if (listerParallelism < 1 || listerParallelism > 256) {
            throw new IllegalArgumentException("s3.lister-parallelism must be 1..256");
        }
        if (deleteParallelism < 1 || deleteParallelism > 64) {
            throw new IllegalArgumentException("s3.delete-parallelism must be 1..64");
        }
        this.s3 = s3;
        this.targets = List.copyOf(targets);
        this.targetNames = targets.stream().map(S3Target::name).toList();
        this.chunkSize = chunkSize;
        this.deleteParallelism = deleteParallelism;
        this.probeTimeout = probeTimeout;
        AtomicInteger n = new AtomicInteger();
        this.listers = Executors.newFixedThreadPool(listerParallelism, r -> {
            Thread t = new Thread(r, "s3-lister-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        MeterRegistry m = meters == null ? new SimpleMeterRegistry() : meters;
        this.lister = new S3Lister(s3, this.targets, listing, listers, m);
        this.restoration = new S3Restoration(s3, restorationConfig, listers, lister, m);
        this.deleteCalls = Counter.builder("erasure.s3.calls").tag("operation", "DeleteObjects")
                .description("S3 API calls made by erase/verify").register(m);
        this.abortCalls = Counter.builder("erasure.s3.calls").tag("operation", "AbortMultipartUpload")
                .description("S3 API calls made by erase/verify").register(m);
        this.deleteErrors = Counter.builder("erasure.s3.delete.errors")
                .description("per-key errors returned by DeleteObjects / AbortMultipartUpload").register(m);
    }

    @Override
    public Phase phase() {
        return Phase.S3;
    }

    @Override
    public List<String> targets() {
        return targetNames;
    }

    // ---------------------------------------------------------------- erase

    @Override
    public Map<UUID, RequestResult> erase(ErasureBatch batch, WriteAhead writeAhead) {
        Map<UUID, RequestResult> failed = new HashMap<>();
        List<ErasureItem> safe = new ArrayList<>();
        for (ErasureItem item : batch.items()) {
            Optional<String> reason = S3Target.unsafeReason(item.contributorId(), targets);
            if (reason.isPresent()) {
                failed.put(item.requestId(), RequestResult.failed(UNSAFE_ID, reason.get() + "; nothing was listed or deleted"));
            } else {
                safe.add(item);
            }
        }

        // Step 1: list everything to change.
        long t0 = System.nanoTime();
        BatchListing listing = lister.list(safe);
        Map<UUID, PrefixListing[]> planned = listing.perRequest();
        long t1 = System.nanoTime();

        // Between the steps: announce what step 2 is about to remove (returns once durable).
        List<ErasureItem> executes = safe.stream().filter(i -> !i.dryRun()).toList();
        RestorationLog restorationLog = writeAhead.restoration();
        long kept = 0;
        if (!executes.isEmpty() && restorationLog.enabled()) {
            // The undo window: sealed copies in the restoration bucket, then the images, before anything is deleted.
            List<BeforeImage> images = restoration.copyBeforeDelete(executes, planned, targets, targetNames, restorationLog);
            restorationLog.keep(images);
            kept = images.size();
        }
        long tKept = System.nanoTime();
        if (!executes.isEmpty()) {
            writeAhead.record(planned(executes, planned));
        }

        // Step 2: apply the deletes and aborts.
        Map<UUID, String> deleteFailures = executes.isEmpty() ? Map.of() : deleteAll(executes, planned);
        Map<UUID, long[]> aborted = new HashMap<>();
        Map<UUID, String> abortFailures = executes.isEmpty() ? Map.of() : abortAll(executes, planned, aborted);
        long t2 = System.nanoTime();
        log.info("erase batch of {}: listing {} ({} calls) in {} ms, {}deletes and aborts in {} ms", batch.size(),
                listing.choices().stream().map(c -> c.bucket() + "/" + c.head() + "=" + c.strategy().configName()).toList(),
                listing.calls(), (t1 - t0) / 1_000_000,
                kept > 0 ? kept + " before-images kept in " + (tKept - t1) / 1_000_000 + " ms, " : "", (t2 - tKept) / 1_000_000);
        deleteFailures.forEach((id, code) -> failed.put(id, RequestResult.failed(code,
                "DeleteObjects refused at least one object version of this request (" + code.substring("S3_DELETE_".length())
                        + "); the others were deleted, a new request retries the rest")));
        abortFailures.forEach((id, code) -> failed.putIfAbsent(id, RequestResult.failed(code,
                "AbortMultipartUpload refused at least one incomplete upload of this request (" + code.substring("S3_ABORT_".length())
                        + "); the rest was erased, a new request retries it")));

        Map<UUID, RequestResult> results = new LinkedHashMap<>();
        for (ErasureItem item : batch.items()) {
            RequestResult f = failed.get(item.requestId());
            if (f != null) {
                results.put(item.requestId(), f);
                continue;
            }
            PrefixListing[] perTarget = planned.get(item.requestId());
            long[] abortedPerTarget = aborted.getOrDefault(item.requestId(), new long[targets.size()]);
            List<TargetResult> out = new ArrayList<>(targets.size());
            for (int t = 0; t < targets.size(); t++) {
                PrefixListing l = perTarget[t];
                // Uploads: a dry run counts what it would abort; an execute counts what it aborted (one
                // that completed or was aborted by someone else in between is gone, not counted).
                long uploads = item.dryRun() ? l.uploads().size() : abortedPerTarget[t];
                long total = l.versions().size() + uploads;
                TargetResult r = item.dryRun()
                        ? TargetResult.dryRun(targetNames.get(t), total, 0)
                        : TargetResult.erased(targetNames.get(t), total, 0, 0);
                out.add(total == 0 ? r : r.withNote(l.note(item.dryRun(), uploads)));
            }
            results.put(item.requestId(), RequestResult.erased(out));
        }
        return results;
    }

    /**
     * The write-ahead announcement: per EXECUTE item and target, every listed version, delete marker
     * and incomplete upload, i.e. what step 2 is about to remove. (An upload that completes or is
     * aborted by someone else in between is announced but not reported; the verifier keeps the
     * larger count, see verifier/README.md.)
     */
    private Map<UUID, List<TargetResult>> planned(List<ErasureItem> executes, Map<UUID, PrefixListing[]> listings) {
        Map<UUID, List<TargetResult>> planned = new HashMap<>();
        for (ErasureItem item : executes) {
            PrefixListing[] perTarget = listings.get(item.requestId());
            List<TargetResult> list = new ArrayList<>();
            for (int t = 0; t < targets.size(); t++) {
                if (perTarget[t].total() > 0) {
                    list.add(TargetResult.erased(targetNames.get(t), perTarget[t].total(), 0, 0));
                }
            }
            if (!list.isEmpty()) {
                planned.put(item.requestId(), list);
            }
        }
        return planned;
    }

    /**
     * Deletes what was listed for the EXECUTE items, per bucket in chunks across the whole batch,
     * {@code delete-parallelism} chunks at a time.
     *
     * @return requestId → failure code, for requests with at least one per-key error
     */
    private Map<UUID, String> deleteAll(List<ErasureItem> executes, Map<UUID, PrefixListing[]> listings) {
        Map<String, List<Pending>> perBucket = new LinkedHashMap<>();
        for (ErasureItem item : executes) {
            PrefixListing[] perTarget = listings.get(item.requestId());
            for (int t = 0; t < targets.size(); t++) {
                List<Pending> pending = perBucket.computeIfAbsent(targets.get(t).bucket(), b -> new ArrayList<>());
                for (Version v : perTarget[t].versions()) {
                    pending.add(new Pending(item.requestId(), v));
                }
            }
        }
        List<Runnable> chunks = new ArrayList<>();
        Map<UUID, String> failures = new java.util.concurrent.ConcurrentHashMap<>();
        for (Map.Entry<String, List<Pending>> e : perBucket.entrySet()) {
            String bucket = e.getKey();
            List<Pending> all = e.getValue();
            for (int from = 0; from < all.size(); from += chunkSize) {
                List<Pending> chunk = all.subList(from, Math.min(all.size(), from + chunkSize));
                chunks.add(() -> deleteChunk(bucket, chunk, failures));
            }
        }
        runBounded(chunks, deleteParallelism, "deleting");
        return failures;
    }

    private void deleteChunk(String bucket, List<Pending> chunk, Map<UUID, String> failures) {
        List<ObjectIdentifier> ids = new ArrayList<>(chunk.size());
        Map<String, Pending> byVersion = new HashMap<>();
        Map<String, Pending> byKey = new HashMap<>();
        for (Pending p : chunk) {
            ObjectIdentifier.Builder b = ObjectIdentifier.builder().key(p.version().key());
            if (p.version().versionId() != null) {
                b.versionId(p.version().versionId());
            }
            ids.add(b.build());
            byVersion.put(p.version().key() + '\0' + p.version().versionId(), p);
            byKey.putIfAbsent(p.version().key(), p);
        }
        DeleteObjectsResponse response;
        try {
            deleteCalls.increment();
            response = s3.deleteObjects(r -> r.bucket(bucket).delete(d -> d.objects(ids).quiet(true)));
        } catch (SdkException e) {
            throw translate(e, "DeleteObjects");
        }
        if (!response.hasErrors() || response.errors().isEmpty()) {
            return;
        }
        for (S3Error error : response.errors()) {
            deleteErrors.increment();
            Pending p = byVersion.get(error.key() + '\0' + error.versionId());
            if (p == null) {
                p = byKey.get(error.key());
            }
            if (p == null) {
                throw new StoreException("S3_DELETE_UNATTRIBUTED", "DeleteObjects reported an error for an entry it was not asked to delete");
            }
            failures.putIfAbsent(p.requestId(), "S3_DELETE_" + safeCode(error.code(), "UNKNOWN"));
        }
        log.warn("DeleteObjects in bucket {}: {} of {} entries refused", bucket, response.errors().size(), chunk.size());
    }

    /**
     * Aborts every listed incomplete multipart upload of the EXECUTE items (S3 has no batch abort),
     * on the lister pool. {@code NoSuchUpload}: it completed or was aborted in between; not counted
     * (a completed one is an object version that verify finds).
     *
     * @param aborted filled with requestId → uploads aborted per target
     * @return requestId → failure code, for requests with an abort refused
     */
    private Map<UUID, String> abortAll(List<ErasureItem> executes, Map<UUID, PrefixListing[]> listings, Map<UUID, long[]> aborted) {
        record Abort(UUID requestId, int target, Upload upload) {}
        List<Abort> all = new ArrayList<>();
        for (ErasureItem item : executes) {
            PrefixListing[] perTarget = listings.get(item.requestId());
            for (int t = 0; t < targets.size(); t++) {
                for (Upload u : perTarget[t].uploads()) {
                    all.add(new Abort(item.requestId(), t, u));
                }
            }
        }
        if (all.isEmpty()) {
            return Map.of();
        }
        Map<UUID, String> failures = new java.util.concurrent.ConcurrentHashMap<>();
        List<Future<Boolean>> futures = new ArrayList<>(all.size());
        for (Abort a : all) {
            String bucket = targets.get(a.target()).bucket();
            futures.add(listers.submit(() -> {
                try {
                    abortCalls.increment();
                    s3.abortMultipartUpload(r -> r.bucket(bucket).key(a.upload().key()).uploadId(a.upload().uploadId()));
                    return true;
                } catch (AwsServiceException e) {
                    String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
                    if ("NoSuchUpload".equals(code) || (code == null && e.statusCode() == 404)) {
                        return false;
                    }
                    RuntimeException translated = translate(e, "AbortMultipartUpload");
                    if (translated instanceof StoreUnavailableException) {
                        throw translated;
                    }
                    deleteErrors.increment();
                    failures.putIfAbsent(a.requestId(), "S3_ABORT_" + safeCode(code, "HTTP_" + e.statusCode()));
                    return false;
                } catch (SdkException e) {
                    throw translate(e, "AbortMultipartUpload");
                }
            }));
        }
        List<Boolean> done = Parallel.await(futures, "aborting uploads");
        for (int i = 0; i < all.size(); i++) {
            if (done.get(i)) {
                aborted.computeIfAbsent(all.get(i).requestId(), k -> new long[targets.size()])[all.get(i).target()]++;
            }
        }
        return failures;
    }

    // ---------------------------------------------------------------- restore

    /** See {@link S3Restoration#restore}: re-creates the kept versions of keys that have no live version now. */
    @Override
    public Map<String, Long> restore(UUID requestId, List<BeforeImage> images, RestorationLog log) {
        return restoration.restore(requestId, images, log);
    }

    // ---------------------------------------------------------------- verify

    @Override
    public Map<UUID, List<TargetResidual>> verify(ErasureBatch batch) {
        List<ErasureItem> safe = batch.items().stream()
                .filter(i -> S3Target.unsafeReason(i.contributorId(), targets).isEmpty()).toList();
        // A new listing (never the erase step's): what is still there now. A bucket pass first asks which
        // prefixes hold anything (one entry per contributor id), then lists only those exactly.
        Map<UUID, PrefixListing[]> listings = lister.listResidue(safe).perRequest();
        Map<UUID, List<TargetResidual>> out = new LinkedHashMap<>();
        for (ErasureItem item : safe) {
            PrefixListing[] perTarget = listings.get(item.requestId());
            List<TargetResidual> residuals = new ArrayList<>(targets.size());
            for (int t = 0; t < targets.size(); t++) {
                residuals.add(new TargetResidual(targetNames.get(t), perTarget[t].total()));
            }
            out.put(item.requestId(), residuals);
        }
        // Items with an unsafe id were never listed: no entry, so the runtime cannot call them verified.
        return out;
    }

    // ---------------------------------------------------------------- parallel helpers

    /** Runs the tasks with at most {@code parallelism} at a time (on the lister pool) and waits for all. */
    private void runBounded(List<Runnable> tasks, int parallelism, String what) {
        if (tasks.size() <= 1 || parallelism == 1) {
            tasks.forEach(Runnable::run);
            return;
        }
        java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(parallelism);
        List<Future<Boolean>> futures = new ArrayList<>(tasks.size());
        for (Runnable task : tasks) {
            futures.add(listers.submit(() -> {
                slots.acquire();
                try {
                    task.run();
                    return true;
                } finally {
                    slots.release();
                }
            }));
        }
        Parallel.await(futures, what);
    }


    // ---------------------------------------------------------------- health, errors

    @Override
    public void checkReachable() {
        for (String bucket : targets.stream().map(S3Target::bucket).distinct().toList()) {
            try {
                s3.headBucket(r -> r.bucket(bucket).overrideConfiguration(o -> o.apiCallTimeout(probeTimeout)));
            } catch (AwsServiceException e) {
                if (transientStatus(e)) {
                    throw new StoreUnavailableException("HeadBucket answered HTTP " + e.statusCode());
                }
                // It answered (e.g. 403/404): reachable; erase reports the permanent problem.
            } catch (SdkException e) {
                throw new StoreUnavailableException("S3 not reachable: " + describe(e));
            }
        }
    }

    /** Transient → {@link StoreUnavailableException}; a refusal → {@link StoreException} {@code S3_<code>}. No S3 message text (it can quote keys). */
    static RuntimeException translate(SdkException e, String operation) {
        if (e instanceof AwsServiceException se) {
            String code = se.awsErrorDetails() == null ? null : se.awsErrorDetails().errorCode();
            String safe = safeCode(code, "HTTP_" + se.statusCode());
            if (transientStatus(se) || (code != null && TRANSIENT_CODES.contains(code))) {
                return new StoreUnavailableException(operation + " answered HTTP " + se.statusCode() + " " + safe);
            }
            return new StoreException("S3_" + safe, operation + " refused: HTTP " + se.statusCode() + " " + safe);
        }
        return new StoreUnavailableException(operation + " did not complete: " + describe(e));
    }

    private static boolean transientStatus(AwsServiceException e) {
        return e.statusCode() >= 500 || e.statusCode() == 429 || e.statusCode() == 0 || e.isThrottlingException();
    }

    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + " (" + root.getClass().getSimpleName() + ")";
    }

    static String safeCode(String code, String fallback) {
        if (code == null || code.isBlank()) {
            return fallback;
        }
        String s = code.replaceAll("[^A-Za-z0-9_.:-]", "_");
        return s.length() > 48 ? s.substring(0, 48) : s;
    }

    @Override
    public void close() {
        listers.shutdownNow();
        s3.close();
    }

    // ---------------------------------------------------------------- values

    private record Pending(UUID requestId, Version version) {}
}

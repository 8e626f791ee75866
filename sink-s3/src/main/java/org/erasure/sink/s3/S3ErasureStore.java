package org.erasure.sink.s3;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.erasure.events.Phase;
import org.erasure.events.TargetResult;
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
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteMarkerEntry;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsRequest;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.ObjectVersion;
import software.amazon.awssdk.services.s3.model.S3Error;

/**
 * S3 erasure by key prefix, version-aware.
 *
 * <ul>
 *   <li>list: per request and target one paginated {@code ListObjectVersions(prefix)} (every object
 *       version and delete marker under the contributor's prefix), run by a small bounded pool of
 *       listers ({@code lister-parallelism});</li>
 *   <li>execute: the listed (key, versionId) pairs of all EXECUTE items of the batch, per bucket, in
 *       {@code DeleteObjects} calls of up to {@code delete-chunk-size} (≤ 1,000) entries, quiet mode;
 *       each per-key error in {@code DeleteObjectsResponse.errors()} makes its request FAILED
 *       ({@code S3_DELETE_<S3 code>}), the other requests go on. Deleting by version id removes the
 *       data for good (a plain delete in a versioned bucket would only add a delete marker);</li>
 *   <li>dry run: the same listing, counted, nothing deleted;</li>
 *   <li>verify: a fresh {@code ListObjectVersions(prefix)} per request and target must find nothing.</li>
 * </ul>
 * Counts: {@code deleted} = object versions + delete markers removed (a non-versioned bucket lists
 * each object once, version id {@code null}). The note adds keys / versions / delete markers.
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
    private final Duration probeTimeout;
    private final ExecutorService listers;
    private final Counter listCalls;
    private final Counter deleteCalls;
    private final Counter deleteErrors;

    S3ErasureStore(S3Client s3, List<S3Target> targets, int listerParallelism, int chunkSize, Duration probeTimeout, MeterRegistry meters) {
        if (chunkSize < 1 || chunkSize > MAX_CHUNK) {
            throw new IllegalArgumentException("s3.delete-chunk-size must be 1.." + MAX_CHUNK);
        }
        if (listerParallelism < 1 || listerParallelism > 64) {
            throw new IllegalArgumentException("s3.lister-parallelism must be 1..64");
        }
        this.s3 = s3;
        this.targets = List.copyOf(targets);
        this.targetNames = targets.stream().map(S3Target::name).toList();
        this.chunkSize = chunkSize;
        this.probeTimeout = probeTimeout;
        AtomicInteger n = new AtomicInteger();
        this.listers = Executors.newFixedThreadPool(listerParallelism, r -> {
            Thread t = new Thread(r, "s3-lister-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        MeterRegistry m = meters == null ? new SimpleMeterRegistry() : meters;
        this.listCalls = Counter.builder("erasure.s3.calls").tag("operation", "ListObjectVersions")
                .description("S3 API calls made by erase/verify").register(m);
        this.deleteCalls = Counter.builder("erasure.s3.calls").tag("operation", "DeleteObjects")
                .description("S3 API calls made by erase/verify").register(m);
        this.deleteErrors = Counter.builder("erasure.s3.delete.errors")
                .description("per-key errors returned by DeleteObjects").register(m);
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
        long t0 = System.nanoTime();
        Map<UUID, Listing[]> listings = listAll(safe);
        long t1 = System.nanoTime();

        List<ErasureItem> executes = safe.stream().filter(i -> !i.dryRun()).toList();
        if (!executes.isEmpty()) {
            writeAhead.record(planned(executes, listings));
        }
        Map<UUID, String> deleteFailures = executes.isEmpty() ? Map.of() : deleteAll(executes, listings);
        long t2 = System.nanoTime();
        log.debug("erase batch of {}: {} listings in {} ms, deletes in {} ms", batch.size(), safe.size() * targets.size(),
                (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
        deleteFailures.forEach((id, code) -> failed.put(id, RequestResult.failed(code,
                "DeleteObjects refused at least one object version of this request (" + code.substring("S3_DELETE_".length())
                        + "); the others were deleted, a new request retries the rest")));

        Map<UUID, RequestResult> results = new LinkedHashMap<>();
        for (ErasureItem item : batch.items()) {
            RequestResult f = failed.get(item.requestId());
            if (f != null) {
                results.put(item.requestId(), f);
                continue;
            }
            Listing[] perTarget = listings.get(item.requestId());
            List<TargetResult> out = new ArrayList<>(targets.size());
            for (int t = 0; t < targets.size(); t++) {
                Listing l = perTarget[t];
                TargetResult r = item.dryRun()
                        ? TargetResult.dryRun(targetNames.get(t), l.total(), 0)
                        : TargetResult.erased(targetNames.get(t), l.total(), 0, 0);
                out.add(l.total() == 0 ? r : r.withNote(l.note()));
            }
            results.put(item.requestId(), RequestResult.erased(out));
        }
        return results;
    }

    /** Every listed version and delete marker of the EXECUTE items: what the deletes are about to remove. */
    private Map<UUID, List<TargetResult>> planned(List<ErasureItem> executes, Map<UUID, Listing[]> listings) {
        Map<UUID, List<TargetResult>> planned = new HashMap<>();
        for (ErasureItem item : executes) {
            Listing[] perTarget = listings.get(item.requestId());
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
     * Deletes what was listed for the EXECUTE items, per bucket in chunks across the whole batch.
     *
     * @return requestId → failure code, for requests with at least one per-key error
     */
    private Map<UUID, String> deleteAll(List<ErasureItem> executes, Map<UUID, Listing[]> listings) {
        Map<String, List<Pending>> perBucket = new LinkedHashMap<>();
        for (ErasureItem item : executes) {
            Listing[] perTarget = listings.get(item.requestId());
            for (int t = 0; t < targets.size(); t++) {
                List<Pending> pending = perBucket.computeIfAbsent(targets.get(t).bucket(), b -> new ArrayList<>());
                for (Version v : perTarget[t].versions()) {
                    pending.add(new Pending(item.requestId(), v));
                }
            }
        }
        Map<UUID, String> failures = new HashMap<>();
        for (Map.Entry<String, List<Pending>> e : perBucket.entrySet()) {
            String bucket = e.getKey();
            List<Pending> all = e.getValue();
            for (int from = 0; from < all.size(); from += chunkSize) {
                List<Pending> chunk = all.subList(from, Math.min(all.size(), from + chunkSize));
                deleteChunk(bucket, chunk, failures);
            }
        }
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

    // ---------------------------------------------------------------- verify

    @Override
    public Map<UUID, List<TargetResidual>> verify(ErasureBatch batch) {
        List<ErasureItem> safe = batch.items().stream()
                .filter(i -> S3Target.unsafeReason(i.contributorId(), targets).isEmpty()).toList();
        Map<UUID, Listing[]> listings = listAll(safe);
        Map<UUID, List<TargetResidual>> out = new LinkedHashMap<>();
        for (ErasureItem item : safe) {
            Listing[] perTarget = listings.get(item.requestId());
            List<TargetResidual> residuals = new ArrayList<>(targets.size());
            for (int t = 0; t < targets.size(); t++) {
                residuals.add(new TargetResidual(targetNames.get(t), perTarget[t].total()));
            }
            out.put(item.requestId(), residuals);
        }
        // Items with an unsafe id were never listed: no entry, so the runtime cannot call them verified.
        return out;
    }

    // ---------------------------------------------------------------- listing

    /** One ListObjectVersions(prefix) per item and target, a few at a time; de-duplicated per item across targets. */
    private Map<UUID, Listing[]> listAll(List<ErasureItem> items) {
        Map<UUID, Listing[]> out = new HashMap<>();
        if (items.isEmpty()) {
            return out;
        }
        List<Future<Listing>> futures = new ArrayList<>(items.size() * targets.size());
        for (ErasureItem item : items) {
            for (S3Target t : targets) {
                String prefix = t.prefixFor(item.contributorId());
                futures.add(listers.submit(() -> list(t.bucket(), prefix)));
            }
        }
        try {
            int f = 0;
            for (ErasureItem item : items) {
                Listing[] perTarget = new Listing[targets.size()];
                Set<String> seen = new HashSet<>();
                for (int t = 0; t < targets.size(); t++) {
                    Listing l = futures.get(f++).get();
                    perTarget[t] = targets.size() == 1 ? l : l.without(targets.get(t).bucket(), seen);
                }
                out.put(item.requestId(), perTarget);
            }
        } catch (ExecutionException e) {
            futures.forEach(x -> x.cancel(true));
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new StoreUnavailableException("listing failed: " + e.getCause().getClass().getSimpleName());
        } catch (InterruptedException e) {
            futures.forEach(x -> x.cancel(true));
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while listing");
        }
        return out;
    }

    /** Every object version and delete marker whose key starts with {@code prefix} (all pages). */
    private Listing list(String bucket, String prefix) {
        List<Version> versions = new ArrayList<>();
        Set<String> keys = new LinkedHashSet<>();
        long objectVersions = 0;
        long markers = 0;
        long stray = 0;
        try {
            ListObjectVersionsRequest request = ListObjectVersionsRequest.builder().bucket(bucket).prefix(prefix).build();
            for (ListObjectVersionsResponse page : s3.listObjectVersionsPaginator(request)) {
                listCalls.increment();
                for (ObjectVersion v : page.versions()) {
                    if (!v.key().startsWith(prefix)) {
                        stray++;
                        continue;
                    }
                    versions.add(new Version(v.key(), v.versionId(), false));
                    keys.add(v.key());
                    objectVersions++;
                }
                for (DeleteMarkerEntry m : page.deleteMarkers()) {
                    if (!m.key().startsWith(prefix)) {
                        stray++;
                        continue;
                    }
                    versions.add(new Version(m.key(), m.versionId(), true));
                    keys.add(m.key());
                    markers++;
                }
            }
        } catch (SdkException e) {
            throw translate(e, "ListObjectVersions");
        }
        if (stray > 0) {
            // Defence in depth: never delete what the prefix did not ask for. No key in the log (keys can hold ids).
            log.warn("ListObjectVersions in bucket {} returned {} entries outside the requested prefix; ignored", bucket, stray);
        }
        return new Listing(versions, keys.size(), objectVersions, markers);
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

    /** One object version or delete marker; {@code versionId} null in a bucket that never had versioning. */
    record Version(String key, String versionId, boolean deleteMarker) {}

    private record Pending(UUID requestId, Version version) {}

    /** What one prefix holds. */
    record Listing(List<Version> versions, long keys, long objectVersions, long deleteMarkers) {
        long total() {
            return objectVersions + deleteMarkers;
        }

        String note() {
            return keys + " key(s): " + objectVersions + " object version(s) + " + deleteMarkers + " delete marker(s)";
        }

        /** Drops entries an earlier target of the same request already holds (overlapping templates in one bucket). */
        Listing without(String bucket, Set<String> seen) {
            List<Version> kept = new ArrayList<>(versions.size());
            Set<String> keySet = new HashSet<>();
            long ov = 0;
            long dm = 0;
            for (Version v : versions) {
                if (seen.add(bucket + '\0' + v.key() + '\0' + v.versionId())) {
                    kept.add(v);
                    keySet.add(v.key());
                    if (v.deleteMarker()) {
                        dm++;
                    } else {
                        ov++;
                    }
                }
            }
            return kept.size() == versions.size() ? this : new Listing(kept, keySet.size(), ov, dm);
        }
    }
}

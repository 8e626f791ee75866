package org.erasure.sink.s3;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.erasure.sink.runtime.spi.BeforeImage;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.RestorationLog;
import org.erasure.sink.runtime.spi.StoreException;
import org.erasure.sink.s3.PrefixListing.Version;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;

/**
 * The undo window of the S3 sink. Before a batch's DeleteObjects, every object version it is about to delete
 * is read (GET by version id), sealed under the request's restoration key ({@link RestorationLog#seal}) and
 * put into the restoration bucket; the {@link BeforeImage}s hold what is needed to put it back (bucket, key,
 * version order, content type and headers, user metadata, the sealed copy's key), never the content itself.
 * Delete markers are kept as entries without a copy. Restore re-creates a key's history, oldest first, where
 * the key has no live version (see {@link #restore}).
 */
final class S3Restoration {
    private static final Logger log = LoggerFactory.getLogger(S3Restoration.class);
    private static final ObjectMapper JSON = new ObjectMapper().setSerializationInclusion(JsonInclude.Include.NON_NULL);
    private static final TypeReference<List<Kept>> KEPT_LIST = new TypeReference<>() {};
    /** An image's content stays under this (BeforeImage contract: ~256 KiB). */
    static final int MAX_IMAGE_BYTES = BeforeImage.MAX_BYTES;

    /**
     * One object version or delete marker as it was before the erasure. {@code order}: position in the key's
     * history, oldest first (0). {@code copy}: the sealed content's key in the restoration bucket (null for a
     * delete marker, or when the version was gone before it could be read). {@code etag}: the version's ETag
     * (a single-part PUT's is the content's MD5, the same for its restored twin).
     */
    record Kept(String bucket, String prefix, String key, String versionId, boolean marker, int order, String copy,
            String contentType, String contentEncoding, String contentDisposition, String contentLanguage,
            String cacheControl, Map<String, String> metadata, String etag) {}

    private final S3Client s3;
    private final RestorationConfig config;
    private final ExecutorService pool;
    private final S3Lister lister;
    private final Counter getCalls;
    private final Counter putCalls;
    private volatile boolean bucketReady;

    S3Restoration(S3Client s3, RestorationConfig config, ExecutorService pool, S3Lister lister, MeterRegistry m) {
        this.s3 = s3;
        this.config = config;
        this.pool = pool;
        this.lister = lister;
        this.getCalls = Counter.builder("erasure.s3.calls").tag("operation", "GetObject")
                .description("S3 API calls made by erase/verify").register(m);
        this.putCalls = Counter.builder("erasure.s3.calls").tag("operation", "PutObject")
                .description("S3 API calls made by erase/verify").register(m);
    }

    String bucket() {
        return config.bucket();
    }

    // ---------------------------------------------------------------- keep (erase side)

    /**
     * Copies, sealed, every object version the EXECUTE items are about to lose into the restoration bucket and
     * returns the images to keep (one or more per request and target that has anything).
     */
    List<BeforeImage> copyBeforeDelete(List<ErasureItem> executes, Map<UUID, PrefixListing[]> planned, List<S3Target> targets,
            List<String> targetNames, RestorationLog restorationLog) {
        ensureBucket();
        String run = UUID.randomUUID().toString().substring(0, 8); // a re-run never overwrites an earlier run's copies
        record Slot(UUID requestId, int target, List<Kept> entries) {}
        List<Slot> slots = new ArrayList<>();
        List<Runnable> copies = new ArrayList<>();
        for (ErasureItem item : executes) {
            PrefixListing[] perTarget = planned.get(item.requestId());
            int n = 0;
            for (int t = 0; t < targets.size(); t++) {
                if (perTarget[t].versions().isEmpty()) {
                    continue;
                }
                S3Target target = targets.get(t);
                String prefix = target.prefixFor(item.contributorId());
                List<Kept> entries = java.util.Collections.synchronizedList(new ArrayList<>());
                for (List<Version> history : histories(perTarget[t].versions()).values()) {
                    for (int order = 0; order < history.size(); order++) {
                        Version v = history.get(order);
                        if (v.deleteMarker()) {
                            entries.add(new Kept(target.bucket(), prefix, v.key(), v.versionId(), true, order,
                                    null, null, null, null, null, null, null, null));
                            continue;
                        }
                        String copy = item.requestId() + "/" + run + "-" + (n++);
                        int o = order;
                        copies.add(() -> {
                            Kept k = copy(item.requestId(), target.bucket(), prefix, v, o, copy, restorationLog);
                            if (k != null) {
                                entries.add(k);
                            }
                        });
                    }
                }
                slots.add(new Slot(item.requestId(), t, entries));
            }
        }
        runAll(copies, "copying to the restoration bucket");
        List<BeforeImage> images = new ArrayList<>();
        for (Slot s : slots) {
            List<Kept> sorted = new ArrayList<>(s.entries());
            sorted.sort(Comparator.comparing(Kept::key).thenComparingInt(Kept::order));
            images.addAll(images(s.requestId(), targetNames.get(s.target()), sorted));
        }
        return images;
    }

    /** A key's versions and markers, oldest first (S3 lists them newest first, in two lists: merged by date). */
    static Map<String, List<Version>> histories(List<Version> versions) {
        Map<String, List<Version>> byKey = new LinkedHashMap<>();
        for (Version v : versions) {
            byKey.computeIfAbsent(v.key(), k -> new ArrayList<>()).add(v);
        }
        Comparator<Version> newestFirst = Comparator.comparing((Version v) -> !v.latest())
                .thenComparing(Version::lastModified, Comparator.nullsLast(Comparator.reverseOrder()));
        for (List<Version> history : byKey.values()) {
            history.sort(newestFirst); // stable: S3's own newest-first order within each list is kept on ties
            java.util.Collections.reverse(history);
        }
        return byKey;
    }

    private Kept copy(UUID requestId, String bucket, String prefix, Version v, int order, String copyKey, RestorationLog restorationLog) {
        ResponseBytes<GetObjectResponse> got;
        try {
            getCalls.increment();
            got = s3.getObjectAsBytes(r -> {
                r.bucket(bucket).key(v.key());
                if (v.versionId() != null) {
                    r.versionId(v.versionId());
                }
            });
        } catch (AwsServiceException e) {
            if (e.statusCode() == 404) {
                return null; // deleted since the listing: nothing left to keep (the delete will be a no-op)
            }
            throw S3ErasureStore.translate(e, "GetObject");
        } catch (SdkException e) {
            throw S3ErasureStore.translate(e, "GetObject");
        }
        byte[] sealed = restorationLog.seal(requestId, got.asByteArrayUnsafe());
        put(copyKey, sealed);
        GetObjectResponse h = got.response();
        return new Kept(bucket, prefix, v.key(), v.versionId(), false, order, copyKey, h.contentType(), h.contentEncoding(),
                h.contentDisposition(), h.contentLanguage(), h.cacheControl(), h.hasMetadata() ? Map.copyOf(h.metadata()) : null,
                h.eTag());
    }

    private void put(String copyKey, byte[] sealed) {
        try {
            putCalls.increment();
            s3.putObject(r -> r.bucket(config.bucket()).key(copyKey).contentType("application/octet-stream"),
                    RequestBody.fromBytes(sealed));
        } catch (SdkException e) {
            throw S3ErasureStore.translate(e, "PutObject (restoration bucket)");
        }
    }

    /** The entries of one request and target as JSON images of at most {@link #MAX_IMAGE_BYTES}. */
    private static List<BeforeImage> images(UUID requestId, String target, List<Kept> entries) {
        return BeforeImage.inParts(requestId, target, entries, k -> json(k).length + 1, S3Restoration::json);
    }

    private static byte[] json(Object o) {
        try {
            return JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode a before-image", e);
        }
    }

    /** Creates the restoration bucket once per store if it is absent (and allowed to). */
    private void ensureBucket() {
        if (bucketReady) {
            return;
        }
        synchronized (this) {
            if (bucketReady) {
                return;
            }
            try {
                s3.headBucket(r -> r.bucket(config.bucket()));
            } catch (AwsServiceException e) {
                if (e.statusCode() != 404) {
                    throw S3ErasureStore.translate(e, "HeadBucket (restoration bucket)");
                }
                if (!config.createBucket()) {
                    throw new StoreException("S3_RESTORATION_BUCKET_MISSING", "the restoration bucket " + config.bucket()
                            + " does not exist and s3.restoration.create-bucket is false");
                }
                try {
                    s3.createBucket(r -> r.bucket(config.bucket()));
                    log.info("s3 restoration bucket {} created", config.bucket());
                } catch (AwsServiceException c) {
                    String code = c.awsErrorDetails() == null ? null : c.awsErrorDetails().errorCode();
                    if (!"BucketAlreadyOwnedByYou".equals(code)) {
                        throw S3ErasureStore.translate(c, "CreateBucket (restoration bucket)");
                    }
                } catch (SdkException c) {
                    throw S3ErasureStore.translate(c, "CreateBucket (restoration bucket)");
                }
            } catch (SdkException e) {
                throw S3ErasureStore.translate(e, "HeadBucket (restoration bucket)");
            }
            bucketReady = true;
        }
    }

    // ---------------------------------------------------------------- restore

    /**
     * Puts back the request's kept versions, key by key, oldest first, where the key has no live version now:
     * it is absent, or its latest is a delete marker while the kept history ended with a live version (a key
     * that was already deleted before the erasure comes back only where it is absent, which keeps a second
     * restore from repeating it). A key with a live version was written since the erasure: left alone, unless its
     * newest entries are the kept history's first ones (a restore that failed half-way): then it resumes
     * ({@link #resumeAt}). The restored keys' sealed copies are then deleted from the restoration bucket.
     *
     * @return entries (object versions + delete markers) re-created per target
     */
    Map<String, Long> restore(UUID requestId, List<BeforeImage> images, RestorationLog restorationLog) {
        // target → (bucket, prefix) → key → history, deduplicated (a re-run keeps what it still found again)
        Map<String, Map<List<String>, Map<String, List<Kept>>>> plan = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        for (BeforeImage image : images) {
            for (Kept k : parse(image.content())) {
                if (!seen.add(k.bucket() + '\0' + k.key() + '\0' + k.versionId() + '\0' + k.marker())) {
                    continue;
                }
                plan.computeIfAbsent(image.target(), t -> new LinkedHashMap<>())
                        .computeIfAbsent(List.of(k.bucket(), k.prefix()), p -> new LinkedHashMap<>())
                        .computeIfAbsent(k.key(), x -> new ArrayList<>()).add(k);
            }
        }
        Map<String, AtomicLong> restored = new LinkedHashMap<>();
        List<Runnable> tasks = new ArrayList<>();
        List<String> restoredCopies = java.util.Collections.synchronizedList(new ArrayList<>());
        for (var perTarget : plan.entrySet()) {
            AtomicLong count = restored.computeIfAbsent(perTarget.getKey(), t -> new AtomicLong());
            for (var perPrefix : perTarget.getValue().entrySet()) {
                String bucket = perPrefix.getKey().get(0);
                // One listing per prefix: what each key holds now.
                Map<String, List<Version>> now = histories(lister.listVersions(bucket, perPrefix.getKey().get(1)));
                for (var perKey : perPrefix.getValue().entrySet()) {
                    List<Kept> history = new ArrayList<>(perKey.getValue());
                    history.sort(Comparator.comparingInt(Kept::order));
                    int from = resumeAt(now.get(perKey.getKey()), history);
                    if (from < 0) {
                        continue;
                    }
                    tasks.add(() -> {
                        for (Kept k : history.subList(from, history.size())) {
                            putBack(requestId, k, restorationLog);
                            count.incrementAndGet();
                            if (k.copy() != null) {
                                restoredCopies.add(k.copy());
                            }
                        }
                    });
                }
            }
        }
        runAll(tasks, "restoring");
        deleteCopies(restoredCopies);
        Map<String, Long> out = new LinkedHashMap<>();
        restored.forEach((t, n) -> out.put(t, n.get()));
        return out;
    }

    /**
     * Where to start replaying the kept history of a key, or -1 to leave it alone. {@code now}: the key's current
     * history, oldest first (null: absent). When the key's newest entries are the kept history's first ones
     * (markers, and versions with the same ETag), an earlier restore put them back: it resumes after them (all
     * of them: -1). Otherwise the conflict rule ({@link #stillErased}) decides between all and nothing.
     */
    static int resumeAt(List<Version> now, List<Kept> kept) {
        if (now != null) {
            for (int k = Math.min(now.size(), kept.size()); k > 0; k--) {
                if (sameTail(now, kept, k)) {
                    return k == kept.size() ? -1 : k;
                }
            }
        }
        return stillErased(now, kept) ? 0 : -1;
    }

    /** Whether the last {@code k} entries of {@code now} are the first {@code k} of {@code kept}. */
    private static boolean sameTail(List<Version> now, List<Kept> kept, int k) {
        for (int i = 0; i < k; i++) {
            Version v = now.get(now.size() - k + i);
            Kept e = kept.get(i);
            boolean same = v.deleteMarker() ? e.marker() : !e.marker() && e.etag() != null && e.etag().equals(v.etag());
            if (!same) {
                return false;
            }
        }
        return true;
    }

    /** The conflict rule: see {@link #restore}. {@code now}: the key's current history, oldest first (null: absent). */
    static boolean stillErased(List<Version> now, List<Kept> kept) {
        if (now == null || now.isEmpty()) {
            return true;
        }
        boolean latestIsMarker = now.getLast().deleteMarker();
        boolean keptEndedLive = !kept.getLast().marker();
        return latestIsMarker && keptEndedLive;
    }

    private void putBack(UUID requestId, Kept k, RestorationLog restorationLog) {
        try {
            if (k.marker()) {
                s3.deleteObject(r -> r.bucket(k.bucket()).key(k.key())); // a plain delete adds a delete marker
                return;
            }
            if (k.copy() == null) {
                return;
            }
            getCalls.increment();
            byte[] sealed = s3.getObjectAsBytes(r -> r.bucket(config.bucket()).key(k.copy())).asByteArrayUnsafe();
            byte[] content = restorationLog.open(requestId, sealed);
            putCalls.increment();
            s3.putObject(r -> {
                r.bucket(k.bucket()).key(k.key()).contentType(k.contentType()).contentEncoding(k.contentEncoding())
                        .contentDisposition(k.contentDisposition()).contentLanguage(k.contentLanguage())
                        .cacheControl(k.cacheControl());
                if (k.metadata() != null) {
                    r.metadata(k.metadata());
                }
            }, RequestBody.fromBytes(content));
        } catch (AwsServiceException e) {
            if (e.statusCode() == 404 && k.copy() != null) {
                throw new StoreException("S3_RESTORATION_COPY_MISSING",
                        "a sealed copy of request " + requestId + " is missing from the restoration bucket");
            }
            throw S3ErasureStore.translate(e, "restore");
        } catch (SdkException e) {
            throw S3ErasureStore.translate(e, "restore");
        }
    }

    private void deleteCopies(List<String> copies) {
        for (int from = 0; from < copies.size(); from += S3ErasureStore.MAX_CHUNK) {
            List<ObjectIdentifier> ids = copies.subList(from, Math.min(copies.size(), from + S3ErasureStore.MAX_CHUNK)).stream()
                    .map(c -> ObjectIdentifier.builder().key(c).build()).toList();
            try {
                s3.deleteObjects(r -> r.bucket(config.bucket()).delete(d -> d.objects(ids).quiet(true)));
            } catch (SdkException e) {
                // The data is back; a copy left behind is sealed and expires with the bucket's lifecycle rule.
                log.warn("deleting {} restored sealed copies from {} failed: {}", ids.size(), config.bucket(), e.getClass().getSimpleName());
            }
        }
    }

    private static List<Kept> parse(byte[] content) {
        try {
            return JSON.readValue(content, KEPT_LIST);
        } catch (IOException e) {
            throw new StoreException("S3_RESTORATION_IMAGE_UNREADABLE", "a before-image of the S3 sink does not parse");
        }
    }

    /** Runs the tasks on the lister pool (its size bounds the calls in flight) and waits for all. */
    private void runAll(List<Runnable> tasks, String what) {
        List<Future<Boolean>> futures = new ArrayList<>(tasks.size());
        for (Runnable task : tasks) {
            futures.add(pool.submit(() -> {
                task.run();
                return true;
            }));
        }
        Parallel.await(futures, what);
    }
}

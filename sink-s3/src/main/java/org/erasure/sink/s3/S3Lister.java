package org.erasure.sink.s3;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.StoreUnavailableException;
import org.erasure.sink.s3.ListingConfig.Strategy;
import org.erasure.sink.s3.PrefixListing.Upload;
import org.erasure.sink.s3.PrefixListing.Version;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.DeleteMarkerEntry;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsRequest;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.ObjectVersion;

/**
 * Lists everything a batch would erase: per request and target, every object version, delete marker
 * and incomplete multipart upload under the request's prefix. Each call is a fresh listing (erase and
 * verify each call it).
 *
 * <p>Targets are grouped by bucket and template head (the text before {@code {contributorId}}), and
 * each group is listed one of two ways, chosen per batch (see README):
 * <ul>
 *   <li><b>per prefix</b>: one paginated {@code ListObjectVersions(prefix)} and one
 *       {@code ListMultipartUploads(prefix)} per request and template;</li>
 *   <li><b>bucket pass</b>: the head (e.g. {@code contributors/}) listed once, in key-range shards in
 *       parallel, keeping the entries whose contributor id is in the batch; plus one paginated
 *       {@code ListMultipartUploads(head)}. Shard {@code i} covers the batch ids {@code i} holds,
 *       sorted by their key range {@code [head+id+"/", head+id+"0")} (ids hold no '/', so these
 *       ranges never overlap): it starts after key {@code head+firstId} and stops at the first key
 *       at or after {@code head+lastId+"0"}, in pages sized to what is left of that range.</li>
 * </ul>
 * Verify's bucket pass ({@link #listResidue}) lists the same shards by delimiter, one common prefix
 * per contributor id, and then only the batch's prefixes that still hold anything.
 */
final class S3Lister {
    private static final Logger log = LoggerFactory.getLogger(S3Lister.class);
    /** Pages a shard may spend before the cost rule applies (a first page is needed to learn anything). */
    private static final int SLACK_PAGES = 2;

    private final S3Client s3;
    private final List<S3Target> targets;
    private final ListingConfig config;
    private final ExecutorService pool;
    private final Counter versionCalls;
    private final Counter uploadCalls;
    private final Counter fallbacks;
    private final Counter listed;
    private final MeterRegistry meters;
    /** Per group and mode: entries per batch id the last finished shard read (sizes the next batch's first pages). */
    private final Map<String, Double> density = new ConcurrentHashMap<>();

    S3Lister(S3Client s3, List<S3Target> targets, ListingConfig config, ExecutorService pool, MeterRegistry meters) {
        this.s3 = s3;
        this.targets = targets;
        this.config = config;
        this.pool = pool;
        this.meters = meters;
        this.versionCalls = Counter.builder("erasure.s3.calls").tag("operation", "ListObjectVersions")
                .description("S3 API calls made by erase/verify").register(meters);
        this.uploadCalls = Counter.builder("erasure.s3.calls").tag("operation", "ListMultipartUploads")
                .description("S3 API calls made by erase/verify").register(meters);
        this.fallbacks = Counter.builder("erasure.s3.bucket.pass.fallbacks")
                .description("bucket-pass shards that handed their remaining ids to per-prefix listing (cost rule)").register(meters);
        this.listed = Counter.builder("erasure.s3.listed.entries")
                .description("entries parsed from listings (versions, delete markers, common prefixes, uploads)").register(meters);
    }

    /** Strategy per group, for the log line and tests. */
    record GroupChoice(String bucket, String head, int prefixes, Strategy strategy) {}

    /** The listing of a batch: per request, one {@link PrefixListing} per target (config order). */
    record BatchListing(Map<UUID, PrefixListing[]> perRequest, List<GroupChoice> choices, long calls) {}

    /** One bucket and template head, with the targets (indices into the config list) that share it. */
    private record Group(String bucket, String head, List<Integer> targetIndices) {}

    /** What erase lists: every entry of the batch's prefixes, by the cost rule. */
    BatchListing list(List<ErasureItem> items) {
        return list(items, false);
    }

    /**
     * What verify lists, expecting nothing: a bucket pass first asks only which of the batch's
     * prefixes hold anything at all ({@code delimiter = "/"}: one common prefix per contributor id in
     * the range, instead of every version), then lists exactly the prefixes that do. Uploads are
     * listed as by {@link #list(List)}.
     */
    BatchListing listResidue(List<ErasureItem> items) {
        return list(items, true);
    }

    private BatchListing list(List<ErasureItem> items, boolean presence) {
        Map<UUID, PrefixListing[]> out = new HashMap<>();
        if (items.isEmpty()) {
            return new BatchListing(out, List.of(), 0);
        }
        long callsBefore = (long) (versionCalls.count() + uploadCalls.count());
        Map<String, ErasureItem> byId = new HashMap<>();
        items.forEach(i -> byId.put(i.contributorId(), i));
        // (item, target) -> entries; filled by the groups' listings
        Map<UUID, List<List<Version>>> versions = new HashMap<>();
        Map<UUID, List<List<Upload>>> uploads = new HashMap<>();
        for (ErasureItem item : items) {
            List<List<Version>> v = new ArrayList<>();
            List<List<Upload>> u = new ArrayList<>();
            for (int t = 0; t < targets.size(); t++) {
                v.add(new ArrayList<>());
                u.add(new ArrayList<>());
            }
            versions.put(item.requestId(), v);
            uploads.put(item.requestId(), u);
        }

        List<GroupChoice> choices = new ArrayList<>();
        List<Future<Runnable>> work = new ArrayList<>(); // each task lists, then returns how to merge (run on this thread)
        Map<Group, List<String>> fallbackIds = new LinkedHashMap<>(); // filled by the merges, on this thread
        for (Group g : groups()) {
            int prefixes = items.size() * g.targetIndices().size();
            Strategy s = switch (config.strategy()) {
                case AUTO -> prefixes >= config.minPrefixes() ? Strategy.BUCKET_PASS : Strategy.PER_PREFIX;
                case PER_PREFIX, BUCKET_PASS -> config.strategy();
            };
            Counter.builder("erasure.s3.listings").tag("strategy", s.configName())
                    .description("template groups listed per batch, by strategy").register(meters).increment();
            choices.add(new GroupChoice(g.bucket(), g.head(), prefixes, s));
            if (s == Strategy.PER_PREFIX) {
                for (ErasureItem item : items) {
                    for (int t : g.targetIndices()) {
                        String prefix = targets.get(t).prefixFor(item.contributorId());
                        work.add(pool.submit(() -> {
                            List<Version> found = listVersions(g.bucket(), prefix);
                            List<Upload> open = listUploads(g.bucket(), prefix, null);
                            return () -> {
                                versions.get(item.requestId()).get(t).addAll(found);
                                uploads.get(item.requestId()).get(t).addAll(open);
                            };
                        }));
                    }
                }
            } else {
                List<String> ids = new ArrayList<>(byId.keySet());
                ids.sort((a, b) -> S3KeyOrder.INSTANCE.compare(g.head() + a + "/", g.head() + b + "/"));
                work.add(pool.submit(() -> {
                    List<Upload> open = listUploads(g.bucket(), g.head(), byId.keySet());
                    return () -> assign(g, open, byId, uploads, Upload::key);
                }));
                int shards = Math.min(config.shards(), ids.size());
                boolean adaptive = config.strategy() == Strategy.AUTO;
                for (int s0 = 0; s0 < shards; s0++) {
                    List<String> shardIds = ids.subList(s0 * ids.size() / shards, (s0 + 1) * ids.size() / shards);
                    work.add(pool.submit(() -> {
                        ShardResult r = shard(g, shardIds, adaptive, presence);
                        return () -> {
                            assign(g, r.found(), byId, versions, Version::key);
                            fallbackIds.computeIfAbsent(g, k -> new ArrayList<>()).addAll(r.perPrefix());
                        };
                    }));
                }
            }
        }
        Parallel.await(work, "listing").forEach(Runnable::run);

        // Phase 2: ids whose shard gave up on the pass (cost rule), or found present by a presence pass, are listed per prefix.
        List<Future<Runnable>> fallbackWork = new ArrayList<>();
        fallbackIds.forEach((g, ids) -> {
            for (String id : ids) {
                ErasureItem item = byId.get(id);
                for (int t : g.targetIndices()) {
                    String prefix = targets.get(t).prefixFor(item.contributorId());
                    fallbackWork.add(pool.submit(() -> {
                        List<Version> found = listVersions(g.bucket(), prefix);
                        return () -> versions.get(item.requestId()).get(t).addAll(found);
                    }));
                }
            }
        });
        Parallel.await(fallbackWork, "listing").forEach(Runnable::run);

        for (ErasureItem item : items) {
            PrefixListing[] perTarget = new PrefixListing[targets.size()];
            Set<String> seen = PrefixListing.newSeenSet();
            for (int t = 0; t < targets.size(); t++) {
                PrefixListing l = new PrefixListing(versions.get(item.requestId()).get(t), uploads.get(item.requestId()).get(t));
                perTarget[t] = targets.size() == 1 ? l : l.without(targets.get(t).bucket(), seen);
            }
            out.put(item.requestId(), perTarget);
        }
        long calls = (long) (versionCalls.count() + uploadCalls.count()) - callsBefore;
        return new BatchListing(out, choices, calls);
    }

    /** Puts entries of a bucket-wide listing on every (request, target) whose prefix they start with. */
    private <E> void assign(Group g, List<E> entries, Map<String, ErasureItem> byId, Map<UUID, List<List<E>>> into,
            java.util.function.Function<E, String> keyOf) {
        for (E e : entries) {
            String key = keyOf.apply(e);
            String id = idOf(g.head(), key);
            ErasureItem item = id == null ? null : byId.get(id);
            if (item == null) {
                continue;
            }
            for (int t : g.targetIndices()) {
                if (key.startsWith(targets.get(t).prefixFor(id))) {
                    into.get(item.requestId()).get(t).add(e);
                }
            }
        }
    }

    /** The contributor id a key under {@code head} belongs to (the text up to the next '/'), or null. */
    static String idOf(String head, String key) {
        if (!key.startsWith(head)) {
            return null;
        }
        int slash = key.indexOf('/', head.length());
        return slash <= head.length() ? null : key.substring(head.length(), slash);
    }

    private List<Group> groups() {
        Map<String, Group> groups = new LinkedHashMap<>();
        for (int t = 0; t < targets.size(); t++) {
            S3Target target = targets.get(t);
            groups.computeIfAbsent(target.bucket() + '\0' + target.head(),
                    k -> new Group(target.bucket(), target.head(), new ArrayList<>())).targetIndices().add(t);
        }
        return List.copyOf(groups.values());
    }

    /** A shard's entries of the batch, and the ids to list per prefix (present ones, or those the cost rule handed over). */
    private record ShardResult(List<Version> found, Set<String> perPrefix) {}

    /**
     * One key-range shard of a bucket pass. With {@code presence}, the head is listed by delimiter
     * {@code "/"}: each contributor id in the range is one common prefix, and the shard only learns
     * which of its ids hold anything (they are then listed per prefix). Pages are sized to what is
     * left of the range ({@link #nextPageSize}) so that a shard reads little past its end. With
     * {@code adaptive} (strategy auto), the shard gives up once its pages cost more than per-prefix
     * listings of the ids it has passed would have ({@code (pages - 2) * page-cost > templates *
     * idsPassed}): the batch was a small share of this key range after all; the ids it has not
     * passed are then listed per prefix.
     */
    private ShardResult shard(Group g, List<String> ids, boolean adaptive, boolean presence) {
        String head = g.head();
        Set<String> idSet = new HashSet<>(ids);
        String end = head + ids.getLast() + "0"; // '0' follows '/': every key of the last id sorts before it
        String keyMarker = head + ids.getFirst(); // sorts before every key of the first id
        String versionIdMarker = null;
        List<Version> found = new ArrayList<>();
        Set<String> perPrefix = new LinkedHashSet<>();
        // First page: the entries per id the group's last shard read in this mode (the batches before
        // were spread alike), else a dense batch (one per id and template); plus a quarter.
        String densityKey = g.bucket() + '\0' + g.head() + (presence ? "\0presence" : "");
        double perId = density.getOrDefault(densityKey, presence ? 1.0 : g.targetIndices().size());
        int maxKeys = (int) Math.min(config.pageSize(), Math.ceil(1.25 * ids.size() * perId) + 1);
        long read = 0; // entries of the shard's range read so far
        int pages = 0;
        int passed = 0;
        while (true) {
            ListObjectVersionsResponse page = versionsPage(ListObjectVersionsRequest.builder().bucket(g.bucket()).prefix(head)
                    .delimiter(presence ? "/" : null).keyMarker(keyMarker).versionIdMarker(versionIdMarker).maxKeys(maxKeys).build());
            pages++;
            long readBefore = read;
            for (ObjectVersion v : page.versions()) {
                read += inRange(v.key(), head, end, idSet, () -> found.add(new Version(v.key(), v.versionId(), false, v.lastModified(), Boolean.TRUE.equals(v.isLatest()), v.eTag())));
            }
            for (DeleteMarkerEntry m : page.deleteMarkers()) {
                read += inRange(m.key(), head, end, idSet, () -> found.add(new Version(m.key(), m.versionId(), true, m.lastModified(), Boolean.TRUE.equals(m.isLatest()), null)));
            }
            for (CommonPrefix p : page.commonPrefixes()) {
                read += inRange(p.prefix(), head, end, idSet, () -> perPrefix.add(idOf(head, p.prefix())));
            }
            boolean beyond = read - readBefore < page.versions().size() + page.deleteMarkers().size() + page.commonPrefixes().size();
            if (beyond || !Boolean.TRUE.equals(page.isTruncated()) || page.nextKeyMarker() == null) {
                density.put(densityKey, read / (double) ids.size());
                return new ShardResult(found, perPrefix);
            }
            keyMarker = page.nextKeyMarker();
            versionIdMarker = page.nextVersionIdMarker();
            while (passed < ids.size() && S3KeyOrder.INSTANCE.compare(head + ids.get(passed) + "0", keyMarker) <= 0) {
                passed++;
            }
            maxKeys = nextPageSize(maxKeys, read, passed, ids.size() - passed, config.pageSize());
            if (adaptive && (pages - SLACK_PAGES) * config.pageCost() > (double) g.targetIndices().size() * passed) {
                fallbacks.increment();
                List<String> rest = ids.subList(passed, ids.size());
                Set<String> restSet = new HashSet<>(rest);
                found.removeIf(v -> restSet.contains(idOf(head, v.key())));
                perPrefix.addAll(rest);
                log.debug("bucket pass shard in {}: {} pages for {} of {} ids, the rest per prefix (cost rule)",
                        g.bucket(), pages, passed, ids.size());
                return new ShardResult(found, perPrefix);
            }
        }
    }

    /**
     * The next page of a shard, sized to what is left of its range: the entries read per id so far
     * ({@code passed + 0.5}: the marker is on average halfway to the next id), times the ids left, plus
     * a quarter (one page too many costs a call; one too big reads into the next shard's range);
     * doubled while no id has been passed yet; at most {@code max}.
     */
    static int nextPageSize(int current, long read, int passed, int remaining, int max) {
        long next = passed == 0 ? 2L * current : (long) Math.ceil(read * 1.25 * remaining / (passed + 0.5)) + 1;
        return (int) Math.max(1, Math.min(max, next));
    }

    /** 1 for a listed entry inside the shard's range (running {@code add} if it is one of the shard's ids), 0 past it. */
    private static int inRange(String key, String head, String end, Set<String> ids, Runnable add) {
        if (S3KeyOrder.INSTANCE.compare(key, end) >= 0) {
            return 0;
        }
        String id = idOf(head, key);
        if (id != null && ids.contains(id)) {
            add.run();
        }
        return 1;
    }

    /** Every object version and delete marker whose key starts with {@code prefix} (all pages). */
    List<Version> listVersions(String bucket, String prefix) {
        List<Version> versions = new ArrayList<>();
        long stray = 0;
        String keyMarker = null;
        String versionIdMarker = null;
        while (true) {
            ListObjectVersionsResponse page = versionsPage(ListObjectVersionsRequest.builder().bucket(bucket).prefix(prefix)
                    .keyMarker(keyMarker).versionIdMarker(versionIdMarker).build());
            for (ObjectVersion v : page.versions()) {
                if (v.key().startsWith(prefix)) {
                    versions.add(new Version(v.key(), v.versionId(), false, v.lastModified(), Boolean.TRUE.equals(v.isLatest()), v.eTag()));
                } else {
                    stray++;
                }
            }
            for (DeleteMarkerEntry m : page.deleteMarkers()) {
                if (m.key().startsWith(prefix)) {
                    versions.add(new Version(m.key(), m.versionId(), true, m.lastModified(), Boolean.TRUE.equals(m.isLatest()), null));
                } else {
                    stray++;
                }
            }
            if (!Boolean.TRUE.equals(page.isTruncated()) || page.nextKeyMarker() == null) {
                break;
            }
            keyMarker = page.nextKeyMarker();
            versionIdMarker = page.nextVersionIdMarker();
        }
        if (stray > 0) {
            // Defence in depth: never delete what the prefix did not ask for. No key in the log (keys can hold ids).
            log.warn("ListObjectVersions in bucket {} returned {} entries outside the requested prefix; ignored", bucket, stray);
        }
        return versions;
    }

    private ListObjectVersionsResponse versionsPage(ListObjectVersionsRequest request) {
        try {
            versionCalls.increment();
            ListObjectVersionsResponse page = s3.listObjectVersions(request);
            listed.increment(page.versions().size() + page.deleteMarkers().size() + page.commonPrefixes().size());
            return page;
        } catch (SdkException e) {
            throw S3ErasureStore.translate(e, "ListObjectVersions");
        }
    }

    /**
     * Incomplete multipart uploads whose key starts with {@code prefix} (all pages); with {@code ids},
     * only those of a contributor id in the set ({@code prefix} is then a template head).
     */
    List<Upload> listUploads(String bucket, String prefix, Set<String> ids) {
        List<Upload> found = new ArrayList<>();
        String keyMarker = null;
        String uploadIdMarker = null;
        while (true) {
            String km = keyMarker;
            String um = uploadIdMarker;
            ListMultipartUploadsResponse page;
            try {
                uploadCalls.increment();
                page = s3.listMultipartUploads(r -> r.bucket(bucket).prefix(prefix).keyMarker(km).uploadIdMarker(um));
            } catch (SdkException e) {
                throw S3ErasureStore.translate(e, "ListMultipartUploads");
            }
            listed.increment(page.uploads().size());
            for (MultipartUpload u : page.uploads()) {
                if (!u.key().startsWith(prefix) || (ids != null && !ids.contains(idOf(prefix, u.key())))) {
                    continue;
                }
                found.add(new Upload(u.key(), u.uploadId()));
            }
            if (!Boolean.TRUE.equals(page.isTruncated()) || page.nextKeyMarker() == null) {
                break;
            }
            keyMarker = page.nextKeyMarker();
            uploadIdMarker = page.nextUploadIdMarker();
        }
        return found;
    }

}

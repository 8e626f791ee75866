package org.erasure.e2e.bench.pipeline.direct;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;

/**
 * S3 with the {@code s3.targets} mapping: every object version and delete marker under each of the
 * person's prefixes ({@code contributors/{contributorId}/} ...) is deleted for good. The old way
 * lists and deletes prefix by prefix; the lower bound lists the prefixes with a few parallel
 * listers and deletes with DeleteObjects calls of up to 1,000 keys.
 */
public final class S3Direct implements DirectEraser {

    private static final int DELETE_CHUNK = 1_000;

    private record Target(String bucket, List<String> prefixTemplates) {}

    private final S3Client s3;
    private final int listers;
    private final List<Target> targets = new ArrayList<>();

    /** @param listers parallel ListObjectVersions calls of the lower bound */
    public S3Direct(S3Client s3, int listers) {
        this.s3 = s3;
        this.listers = listers;
        for (Config t : DefaultMapping.section("s3").getConfigList("targets")) {
            targets.add(new Target(t.getString("bucket"), t.getStringList("prefixes")));
        }
    }

    @Override
    public String store() {
        return "s3";
    }

    @Override
    public Erased eraseOne(Subject subject) {
        long deleted = 0;
        for (Target t : targets) {
            for (String template : t.prefixTemplates()) {
                List<ObjectIdentifier> versions = list(t.bucket(), prefix(template, subject));
                for (int from = 0; from < versions.size(); from += DELETE_CHUNK) {
                    deleted += delete(t.bucket(), versions.subList(from, Math.min(versions.size(), from + DELETE_CHUNK)));
                }
            }
        }
        return new Erased(deleted, 0);
    }

    @Override
    public Erased eraseAll(List<Subject> subjects) {
        AtomicLong deleted = new AtomicLong();
        try (ExecutorService pool = Executors.newFixedThreadPool(listers)) {
            for (Target t : targets) {
                DeleteBuffer buffer = new DeleteBuffer(t.bucket(), deleted);
                List<Future<?>> listings = new ArrayList<>();
                for (Subject subject : subjects) {
                    for (String template : t.prefixTemplates()) {
                        listings.add(pool.submit(() -> buffer.add(list(t.bucket(), prefix(template, subject)))));
                    }
                }
                for (Future<?> listing : listings) {
                    listing.get();
                }
                buffer.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during the S3 lower bound", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("S3 erasure failed: " + e.getCause().getMessage(), e.getCause());
        }
        return new Erased(deleted.get(), 0);
    }

    /** Collects listed versions; whoever fills a chunk of 1,000 deletes it (so listing and deleting overlap). */
    private final class DeleteBuffer {
        private final String bucket;
        private final AtomicLong deleted;
        private final List<ObjectIdentifier> pending = new ArrayList<>();

        DeleteBuffer(String bucket, AtomicLong deleted) {
            this.bucket = bucket;
            this.deleted = deleted;
        }

        void add(List<ObjectIdentifier> versions) {
            List<ObjectIdentifier> chunk = null;
            synchronized (this) {
                pending.addAll(versions);
                if (pending.size() >= DELETE_CHUNK) {
                    chunk = new ArrayList<>(pending.subList(0, DELETE_CHUNK));
                    pending.subList(0, DELETE_CHUNK).clear();
                }
            }
            if (chunk != null) {
                deleted.addAndGet(delete(bucket, chunk));
            }
        }

        void flush() {
            List<ObjectIdentifier> rest;
            synchronized (this) {
                rest = new ArrayList<>(pending);
                pending.clear();
            }
            for (int from = 0; from < rest.size(); from += DELETE_CHUNK) {
                deleted.addAndGet(delete(bucket, rest.subList(from, Math.min(rest.size(), from + DELETE_CHUNK))));
            }
        }
    }

    /** Every version and delete marker under the prefix. */
    private List<ObjectIdentifier> list(String bucket, String prefix) {
        List<ObjectIdentifier> found = new ArrayList<>();
        for (ListObjectVersionsResponse page : s3.listObjectVersionsPaginator(r -> r.bucket(bucket).prefix(prefix))) {
            page.versions().forEach(v -> found.add(ObjectIdentifier.builder().key(v.key()).versionId(v.versionId()).build()));
            page.deleteMarkers().forEach(m -> found.add(ObjectIdentifier.builder().key(m.key()).versionId(m.versionId()).build()));
        }
        return found;
    }

    private long delete(String bucket, List<ObjectIdentifier> versions) {
        if (versions.isEmpty()) {
            return 0;
        }
        DeleteObjectsResponse response = s3.deleteObjects(r -> r.bucket(bucket).delete(d -> d.objects(versions).quiet(true)));
        if (response.hasErrors() && !response.errors().isEmpty()) {
            throw new IllegalStateException("S3 DeleteObjects: " + response.errors().size() + " keys not deleted, first: "
                    + response.errors().getFirst().code());
        }
        return versions.size();
    }

    private static String prefix(String template, Subject subject) {
        return template.replace("{contributorId}", subject.contributorId());
    }

    @Override
    public void close() {
        s3.close();
    }
}

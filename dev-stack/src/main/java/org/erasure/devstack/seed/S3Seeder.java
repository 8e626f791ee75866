package org.erasure.devstack.seed;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;

/** Creates the versioned bucket and the contributors' objects with a few parallel writers. */
public final class S3Seeder {

    private static final int WRITERS = 8;

    private S3Seeder() {}

    public static SeedResult seed(S3Client s3, String bucket, SampleWorld world) {
        long begin = System.nanoTime();
        ensureBucket(s3, bucket);
        AtomicLong versions = new AtomicLong();
        try (ExecutorService writers = Executors.newFixedThreadPool(WRITERS)) {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                done.add(writers.submit(() -> {
                    for (int i = writer; i < world.size(); i += WRITERS) {
                        for (SampleWorld.S3Object object : world.s3ObjectsOf(i)) {
                            for (int v = 1; v <= object.versions(); v++) {
                                String body = "contributor " + world.contributor(i).id() + " version " + v + "\n";
                                s3.putObject(p -> p.bucket(bucket).key(object.key()),
                                        RequestBody.fromString(body, StandardCharsets.UTF_8));
                                versions.incrementAndGet();
                            }
                        }
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("S3 seeding interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("S3 seeding failed: " + e.getCause().getMessage(), e.getCause());
        }
        for (String key : SampleWorld.S3_UNRELATED_KEYS) {
            s3.putObject(p -> p.bucket(bucket).key(key), RequestBody.fromString("shared\n", StandardCharsets.UTF_8));
        }
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("objects", world.s3ObjectCount());
        counts.put("versions", versions.get());
        counts.put("unrelated objects", (long) SampleWorld.S3_UNRELATED_KEYS.size());
        return new SeedResult("s3", counts, Duration.ofNanos(System.nanoTime() - begin));
    }

    /**
     * Creates the bucket unless it exists (a second run, or a store that kept its data), with versioning
     * enabled: the S3 sink's default mapping checks the bucket at start and erases every version.
     */
    public static void ensureBucket(S3Client s3, String bucket) {
        try {
            s3.headBucket(b -> b.bucket(bucket));
        } catch (NoSuchBucketException missing) {
            s3.createBucket(b -> b.bucket(bucket));
        }
        s3.putBucketVersioning(b -> b.bucket(bucket)
                .versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
    }
}

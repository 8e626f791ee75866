package org.erasure.devstack.s3;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.erasure.devstack.seed.S3Seeder;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.devstack.seed.SeedResult;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;

/**
 * Measures an S3 backend of the dev-stack at a given world size (a measurement, not a test):
 * ListObjectVersions / ListObjectsV2 / ListMultipartUploads by contributor prefix, idle and with one
 * core busy, a bucket-wide versioned listing of {@code contributors/}, and DeleteObjects of 1,000
 * versions. Run:
 * {@code java -cp dev-stack/target/test-classes:dev-stack/target/classes:$(cat dev-stack/target/runtime-classpath.txt)
 * org.erasure.devstack.s3.S3ListingProbe indexed 100000}
 */
public final class S3ListingProbe {

    private static final int SAMPLES = 21;

    public static void main(String[] args) throws Exception {
        S3Server.Backend backend = S3Server.Backend.valueOf(args.length > 0 ? args[0].toUpperCase() : "INDEXED");
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        SampleWorld world = SampleWorld.ofSize(size);
        String bucket = "probe-" + backend.name().toLowerCase();
        try (S3Server server = S3Server.start(backend); S3Client s3 = server.newClient()) {
            SeedResult seeded = S3Seeder.seed(s3, bucket, world);
            report(backend, "seed " + world.s3VersionCount() + " versions", seeded.took().toMillis(), "ms");
            Random random = new Random(42);
            List<Integer> sample = new ArrayList<>();
            for (int i = 0; i < SAMPLES + 5; i++) {
                sample.add(random.nextInt(size));
            }
            for (int i = 0; i < 100; i++) {
                String key = "uploads/" + world.contributor(sample.get(i % sample.size())).id() + "/big-" + i + ".bin";
                var mpu = s3.createMultipartUpload(r -> r.bucket(bucket).key(key));
                s3.uploadPart(r -> r.bucket(bucket).key(key).uploadId(mpu.uploadId()).partNumber(1), RequestBody.fromString("part"));
            }
            measureListings(backend, "idle", s3, bucket, world, sample);
            Process busy = new ProcessBuilder("sh", "-c", "while :; do :; done").start();
            try {
                measureListings(backend, "one core busy", s3, bucket, world, sample);
            } finally {
                busy.destroyForcibly();
            }

            long t0 = System.nanoTime();
            long pages = 0;
            long entries = 0;
            for (ListObjectVersionsResponse page : s3.listObjectVersionsPaginator(r -> r.bucket(bucket).prefix("contributors/"))) {
                pages++;
                entries += page.versions().size() + page.deleteMarkers().size();
            }
            report(backend, "bucket-wide ListObjectVersions contributors/ (" + entries + " entries, " + pages + " pages)",
                    (System.nanoTime() - t0) / 1_000_000, "ms");

            List<ObjectIdentifier> ids = new ArrayList<>();
            for (int i = 0; ids.size() < 1000; i++) {
                for (String p : List.of("contributors/", "uploads/")) {
                    String prefix = p + world.contributor(i).id() + "/";
                    s3.listObjectVersions(r -> r.bucket(bucket).prefix(prefix)).versions()
                            .forEach(v -> ids.add(ObjectIdentifier.builder().key(v.key()).versionId(v.versionId()).build()));
                }
            }
            List<ObjectIdentifier> chunk = ids.subList(0, 1000);
            long d0 = System.nanoTime();
            var response = s3.deleteObjects(r -> r.bucket(bucket).delete(d -> d.objects(chunk).quiet(true)));
            report(backend, "DeleteObjects of 1000 versions (errors " + response.errors().size() + ")",
                    (System.nanoTime() - d0) / 1_000_000, "ms");
        }
    }

    private static void measureListings(S3Server.Backend backend, String load, S3Client s3, String bucket, SampleWorld world,
            List<Integer> sample) {
        for (int i = 0; i < 5; i++) { // warm-up
            String prefix = "contributors/" + world.contributor(sample.get(SAMPLES + i)).id() + "/";
            s3.listObjectVersions(r -> r.bucket(bucket).prefix(prefix));
        }
        report(backend, "ListObjectVersions by prefix, " + load, median(sample, i -> {
            String prefix = "contributors/" + world.contributor(i).id() + "/";
            return () -> s3.listObjectVersions(r -> r.bucket(bucket).prefix(prefix));
        }), "ms median of " + SAMPLES);
        report(backend, "ListObjectsV2 by prefix, " + load, median(sample, i -> {
            String prefix = "contributors/" + world.contributor(i).id() + "/";
            return () -> s3.listObjectsV2(r -> r.bucket(bucket).prefix(prefix));
        }), "ms median of " + SAMPLES);
        report(backend, "ListMultipartUploads by prefix (100 open uploads), " + load, median(sample, i -> {
            String prefix = "uploads/" + world.contributor(i).id() + "/";
            return () -> s3.listMultipartUploads(r -> r.bucket(bucket).prefix(prefix));
        }), "ms median of " + SAMPLES);
    }

    private static double median(List<Integer> sample, java.util.function.IntFunction<Supplier<?>> call) {
        List<Double> ms = new ArrayList<>();
        for (int s = 0; s < SAMPLES; s++) {
            Supplier<?> c = call.apply(sample.get(s));
            long t0 = System.nanoTime();
            c.get();
            ms.add((System.nanoTime() - t0) / 1e6);
        }
        Collections.sort(ms);
        return ms.get(ms.size() / 2);
    }

    private static void report(S3Server.Backend backend, String what, double value, String unit) {
        System.out.printf("PROBE %-7s %s: %.1f %s%n", backend, what, value, unit);
    }
}

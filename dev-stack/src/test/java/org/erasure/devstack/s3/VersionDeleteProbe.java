package org.erasure.devstack.s3;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.CreateBucketRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.PutBucketVersioningRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * Measures version deletes on the store itself (no HTTP): a versioned bucket shaped like the sample
 * world (2 keys per contributor, every fifth profile with 2 versions), then 1,000 deletes by version
 * id. A measurement, not a test: {@code java -cp ... VersionDeleteProbe plain|indexed 100000}.
 */
public final class VersionDeleteProbe {

    public static void main(String[] args) {
        boolean indexed = args.length > 0 && args[0].equalsIgnoreCase("indexed");
        int contributors = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        BlobStore store = indexed ? new IndexedBlobStore(new TransientNio2BlobStore()) : new TransientNio2BlobStore();
        String bucket = "probe";
        store.createContainer(CreateBucketRequest.builder().bucket(bucket).build());
        store.putBucketVersioning(PutBucketVersioningRequest.builder().bucket(bucket)
                .versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)).build());
        long t0 = System.nanoTime();
        List<String[]> toDelete = new ArrayList<>();
        for (int i = 0; i < contributors; i++) {
            String profile = "contributors/" + (1_000_000 + i) + "/profile.json";
            for (int v = 0; v < (i % 5 == 0 ? 2 : 1); v++) {
                String version = put(store, bucket, profile);
                if (i < 455) {
                    toDelete.add(new String[] {profile, version});
                }
            }
            String upload = "uploads/" + (1_000_000 + i) + "/judgments.csv";
            String version = put(store, bucket, upload);
            if (i < 455) {
                toDelete.add(new String[] {upload, version});
            }
        }
        System.out.printf("DELETE-PROBE %s seeded %d contributors in %d ms%n", indexed ? "indexed" : "plain", contributors,
                (System.nanoTime() - t0) / 1_000_000);
        long d0 = System.nanoTime();
        for (String[] kv : toDelete.subList(0, 1000)) {
            store.removeBlob(DeleteObjectRequest.builder().bucket(bucket).key(kv[0]).versionId(kv[1]).build());
        }
        System.out.printf("DELETE-PROBE %s 1000 deletes by version id (one thread): %d ms%n", indexed ? "indexed" : "plain",
                (System.nanoTime() - d0) / 1_000_000);
    }

    private static String put(BlobStore store, String bucket, String key) {
        byte[] body = ("body of " + key).getBytes(StandardCharsets.UTF_8);
        return store.putBlob(PutObjectRequest.builder().bucket(bucket).key(key).contentLength((long) body.length).build(),
                new ByteArrayInputStream(body)).versionId();
    }
}

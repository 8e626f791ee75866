package org.erasure.devstack.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.DeleteMarkerEntry;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsRequest;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.ObjectVersion;

/**
 * The dev-stack's S3 answers listings from its prefix index; these tests compare each answer with
 * the one the wrapped s3proxy store gives for the same data (same version ids, same timestamps),
 * page by page, after a workload of writes, versions, delete markers, version deletes,
 * DeleteObjects, copies and multipart uploads sent over the S3 API.
 */
@DevStackTest
class IndexedBlobStoreTest {

    /** Keys that are data, not structure (no key is another's "directory": the file store cannot hold both). */
    private static final List<String> KEYS = List.of(
            "contributors/1/profile.json", "contributors/1/avatar.png", "contributors/10/profile.json",
            "contributors/100/profile.json", "contributors/2/profile.json", "contributors/o'brien \"q\"/p.json",
            "contributors/100%_match*?[a-z]/p.json", "contributors/zoë-漢字/p.json", "contributors/a+b/p.json",
            "contributors/a b/p.json", "contributors/%2F43/p.json", "contributors/~tilde /p.json",
            "uploads/1/judgments-1.csv", "uploads/10/judgments-10.csv", "uploads/2/x", "uploads/2/y",
            "shared/README.txt", "top-level.txt", "templates/job-template.json");

    @Test
    void versionedListingsMatchThePlainStorePageByPage(S3Server s3, TestNames names) {
        IndexedBlobStore index = (IndexedBlobStore) s3.blobStore();
        String bucket = names.bucket("idx");
        Random random = new Random(7);
        try (S3Client client = s3.newClient()) {
            client.createBucket(b -> b.bucket(bucket));
            client.putBucketVersioning(b -> b.bucket(bucket).versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
            for (String key : KEYS) {
                int versions = 1 + random.nextInt(3);
                for (int v = 0; v < versions; v++) {
                    put(client, bucket, key, key + " v" + v + " " + "x".repeat(random.nextInt(40)));
                }
            }
            // Delete markers on top, on a key with older versions, and twice on the same key.
            client.deleteObject(d -> d.bucket(bucket).key("contributors/1/avatar.png"));
            client.deleteObject(d -> d.bucket(bucket).key("uploads/2/x"));
            client.deleteObject(d -> d.bucket(bucket).key("uploads/2/x"));
            // A write after a marker; removing a current version (the next one becomes latest); removing a marker.
            put(client, bucket, "uploads/2/x", "back again");
            ObjectVersion current = versions(client, bucket, "contributors/10/").versions().getFirst();
            client.deleteObject(d -> d.bucket(bucket).key(current.key()).versionId(current.versionId()));
            DeleteMarkerEntry marker = versions(client, bucket, "contributors/1/avatar.png").deleteMarkers().getFirst();
            client.deleteObject(d -> d.bucket(bucket).key(marker.key()).versionId(marker.versionId()));
            // DeleteObjects of every version of one key and of a non-current version of another.
            ListObjectVersionsResponse two = versions(client, bucket, "contributors/2/");
            List<ObjectIdentifier> ids = new ArrayList<>();
            two.versions().forEach(v -> ids.add(ObjectIdentifier.builder().key(v.key()).versionId(v.versionId()).build()));
            versions(client, bucket, "contributors/a b/").versions().stream().filter(v -> !v.isLatest()).findFirst()
                    .ifPresent(v -> ids.add(ObjectIdentifier.builder().key(v.key()).versionId(v.versionId()).build()));
            assertThat(client.deleteObjects(d -> d.bucket(bucket).delete(del -> del.objects(ids).quiet(true))).errors()).isEmpty();
            // A copy and a completed multipart upload are new current versions too.
            client.copyObject(c -> c.sourceBucket(bucket).sourceKey("shared/README.txt").destinationBucket(bucket)
                    .destinationKey("contributors/1/profile.json"));
            String uploadKey = "uploads/10/judgments-10.csv";
            String uploadId = client.createMultipartUpload(c -> c.bucket(bucket).key(uploadKey)).uploadId();
            String eTag = client.uploadPart(u -> u.bucket(bucket).key(uploadKey).uploadId(uploadId).partNumber(1),
                    RequestBody.fromString("multipart body")).eTag();
            client.completeMultipartUpload(c -> c.bucket(bucket).key(uploadKey).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag(eTag).build())));
        }
        ListObjectVersionsResponse all = index.delegate().listVersions(ListObjectVersionsRequest.builder().bucket(bucket).build());
        assertThat(all.versions()).hasSizeGreaterThan(KEYS.size());
        assertThat(all.versions()).filteredOn(v -> !v.isLatest()).isNotEmpty();
        assertThat(all.deleteMarkers()).hasSize(2);
        assertSameListings(index, bucket);
    }

    @Test
    void unversionedAndSuspendedBucketsMatchThePlainStore(S3Server s3, TestNames names) {
        IndexedBlobStore index = (IndexedBlobStore) s3.blobStore();
        String never = names.bucket("never");
        String suspended = names.bucket("susp");
        try (S3Client client = s3.newClient()) {
            client.createBucket(b -> b.bucket(never));
            for (String key : KEYS) {
                put(client, never, key, "one");
            }
            put(client, never, KEYS.getFirst(), "replaced");
            client.deleteObject(d -> d.bucket(never).key(KEYS.get(1)));
            client.deleteObjects(d -> d.bucket(never).delete(del -> del.objects(ObjectIdentifier.builder().key(KEYS.get(2)).build())));

            client.createBucket(b -> b.bucket(suspended));
            client.putBucketVersioning(b -> b.bucket(suspended).versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
            for (String key : KEYS) {
                put(client, suspended, key, "versioned");
            }
            client.putBucketVersioning(b -> b.bucket(suspended).versioningConfiguration(v -> v.status(BucketVersioningStatus.SUSPENDED)));
            put(client, suspended, KEYS.get(0), "null version 1");
            put(client, suspended, KEYS.get(0), "null version 2 replaces 1");
            client.deleteObject(d -> d.bucket(suspended).key(KEYS.get(3))); // a "null" delete marker
        }
        assertSameListings(index, never);
        assertSameListings(index, suspended);
    }

    @Test
    void commonPrefixesCountAsOneEntryAndKeysSortInUtf8Order(S3Server s3, TestNames names) {
        String bucket = names.bucket("cp");
        try (S3Client client = s3.newClient()) {
            client.createBucket(b -> b.bucket(bucket));
            client.putBucketVersioning(b -> b.bucket(bucket).versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
            for (String key : List.of("a/1", "a/2", "b", "c/1", "c/2/x")) {
                put(client, bucket, key, "v1");
                put(client, bucket, key, "v2");
            }
            // S3 lists keys in UTF-8 byte order: U+1F600 (4 bytes, F0 ..) sorts after U+FFFD (EF BF BD),
            // although its UTF-16 form (a surrogate pair, D83D ..) sorts before it.
            put(client, bucket, "u/\uFFFD", "replacement");
            put(client, bucket, "u/\uD83D\uDE00", "emoji");

            List<String> pages = new ArrayList<>();
            String keyMarker = null;
            String versionMarker = null;
            do {
                String km = keyMarker;
                String vm = versionMarker;
                ListObjectVersionsResponse page = client.listObjectVersions(l -> l.bucket(bucket).delimiter("/").maxKeys(1)
                        .keyMarker(km).versionIdMarker(vm));
                assertThat(page.versions().size() + page.commonPrefixes().size()).isEqualTo(1);
                pages.add(page.commonPrefixes().isEmpty() ? page.versions().getFirst().key() : page.commonPrefixes().getFirst().prefix());
                keyMarker = page.nextKeyMarker();
                versionMarker = page.nextVersionIdMarker();
            } while (keyMarker != null);
            assertThat(pages).containsExactly("a/", "b", "b", "c/", "u/");

            assertThat(client.listObjectVersions(l -> l.bucket(bucket).prefix("u/")).versions())
                    .extracting(ObjectVersion::key).containsExactly("u/\uFFFD", "u/\uD83D\uDE00");
            assertThat(client.listObjectsV2(l -> l.bucket(bucket).delimiter("/").prefix("c/")).commonPrefixes())
                    .extracting(p -> p.prefix()).containsExactly("c/2/");
        }
    }

    /** Every prefix of every key (and a few that match nothing), in pages of 1, 2, 3, 7 and 1000. */
    private static void assertSameListings(IndexedBlobStore index, String bucket) {
        BlobStore plain = index.delegate();
        Set<String> prefixes = new TreeSet<>(List.of("", "zzz", "contributors/1", "contributors/1/", "nothing/"));
        for (String key : KEYS) {
            for (int i = 1; i <= key.length(); i++) {
                prefixes.add(key.substring(0, i));
            }
        }
        int pagesCompared = 0;
        for (String prefix : prefixes) {
            for (int maxKeys : new int[] {1, 2, 3, 7, 1000}) {
                String keyMarker = null;
                String versionMarker = null;
                while (true) {
                    ListObjectVersionsRequest request = ListObjectVersionsRequest.builder().bucket(bucket).prefix(prefix)
                            .maxKeys(maxKeys).keyMarker(keyMarker).versionIdMarker(versionMarker).build();
                    ListObjectVersionsResponse expected = plain.listVersions(request);
                    ListObjectVersionsResponse actual = index.listVersions(request);
                    assertThat(actual.versions()).as("versions, prefix '%s', page size %d", prefix, maxKeys)
                            .containsExactlyElementsOf(expected.versions());
                    assertThat(actual.deleteMarkers()).as("markers, prefix '%s'", prefix).containsExactlyElementsOf(expected.deleteMarkers());
                    assertThat(actual.isTruncated()).as("truncated, prefix '%s'", prefix).isEqualTo(expected.isTruncated());
                    assertThat(actual.nextKeyMarker()).isEqualTo(expected.nextKeyMarker());
                    assertThat(actual.nextVersionIdMarker()).isEqualTo(expected.nextVersionIdMarker());
                    pagesCompared++;
                    if (!Boolean.TRUE.equals(expected.isTruncated())) {
                        break;
                    }
                    keyMarker = expected.nextKeyMarker();
                    versionMarker = expected.nextVersionIdMarker();
                }
                String token = null;
                while (true) {
                    ListObjectsV2Request request = ListObjectsV2Request.builder().bucket(bucket).prefix(prefix)
                            .maxKeys(maxKeys).continuationToken(token).build();
                    ListObjectsV2Response expected = plain.list(request);
                    ListObjectsV2Response actual = index.list(request);
                    assertThat(actual.contents()).as("objects, prefix '%s', page size %d", prefix, maxKeys)
                            .containsExactlyElementsOf(expected.contents());
                    assertThat(actual.nextContinuationToken()).isEqualTo(expected.nextContinuationToken());
                    pagesCompared++;
                    if (expected.nextContinuationToken() == null) {
                        break;
                    }
                    token = expected.nextContinuationToken();
                }
            }
            // One page with a delimiter: the same common prefixes (the plain store pages them differently).
            ListObjectVersionsRequest rolled = ListObjectVersionsRequest.builder().bucket(bucket).prefix(prefix).delimiter("/").build();
            assertThat(new HashSet<>(index.listVersions(rolled).commonPrefixes()))
                    .isEqualTo(new HashSet<>(plain.listVersions(rolled).commonPrefixes()));
            ListObjectsV2Request rolledV2 = ListObjectsV2Request.builder().bucket(bucket).prefix(prefix).delimiter("/").maxKeys(1000).build();
            assertThat(index.list(rolledV2).commonPrefixes()).isEqualTo(plain.list(rolledV2).commonPrefixes());
            assertThat(index.list(rolledV2).contents()).isEqualTo(plain.list(rolledV2).contents());
        }
        assertThat(pagesCompared).isGreaterThan(1000);
    }

    private static ListObjectVersionsResponse versions(S3Client client, String bucket, String prefix) {
        return client.listObjectVersions(l -> l.bucket(bucket).prefix(prefix));
    }

    private static void put(S3Client client, String bucket, String key, String body) {
        client.putObject(p -> p.bucket(bucket).key(key), RequestBody.fromString(body, StandardCharsets.UTF_8));
    }
}

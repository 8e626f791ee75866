package org.erasure.devstack.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.DeleteMarkerEntry;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.ObjectVersion;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The dev-stack's S3 ({@link IndexedBlobStore}) against s3proxy's own versioned store as the
 * reference: the same workload over the S3 API on both (writes, versions, delete markers, version
 * deletes, DeleteObjects, copies, multipart, hostile keys; versioned, suspended and never-versioned
 * buckets), then every prefix of every key listed on both, page by page, and every version read
 * back. Version ids and timestamps differ between the two servers, so versions are compared by
 * their place (key and position, newest first) with everything else S3 reports about them.
 */
@DevStackTest
class IndexedBlobStoreTest {

    /** Keys that are data, not structure (no key is another's "directory": the reference store cannot hold both). */
    private static final List<String> KEYS = List.of(
            "contributors/1/profile.json", "contributors/1/avatar.png", "contributors/10/profile.json",
            "contributors/100/profile.json", "contributors/2/profile.json", "contributors/o'brien \"q\"/p.json",
            "contributors/100%_match*?[a-z]/p.json", "contributors/zoë-漢字/p.json", "contributors/a+b/p.json",
            "contributors/a b/p.json", "contributors/%2F43/p.json", "contributors/~tilde /p.json",
            "uploads/1/judgments-1.csv", "uploads/10/judgments-10.csv", "uploads/2/x", "uploads/2/y",
            "shared/README.txt", "top-level.txt", "templates/job-template.json");

    /** s3proxy's store as is: the reference the index is compared with (a second, plain s3proxy in this JVM). */
    private static S3Server reference;

    @BeforeAll
    static void startReference() {
        reference = S3Server.start(S3Server.Backend.PLAIN);
    }

    @AfterAll
    static void stopReference() {
        reference.close();
    }

    @Test
    void versionedBucketAnswersLikeS3proxysOwnVersioning(S3Server s3, TestNames names) {
        assertSameAfter(s3, names.bucket("idx"), (client, bucket) -> {
            client.createBucket(b -> b.bucket(bucket));
            client.putBucketVersioning(b -> b.bucket(bucket).versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
            Random random = new Random(7);
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
            client.deleteObject(d -> d.bucket(bucket).key("contributors/100/profile.json"));
            // A write after a marker; removing a current version (the next one becomes latest); removing a marker.
            put(client, bucket, "uploads/2/x", "back again");
            ObjectVersion current = versions(client, bucket, "contributors/10/").versions().getFirst();
            client.deleteObject(d -> d.bucket(bucket).key(current.key()).versionId(current.versionId()));
            DeleteMarkerEntry marker = versions(client, bucket, "contributors/1/avatar.png").deleteMarkers().getFirst();
            client.deleteObject(d -> d.bucket(bucket).key(marker.key()).versionId(marker.versionId()));
            // DeleteObjects of every version of one key and of a non-current version of another.
            List<ObjectIdentifier> ids = new ArrayList<>();
            versions(client, bucket, "contributors/2/").versions()
                    .forEach(v -> ids.add(ObjectIdentifier.builder().key(v.key()).versionId(v.versionId()).build()));
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
            // Incomplete uploads: two open, one aborted.
            List<String> open = new ArrayList<>();
            for (String key : List.of("uploads/1/big.bin", "uploads/1/big.bin", "contributors/a b/big.bin")) {
                open.add(client.createMultipartUpload(c -> c.bucket(bucket).key(key)).uploadId());
            }
            client.abortMultipartUpload(a -> a.bucket(bucket).key("uploads/1/big.bin").uploadId(open.getFirst()));
        });
        try (S3Client client = s3.newClient()) {
            String bucket = names.bucket("idx");
            // What a reader sees: the latest version, 404 behind a delete marker, 405 for a marker by id.
            assertThat(client.getObjectAsBytes(g -> g.bucket(bucket).key("uploads/2/x")).asUtf8String()).isEqualTo("back again");
            assertThatThrownBy(() -> client.getObjectAsBytes(g -> g.bucket(bucket).key("contributors/100/profile.json")))
                    .isInstanceOf(NoSuchKeyException.class);
            DeleteMarkerEntry m = versions(client, bucket, "contributors/100/").deleteMarkers().getFirst();
            assertThatThrownBy(() -> client.headObject(h -> h.bucket(bucket).key(m.key()).versionId(m.versionId())))
                    .isInstanceOf(S3Exception.class).extracting(e -> ((S3Exception) e).statusCode()).isEqualTo(405);
        }
    }

    @Test
    void unversionedAndSuspendedBucketsAnswerLikeS3proxysOwn(S3Server s3, TestNames names) {
        assertSameAfter(s3, names.bucket("never"), (client, bucket) -> {
            client.createBucket(b -> b.bucket(bucket));
            for (String key : KEYS) {
                put(client, bucket, key, "one " + key);
            }
            put(client, bucket, KEYS.getFirst(), "replaced");
            client.deleteObject(d -> d.bucket(bucket).key(KEYS.get(1)));
            client.deleteObjects(d -> d.bucket(bucket).delete(del -> del.objects(ObjectIdentifier.builder().key(KEYS.get(2)).build())));
        });
        assertSameAfter(s3, names.bucket("susp"), (client, bucket) -> {
            client.createBucket(b -> b.bucket(bucket));
            client.putBucketVersioning(b -> b.bucket(bucket).versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
            for (String key : KEYS) {
                put(client, bucket, key, "versioned " + key);
            }
            client.putBucketVersioning(b -> b.bucket(bucket).versioningConfiguration(v -> v.status(BucketVersioningStatus.SUSPENDED)));
            put(client, bucket, KEYS.get(0), "null version 1");
            put(client, bucket, KEYS.get(0), "null version 2 replaces 1");
            client.deleteObject(d -> d.bucket(bucket).key(KEYS.get(3))); // a "null" delete marker
        });
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

    /** Runs the workload on both servers, then compares every listing page and every version's body. */
    private static void assertSameAfter(S3Server s3, String bucket, BiConsumer<S3Client, String> workload) {
        try (S3Client indexed = s3.newClient(); S3Client plain = reference.newClient()) {
            workload.accept(indexed, bucket);
            workload.accept(plain, bucket);
            // Open uploads: the same on both, and never listed as objects by the index. (The plain
            // store lists its upload bookkeeping as versions, so they are aborted before comparing.)
            assertThat(indexed.listMultipartUploads(l -> l.bucket(bucket)).uploads()).extracting(u -> u.key())
                    .containsExactlyInAnyOrderElementsOf(plain.listMultipartUploads(l -> l.bucket(bucket)).uploads().stream().map(u -> u.key()).toList());
            for (ListObjectVersionsResponse page : indexed.listObjectVersionsPaginator(l -> l.bucket(bucket))) {
                page.versions().forEach(v -> assertThat(KEYS).contains(v.key()));
                page.deleteMarkers().forEach(m -> assertThat(KEYS).contains(m.key()));
            }
            for (S3Client client : List.of(indexed, plain)) {
                client.listMultipartUploads(l -> l.bucket(bucket)).uploads().forEach(u ->
                        client.abortMultipartUpload(a -> a.bucket(bucket).key(u.key()).uploadId(u.uploadId())));
                assertThat(client.listMultipartUploads(l -> l.bucket(bucket)).uploads()).isEmpty();
            }
            Map<String, String> indexedLabels = labels(indexed, bucket);
            Map<String, String> plainLabels = labels(plain, bucket);
            assertThat(indexedLabels).hasSameSizeAs(plainLabels).hasSizeGreaterThanOrEqualTo(KEYS.size() - 3);

            Set<String> prefixes = new TreeSet<>(List.of("", "zzz", "contributors/1", "nothing/"));
            for (String key : KEYS) {
                for (int i = 1; i <= key.length(); i++) {
                    prefixes.add(key.substring(0, i));
                }
            }
            int pages = 0;
            for (String prefix : prefixes) {
                for (int maxKeys : new int[] {1, 3, 1000}) {
                    List<String> a = versionPages(indexed, bucket, prefix, maxKeys, indexedLabels);
                    List<String> b = versionPages(plain, bucket, prefix, maxKeys, plainLabels);
                    assertThat(a).as("ListObjectVersions prefix '%s' pages of %d", prefix, maxKeys).isEqualTo(b);
                    assertThat(objectPages(indexed, bucket, prefix, maxKeys))
                            .as("ListObjectsV2 prefix '%s' pages of %d", prefix, maxKeys).isEqualTo(objectPages(plain, bucket, prefix, maxKeys));
                    pages += a.size();
                }
                assertThat(indexed.listObjectVersions(l -> l.bucket(bucket).prefix(prefix).delimiter("/")).commonPrefixes())
                        .extracting(p -> p.prefix()).containsExactlyInAnyOrderElementsOf(plain.listObjectVersions(
                                l -> l.bucket(bucket).prefix(prefix).delimiter("/")).commonPrefixes().stream().map(p -> p.prefix()).toList());
                assertThat(indexed.listObjectsV2(l -> l.bucket(bucket).prefix(prefix).delimiter("/")).commonPrefixes())
                        .isEqualTo(plain.listObjectsV2(l -> l.bucket(bucket).prefix(prefix).delimiter("/")).commonPrefixes());
            }
            assertThat(pages).isGreaterThan(500);

            // Every version reads back the same body (or the same refusal, for a delete marker).
            Map<String, String> byLabelPlain = new HashMap<>();
            plainLabels.forEach((id, label) -> byLabelPlain.put(label, id));
            indexedLabels.forEach((keyAndId, label) -> {
                String key = keyAndId.substring(0, keyAndId.indexOf('\0'));
                String id = keyAndId.substring(keyAndId.indexOf('\0') + 1);
                String plainId = byLabelPlain.get(label);
                String expected = read(plain, bucket, key, plainId.substring(plainId.indexOf('\0') + 1));
                if (expected.equals("HTTP 501")) {
                    // The plain store cannot read by version id in a bucket that never had versioning
                    // (S3 reads the "null" version); compare the read of the key instead.
                    assertThat(id).isEqualTo(IndexedBlobStore.NULL_VERSION);
                    assertThat(read(indexed, bucket, key, id)).isEqualTo(read(indexed, bucket, key, null));
                    expected = read(plain, bucket, key, null);
                }
                assertThat(read(indexed, bucket, key, id)).as(label).isEqualTo(expected);
            });
        }
    }

    /** key + '\0' + version id → "key#n" (n-th newest version of the key), from a full listing. */
    private static Map<String, String> labels(S3Client client, String bucket) {
        Map<String, String> labels = new HashMap<>();
        Map<String, List<String[]>> perKey = new java.util.TreeMap<>();
        for (ListObjectVersionsResponse page : client.listObjectVersionsPaginator(l -> l.bucket(bucket))) {
            page.versions().forEach(v -> perKey.computeIfAbsent(v.key(), k -> new ArrayList<>())
                    .add(new String[] {v.versionId(), String.valueOf(v.lastModified().toEpochMilli()), "v"}));
            page.deleteMarkers().forEach(m -> perKey.computeIfAbsent(m.key(), k -> new ArrayList<>())
                    .add(new String[] {m.versionId(), String.valueOf(m.lastModified().toEpochMilli()), "m"}));
        }
        // Versions and markers come in separate lists; newest first per key by last-modified (ties: as listed).
        perKey.forEach((key, entries) -> {
            entries.sort((x, y) -> Long.compare(Long.parseLong(y[1]), Long.parseLong(x[1])));
            for (int i = 0; i < entries.size(); i++) {
                labels.put(key + '\0' + entries.get(i)[0], key + "#" + i + entries.get(i)[2]);
            }
        });
        return labels;
    }

    private static List<String> versionPages(S3Client client, String bucket, String prefix, int maxKeys, Map<String, String> labels) {
        List<String> pages = new ArrayList<>();
        String keyMarker = null;
        String versionMarker = null;
        while (true) {
            String km = keyMarker;
            String vm = versionMarker;
            ListObjectVersionsResponse page = client.listObjectVersions(l -> l.bucket(bucket).prefix(prefix).maxKeys(maxKeys)
                    .keyMarker(km).versionIdMarker(vm));
            StringBuilder s = new StringBuilder();
            for (ObjectVersion v : page.versions()) {
                s.append(labels.get(v.key() + '\0' + v.versionId())).append(v.isLatest() ? " latest " : " ").append(v.eTag()).append(' ')
                        .append(v.size()).append(' ').append(v.storageClassAsString()).append(" | ");
            }
            for (DeleteMarkerEntry m : page.deleteMarkers()) {
                s.append(labels.get(m.key() + '\0' + m.versionId())).append(m.isLatest() ? " latest" : "").append(" | ");
            }
            s.append(page.isTruncated()).append(' ').append(page.nextKeyMarker()).append(' ')
                    .append(page.nextVersionIdMarker() == null ? null : labels.get(page.nextKeyMarker() + '\0' + page.nextVersionIdMarker()));
            pages.add(s.toString());
            if (!Boolean.TRUE.equals(page.isTruncated())) {
                return pages;
            }
            keyMarker = page.nextKeyMarker();
            versionMarker = page.nextVersionIdMarker();
        }
    }

    private static List<String> objectPages(S3Client client, String bucket, String prefix, int maxKeys) {
        List<String> pages = new ArrayList<>();
        String token = null;
        while (true) {
            String t = token;
            ListObjectsV2Response page = client.listObjectsV2(l -> l.bucket(bucket).prefix(prefix).maxKeys(maxKeys).continuationToken(t));
            pages.add(page.contents().stream().map(o -> o.key() + " " + o.eTag() + " " + o.size() + " " + o.storageClassAsString()).toList()
                    + " " + page.isTruncated());
            if (page.nextContinuationToken() == null) {
                return pages;
            }
            token = page.nextContinuationToken();
        }
    }

    private static String read(S3Client client, String bucket, String key, String versionId) {
        try {
            return client.getObjectAsBytes(g -> g.bucket(bucket).key(key).versionId(versionId)).asUtf8String();
        } catch (S3Exception e) {
            return "HTTP " + e.statusCode();
        }
    }

    private static ListObjectVersionsResponse versions(S3Client client, String bucket, String prefix) {
        return client.listObjectVersions(l -> l.bucket(bucket).prefix(prefix));
    }

    private static void put(S3Client client, String bucket, String key, String body) {
        client.putObject(p -> p.bucket(bucket).key(key), RequestBody.fromString(body, StandardCharsets.UTF_8));
    }
}

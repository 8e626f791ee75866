package org.erasure.sink.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.erasure.sink.runtime.testkit.StoreFixture.byTarget;
import static org.erasure.sink.runtime.testkit.StoreFixture.residual;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.s3.S3Server;
import org.erasure.events.Mode;
import org.erasure.events.TargetResult;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.RequestResult;
import org.erasure.sink.runtime.testkit.Announced;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The two ways of listing a batch (one listing per prefix, or one sharded bucket pass) find exactly
 * the same entries per request, and the bucket pass erases exactly the batch; incomplete multipart
 * uploads are found, aborted, counted and verified either way.
 */
@DevStackTest
class S3ListingStrategyTest {

    /** Ids whose key ranges interleave in S3 order ('-' and '.' sort before '/', '0' after). */
    private static final List<String> TRICKY = List.of("4", "4-", "4.", "40", "4x", "a b", "a+b", "%", "zoë", "'; DROP");
    private static final List<String> TRICKY_NEIGHBOURS = List.of("41", "4-x", "a", "a%2Bb", "%25", "zo");

    @Test
    void bucketPassFindsWhatPerPrefixFindsAndErasesExactlyTheBatch(S3Server s3, TestNames names) {
        try (S3Fixture f = S3Fixture.seed(s3, names, 120)) {
            TRICKY.forEach(f::seedId);
            TRICKY_NEIGHBOURS.forEach(f::seedId);
            // Delete markers and extra versions inside the batch and next to it.
            f.client.deleteObject(d -> d.bucket(f.bucket).key("contributors/" + f.world.contributor(3).id() + "/profile.json"));
            f.put("contributors/4-/extra.bin", "x");
            f.client.deleteObject(d -> d.bucket(f.bucket).key("contributors/4-/extra.bin"));
            f.put("contributors/41/extra.bin", "neighbour");

            List<String> ids = new ArrayList<>(TRICKY);
            IntStream.range(0, 120).filter(i -> i % 3 != 1).forEach(i -> ids.add(String.valueOf(f.world.contributor(i).id())));
            String before = f.digest();
            // Small pages and several shards, so that shard boundaries and pagination are crossed many times.
            String pass = "listing { strategy = bucket-pass, shards = 5, page-size = 7 }";
            Map<String, Map<String, TargetResult>> perPrefix = dryRun(f, ids, "listing.strategy = per-prefix");
            Map<String, Map<String, TargetResult>> bucketPass = dryRun(f, ids, pass);
            assertThat(f.digest()).as("dry runs change nothing").isEqualTo(before);
            assertThat(bucketPass).isEqualTo(perPrefix);
            assertThat(perPrefix.get("4-").get(f.target(S3Fixture.CONTRIBUTORS)).wouldDelete()).isEqualTo(2 + 2);
            assertThat(perPrefix.get(String.valueOf(f.world.contributor(3).id())).get(f.target(S3Fixture.CONTRIBUTORS)).note())
                    .isEqualTo("1 key(s): 1 object version(s) + 1 delete marker(s)");

            List<ErasureItem> items = ids.stream().map(id -> S3Fixture.item(id, Mode.EXECUTE)).toList();
            try (S3ErasureStore store = f.store(pass)) {
                Map<UUID, RequestResult> r = Announced.erase(store, new ErasureBatch(items));
                for (ErasureItem item : items) {
                    Map<String, TargetResult> executed = byTarget(r.get(item.requestId()));
                    for (String target : store.targets()) {
                        assertThat(executed.get(target).deleted()).as("%s %s", item.contributorId(), target)
                                .isEqualTo(perPrefix.get(item.contributorId()).get(target).wouldDelete());
                    }
                }
                store.verify(new ErasureBatch(items)).values().forEach(rs -> assertThat(residual(rs)).isZero());
            }
            for (String id : ids) {
                assertThat(f.entriesUnder("contributors/" + id + "/") + f.entriesUnder("uploads/" + id + "/")).as(id).isZero();
            }
            for (String id : TRICKY_NEIGHBOURS) {
                assertThat(f.entriesUnder("contributors/" + id + "/")).as(id).isEqualTo(id.equals("41") ? 3 : 2);
                assertThat(f.entriesUnder("uploads/" + id + "/")).as(id).isEqualTo(1);
            }
            IntStream.range(0, 120).filter(i -> i % 3 == 1)
                    .forEach(i -> assertThat(f.entriesOf(f.world.contributor(i))).as("contributor %d", i).isEqualTo(f.seededEntries(i)));
        }
    }

    @Test
    void autoListsSmallBatchesPerPrefixAndABucketPassGivesUpWhereTheBatchIsSparse(S3Server s3, TestNames names) {
        try (S3Fixture f = S3Fixture.seed(s3, names, 300)) {
            // Ten contributors spread over 300: a pass would page through ~66 entries per id.
            List<ErasureItem> items = IntStream.range(0, 10).mapToObj(i -> S3Fixture.item(f.world.contributor(i * 30), Mode.EXECUTE)).toList();
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            var config = f.storeConfig(s3.endpoint().toString(), "listing { bucket-pass-min-prefixes = 5, shards = 2, page-size = 10 }");
            try (S3ErasureStore store = (S3ErasureStore) new S3StoreModule().create(config, meters)) {
                Map<UUID, RequestResult> r = Announced.erase(store, new ErasureBatch(items));
                for (int k = 0; k < items.size(); k++) {
                    assertThat(byTarget(r.get(items.get(k).requestId())).values().stream().mapToLong(TargetResult::deleted).sum())
                            .isEqualTo(f.seededEntries(k * 30));
                }
                assertThat(meters.counter("erasure.s3.listings", "strategy", "bucket-pass").count()).isEqualTo(2); // two heads
                assertThat(meters.counter("erasure.s3.bucket.pass.fallbacks").count()).isPositive();

                // Below the threshold: per prefix.
                ErasureItem lone = S3Fixture.item(f.world.contributor(1), Mode.DRY_RUN);
                Announced.erase(store, ErasureBatch.of(lone));
                assertThat(meters.counter("erasure.s3.listings", "strategy", "per-prefix").count()).isEqualTo(2);
            }
            for (int i = 0; i < 300; i++) {
                assertThat(f.entriesOf(f.world.contributor(i))).as("contributor %d", i).isEqualTo(i % 30 == 0 && i < 300 ? 0 : f.seededEntries(i));
            }
        }
    }

    @Test
    void incompleteMultipartUploadsAreAbortedCountedAndVerifiedPerPrefix(S3Server s3, TestNames names) {
        uploadsAreAbortedCountedAndVerified(s3, names, "per-prefix");
    }

    @Test
    void incompleteMultipartUploadsAreAbortedCountedAndVerifiedInABucketPass(S3Server s3, TestNames names) {
        uploadsAreAbortedCountedAndVerified(s3, names, "bucket-pass");
    }

    private static void uploadsAreAbortedCountedAndVerified(S3Server s3, TestNames names, String strategy) {
        {
            try (S3Fixture f = S3Fixture.seed(s3, names, 6)) {
                String subject = String.valueOf(f.world.contributor(1).id());
                String neighbour = String.valueOf(f.world.contributor(2).id());
                String mine = startUpload(f, "uploads/" + subject + "/video.mp4");
                startUpload(f, "uploads/" + subject + "/video.mp4"); // a second upload of the same key
                startUpload(f, "contributors/" + subject + "/avatar.png");
                String theirs = startUpload(f, "uploads/" + neighbour + "/video.mp4");
                startUpload(f, "uploads/" + subject + "0/video.mp4"); // id 10000001x0: not the subject's

                String extra = "listing.strategy = " + strategy;
                ErasureItem dry = S3Fixture.item(subject, Mode.DRY_RUN);
                ErasureItem exec = S3Fixture.item(subject, Mode.EXECUTE);
                try (S3ErasureStore store = f.store(extra)) {
                    Map<String, TargetResult> d = byTarget(Announced.erase(store, ErasureBatch.of(dry)).get(dry.requestId()));
                    assertThat(d.get(f.target(S3Fixture.UPLOADS)).wouldDelete()).as(strategy).isEqualTo(1 + 2);
                    assertThat(d.get(f.target(S3Fixture.UPLOADS)).note())
                            .isEqualTo("1 key(s): 1 object version(s) + 0 delete marker(s); 2 incomplete multipart upload(s) to abort");
                    assertThat(uploadsUnder(f, "uploads/" + subject + "/")).hasSize(2);

                    Map<String, TargetResult> e = byTarget(Announced.erase(store, ErasureBatch.of(exec)).get(exec.requestId()));
                    assertThat(e.get(f.target(S3Fixture.UPLOADS)).deleted()).isEqualTo(1 + 2);
                    assertThat(e.get(f.target(S3Fixture.UPLOADS)).note())
                            .isEqualTo("1 key(s): 1 object version(s) + 0 delete marker(s); 2 incomplete multipart upload(s) aborted");
                    assertThat(e.get(f.target(S3Fixture.CONTRIBUTORS)).deleted()).isEqualTo(1 + 1); // the profile and the avatar upload
                    assertThat(residual(store.verify(ErasureBatch.of(exec)).get(exec.requestId()))).isZero();

                    // An upload started after the erasure is found by verify, which lists afresh.
                    startUpload(f, "uploads/" + subject + "/late.bin");
                    assertThat(residual(store.verify(ErasureBatch.of(exec)).get(exec.requestId()))).isEqualTo(1);
                }
                assertThat(uploadsUnder(f, "uploads/" + subject + "/")).extracting(u -> u.key()).containsExactly("uploads/" + subject + "/late.bin");
                assertThat(uploadsUnder(f, "uploads/" + neighbour + "/")).extracting(u -> u.uploadId()).containsExactly(theirs);
                assertThat(uploadsUnder(f, "uploads/" + subject + "0/")).hasSize(1);
                assertThat(mine).isNotBlank();
            }
        }
    }

    private static Map<String, Map<String, TargetResult>> dryRun(S3Fixture f, List<String> ids, String extra) {
        List<ErasureItem> items = ids.stream().map(id -> S3Fixture.item(id, Mode.DRY_RUN)).toList();
        Map<String, Map<String, TargetResult>> out = new java.util.TreeMap<>();
        try (S3ErasureStore store = f.store(extra)) {
            Map<UUID, RequestResult> r = Announced.erase(store, new ErasureBatch(items));
            items.forEach(i -> out.put(i.contributorId(), byTarget(r.get(i.requestId()))));
        }
        return out;
    }

    /** An upload with one part, never completed. */
    private static String startUpload(S3Fixture f, String key) {
        String uploadId = f.client.createMultipartUpload(c -> c.bucket(f.bucket).key(key)).uploadId();
        f.client.uploadPart(u -> u.bucket(f.bucket).key(key).uploadId(uploadId).partNumber(1), RequestBody.fromString("part of " + key));
        return uploadId;
    }

    private static List<software.amazon.awssdk.services.s3.model.MultipartUpload> uploadsUnder(S3Fixture f, String prefix) {
        return f.client.listMultipartUploads(l -> l.bucket(f.bucket).prefix(prefix)).uploads();
    }
}

package org.erasure.sink.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.erasure.sink.runtime.testkit.StoreFixture.residual;

import com.typesafe.config.Config;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.s3.S3Server;
import org.erasure.events.Mode;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.TargetResidual;
import org.erasure.sink.runtime.testkit.Announced;
import org.erasure.sink.s3.PrefixListing.Upload;
import org.erasure.sink.s3.PrefixListing.Version;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Verify of a bucket pass asks first which of the batch's prefixes hold anything (one entry per
 * contributor id), then lists exactly those: it still names every residual version, delete marker
 * and incomplete upload, and a clean batch costs a fraction of a full listing.
 */
@DevStackTest
class S3VerifyPresenceTest {

    private static final String PASS = "listing { strategy = bucket-pass, shards = 3 }";

    @Test
    void verifyAfterAPartialEraseNamesExactlyTheResidueOfTheAffectedPrefixes(S3Server s3, TestNames names) {
        try (S3Fixture f = S3Fixture.seed(s3, names, 60); ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<ErasureItem> items = IntStream.range(0, 60).filter(i -> i % 2 == 0)
                    .mapToObj(i -> S3Fixture.item(f.world.contributor(i), Mode.EXECUTE)).toList();
            ErasureBatch batch = new ErasureBatch(items);
            try (S3ErasureStore store = f.store(PASS)) {
                Announced.erase(store, batch);
            }
            // What writes racing the erasure leave behind: a new version, a delete marker, an open upload.
            String a = items.get(0).contributorId();
            String b = items.get(7).contributorId();
            String c = items.get(20).contributorId();
            String late = f.client.putObject(p -> p.bucket(f.bucket).key("contributors/" + a + "/late.json"),
                    RequestBody.fromString("late")).versionId();
            String marker = f.client.deleteObject(d -> d.bucket(f.bucket).key("contributors/" + b + "/profile.json")).versionId();
            String upload = f.client.createMultipartUpload(u -> u.bucket(f.bucket).key("uploads/" + c + "/video.mp4")).uploadId();

            Config config = f.storeConfig(s3.endpoint().toString(), PASS);
            S3Lister lister = new S3Lister(f.client, S3Target.parse(config), ListingConfig.from(config), pool, new SimpleMeterRegistry());
            Map<UUID, PrefixListing[]> residue = lister.listResidue(items).perRequest();
            for (ErasureItem item : items) {
                PrefixListing[] perTarget = residue.get(item.requestId()); // [contributors/, uploads/]
                String id = item.contributorId();
                assertThat(perTarget[0].versions()).as(id).containsExactlyElementsOf(
                        id.equals(a) ? List.of(new Version("contributors/" + a + "/late.json", late, false))
                                : id.equals(b) ? List.of(new Version("contributors/" + b + "/profile.json", marker, true)) : List.of());
                assertThat(perTarget[1].uploads()).as(id).containsExactlyElementsOf(
                        id.equals(c) ? List.of(new Upload("uploads/" + c + "/video.mp4", upload)) : List.of());
                assertThat(perTarget[0].uploads()).isEmpty();
                assertThat(perTarget[1].versions()).isEmpty();
            }
            // The same as a full listing finds.
            Map<UUID, PrefixListing[]> full = lister.list(items).perRequest();
            items.forEach(i -> assertThat(residue.get(i.requestId())).as(i.contributorId()).isEqualTo(full.get(i.requestId())));

            try (S3ErasureStore store = f.store(PASS)) {
                Map<UUID, List<TargetResidual>> verified = store.verify(batch);
                for (ErasureItem item : items) {
                    String id = item.contributorId();
                    assertThat(residual(verified.get(item.requestId()))).as(id).isEqualTo(id.equals(a) || id.equals(b) || id.equals(c) ? 1 : 0);
                }
            }
        }
    }

    @Test
    void aCleanBatchIsVerifiedByThePresencePassAloneForAFractionOfAFullListing(S3Server s3, TestNames names) {
        try (S3Fixture f = S3Fixture.seed(s3, names, 60); ExecutorService pool = Executors.newFixedThreadPool(4)) {
            // Contributors with many objects, as real ones have: a full listing reads each, presence one per id.
            for (int i = 0; i < 60; i++) {
                for (int k = 0; k < 8; k++) {
                    f.put("contributors/" + f.world.contributor(i).id() + "/file-" + k, "x");
                }
            }
            List<ErasureItem> items = new ArrayList<>();
            IntStream.range(0, 60).filter(i -> i % 3 == 0).forEach(i -> items.add(S3Fixture.item(f.world.contributor(i), Mode.EXECUTE)));
            try (S3ErasureStore store = f.store(PASS)) {
                Announced.erase(store, new ErasureBatch(items));
            }

            Config config = f.storeConfig(s3.endpoint().toString(), PASS);
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            S3Lister lister = new S3Lister(f.client, S3Target.parse(config), ListingConfig.from(config), pool, meters);
            Map<UUID, PrefixListing[]> residue = lister.listResidue(items).perRequest();
            double presence = meters.counter("erasure.s3.listed.entries").count();
            double presenceCalls = meters.counter("erasure.s3.calls", "operation", "ListObjectVersions").count();
            Map<UUID, PrefixListing[]> full = lister.list(items).perRequest();
            double fullListing = meters.counter("erasure.s3.listed.entries").count() - presence;

            for (ErasureItem item : items) {
                for (PrefixListing l : residue.get(item.requestId())) {
                    assertThat(l.total()).as(item.contributorId()).isZero();
                }
                for (PrefixListing l : full.get(item.requestId())) {
                    assertThat(l.total()).isZero();
                }
            }
            // No prefix present: no per-prefix listing after the pass (3 shards x 2 heads, a page or two each).
            assertThat(presenceCalls).isLessThanOrEqualTo(2 * 3 * 2);
            // The neighbours in the batch's range hold ~10 entries under contributors/ and 1 under uploads/; presence reads ~1 per head.
            assertThat(presence).as("entries parsed by the presence pass vs a full listing (%s)", fullListing)
                    .isPositive().isLessThan(fullListing / 3);
        }
    }
}

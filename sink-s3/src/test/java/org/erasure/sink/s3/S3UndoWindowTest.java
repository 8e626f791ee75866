package org.erasure.sink.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.erasure.sink.runtime.testkit.StoreFixture.byTarget;
import static org.erasure.sink.runtime.testkit.StoreFixture.residual;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.IntStream;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.s3.S3Server;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.events.Mode;
import org.erasure.events.TargetResult;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.RequestResult;
import org.erasure.sink.runtime.spi.StoreException;
import org.erasure.sink.runtime.spi.TargetResidual;
import org.erasure.sink.runtime.testkit.Announced;
import org.erasure.sink.runtime.testkit.KeptImages;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.DeleteMarkerEntry;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsResponse;
import software.amazon.awssdk.services.s3.model.ObjectVersion;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The undo window (issue 13): sealed copies in a restoration bucket, restore of what is still erased. */
@DevStackTest
@Order(1)
class S3UndoWindowTest {
    private static final Logger log = LoggerFactory.getLogger(S3UndoWindowTest.class);
    /** In every contact object; must never be found in the restoration bucket. */
    private static final String MARKER = "UNDO-PLAINTEXT-MARKER";

    @Test
    void eraseFiftyRestoreTenByteForByteTheOtherFortyStayErased(S3Server s3, TestNames names) throws Exception {
        try (S3Fixture f = S3Fixture.seed(s3, names, 101)) {
            String restorationBucket = names.bucket("restore");
            SampleWorld w = f.world;
            IntStream.range(0, 101).forEach(i -> addHistory(f, i));
            List<ErasureItem> kept50 = IntStream.range(0, 50).mapToObj(i -> S3Fixture.item(w.contributor(i), Mode.EXECUTE)).toList();
            List<ErasureItem> plain50 = IntStream.range(50, 100).mapToObj(i -> S3Fixture.item(w.contributor(i), Mode.EXECUTE)).toList();
            Map<Integer, Map<String, List<String>>> before = new LinkedHashMap<>();
            IntStream.range(0, 50).forEach(i -> before.put(i, snapshot(f, i)));
            assertThat(before.get(7).toString()).as("the snapshot sees what restore must put back")
                    .contains("type=text/x-contact", "lang=en", "source=undo-test", "marker latest=true", "latest=false");
            KeptImages keptImages = new KeptImages();

            try (S3ErasureStore store = f.store("restoration.bucket = \"" + restorationBucket + "\"")) {
                // Without first, then with (the first erase of a store also warms the JIT and connections).
                long t0 = System.nanoTime();
                Announced.erase(store, new ErasureBatch(plain50));
                long t1 = System.nanoTime();
                Map<UUID, RequestResult> results = Announced.erase(store, new ErasureBatch(kept50), keptImages);
                long t2 = System.nanoTime();
                long versions = IntStream.range(0, 50).mapToLong(i -> objectVersions(before.get(i))).sum();
                log.info("undo window: erase of 50 contributors ({} object versions, {} entries) with before-images {} ms, "
                                + "50 alike without {} ms", versions, IntStream.range(0, 50).mapToLong(i -> entries(before.get(i))).sum(),
                        (t2 - t1) / 1_000_000, (t1 - t0) / 1_000_000);

                for (int i = 0; i < 100; i++) {
                    assertThat(f.entriesOf(w.contributor(i))).as("contributor %d erased", i).isZero();
                }
                // The restoration bucket: one sealed copy per object version, none readable as plaintext.
                List<byte[]> copies = objects(f, restorationBucket, "");
                assertThat(copies).hasSize((int) versions);
                for (byte[] copy : copies) {
                    assertThat(KeptImages.indexOf(copy, MARKER.getBytes(StandardCharsets.UTF_8))).isEqualTo(-1);
                    for (int i = 0; i < 50; i++) {
                        assertThat(KeptImages.indexOf(copy, w.contributor(i).email().getBytes(StandardCharsets.UTF_8))).isEqualTo(-1);
                    }
                }
                for (int i = 0; i < 50; i++) {
                    keptImages.assertNothingInClear(w.contributor(i).email().getBytes(StandardCharsets.UTF_8));
                    assertThat(keptImages.count(kept50.get(i).requestId())).isPositive();
                }
                keptImages.assertNothingInClear(MARKER.getBytes(StandardCharsets.UTF_8));
                assertThat(plain50.stream().mapToInt(item -> keptImages.count(item.requestId())).sum()).as("restoration off").isZero();

                // Restore 10: exactly as before, counts as erased.
                List<Integer> restored = List.of(0, 3, 7, 14, 21, 22, 30, 35, 41, 49);
                long restoreNanos = 0;
                for (int i : restored) {
                    UUID id = kept50.get(i).requestId();
                    long r0 = System.nanoTime();
                    Map<String, Long> counts = keptImages.restore(store, id);
                    restoreNanos += System.nanoTime() - r0;
                    Map<String, TargetResult> erased = byTarget(results.get(id));
                    for (String target : store.targets()) {
                        assertThat(counts.getOrDefault(target, 0L)).as("contributor %d %s", i, target).isEqualTo(erased.get(target).deleted());
                    }
                    assertThat(objects(f, restorationBucket, id + "/")).as("restored copies are deleted").isEmpty();
                }
                log.info("undo window: restore of 10 contributors ({} entries) {} ms", IntStream.range(0, 50).filter(restored::contains)
                        .mapToLong(i -> entries(before.get(i))).sum(), restoreNanos / 1_000_000);
                for (int i : restored) {
                    assertThat(snapshot(f, i)).as("contributor %d restored byte for byte", i).isEqualTo(before.get(i));
                }
                List<ErasureItem> others = IntStream.range(0, 50).filter(i -> !restored.contains(i)).mapToObj(kept50::get).toList();
                Map<UUID, List<TargetResidual>> residuals = store.verify(new ErasureBatch(others));
                assertThat(residuals).hasSize(40);
                residuals.values().forEach(rs -> assertThat(residual(rs)).isZero());

                // A second restore puts back nothing.
                String digest = f.digest();
                for (int i : restored) {
                    assertThat(keptImages.restore(store, kept50.get(i).requestId()).values()).allMatch(n -> n == 0L);
                }
                assertThat(f.digest()).isEqualTo(digest);

                // After the window: refused, and the sealed copies in the bucket no longer open.
                UUID shredded = kept50.get(1).requestId();
                byte[] copy = objects(f, restorationBucket, shredded + "/").getFirst();
                keptImages.shred(shredded);
                assertThatThrownBy(() -> keptImages.images(shredded)).isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.code()).isEqualTo("RESTORATION_KEY_SHREDDED"));
                assertThatThrownBy(() -> keptImages.open(shredded, copy)).isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.code()).isEqualTo("RESTORATION_KEY_SHREDDED"));
                assertThat(f.digest()).isEqualTo(digest);
                assertThat(f.entriesOf(w.contributor(1))).isZero();

                // A dry run keeps nothing.
                int copiesBefore = objects(f, restorationBucket, "").size();
                ErasureItem dry = S3Fixture.item(w.contributor(100), Mode.DRY_RUN);
                Announced.erase(store, new ErasureBatch(List.of(dry)), keptImages);
                assertThat(keptImages.count(dry.requestId())).isZero();
                assertThat(objects(f, restorationBucket, "")).hasSize(copiesBefore);
            }
        }
    }

    @Test
    void restoreNeverOverwritesDataWrittenSinceTheErasure(S3Server s3, TestNames names) {
        try (S3Fixture f = S3Fixture.seed(s3, names, 6)) {
            SampleWorld w = f.world;
            KeptImages keptImages = new KeptImages();
            ErasureItem rewritten = S3Fixture.item(w.contributor(1), Mode.EXECUTE);
            ErasureItem deletedAgain = S3Fixture.item(w.contributor(2), Mode.EXECUTE);
            String profile1 = "contributors/" + w.contributor(1).id() + "/profile.json";
            String profile2 = "contributors/" + w.contributor(2).id() + "/profile.json";
            String original2 = text(f, profile2);
            try (S3ErasureStore store = f.store("restoration.bucket = \"" + names.bucket("restore") + "\"")) {
                Announced.erase(store, new ErasureBatch(List.of(rewritten, deletedAgain)), keptImages);
                f.put(profile1, "written after the erasure");
                f.put(profile2, "written and deleted after the erasure");
                f.client.deleteObject(r -> r.bucket(f.bucket).key(profile2));

                // profile1 is live again: left alone; its uploads/ object is still erased: restored.
                Map<String, Long> counts = keptImages.restore(store, rewritten.requestId());
                assertThat(counts.getOrDefault(f.target(S3Fixture.CONTRIBUTORS), 0L)).isZero();
                assertThat(counts.get(f.target(S3Fixture.UPLOADS))).isEqualTo(1);
                assertThat(f.entriesUnder(profile1)).isEqualTo(1);
                assertThat(text(f, profile1)).isEqualTo("written after the erasure");

                // profile2's latest is a delete marker (no live version): its erased version comes back on top.
                counts = keptImages.restore(store, deletedAgain.requestId());
                assertThat(counts.get(f.target(S3Fixture.CONTRIBUTORS))).isEqualTo(1);
                assertThat(text(f, profile2)).isEqualTo(original2);
                assertThat(f.entriesUnder(profile2)).isEqualTo(3);
                assertThat(keptImages.restore(store, deletedAgain.requestId()).values()).allMatch(n -> n == 0L);
            }
        }
    }

    @Test
    void aHalfDoneRestoreIsResumedNotRepeated(S3Server s3, TestNames names) {
        try (S3Fixture f = S3Fixture.seed(s3, names, 6)) {
            SampleWorld.Contributor c = f.world.contributor(5); // two versions of profile.json
            String profile = "contributors/" + c.id() + "/profile.json";
            String v1 = "contributor " + c.id() + " version 1\n";
            String v2 = "contributor " + c.id() + " version 2\n";
            assertThat(text(f, profile)).isEqualTo(v2);
            KeptImages keptImages = new KeptImages();
            ErasureItem item = S3Fixture.item(c, Mode.EXECUTE);
            try (S3ErasureStore store = f.store("restoration.bucket = \"" + names.bucket("restore") + "\"")) {
                Announced.erase(store, new ErasureBatch(List.of(item)), keptImages);
                f.put(profile, v1); // what a restore that failed after the key's first version leaves
                Map<String, Long> counts = keptImages.restore(store, item.requestId());
                assertThat(counts.get(f.target(S3Fixture.CONTRIBUTORS))).isEqualTo(1);
                List<String> contents = new ArrayList<>();
                for (ListObjectVersionsResponse page : f.client.listObjectVersionsPaginator(r -> r.bucket(f.bucket).prefix(profile))) {
                    page.versions().forEach(v -> contents.add(f.client.getObjectAsBytes(
                            r -> r.bucket(f.bucket).key(profile).versionId(v.versionId())).asUtf8String()));
                }
                assertThat(contents).as("newest first").containsExactly(v2, v1);
            }
        }
    }

    // ---------------------------------------------------------------- data and snapshots

    /** A contact object with the email in its content, a content type and user metadata; every 7th an erased-before key. */
    private static void addHistory(S3Fixture f, int i) {
        SampleWorld.Contributor c = f.world.contributor(i);
        String base = "contributors/" + c.id() + "/";
        byte[] body = (MARKER + " contact " + c.email() + "\n\u0000\u00ff binary tail " + i).getBytes(StandardCharsets.UTF_8);
        f.client.putObject(p -> p.bucket(f.bucket).key(base + "contact.txt").contentType("text/x-contact")
                .contentLanguage("en").metadata(Map.of("source", "undo-test", "index", Integer.toString(i))), RequestBody.fromBytes(body));
        if (i % 7 == 0) {
            f.put(base + "old.txt", MARKER + " old " + i);
            f.client.deleteObject(r -> r.bucket(f.bucket).key(base + "old.txt"));
        }
    }

    /** Every key of the contributor: its versions (content, type, metadata, latest) and delete markers, as S3 lists them. */
    private static Map<String, List<String>> snapshot(S3Fixture f, int index) {
        long id = f.world.contributor(index).id();
        Map<String, List<String>> out = new TreeMap<>();
        for (String prefix : List.of("contributors/" + id + "/", "uploads/" + id + "/")) {
            for (ListObjectVersionsResponse page : f.client.listObjectVersionsPaginator(r -> r.bucket(f.bucket).prefix(prefix))) {
                for (ObjectVersion v : page.versions()) {
                    var got = f.client.getObjectAsBytes(r -> r.bucket(f.bucket).key(v.key()).versionId(v.versionId()));
                    out.computeIfAbsent(v.key(), k -> new ArrayList<>()).add("version latest=" + v.isLatest() + " size=" + v.size()
                            + " type=" + got.response().contentType() + " lang=" + got.response().contentLanguage()
                            + " meta=" + new TreeMap<>(got.response().metadata()) + " content=" + HexFormat.of().formatHex(got.asByteArray()));
                }
                for (DeleteMarkerEntry m : page.deleteMarkers()) {
                    out.computeIfAbsent(m.key(), k -> new ArrayList<>()).add("marker latest=" + m.isLatest());
                }
            }
        }
        return out;
    }

    private static long objectVersions(Map<String, List<String>> snapshot) {
        return snapshot.values().stream().flatMap(List::stream).filter(s -> s.startsWith("version")).count();
    }

    private static long entries(Map<String, List<String>> snapshot) {
        return snapshot.values().stream().mapToLong(List::size).sum();
    }

    private static List<byte[]> objects(S3Fixture f, String bucket, String prefix) {
        List<byte[]> out = new ArrayList<>();
        for (var page : f.client.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix))) {
            for (S3Object o : page.contents()) {
                out.add(f.client.getObjectAsBytes(r -> r.bucket(bucket).key(o.key())).asByteArray());
            }
        }
        return out;
    }

    private static String text(S3Fixture f, String key) {
        return f.client.getObjectAsBytes(r -> r.bucket(f.bucket).key(key)).asUtf8String();
    }
}

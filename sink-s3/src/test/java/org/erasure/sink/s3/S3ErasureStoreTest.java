package org.erasure.sink.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.erasure.sink.runtime.testkit.StoreFixture.byTarget;
import static org.erasure.sink.runtime.testkit.StoreFixture.residual;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.erasure.sink.runtime.testkit.Announced;
import org.erasure.sink.runtime.testkit.StoreContract;
import org.erasure.devstack.fault.TcpProxy;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.s3.S3Server;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.events.Mode;
import org.erasure.events.TargetResult;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.RequestResult;
import org.erasure.sink.runtime.spi.StoreUnavailableException;
import org.erasure.sink.runtime.spi.TargetResidual;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteObjectsRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Error;

@DevStackTest
@Order(1)
class S3ErasureStoreTest {
    private static final Logger log = LoggerFactory.getLogger(S3ErasureStoreTest.class);

    @Test
    void executeErasesExactlyTheBatchAndLeavesNeighboursUntouched(S3Server s3, TestNames names) {
        try (S3Fixture f = S3Fixture.seed(s3, names, 40)) {
            SampleWorld w = f.world;
            long before = f.totalEntries();
            assertThat(before).isEqualTo(w.s3VersionCount() + SampleWorld.S3_UNRELATED_KEYS.size());

            List<Integer> erased = List.of(0, 3, 4, 5, 10, 11, 20, 21, 22, 35);
            List<ErasureItem> items = erased.stream().map(i -> S3Fixture.item(w.contributor(i), Mode.EXECUTE)).toList();
            long expected = erased.stream().mapToLong(f::seededEntries).sum();
            String contributors = f.target(S3Fixture.CONTRIBUTORS);
            String uploads = f.target(S3Fixture.UPLOADS);

            // Chunks of 7: the batch's ~22 versions go out in several DeleteObjects calls across requests.
            try (S3ErasureStore store = f.store("delete-chunk-size = 7")) {
                assertThat(store.targets()).containsExactly(contributors, uploads);
                Map<UUID, RequestResult> results = Announced.erase(store, new ErasureBatch(items));
                for (int k = 0; k < erased.size(); k++) {
                    int i = erased.get(k);
                    Map<String, TargetResult> r = byTarget(results.get(items.get(k).requestId()));
                    assertThat(r.get(contributors).deleted()).as("contributor %d profile versions", i).isEqualTo(i % 5 == 0 ? 2 : 1);
                    assertThat(r.get(uploads).deleted()).isEqualTo(1);
                    assertThat(r.get(contributors).masked()).isZero();
                    assertThat(r.get(contributors).note()).isEqualTo("1 key(s): " + (i % 5 == 0 ? 2 : 1) + " object version(s) + 0 delete marker(s)");
                }
                Map<UUID, List<TargetResidual>> residuals = store.verify(new ErasureBatch(items));
                assertThat(residuals).hasSize(items.size());
                residuals.values().forEach(rs -> assertThat(residual(rs)).isZero());
            }

            assertThat(f.totalEntries()).isEqualTo(before - expected);
            for (int i = 0; i < w.size(); i++) {
                SampleWorld.Contributor c = w.contributor(i);
                assertThat(f.entriesOf(c)).as("contributor %d", i).isEqualTo(erased.contains(i) ? 0 : f.seededEntries(i));
            }
            for (String key : SampleWorld.S3_UNRELATED_KEYS) {
                assertThat(f.entriesUnder(key)).as(key).isEqualTo(1);
            }
        }
    }

    @Test
    void dryRunChangesNothingAndPredictsTheExecuteCountsAndReplayReportsZero(S3Server s3, TestNames names) throws Exception {
        try (S3Fixture f = S3Fixture.seed(s3, names, 20)) {
            SampleWorld w = f.world;
            List<SampleWorld.Contributor> people = IntStream.range(3, 13).mapToObj(w::contributor).toList();
            try (S3ErasureStore store = f.store()) {
                var runs = StoreContract.dryRunPredictsExecuteAndReplayReportsZero(store, people, f::digest);
                for (int k = 0; k < people.size(); k++) {
                    for (String target : store.targets()) {
                        assertThat(runs.dry(k).get(target).note()).isEqualTo(runs.executed(k).get(target).note());
                        assertThat(runs.replayed(k).get(target).note()).isNull();
                    }
                    int index = (int) (people.get(k).id() - w.firstId());
                    assertThat(runs.dry(k).values().stream().mapToLong(TargetResult::wouldDelete).sum()).isEqualTo(f.seededEntries(index));
                }
            }
            assertThat(f.totalEntries()).isEqualTo(w.s3VersionCount() + 2
                    - people.stream().mapToLong(c -> f.seededEntries((int) (c.id() - w.firstId()))).sum());
        }
    }

    @Test
    void deleteMarkersAndOldVersionsAreErasedNotJustHidden(S3Server s3, TestNames names) {
        try (S3Fixture f = S3Fixture.seed(s3, names, 6)) {
            SampleWorld.Contributor c = f.world.contributor(1);
            String profile = "contributors/" + c.id() + "/profile.json";
            // A plain delete in a versioned bucket only adds a delete marker: the data is still there.
            f.client.deleteObject(r -> r.bucket(f.bucket).key(profile));
            f.put("contributors/" + c.id() + "/avatar.png", "a1");
            f.put("contributors/" + c.id() + "/avatar.png", "a2");
            f.client.deleteObject(r -> r.bucket(f.bucket).key("contributors/" + c.id() + "/avatar.png"));
            assertThat(f.entriesUnder("contributors/" + c.id() + "/")).isEqualTo(1 + 1 + 2 + 1);

            ErasureItem dry = S3Fixture.item(c, Mode.DRY_RUN);
            ErasureItem exec = S3Fixture.item(c, Mode.EXECUTE);
            try (S3ErasureStore store = f.store()) {
                TargetResult d = byTarget(Announced.erase(store, ErasureBatch.of(dry)).get(dry.requestId())).get(f.target(S3Fixture.CONTRIBUTORS));
                assertThat(d.wouldDelete()).isEqualTo(5);
                assertThat(d.note()).isEqualTo("2 key(s): 3 object version(s) + 2 delete marker(s)");
                TargetResult e = byTarget(Announced.erase(store, ErasureBatch.of(exec)).get(exec.requestId())).get(f.target(S3Fixture.CONTRIBUTORS));
                assertThat(e.deleted()).isEqualTo(5);
                assertThat(residual(store.verify(ErasureBatch.of(exec)).get(exec.requestId()))).isZero();
            }
            assertThat(f.entriesOf(c)).isZero();
            assertThat(f.entriesOf(f.world.contributor(2))).isEqualTo(f.seededEntries(2));
        }
    }

    @Test
    void hostileIdentifiersAreTreatedAsDataAndUnsafeOnesNeverWidenAPrefix(S3Server s3, TestNames names) {
        try (S3Fixture f = S3Fixture.seed(s3, names, 5)) {
            List<String> hostile = List.of(
                    "o'brien\"quoted", "100%_match*?[a-z]", "'; DROP TABLE kepler_crowd_contributors_t;--",
                    "zoë-müller-δοκιμή-漢字-😀", "back\\slash", "a+b", "x&y<z>=\"q\"", "%", "_", "*", "?", "[", "4",
                    "%2F43", "..%2F43", "~tilde ", "...");
            List<String> neighbours = List.of("42", "a b", "4x", "43", "100", "o'brien", "%25", "a%2Bb", "x", "....");
            hostile.forEach(f::seedId);
            neighbours.forEach(f::seedId);
            long before = f.totalEntries();
            String worldBefore = f.digest();

            List<ErasureItem> items = hostile.stream().map(id -> S3Fixture.item(id, Mode.EXECUTE)).toList();
            try (S3ErasureStore store = f.store()) {
                Map<UUID, RequestResult> r = Announced.erase(store, new ErasureBatch(items));
                for (ErasureItem item : items) {
                    Map<String, TargetResult> t = byTarget(r.get(item.requestId()));
                    assertThat(t.get(f.target(S3Fixture.CONTRIBUTORS)).deleted()).as("id #%d", items.indexOf(item)).isEqualTo(2);
                    assertThat(t.get(f.target(S3Fixture.UPLOADS)).deleted()).isEqualTo(1);
                }
                store.verify(new ErasureBatch(items)).values().forEach(rs -> assertThat(residual(rs)).isZero());
            }
            assertThat(f.totalEntries()).isEqualTo(before - 3L * hostile.size());
            for (String id : hostile) {
                assertThat(f.entriesUnder("contributors/" + id + "/") + f.entriesUnder("uploads/" + id + "/")).isZero();
            }
            for (String id : neighbours) {
                assertThat(f.entriesUnder("contributors/" + id + "/")).as("neighbour #%d", neighbours.indexOf(id)).isEqualTo(2);
                assertThat(f.entriesUnder("uploads/" + id + "/")).isEqualTo(1);
            }
            for (int i = 0; i < f.world.size(); i++) {
                assertThat(f.entriesOf(f.world.contributor(i))).isEqualTo(f.seededEntries(i));
            }
            assertThat(worldBefore).isNotEqualTo(f.digest());

            // Ids that would change the prefix structure: FAILED with a PII-free code, nothing listed or deleted.
            String digest = f.digest();
            List<String> unsafe = List.of("42/../43", "..", ".", "4/", "/", "a\u0000b", "tab\there", "\uD800x", "x".repeat(1100));
            List<ErasureItem> bad = unsafe.stream().map(id -> S3Fixture.item(id, Mode.EXECUTE)).toList();
            List<ErasureItem> badDry = unsafe.stream().map(id -> S3Fixture.item(id, Mode.DRY_RUN)).toList();
            try (S3ErasureStore store = f.store()) {
                for (List<ErasureItem> batch : List.of(bad, badDry)) {
                    Map<UUID, RequestResult> r = Announced.erase(store, new ErasureBatch(batch));
                    for (ErasureItem item : batch) {
                        assertThat(r.get(item.requestId())).isInstanceOf(RequestResult.Failed.class);
                        RequestResult.Failed failed = (RequestResult.Failed) r.get(item.requestId());
                        assertThat(failed.code()).isEqualTo(S3ErasureStore.UNSAFE_ID);
                        assertThat(failed.message()).doesNotContain("42", "43", "tab", "xxx").contains("nothing was listed or deleted");
                    }
                }
                assertThat(store.verify(new ErasureBatch(bad))).isEmpty();
            }
            assertThat(f.digest()).as("unsafe ids change nothing").isEqualTo(digest);
            assertThat(f.entriesUnder("contributors/42/")).isEqualTo(2);
            assertThat(f.entriesUnder("contributors/43/")).isEqualTo(2);
        }
    }

    @Test
    void aPerKeyDeleteErrorFailsOnlyItsRequest(S3Server s3, TestNames names) {
        try (S3Fixture f = S3Fixture.seed(s3, names, 8)) {
            SampleWorld.Contributor poisoned = f.world.contributor(2);
            S3Client real = f.server.newClient();
            // DeleteObjects answers AccessDenied for the poisoned contributor's keys and deletes the rest.
            InvocationHandler h = (proxy, method, args) -> {
                if (method.getName().equals("deleteObjects") && args.length == 1 && args[0] instanceof Consumer<?> c) {
                    @SuppressWarnings("unchecked")
                    DeleteObjectsRequest req = DeleteObjectsRequest.builder().applyMutation((Consumer<DeleteObjectsRequest.Builder>) c).build();
                    List<ObjectIdentifier> keep = new ArrayList<>();
                    List<S3Error> errors = new ArrayList<>();
                    for (ObjectIdentifier o : req.delete().objects()) {
                        if (o.key().contains("/" + poisoned.id() + "/")) {
                            errors.add(S3Error.builder().key(o.key()).versionId(o.versionId()).code("AccessDenied").message("Access Denied").build());
                        } else {
                            keep.add(o);
                        }
                    }
                    if (!keep.isEmpty()) {
                        real.deleteObjects(req.toBuilder().delete(d -> d.objects(keep).quiet(true)).build());
                    }
                    return DeleteObjectsResponse.builder().errors(errors).build();
                }
                try {
                    return method.invoke(real, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            };
            S3Client faulty = (S3Client) Proxy.newProxyInstance(S3Client.class.getClassLoader(), new Class<?>[] {S3Client.class}, h);
            var config = f.storeConfig(s3.endpoint().toString(), "");
            List<ErasureItem> items = IntStream.range(0, 5).mapToObj(i -> S3Fixture.item(f.world.contributor(i), Mode.EXECUTE)).toList();
            try (S3ErasureStore store = new S3ErasureStore(faulty, S3Target.parse(config), 2, 1000, Duration.ofSeconds(2), new SimpleMeterRegistry())) {
                Map<UUID, RequestResult> r = Announced.erase(store, new ErasureBatch(items));
                for (int i = 0; i < items.size(); i++) {
                    RequestResult result = r.get(items.get(i).requestId());
                    if (i == 2) {
                        assertThat(result).isEqualTo(RequestResult.failed("S3_DELETE_AccessDenied",
                                "DeleteObjects refused at least one object version of this request (AccessDenied); the others were deleted, a new request retries the rest"));
                    } else {
                        assertThat(byTarget(result).values().stream().mapToLong(TargetResult::deleted).sum()).isEqualTo(f.seededEntries(i));
                    }
                }
            }
            for (int i = 0; i < 8; i++) {
                assertThat(f.entriesOf(f.world.contributor(i))).as("contributor %d", i).isEqualTo(i == 2 || i >= 5 ? f.seededEntries(i) : 0);
            }
        }
    }

    @Test
    void aBucketWithoutVersioningIsErasedByKey(S3Server s3, TestNames names) {
        try (S3Fixture f = S3Fixture.seed(s3, names, 1)) {
            String plain = names.bucket("plain");
            f.client.createBucket(r -> r.bucket(plain));
            for (String key : List.of("contributors/7/profile.json", "uploads/7/a.csv", "uploads/7/b.csv", "contributors/70/profile.json")) {
                f.client.putObject(p -> p.bucket(plain).key(key), software.amazon.awssdk.core.sync.RequestBody.fromString("x"));
            }
            String extra = "targets = [ { bucket = \"" + plain + "\", prefixes = [\"contributors/{contributorId}/\", \"uploads/{contributorId}/\"] } ]";
            ErasureItem item = S3Fixture.item("7", Mode.EXECUTE);
            try (S3ErasureStore store = f.store(extra)) {
                Map<String, TargetResult> r = byTarget(Announced.erase(store, ErasureBatch.of(item)).get(item.requestId()));
                assertThat(r.get(plain + "/contributors/{contributorId}/").deleted()).isEqualTo(1);
                assertThat(r.get(plain + "/uploads/{contributorId}/").deleted()).isEqualTo(2);
                assertThat(residual(store.verify(ErasureBatch.of(item)).get(item.requestId()))).isZero();
                ErasureItem again = S3Fixture.item("7", Mode.EXECUTE);
                assertThat(byTarget(Announced.erase(store, ErasureBatch.of(again)).get(again.requestId())).values())
                        .allSatisfy(t -> assertThat(t.deleted()).isZero());
            }
            assertThat(f.client.listObjectsV2(r -> r.bucket(plain)).contents()).extracting(o -> o.key())
                    .containsExactly("contributors/70/profile.json");
        }
    }

    @Test
    void storeDownIsTransientAndCheckReachableSaysSo(S3Server s3, TestNames names) throws Exception {
        try (S3Fixture f = S3Fixture.seed(s3, names, 3); TcpProxy proxy = new TcpProxy(s3.endpoint().getPort()).start()) {
            var config = f.storeConfig("http://127.0.0.1:" + proxy.port(), "sdk-max-attempts = 1");
            try (S3ErasureStore store = (S3ErasureStore) new S3StoreModule().create(config, new SimpleMeterRegistry())) {
                store.checkReachable();
                proxy.stop();
                ErasureItem item = S3Fixture.item(f.world.contributor(0), Mode.EXECUTE);
                assertThatThrownBy(() -> Announced.erase(store, ErasureBatch.of(item))).isInstanceOf(StoreUnavailableException.class)
                        .hasMessageContaining("ListObjectVersions did not complete");
                assertThatThrownBy(store::checkReachable).isInstanceOf(StoreUnavailableException.class);
                proxy.start();
                store.checkReachable();
                assertThat(byTarget(Announced.erase(store, ErasureBatch.of(item)).get(item.requestId())).values().stream()
                        .mapToLong(TargetResult::deleted).sum()).isEqualTo(f.seededEntries(0));
            }
        }
    }

    @Test
    void thousandContributorsInOneBatch(S3Server s3, TestNames names) {
        try (S3Fixture f = S3Fixture.seed(s3, names, 1040)) {
            List<ErasureItem> items = IntStream.range(0, 1000).mapToObj(i -> S3Fixture.item(f.world.contributor(i), Mode.EXECUTE)).toList();
            long expected = IntStream.range(0, 1000).mapToLong(f::seededEntries).sum();
            long warmUp = IntStream.range(1000, 1020).mapToLong(f::seededEntries).sum();
            try (S3ErasureStore store = f.store()) {
                // Warm the JIT (SDK, s3proxy) with a small batch first: the measurement is the steady state.
                Announced.erase(store, new ErasureBatch(IntStream.range(1000, 1020).mapToObj(i -> S3Fixture.item(f.world.contributor(i), Mode.EXECUTE)).toList()));
                long t0 = System.nanoTime();
                Map<UUID, RequestResult> r = Announced.erase(store, new ErasureBatch(items));
                long t1 = System.nanoTime();
                Map<UUID, List<TargetResidual>> v = store.verify(new ErasureBatch(items));
                long t2 = System.nanoTime();
                log.info("MEASURED erase of 1000 contributors in one batch: {} ms, verify: {} ms", (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
                System.out.printf("MEASURED erase of 1000 contributors (%d versions) in one batch: %d ms, verify: %d ms%n",
                        expected, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
                assertThat(r.values().stream().mapToLong(x -> byTarget(x).values().stream().mapToLong(TargetResult::deleted).sum()).sum())
                        .isEqualTo(expected);
                assertThat(v.values().stream().mapToLong(S3Fixture::residual).sum()).isZero();
            }
            assertThat(f.totalEntries()).isEqualTo(f.world.s3VersionCount() - expected - warmUp + 2);
            for (int i = 1020; i < 1040; i++) {
                assertThat(f.entriesOf(f.world.contributor(i))).isEqualTo(f.seededEntries(i));
            }
        }
    }

    @Test
    void configurationIsValidatedWithClearErrors(S3Server s3, TestNames names) {
        try (S3Fixture f = S3Fixture.seed(s3, names, 1)) {
            String b = f.bucket;
            assertThatThrownBy(() -> f.store("targets = [ { bucket = \"" + b + "\", prefixes = [\"contributors/\"] } ]"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exactly once");
            assertThatThrownBy(() -> f.store("targets = [ { bucket = \"" + b + "\", prefixes = [\"contributors/{contributorId}\"] } ]"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("followed by '/'");
            assertThatThrownBy(() -> f.store("targets = [ { bucket = \"" + b + "\", prefixes = [\"c/{contributorId}-files/\"] } ]"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("followed by '/'");
            assertThatThrownBy(() -> f.store("targets = [ { bucket = \"" + b + "\", prefixes = [\"{contributorId}/\", \"uploads/{contributorId}/\"] } ]"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("could reach into");
            assertThatThrownBy(() -> f.store("targets = [ { bucket = no-such-bucket-" + names.stem() + ", prefixes = [\"c/{contributorId}/\"] } ]"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not exist");
            assertThatThrownBy(() -> f.store("delete-chunk-size = 1001"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1..1000");
            assertThatThrownBy(() -> f.store("access-key-id = \"\""))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("set together");
            assertThatThrownBy(() -> new S3StoreModule().create(f.storeConfig("ftp://x", ""), null))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http(s)");
            // Two buckets, same templates: fine (heads only conflict within one bucket).
            assertThat(S3Target.parse(ConfigFactory.parseString(
                    "targets = [ { bucket = a-b, prefixes = [\"{contributorId}/\"] }, { bucket = c-d, prefixes = [\"x/{contributorId}/\"] } ]")))
                    .extracting(S3Target::name).containsExactly("a-b/{contributorId}/", "c-d/x/{contributorId}/");
        }
    }
}

package org.erasure.sink.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.erasure.sink.runtime.testkit.StoreFixture.byTarget;
import static org.erasure.sink.runtime.testkit.StoreFixture.residual;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.erasure.sink.redis.RedisFixture.AUTH;
import static org.erasure.sink.redis.RedisFixture.JOBS;
import static org.erasure.sink.redis.RedisFixture.ONLINE;
import static org.erasure.sink.redis.RedisFixture.SESSIONS;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.erasure.sink.runtime.testkit.Announced;
import org.erasure.sink.runtime.testkit.StoreContract;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.redis.RedisServer;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.events.Identifiers;
import org.erasure.events.Mode;
import org.erasure.events.TargetResult;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.RequestResult;
import org.erasure.sink.runtime.spi.TargetResidual;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.redisson.api.BatchOptions;
import org.redisson.api.RBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

@DevStackTest
@Order(1)
class RedisErasureStoreTest {
    private static final Logger log = LoggerFactory.getLogger(RedisErasureStoreTest.class);

    @Test
    void executeErasesExactlyTheBatchAndLeavesNeighboursUntouched(RedisServer redis) {
        try (RedisFixture f = RedisFixture.seed(redis, 40)) {
            SampleWorld w = f.world;
            long dbBefore = f.dbsize();
            long onlineBefore = f.onlineSize();
            List<Integer> erased = List.of(0, 3, 4, 5, 10, 11, 20, 21, 22, 39);
            long erasedOnline = erased.stream().filter(w::isOnline).count();
            List<ErasureItem> items = erased.stream().map(i -> RedisFixture.item(w.contributor(i), Mode.EXECUTE)).toList();

            try (RedisErasureStore store = f.store()) {
                assertThat(store.targets()).containsExactly(SESSIONS, AUTH, JOBS, ONLINE);
                assertThat(store.scanMatch()).isEqualTo("session:*");
                Map<UUID, RequestResult> results = Announced.erase(store, new ErasureBatch(items));
                for (int k = 0; k < erased.size(); k++) {
                    Map<String, TargetResult> r = byTarget(results.get(items.get(k).requestId()));
                    assertThat(r.get(SESSIONS).deleted()).isEqualTo(1);
                    assertThat(r.get(AUTH).deleted()).isEqualTo(1);
                    assertThat(r.get(JOBS).deleted()).isEqualTo(1);
                    assertThat(r.get(ONLINE).deleted()).isEqualTo(w.isOnline(erased.get(k)) ? 1 : 0);
                    r.values().forEach(t -> assertThat(t.masked() + t.wouldDelete() + t.wouldMask()).isZero());
                }
                Map<UUID, List<TargetResidual>> residuals = store.verify(new ErasureBatch(items));
                assertThat(residuals).hasSize(items.size());
                residuals.values().forEach(rs -> assertThat(residual(rs)).isZero());
            }

            assertThat(f.dbsize()).as("exactly 3 keys per erased contributor are gone").isEqualTo(dbBefore - 3L * erased.size());
            assertThat(f.onlineSize()).isEqualTo(onlineBefore - erasedOnline);
            assertThat(f.unrelatedKeysPresent()).isTrue();
            for (int i = 0; i < w.size(); i++) {
                if (erased.contains(i)) {
                    assertThat(f.keysOf(i)).isZero();
                    assertThat(f.online(w.contributor(i).id())).isFalse();
                } else {
                    assertThat(f.intact(i)).as("neighbour %d", i).isTrue();
                }
            }
        }
    }

    @Test
    void dryRunChangesNothingAndPredictsTheExecuteCountsAndReplayReportsZero(RedisServer redis) throws Exception {
        try (RedisFixture f = RedisFixture.seed(redis, 30); RedisErasureStore store = f.store()) {
            List<SampleWorld.Contributor> people = IntStream.range(5, 17).mapToObj(f.world::contributor).toList();
            var runs = StoreContract.dryRunPredictsExecuteAndReplayReportsZero(store, people, f::digest);
            long total = 0;
            for (int k = 0; k < people.size(); k++) {
                assertThat(runs.dry(k).get(SESSIONS).wouldDelete()).isEqualTo(1);
                assertThat(runs.dry(k).get(ONLINE).wouldDelete()).isEqualTo(f.world.isOnline(people.get(k).index()) ? 1 : 0);
                total += runs.executed(k).values().stream().mapToLong(TargetResult::deleted).sum();
            }
            assertThat(total).isEqualTo(3L * people.size() + people.stream().filter(c -> f.world.isOnline(c.index())).count());
        }
    }

    @Test
    void mixedBatchErasesOnlyTheExecuteItemsAndVerifyFindsWhatIsLeft(RedisServer redis) {
        try (RedisFixture f = RedisFixture.seed(redis, 10); RedisErasureStore store = f.store()) {
            ErasureItem exec = RedisFixture.item(f.world.contributor(2), Mode.EXECUTE);
            ErasureItem dry = RedisFixture.item(f.world.contributor(4), Mode.DRY_RUN);
            Map<UUID, RequestResult> r = Announced.erase(store, ErasureBatch.of(exec, dry));
            assertThat(byTarget(r.get(exec.requestId())).get(ONLINE).deleted()).isEqualTo(1);
            assertThat(byTarget(r.get(dry.requestId())).get(ONLINE).wouldDelete()).isEqualTo(1);
            assertThat(byTarget(r.get(dry.requestId())).get(SESSIONS).wouldDelete()).isEqualTo(1);
            assertThat(f.keysOf(2)).isZero();
            assertThat(f.intact(4)).isTrue();
            // Verify reads the store: the dry-run contributor still has everything.
            ErasureItem notErased = RedisFixture.item(f.world.contributor(4), Mode.EXECUTE);
            List<TargetResidual> left = store.verify(ErasureBatch.of(notErased)).get(notErased.requestId());
            assertThat(left).extracting(TargetResidual::residual).containsExactly(1L, 1L, 1L, 1L);
        }
    }

    /** In one batch of all (the broad SCAN pass) and each alone (a narrow SCAN per id: the id escaped inside MATCH). */
    @ParameterizedTest(name = "in one batch: {0}")
    @ValueSource(booleans = {true, false})
    void hostileIdentifiersAreTreatedAsData(boolean oneBatch, RedisServer redis, TestNames names) {
        String hash = "presence:" + names.stem();
        String tag = "h" + Long.toString(System.nanoTime(), 36);
        List<String> hostile = List.of(
                "*", "?", tag + "*", tag + "?", tag + "[ab]", tag + "\\", tag + "\\*",
                tag + "o'brien\"q", tag + "100%_x", tag + "'; DROP TABLE users;--", tag + "/slash/", tag + "zoë-δοκιμή-😀");
        // Keys a widened MATCH (or a LIKE-style reading) of the hostile ids would hit.
        List<String> neighbours = List.of(tag + "XYZ", tag + "a", tag + "b", tag + "Q", tag + "100Z_x", tag + "100%Zx", tag + "o");
        try (RedisFixture f = RedisFixture.seed(redis, 20)) {
            RBatch seed = f.client.createBatch(BatchOptions.defaults());
            for (String id : concat(hostile, neighbours)) {
                seed.getBucket("session:" + id + ":tok").setAsync("s");
                seed.getBucket("auth-cache:" + id).setAsync("a");
                seed.getMap("job-assignment:" + id).putAsync("1", "assigned");
                seed.getSet(ONLINE).addAsync(id);
                seed.getMap(hash).putAsync(id, "1");
            }
            seed.execute();
            long dbBefore = f.dbsize();
            long onlineBefore = f.onlineSize();
            String worldBefore = worldDigest(f);

            List<ErasureItem> items = new ArrayList<>();
            for (String id : hostile) {
                items.add(new ErasureItem(UUID.randomUUID(), id, Identifiers.of(List.of(), List.of()), Mode.EXECUTE));
            }
            List<ErasureItem> dryItems = items.stream()
                    .map(i -> new ErasureItem(UUID.randomUUID(), i.contributorId(), i.identifiers(), Mode.DRY_RUN)).toList();
            try (RedisErasureStore store = f.store("hashes = [\"" + hash + "\"]")) {
                for (ErasureBatch batch : batches(dryItems, oneBatch)) {
                    Map<UUID, RequestResult> dry = Announced.erase(store, batch);
                    dry.values().forEach(r -> assertThat(byTarget(r).values()).allSatisfy(t -> assertThat(t.wouldDelete()).isEqualTo(1)));
                }
                assertThat(f.dbsize()).isEqualTo(dbBefore);

                for (ErasureBatch batch : batches(items, oneBatch)) {
                    Map<UUID, RequestResult> r = Announced.erase(store, batch);
                    for (ErasureItem item : batch.items()) {
                        assertThat(byTarget(r.get(item.requestId())).values()).as("one of each for hostile id %s", item.contributorId())
                                .allSatisfy(t -> assertThat(t.deleted()).isEqualTo(1));
                    }
                }
                for (ErasureBatch batch : batches(items, oneBatch)) {
                    store.verify(batch).values().forEach(rs -> assertThat(residual(rs)).isZero());
                }
            }
            assertThat(f.dbsize()).isEqualTo(dbBefore - 3L * hostile.size());
            assertThat(f.onlineSize()).isEqualTo(onlineBefore - hostile.size());
            assertThat(f.client.getMap(hash).size()).isEqualTo(neighbours.size());
            for (String id : neighbours) {
                assertThat(f.exists("session:" + id + ":tok")).as("neighbour %s", id).isTrue();
                assertThat(f.exists("auth-cache:" + id)).isTrue();
                assertThat(f.exists("job-assignment:" + id)).isTrue();
                assertThat(f.client.getSet(ONLINE).contains(id)).isTrue();
            }
            assertThat(worldDigest(f)).as("the seeded world is untouched").isEqualTo(worldBefore);
            assertThat(f.unrelatedKeysPresent()).isTrue();
            // Clean the neighbours up (test data only).
            for (String id : neighbours) {
                f.client.getKeys().unlink("session:" + id + ":tok", "auth-cache:" + id, "job-assignment:" + id);
                f.client.getSet(ONLINE).remove(id);
            }
            f.client.getKeys().unlink(hash);
        }
    }

    private static List<ErasureBatch> batches(List<ErasureItem> items, boolean oneBatch) {
        return oneBatch ? List.of(new ErasureBatch(items)) : items.stream().map(ErasureBatch::of).toList();
    }

    private static String worldDigest(RedisFixture f) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < f.world.size(); i++) {
            sb.append(f.intact(i) ? '1' : '0');
        }
        return sb.toString();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    @Test
    void emptyContributorIdFailsThatRequestOnly(RedisServer redis) {
        try (RedisFixture f = RedisFixture.seed(redis, 3); RedisErasureStore store = f.store()) {
            ErasureItem empty = new ErasureItem(UUID.randomUUID(), "", Identifiers.of(List.of(), List.of()), Mode.EXECUTE);
            ErasureItem ok = RedisFixture.item(f.world.contributor(1), Mode.EXECUTE);
            Map<UUID, RequestResult> r = Announced.erase(store, ErasureBatch.of(empty, ok));
            assertThat(r.get(empty.requestId())).isInstanceOf(RequestResult.Failed.class);
            assertThat(byTarget(r.get(ok.requestId())).get(AUTH).deleted()).isEqualTo(1);
        }
    }

    @Test
    void thousandContributorsInOneBatch(RedisServer redis, TestNames names) {
        int fillers = Integer.getInteger("redis.test.fillers", 100_000);
        String filler = "filler:" + names.stem() + ":";
        try (RedisFixture f = RedisFixture.seed(redis, 1200)) {
            // Unrelated keys so the SCAN pass has a keyspace to walk (session-like ones too).
            for (int from = 0; from < fillers; from += 10_000) {
                RBatch b = f.client.createBatch(BatchOptions.defaults().skipResult());
                for (int i = from; i < Math.min(fillers, from + 10_000); i++) {
                    b.getBucket(i % 2 == 0 ? filler + i : "session:" + filler + i + ":t").setAsync("x");
                }
                b.execute();
            }
            long dbBefore = f.dbsize();
            List<ErasureItem> items = IntStream.range(0, 1000).mapToObj(i -> RedisFixture.item(f.world.contributor(i), Mode.EXECUTE)).toList();
            long online = IntStream.range(0, 1000).filter(f.world::isOnline).count();
            try (RedisErasureStore store = f.store()) {
                long t0 = System.nanoTime();
                Map<UUID, RequestResult> r = Announced.erase(store, new ErasureBatch(items));
                long t1 = System.nanoTime();
                Map<UUID, List<TargetResidual>> v = store.verify(new ErasureBatch(items));
                long t2 = System.nanoTime();
                String line = "MEASURED redis erase of 1000 contributors (3000 keys, %d set members) in one batch, keyspace %d keys: erase %d ms, verify %d ms"
                        .formatted(online, dbBefore, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
                log.info(line);
                System.out.println(line);
                assertThat(r.values().stream().mapToLong(x -> byTarget(x).values().stream().mapToLong(TargetResult::deleted).sum()).sum())
                        .isEqualTo(3000 + online);
                assertThat(v.values().stream().mapToLong(RedisFixture::residual).sum()).isZero();
            }
            assertThat(f.dbsize()).isEqualTo(dbBefore - 3000);
            for (int i = 1000; i < 1200; i++) {
                assertThat(f.intact(i)).isTrue();
            }
            f.client.getKeys().unlinkByPattern(filler + "*");
            f.client.getKeys().unlinkByPattern("session:" + filler + "*");
        }
    }

    @Test
    void aWrongTypeIsAPermanentStoreErrorWithoutValuesInTheMessage(RedisServer redis, TestNames names) {
        String set = "wrongtype:" + names.stem();
        try (RedisFixture f = RedisFixture.seed(redis, 2); RedisErasureStore store = f.store("sets = [\"" + set + "\"]")) {
            f.client.getBucket(set).set("not a set");
            ErasureItem item = RedisFixture.item(f.world.contributor(0), Mode.EXECUTE);
            assertThatThrownBy(() -> Announced.erase(store, ErasureBatch.of(item)))
                    .isInstanceOfSatisfying(org.erasure.sink.runtime.spi.StoreException.class, e -> {
                        assertThat(e.code()).isEqualTo("REDIS_WRONGTYPE");
                        assertThat(e.getMessage()).doesNotContain(item.contributorId()).doesNotContain(set);
                    });
            f.client.getKeys().unlink(set);
        }
    }

    @Test
    void connectionProblemsAreTransientAndServerErrorsPermanent() {
        RuntimeException refused = new org.redisson.client.RedisException("Unexpected exception while processing command",
                new java.net.ConnectException("Connection refused"));
        assertThat(RedisErasureStore.translate(refused, "erase")).isInstanceOf(org.erasure.sink.runtime.spi.StoreUnavailableException.class);
        assertThat(RedisErasureStore.translate(new org.redisson.client.RedisTimeoutException("x"), "erase"))
                .isInstanceOf(org.erasure.sink.runtime.spi.StoreUnavailableException.class);
        assertThat(RedisErasureStore.translate(new org.redisson.client.RedisLoadingException("LOADING"), "verify"))
                .isInstanceOf(org.erasure.sink.runtime.spi.StoreUnavailableException.class);
        RuntimeException noperm = RedisErasureStore.translate(
                new org.redisson.client.RedisException("NOPERM this user has no permissions to run the 'unlink' command. params [session:42:x]"), "erase");
        assertThat(noperm).isInstanceOf(org.erasure.sink.runtime.spi.StoreException.class).hasMessage("Redis erase failed (NOPERM)");
        RuntimeException inScript = RedisErasureStore.translate(new org.redisson.client.RedisException(
                "ERR Error running script (call to f_ab12): @user_script:3: READONLY You can't write against a read only replica.. channel: [id: 0x1] data: CommandData [params=[42]]"), "erase");
        assertThat(inScript).isInstanceOf(org.erasure.sink.runtime.spi.StoreUnavailableException.class).hasMessageContaining("READONLY");
    }

    @Test
    void configurationIsValidatedWithClearErrors(RedisServer redis, TestNames names) {
        try (RedisFixture f = RedisFixture.seed(redis, 1)) {
            assertThatThrownBy(() -> f.store("keys = [ \"session:*\" ]"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("redis.keys[0]").hasMessageContaining("placeholder");
            assertThatThrownBy(() -> f.store("keys = [ \"a:[{contributorId}\" ]"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unterminated");
            assertThatThrownBy(() -> f.store("keys = [], sets = [], hashes = []"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nothing to erase");
            assertThatThrownBy(() -> f.store("sets = [ \"config:feature-flags\" ]"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("redis.sets[0]").hasMessageContaining("not a set");
            assertThatThrownBy(() -> f.store("scan-count = 0"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scan-count");
            assertThatThrownBy(() -> new RedisStoreModule().create(RedisFixture.config("redis://127.0.0.1:1", ""), null))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("not reachable");
            // Exact patterns only: no SCAN at all.
            try (RedisErasureStore store = f.store("keys = [ \"auth-cache:{contributorId}\" ]")) {
                assertThat(store.scanMatch()).isNull();
                ErasureItem item = RedisFixture.item(f.world.contributor(0), Mode.EXECUTE);
                assertThat(byTarget(Announced.erase(store, ErasureBatch.of(item)).get(item.requestId())).get(AUTH).deleted()).isEqualTo(1);
            }
        }
    }
}

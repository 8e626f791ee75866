package org.erasure.sink.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.erasure.sink.redis.RedisFixture.AUTH;
import static org.erasure.sink.redis.RedisFixture.JOBS;
import static org.erasure.sink.redis.RedisFixture.ONLINE;
import static org.erasure.sink.redis.RedisFixture.SESSIONS;
import static org.erasure.sink.runtime.testkit.StoreFixture.byTarget;
import static org.erasure.sink.runtime.testkit.StoreFixture.residual;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.erasure.devstack.junit.DevStackTest;
import org.erasure.devstack.junit.TestNames;
import org.erasure.devstack.redis.RedisServer;
import org.erasure.events.Mode;
import org.erasure.events.TargetResult;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.RequestResult;
import org.erasure.sink.runtime.spi.StoreException;
import org.erasure.sink.runtime.testkit.Announced;
import org.erasure.sink.runtime.testkit.KeptImages;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.redisson.api.BatchOptions;
import org.redisson.api.RBatch;
import org.redisson.client.codec.ByteArrayCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The undo window: erase keeping before-images, restore some requests, the rest stays erased. */
@DevStackTest
@Order(2)
class RedisUndoTest {
    private static final Logger log = LoggerFactory.getLogger(RedisUndoTest.class);
    private static final int ERASED = 50;
    private static final int RESTORED = 10;

    @Test
    void eraseFiftyRestoreTenByteForByteTheOthersStayErased(RedisServer redis, TestNames names) {
        String hash = "presence:" + names.stem();
        try (RedisFixture f = RedisFixture.seed(redis, 60); RedisErasureStore store = f.store("hashes = [\"" + hash + "\"]")) {
            // A hash field per contributor (binary value), and a time to live on half of the session keys.
            RBatch seed = f.client.createBatch(BatchOptions.defaults());
            for (int i = 0; i < 60; i++) {
                seed.<byte[], byte[]>getMap(hash, ByteArrayCodec.INSTANCE).putAsync(id(f, i).getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xff, 0, (byte) i});
                if (i % 2 == 0) {
                    seed.getBucket(f.world.redisKeysOf(i).get(0)).expireAsync(java.time.Duration.ofHours(1));
                }
            }
            seed.execute();
            Map<Integer, Map<String, String>> before = new LinkedHashMap<>();
            for (int i = 0; i < 60; i++) {
                before.put(i, snapshot(f, hash, i));
            }

            // Dry run: nothing kept, nothing changed.
            KeptImages kept = new KeptImages();
            List<ErasureItem> dry = IntStream.range(50, 55).mapToObj(i -> RedisFixture.item(f.world.contributor(i), Mode.DRY_RUN)).toList();
            Announced.erase(store, new ErasureBatch(dry), kept);
            dry.forEach(d -> assertThat(kept.count(d.requestId())).isZero());

            List<ErasureItem> items = IntStream.range(0, ERASED).mapToObj(i -> RedisFixture.item(f.world.contributor(i), Mode.EXECUTE)).toList();
            long t0 = System.nanoTime();
            Map<UUID, RequestResult> erased = Announced.erase(store, new ErasureBatch(items), kept);
            long keepingMs = (System.nanoTime() - t0) / 1_000_000;
            for (int i = 0; i < ERASED; i++) {
                Map<String, TargetResult> r = byTarget(erased.get(items.get(i).requestId()));
                assertThat(r.get(SESSIONS).deleted() + r.get(AUTH).deleted() + r.get(JOBS).deleted() + r.get(hash).deleted()).isEqualTo(4);
                assertThat(r.get(ONLINE).deleted()).isEqualTo(f.world.isOnline(i) ? 1 : 0);
                assertThat(kept.count(items.get(i).requestId())).isPositive();
                assertThat(residual(store.verify(ErasureBatch.of(items.get(i))).get(items.get(i).requestId()))).isZero();
            }
            for (int i = 0; i < 60; i++) {
                kept.assertNothingInClear(f.world.contributor(i).email().getBytes(StandardCharsets.UTF_8));
                kept.assertNothingInClear(sessionToken(i));
            }

            // Restore the first ten: exactly as before (DUMP, TTL, membership, field value), counts as erased.
            for (int i = 0; i < RESTORED; i++) {
                UUID id = items.get(i).requestId();
                Map<String, Long> restored = kept.restore(store, id);
                Map<String, TargetResult> r = byTarget(erased.get(id));
                for (String target : store.targets()) {
                    assertThat(restored.getOrDefault(target, 0L)).as("restored %s of %d", target, i).isEqualTo(r.get(target).deleted());
                }
                assertThat(snapshot(f, hash, i)).as("contributor %d restored", i).isEqualTo(before.get(i));
            }
            List<ErasureItem> others = items.subList(RESTORED, ERASED);
            store.verify(new ErasureBatch(others)).values().forEach(rs -> assertThat(residual(rs)).isZero());
            for (int i = ERASED; i < 60; i++) {
                assertThat(snapshot(f, hash, i)).as("never erased %d", i).isEqualTo(before.get(i));
            }

            // A second restore puts back nothing.
            for (int i = 0; i < RESTORED; i++) {
                assertThat(kept.restore(store, items.get(i).requestId()).values()).allMatch(n -> n == 0);
                assertThat(snapshot(f, hash, i)).isEqualTo(before.get(i));
            }

            // After the window: the images no longer open, the store is unchanged.
            UUID shredded = items.get(RESTORED).requestId();
            kept.shred(shredded);
            assertThatThrownBy(() -> kept.restore(store, shredded)).isInstanceOfSatisfying(StoreException.class,
                    e -> assertThat(e.code()).isEqualTo("RESTORATION_KEY_SHREDDED"));
            assertThat(residual(store.verify(ErasureBatch.of(items.get(RESTORED))).get(shredded))).isZero();

            // Written after the erasure: a new auth-cache value and hash field stay; the rest comes back.
            int late = RESTORED + 1;
            f.client.getBucket(f.world.redisKeysOf(late).get(1)).set("new");
            f.client.<byte[], byte[]>getMap(hash, ByteArrayCodec.INSTANCE).put(id(f, late).getBytes(StandardCharsets.UTF_8), "new".getBytes(StandardCharsets.UTF_8));
            Map<String, Long> partly = kept.restore(store, items.get(late).requestId());
            assertThat(partly.get(AUTH)).isZero();
            assertThat(partly.get(hash)).isZero();
            assertThat(partly.get(SESSIONS)).isEqualTo(1);
            assertThat(partly.get(JOBS)).isEqualTo(1);
            assertThat(f.client.getBucket(f.world.redisKeysOf(late).get(1)).get()).isEqualTo("new");
            assertThat(f.client.<byte[], byte[]>getMap(hash, ByteArrayCodec.INSTANCE).get(id(f, late).getBytes(StandardCharsets.UTF_8))).isEqualTo("new".getBytes(StandardCharsets.UTF_8));
            Map<String, String> lateNow = snapshot(f, hash, late);
            assertThat(lateNow.get("session")).isEqualTo(before.get(late).get("session"));
            assertThat(lateNow.get("jobs")).isEqualTo(before.get(late).get("jobs"));

            // Cost: the same erase (default targets) on fresh worlds, warm, without and with the undo window.
            long[] ms = new long[4];
            for (int run = 0; run < 4; run++) {
                try (RedisFixture g = RedisFixture.seed(redis, ERASED); RedisErasureStore other = g.store()) {
                    List<ErasureItem> batch = IntStream.range(0, ERASED).mapToObj(i -> RedisFixture.item(g.world.contributor(i), Mode.EXECUTE)).toList();
                    long t1 = System.nanoTime();
                    Announced.erase(other, new ErasureBatch(batch), run % 2 == 0 ? org.erasure.sink.runtime.spi.RestorationLog.OFF : new KeptImages());
                    ms[run] = (System.nanoTime() - t1) / 1_000_000;
                }
            }
            String line = ("MEASURED redis erase of %d contributors in one batch: first (cold, hash target too) %d ms keeping before-images; "
                    + "warm: %d / %d ms without, %d / %d ms keeping").formatted(ERASED, keepingMs, ms[0], ms[2], ms[1], ms[3]);
            log.info(line);
            System.out.println(line);
            f.client.getKeys().unlink(hash);
        }
    }

    /** Many large keys of one request: split into several images; kept twice (a re-run) they restore once. */
    @Test
    void aLargeRequestIsKeptInSeveralImagesAndRestoredOnceWhenKeptTwice(RedisServer redis) {
        try (RedisFixture f = RedisFixture.seed(redis, 2); RedisErasureStore store = f.store()) {
            String id = Long.toString(f.world.contributor(0).id());
            byte[] big = new byte[10 * 1024];
            new java.util.Random(42).nextBytes(big);
            Map<String, String> dumps = new LinkedHashMap<>();
            for (int k = 0; k < 40; k++) {
                String key = "session:" + id + ":extra" + k;
                f.client.getBucket(key, ByteArrayCodec.INSTANCE).set(big);
                dumps.put(key, HexFormat.of().formatHex(f.client.getBucket(key, ByteArrayCodec.INSTANCE).dump()));
            }
            KeptImages kept = new KeptImages();
            ErasureItem item = RedisFixture.item(f.world.contributor(0), Mode.EXECUTE);
            assertThat(byTarget(Announced.erase(store, ErasureBatch.of(item), kept).get(item.requestId())).get(SESSIONS).deleted()).isEqualTo(41);
            var images = kept.images(item.requestId());
            assertThat(images).hasSizeGreaterThan(3).allSatisfy(image -> assertThat(image.content().length).isLessThan(256 * 1024));
            List<org.erasure.sink.runtime.spi.BeforeImage> twice = new java.util.ArrayList<>(images);
            twice.addAll(images);
            Map<String, Long> restored = store.restore(item.requestId(), twice, kept);
            assertThat(restored.get(SESSIONS)).isEqualTo(41);
            assertThat(restored.get(AUTH)).isEqualTo(1);
            dumps.forEach((key, dump) -> assertThat(HexFormat.of().formatHex(f.client.getBucket(key, ByteArrayCodec.INSTANCE).dump())).isEqualTo(dump));
            assertThat(f.intact(0)).isTrue();
            f.client.getKeys().unlink(dumps.keySet().toArray(String[]::new));
        }
    }

    private static byte[] sessionToken(int i) {
        return org.erasure.devstack.seed.SampleWorld.sessionToken(i).getBytes(StandardCharsets.UTF_8);
    }

    private static String id(RedisFixture f, int i) {
        return Long.toString(f.world.contributor(i).id());
    }

    /** Contributor {@code i} as Redis holds it: each key's DUMP and whether it expires, membership, hash field. */
    private static Map<String, String> snapshot(RedisFixture f, String hash, int i) {
        List<String> keys = f.world.redisKeysOf(i);
        Map<String, String> s = new LinkedHashMap<>();
        List<String> names = List.of("session", "auth", "jobs");
        for (int k = 0; k < keys.size(); k++) {
            var bucket = f.client.getBucket(keys.get(k), ByteArrayCodec.INSTANCE);
            byte[] dump = bucket.dump();
            long ttl = bucket.remainTimeToLive();
            // The remaining TTL ticks on: compare "expires within the hour" rather than the milliseconds.
            s.put(names.get(k), (dump == null ? "absent" : HexFormat.of().formatHex(dump)) + " ttl=" + (ttl > 0 ? (ttl <= 3_600_000 ? "1h" : "more") : ttl));
        }
        s.put("online", String.valueOf(f.online(f.world.contributor(i).id())));
        byte[] field = f.client.<byte[], byte[]>getMap(hash, ByteArrayCodec.INSTANCE).get(id(f, i).getBytes(StandardCharsets.UTF_8));
        s.put("hash", field == null ? "absent" : HexFormat.of().formatHex(field));
        return s;
    }
}

package org.erasure.sink.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.erasure.devstack.redis.RedisServer;
import org.erasure.devstack.seed.RedisSeeder;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.events.PhaseCompleted;
import org.erasure.events.TargetResult;
import org.erasure.sink.runtime.testkit.StoreFixture;
import org.redisson.api.RType;
import org.redisson.api.RedissonClient;

/**
 * A seeded world (own id range) on the shared Redis, a client to look at it, and the store on it.
 * Tests of one JVM run one at a time, so DBSIZE deltas are exact.
 */
final class RedisFixture extends StoreFixture {
    static final String SESSIONS = "session:{contributorId}:*";
    static final String AUTH = "auth-cache:{contributorId}";
    static final String JOBS = "job-assignment:{contributorId}";
    static final String ONLINE = SampleWorld.REDIS_ONLINE_SET;

    final RedisServer redis;
    final RedissonClient client;

    private RedisFixture(RedisServer redis, SampleWorld world) {
        super(world, RedisStoreModule::new, "sink-redis");
        this.redis = redis;
        this.client = redis.newRedissonClient();
    }

    static RedisFixture seed(RedisServer redis, int size) {
        RedisFixture f = new RedisFixture(redis, SampleWorld.isolated(size));
        RedisSeeder.seed(f.client, f.world);
        return f;
    }

    /** redis { } for the shared server (reference defaults), address overridable. */
    static Config config(String address, String extra) {
        return ConfigFactory.parseString("""
                address = "%s"
                connect-timeout = 1s
                timeout = 2s
                %s
                """.formatted(address, extra))
                .withFallback(ConfigFactory.defaultReference().getConfig("redis")).resolve();
    }

    RedisErasureStore store() {
        return store("");
    }

    RedisErasureStore store(String extra) {
        return (RedisErasureStore) new RedisStoreModule().create(config(redis.uri(), extra), new SimpleMeterRegistry());
    }

    long dbsize() {
        return client.getKeys().count();
    }

    boolean exists(String key) {
        return client.getKeys().countExists(key) == 1;
    }

    boolean online(long id) {
        return client.getSet(ONLINE).contains(Long.toString(id));
    }

    long onlineSize() {
        return client.getSet(ONLINE).size();
    }

    /** Keys of contributor {@code i} still present (0..3). */
    long keysOf(int i) {
        return client.getKeys().countExists(world.redisKeysOf(i).toArray(String[]::new));
    }

    /** Contributors among the first {@code n} whose auth-cache key is gone. */
    @Override
    public long erasedAmongFirst(int n) {
        String[] keys = new String[n];
        for (int i = 0; i < n; i++) {
            keys[i] = world.redisKeysOf(i).get(1);
        }
        return n - client.getKeys().countExists(keys);
    }

    /** Every seeded key of contributor {@code i} holds its seeded value and its membership is as seeded. */
    boolean intact(int i) {
        List<String> keys = world.redisKeysOf(i);
        SampleWorld.Contributor c = world.contributor(i);
        String session = (String) client.getBucket(keys.get(0)).get();
        return session != null && session.contains(SampleWorld.sessionToken(i))
                && client.getBucket(keys.get(1)).isExists()
                && client.getKeys().getType(keys.get(2)) == RType.MAP
                && client.getMap(keys.get(2)).size() == c.jobs()
                && online(c.id()) == world.isOnline(i);
    }

    /** All keys, values and memberships of this world plus the unrelated keys, as one string: equal strings, nothing changed. */
    String digest() {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < world.size(); i++) {
            List<String> keys = world.redisKeysOf(i);
            parts.add(String.valueOf(client.getBucket(keys.get(0)).get()));
            parts.add(String.valueOf(client.getBucket(keys.get(1)).get()));
            parts.add(String.valueOf(client.getMap(keys.get(2)).readAllMap()));
            parts.add(String.valueOf(online(world.contributor(i).id())));
        }
        for (String k : SampleWorld.REDIS_UNRELATED_KEYS) {
            parts.add(k + "=" + client.getBucket(k).get());
        }
        parts.add("dbsize=" + dbsize());
        parts.add("online=" + onlineSize());
        return Integer.toHexString(String.join("|", parts).hashCode()) + "/" + parts.size();
    }

    boolean unrelatedKeysPresent() {
        return SampleWorld.REDIS_UNRELATED_KEYS.stream().allMatch(this::exists);
    }

    @Override
    public void close() {
        client.shutdown();
    }

    // --- StoreFixture: what the shared sink scenarios (SinkContract) need ---

    @Override
    public Config storeConfig(String address, String extra) {
        return config(address, extra);
    }

    @Override
    public String endpoint() {
        return redis.uri();
    }

    @Override
    public String childStoreHocon() {
        return "redis { address = \"%s\" }".formatted(redis.uri());
    }

    @Override
    public int storePort() {
        return redis.port();
    }

    @Override
    public String endpointVia(int proxyPort) {
        return "redis://127.0.0.1:" + proxyPort;
    }

    @Override
    public void assertErased(int index) {
        assertThat(keysOf(index)).isZero();
        assertThat(online(world.contributor(index).id())).isFalse();
    }

    @Override
    public void assertIntact(int index) {
        assertThat(intact(index)).isTrue();
    }

    /** Keys erased before the kill are reported by the re-run as already gone (0). */
    @Override
    public long reportedWork(PhaseCompleted pc) {
        return pc.targets().get(1).deleted();
    }

    @Override
    public void assertExecutedTargets(PhaseCompleted pc, int index) {
        assertThat(pc.targets()).extracting(TargetResult::target).containsExactly(SESSIONS, AUTH, JOBS, ONLINE);
        assertThat(pc.targets()).extracting(TargetResult::deleted).containsExactly(1L, 1L, 1L, world.isOnline(index) ? 1L : 0L);
    }

    @Override
    public void assertDryRunTargets(PhaseCompleted pc, int index) {
        assertThat(pc.targets()).extracting(TargetResult::wouldDelete).containsExactly(1L, 1L, 1L, world.isOnline(index) ? 1L : 0L);
    }

    @Override
    public void afterBatch(BatchOutcome outcome) {
        assertThat(unrelatedKeysPresent()).isTrue();
    }

    @Override
    public List<String> storeMetrics() {
        return List.of("erasure_sink_redis_scan_seconds_count", "erasure_sink_redis_scanned_keys_total");
    }
}

package org.erasure.sink.redis;

import com.typesafe.config.Config;
import io.micrometer.core.instrument.MeterRegistry;
import org.erasure.events.Phase;
import org.erasure.sink.runtime.spi.ErasureStore;
import org.erasure.sink.runtime.spi.StoreModule;
import org.redisson.Redisson;
import org.redisson.api.RType;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.ClusterServersConfig;
import org.redisson.config.ConstantDelay;
import org.redisson.config.ReadMode;
import org.redisson.config.SingleServerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the Redis store from {@code redis { }}: Redisson client, configured sets / hashes checked for their type. */
public final class RedisStoreModule implements StoreModule {
    private static final Logger log = LoggerFactory.getLogger(RedisStoreModule.class);

    @Override
    public Phase phase() {
        return Phase.REDIS;
    }

    @Override
    public ErasureStore create(Config config, MeterRegistry meters) {
        RedisSettings s = RedisSettings.parse(config);
        RedissonClient client;
        try {
            client = Redisson.create(redissonConfig(s));
        } catch (RuntimeException e) {
            throw new IllegalStateException("Redis at " + s.redactedAddresses() + " is not reachable: " + e.getClass().getSimpleName(), e);
        }
        try {
            checkType(client, "sets", s.sets(), RType.SET);
            checkType(client, "hashes", s.hashes(), RType.MAP);
            RedisErasureStore store = new RedisErasureStore(client, s, meters);
            log.info("redis targets {}; SCAN MATCH {} COUNT {}, UNLINK chunk {}", store.targets(),
                    store.scanMatch() == null ? "(no wildcard pattern, no SCAN)" : store.scanMatch(), s.scanCount(), s.unlinkChunkSize());
            return store;
        } catch (RuntimeException e) {
            client.shutdown();
            throw e;
        }
    }

    static org.redisson.config.Config redissonConfig(RedisSettings s) {
        org.redisson.config.Config rc = new org.redisson.config.Config();
        rc.setCodec(StringCodec.INSTANCE);
        rc.setNettyThreads(s.nettyThreads());
        rc.setThreads(2);
        if (!s.username().isEmpty()) {
            rc.setUsername(s.username());
        }
        if (!s.password().isEmpty()) {
            rc.setPassword(s.password());
        }
        int connectMs = (int) s.connectTimeout().toMillis();
        int timeoutMs = (int) s.timeout().toMillis();
        ConstantDelay retryDelay = new ConstantDelay(s.retryInterval());
        if (s.mode().equals("cluster")) {
            ClusterServersConfig cc = rc.useClusterServers()
                    .addNodeAddress(s.addresses().toArray(String[]::new))
                    // Verify must not read a lagging replica.
                    .setReadMode(ReadMode.MASTER)
                    .setMasterConnectionPoolSize(s.poolSize())
                    .setMasterConnectionMinimumIdleSize(1)
                    .setConnectTimeout(connectMs).setTimeout(timeoutMs)
                    .setRetryAttempts(s.retryAttempts()).setRetryDelay(retryDelay)
                    .setClientName("sink-redis");
            cc.setSubscriptionConnectionMinimumIdleSize(0);
        } else {
            SingleServerConfig sc = rc.useSingleServer()
                    .setAddress(s.addresses().getFirst())
                    .setDatabase(s.database())
                    .setConnectionPoolSize(s.poolSize())
                    .setConnectionMinimumIdleSize(1)
                    .setSubscriptionConnectionMinimumIdleSize(0)
                    .setConnectTimeout(connectMs).setTimeout(timeoutMs)
                    .setRetryAttempts(s.retryAttempts()).setRetryDelay(retryDelay)
                    .setClientName("sink-redis");
        }
        return rc;
    }

    private static void checkType(RedissonClient client, String section, java.util.List<String> names, RType expected) {
        for (int i = 0; i < names.size(); i++) {
            RType type = client.getKeys().getType(names.get(i));
            if (type != null && type != expected) {
                throw new IllegalArgumentException("redis." + section + "[" + i + "] (" + names.get(i) + ") is a Redis "
                        + type + ", not a " + (expected == RType.SET ? "set" : "hash"));
            }
        }
    }
}

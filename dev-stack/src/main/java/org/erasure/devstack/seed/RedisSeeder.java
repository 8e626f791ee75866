package org.erasure.devstack.seed;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.redisson.api.BatchOptions;
import org.redisson.api.RBatch;
import org.redisson.api.RedissonClient;

/** Writes sessions, auth caches and job assignments with pipelined batches. */
public final class RedisSeeder {

    private static final int BATCH = 5_000;

    private RedisSeeder() {}

    public static SeedResult seed(RedissonClient client, SampleWorld world) {
        long begin = System.nanoTime();
        RBatch batch = client.createBatch(BatchOptions.defaults());
        long online = 0;
        for (int i = 0; i < world.size(); i++) {
            SampleWorld.Contributor c = world.contributor(i);
            var keys = world.redisKeysOf(i);
            batch.getBucket(keys.get(0)).setAsync("{\"contributorId\":" + c.id() + ",\"token\":\"" + SampleWorld.sessionToken(i) + "\"}");
            batch.getBucket(keys.get(1)).setAsync("{\"contributorId\":" + c.id() + ",\"roles\":[\"contributor\"]}");
            var assignment = batch.getMap(keys.get(2));
            for (int j = 0; j < c.jobs(); j++) {
                assignment.putAsync(Long.toString(world.jobId(i, j)), "assigned");
            }
            if (world.isOnline(i)) {
                batch.getSet(SampleWorld.REDIS_ONLINE_SET).addAsync(Long.toString(c.id()));
                online++;
            }
            if (i % BATCH == BATCH - 1) {
                batch.execute();
                batch = client.createBatch(BatchOptions.defaults());
            }
        }
        for (String key : SampleWorld.REDIS_UNRELATED_KEYS) {
            batch.getBucket(key).setAsync("unrelated");
        }
        batch.execute();
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("contributor keys", world.redisKeyCount());
        counts.put(SampleWorld.REDIS_ONLINE_SET + " members", online);
        counts.put("unrelated keys", (long) SampleWorld.REDIS_UNRELATED_KEYS.size());
        return new SeedResult("redis", counts, Duration.ofNanos(System.nanoTime() - begin));
    }
}

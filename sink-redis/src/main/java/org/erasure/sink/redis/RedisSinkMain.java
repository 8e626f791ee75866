package org.erasure.sink.redis;

import org.erasure.sink.runtime.SinkApplication;

/** {@code java -jar sink-redis.jar --config FILE}. */
public final class RedisSinkMain {
    private RedisSinkMain() {}

    public static void main(String[] args) {
        SinkApplication.main(args, new RedisStoreModule());
    }
}

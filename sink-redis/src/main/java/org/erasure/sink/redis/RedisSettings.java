package org.erasure.sink.redis;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The validated {@code redis { }} section. */
record RedisSettings(
        String mode,
        List<String> addresses,
        String username,
        String password,
        int database,
        Duration connectTimeout,
        Duration timeout,
        int retryAttempts,
        Duration retryInterval,
        int poolSize,
        int nettyThreads,
        int scanCount,
        int narrowScans,
        int narrowScanCount,
        int unlinkChunkSize,
        List<KeyPattern> keys,
        List<String> sets,
        List<String> hashes) {

    static RedisSettings parse(Config c) {
        String mode = c.getString("mode").strip().toLowerCase(java.util.Locale.ROOT);
        if (!mode.equals("single") && !mode.equals("cluster")) {
            throw new IllegalArgumentException("redis.mode must be single or cluster, not '" + mode + "'");
        }
        List<String> addresses = new ArrayList<>();
        for (String a : c.getString("address").split(",")) {
            if (!a.isBlank()) {
                addresses.add(a.strip());
            }
        }
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("redis.address is empty");
        }
        if (mode.equals("single") && addresses.size() > 1) {
            throw new IllegalArgumentException("redis.address lists " + addresses.size() + " nodes: set redis.mode = cluster");
        }
        int database = c.getInt("database");
        if (mode.equals("cluster") && database != 0) {
            throw new IllegalArgumentException("redis.database must be 0 with redis.mode = cluster");
        }
        int scanCount = positive(c, "scan-count");
        int narrowScans = c.getInt("narrow-scans");
        if (narrowScans < 0) {
            throw new IllegalArgumentException("redis.narrow-scans must be 0 (never) or more, not " + narrowScans);
        }
        int chunk = positive(c, "unlink-chunk-size");
        List<KeyPattern> keys = new ArrayList<>();
        List<String> rawKeys = c.getStringList("keys");
        for (int i = 0; i < rawKeys.size(); i++) {
            try {
                keys.add(KeyPattern.parse(rawKeys.get(i)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("redis.keys[" + i + "] " + e.getMessage(), e);
            }
        }
        List<String> sets = c.getStringList("sets");
        List<String> hashes = c.getStringList("hashes");
        Set<String> targets = new HashSet<>();
        for (String t : concat(rawKeys, sets, hashes)) {
            if (t.isBlank()) {
                throw new IllegalArgumentException("redis.keys / sets / hashes contain an empty name");
            }
            if (!targets.add(t)) {
                throw new IllegalArgumentException("redis target '" + t + "' is configured twice (keys, sets and hashes share one namespace)");
            }
        }
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("redis.keys, redis.sets and redis.hashes are all empty: nothing to erase");
        }
        return new RedisSettings(mode, List.copyOf(addresses), c.getString("username"), c.getString("password"), database,
                c.getDuration("connect-timeout"), c.getDuration("timeout"), c.getInt("retry-attempts"),
                c.getDuration("retry-interval"), positive(c, "pool-size"), positive(c, "netty-threads"),
                scanCount, narrowScans, positive(c, "narrow-scan-count"), chunk, List.copyOf(keys), List.copyOf(sets), List.copyOf(hashes));
    }

    private static int positive(Config c, String key) {
        int v = c.getInt(key);
        if (v < 1) {
            throw new IllegalArgumentException("redis." + key + " must be at least 1, not " + v);
        }
        return v;
    }

    @SafeVarargs
    private static List<String> concat(List<String>... lists) {
        List<String> all = new ArrayList<>();
        for (List<String> l : lists) {
            all.addAll(l);
        }
        return all;
    }

    /** Target names in report order: key patterns, then sets, then hashes. */
    List<String> targets() {
        List<String> t = new ArrayList<>();
        keys.forEach(k -> t.add(k.pattern()));
        t.addAll(sets);
        t.addAll(hashes);
        return List.copyOf(t);
    }

    /** The addresses without credentials, for messages. */
    String redactedAddresses() {
        return String.join(",", addresses.stream().map(a -> a.replaceAll("//[^@/]*@", "//")).toList());
    }
}

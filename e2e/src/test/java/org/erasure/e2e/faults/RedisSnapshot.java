package org.erasure.e2e.faults;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.erasure.devstack.redis.RedisServer;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.events.Phase;
import org.redisson.api.RType;
import org.redisson.api.RedissonClient;
import org.redisson.api.options.KeysScanOptions;
import org.redisson.client.codec.StringCodec;

/**
 * The world's keys ({@code session:<id>:…}, {@code auth-cache:<id>}, {@code job-assignment:<id>}) with
 * their values, the world's members of {@code contributors:online}, and the unrelated keys. Erasure
 * unlinks the three keys of the contributor and removes it from the set.
 */
record RedisSnapshot(Map<String, String> keys, Set<Long> online, Map<String, String> unrelated) implements StoreSnapshot {

    static final List<String> KEY_PREFIXES = List.of("session:", "auth-cache:", "job-assignment:");
    static final List<String> TARGETS = List.of("session:{contributorId}:*", "auth-cache:{contributorId}", "job-assignment:{contributorId}");

    static RedisSnapshot take(RedisServer server, SampleWorld world) {
        RedissonClient redis = server.newRedissonClient();
        try {
            Map<String, String> keys = new TreeMap<>();
            for (String prefix : KEY_PREFIXES) {
                for (String key : redis.getKeys().getKeys(KeysScanOptions.defaults().pattern(prefix + "*").chunkSize(1000))) {
                    long owner = owner(key);
                    if (owner >= world.firstId() && owner < world.firstId() + world.size()) {
                        keys.put(key, value(redis, key));
                    }
                }
            }
            Set<Long> online = new TreeSet<>();
            for (String member : redis.<String>getSet(SampleWorld.REDIS_ONLINE_SET).readAll()) {
                if (member.matches("[0-9]+")) {
                    long id = Long.parseLong(member);
                    if (id >= world.firstId() && id < world.firstId() + world.size()) {
                        online.add(id);
                    }
                }
            }
            Map<String, String> unrelated = new TreeMap<>();
            for (String key : SampleWorld.REDIS_UNRELATED_KEYS) {
                unrelated.put(key, value(redis, key));
            }
            return new RedisSnapshot(keys, online, unrelated);
        } finally {
            redis.shutdown();
        }
    }

    private static String value(RedissonClient redis, String key) {
        RType type = redis.getKeys().getType(key);
        if (type == null) {
            return null;
        }
        return switch (type) {
            case OBJECT -> "string " + redis.getBucket(key, StringCodec.INSTANCE).get();
            case MAP -> "hash " + new TreeMap<>(redis.getMap(key, StringCodec.INSTANCE).readAllMap());
            default -> type.name();
        };
    }

    /** The contributor id in a key {@code <prefix><id>[:…]}; -1 if none. */
    static long owner(String key) {
        String[] parts = key.split(":");
        return parts.length >= 2 && parts[1].matches("[0-9]+") ? Long.parseLong(parts[1]) : -1;
    }

    @Override
    public Phase phase() {
        return Phase.REDIS;
    }

    @Override
    public Map<String, Counts> erasable(long id) {
        Map<String, Counts> counts = new LinkedHashMap<>();
        for (int i = 0; i < KEY_PREFIXES.size(); i++) {
            String prefix = KEY_PREFIXES.get(i) + id;
            long n = keys.keySet().stream().filter(k -> k.equals(prefix) || k.startsWith(prefix + ":")).count();
            counts.put(TARGETS.get(i), Counts.deleted(n));
        }
        counts.put(SampleWorld.REDIS_ONLINE_SET, Counts.deleted(online.contains(id) ? 1 : 0));
        return counts;
    }

    @Override
    public List<String> problemsAfterErasure(StoreSnapshot other, Set<Long> erased) {
        RedisSnapshot after = (RedisSnapshot) other;
        List<String> problems = new ArrayList<>();
        after.keys.keySet().stream().filter(k -> erased.contains(owner(k)))
                .forEach(k -> problems.add("redis: a key of erased contributor " + owner(k) + " is left"));
        keys.forEach((key, value) -> {
            if (!erased.contains(owner(key)) && !value.equals(after.keys.get(key))) {
                problems.add("redis: a key of neighbour " + owner(key) + " changed or vanished");
            }
        });
        after.keys.keySet().stream().filter(k -> !erased.contains(owner(k)) && !keys.containsKey(k))
                .forEach(k -> problems.add("redis: a key appeared (owner " + owner(k) + ")"));
        after.online.stream().filter(erased::contains)
                .forEach(id -> problems.add("redis: erased contributor " + id + " still in " + SampleWorld.REDIS_ONLINE_SET));
        online.stream().filter(id -> !erased.contains(id) && !after.online.contains(id))
                .forEach(id -> problems.add("redis: neighbour " + id + " left " + SampleWorld.REDIS_ONLINE_SET));
        if (!unrelated.equals(after.unrelated)) {
            problems.add("redis: unrelated keys changed");
        }
        return problems;
    }
}

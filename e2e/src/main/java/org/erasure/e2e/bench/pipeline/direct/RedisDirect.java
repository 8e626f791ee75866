package org.erasure.e2e.bench.pipeline.direct;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.redisson.api.RKeys;
import org.redisson.api.RSet;
import org.redisson.api.RedissonClient;
import org.redisson.api.options.KeysScanOptions;

/**
 * Redis with the {@code redis} mapping: the person's keys ({@code redis.keys} patterns) are
 * UNLINKed, their id is removed from {@code redis.sets} and from the fields of {@code redis.hashes}.
 *
 * <p>The old way, per contributor: one {@code SCAN MATCH *<id>*} pass over the whole keyspace
 * (COUNT {@code redis.scan-count}), the matches checked against the patterns, UNLINK, SREM, HDEL.
 * The lower bound: exact keys UNLINKed directly, one SCAN pass for the wildcard patterns with
 * client-side membership, one SREM / HDEL per set / hash for the whole set.
 */
public final class RedisDirect implements DirectEraser {

    private final RedissonClient redis;
    private final List<KeyTemplate> templates;
    private final List<String> sets;
    private final List<String> hashes;
    private final int scanCount;
    private final int unlinkChunk;

    public RedisDirect(RedissonClient redis) {
        this.redis = redis;
        Config mapping = DefaultMapping.section("redis");
        this.templates = mapping.getStringList("keys").stream().map(KeyTemplate::parse).toList();
        this.sets = mapping.getStringList("sets");
        this.hashes = mapping.getStringList("hashes");
        this.scanCount = mapping.getInt("scan-count");
        this.unlinkChunk = mapping.getInt("unlink-chunk-size");
    }

    @Override
    public String store() {
        return "redis";
    }

    @Override
    public Erased eraseOne(Subject subject) {
        String id = subject.contributorId();
        List<String> keys = new ArrayList<>();
        for (String key : redis.getKeys().getKeys(KeysScanOptions.defaults().pattern("*" + escape(id) + "*").chunkSize(scanCount))) {
            if (templates.stream().anyMatch(t -> id.equals(t.contributorIdOf(key)))) {
                keys.add(key);
            }
        }
        long deleted = unlink(keys);
        return new Erased(deleted + removeFromSetsAndHashes(List.of(id)), 0);
    }

    @Override
    public Erased eraseAll(List<Subject> subjects) {
        Set<String> ids = new HashSet<>();
        subjects.forEach(s -> ids.add(s.contributorId()));
        List<String> keys = new ArrayList<>();
        List<KeyTemplate> scanned = templates.stream().filter(KeyTemplate::wildcard).toList();
        templates.stream().filter(t -> !t.wildcard()).forEach(t -> ids.forEach(id -> keys.add(t.keyOf(id))));
        if (!scanned.isEmpty()) {
            String match = commonPrefix(scanned.stream().map(KeyTemplate::literalPrefix).toList()) + "*";
            for (String key : redis.getKeys().getKeys(KeysScanOptions.defaults().pattern(escapeGlob(match)).chunkSize(scanCount))) {
                for (KeyTemplate t : scanned) {
                    String owner = t.contributorIdOf(key);
                    if (owner != null && ids.contains(owner)) {
                        keys.add(key);
                        break;
                    }
                }
            }
        }
        return new Erased(unlink(keys) + removeFromSetsAndHashes(ids), 0);
    }

    private long unlink(List<String> keys) {
        RKeys rkeys = redis.getKeys();
        long deleted = 0;
        for (int from = 0; from < keys.size(); from += unlinkChunk) {
            deleted += rkeys.unlink(keys.subList(from, Math.min(keys.size(), from + unlinkChunk)).toArray(String[]::new));
        }
        return deleted;
    }

    /** Set members and hash fields removed. */
    private long removeFromSetsAndHashes(java.util.Collection<String> ids) {
        long removed = 0;
        for (String name : sets) {
            RSet<String> set = redis.getSet(name);
            if (ids.size() == 1) {
                removed += set.remove(ids.iterator().next()) ? 1 : 0; // one SREM, as a script would
            } else {
                int before = set.size();
                set.removeAll(ids);
                removed += before - set.size();
            }
        }
        for (String name : hashes) {
            removed += redis.<String, String>getMap(name).fastRemove(ids.toArray(String[]::new));
        }
        return removed;
    }

    private static String commonPrefix(List<String> prefixes) {
        String common = prefixes.getFirst();
        for (String p : prefixes) {
            int n = 0;
            while (n < common.length() && n < p.length() && common.charAt(n) == p.charAt(n)) {
                n++;
            }
            common = common.substring(0, n);
        }
        return common;
    }

    /** An id or literal inside a MATCH pattern: glob characters escaped. */
    private static String escape(String literal) {
        return literal.replaceAll("([*?\\[\\]\\\\])", "\\\\$1");
    }

    private static String escapeGlob(String match) {
        return escape(match.substring(0, match.length() - 1)) + "*";
    }

    @Override
    public void close() {
        redis.shutdown();
    }
}

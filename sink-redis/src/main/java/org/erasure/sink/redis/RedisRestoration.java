package org.erasure.sink.redis;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.erasure.sink.redis.RedisErasureStore.KeyRef;
import org.erasure.sink.runtime.spi.BeforeImage;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.StoreException;
import org.erasure.sink.runtime.spi.Tally;
import org.erasure.sink.runtime.spi.WriteAhead;
import org.redisson.api.BatchOptions;
import org.redisson.api.RBatch;
import org.redisson.api.RFuture;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;

/**
 * The undo window in Redis: what an EXECUTE erase is about to remove is read first (a key's {@code DUMP} and
 * {@code PTTL} in one script, a set's member, a hash field's value), kept as before-images, announced, and only
 * then removed, and only where it is still what was kept (the key's DUMP, the field's value by SHA-1): nothing
 * leaves Redis that the restoration log does not hold. {@link #restore} puts back only what is absent
 * ({@code RESTORE} without {@code REPLACE}, {@code SADD}, {@code HSETNX}). Every script names one key only
 * (cluster-safe); per-key scripts are pipelined in chunks of {@code unlink-chunk-size}.
 */
final class RedisRestoration {
    /** DUMP and PTTL of one key, atomically; nil when the key is absent. */
    static final String READ_KEY = """
            local d = redis.call('DUMP', KEYS[1])
            if not d then return nil end
            return {d, redis.call('PTTL', KEYS[1])}""";
    /** UNLINK only if the key still serializes to what was kept (ARGV[1]: SHA-1 hex of its DUMP). */
    static final String UNLINK_IF_KEPT = """
            local d = redis.call('DUMP', KEYS[1])
            if d and redis.sha1hex(d) == ARGV[1] then redis.call('UNLINK', KEYS[1]) return 1 end
            return 0""";
    /** RESTORE only where the key is absent (never over data written since the erasure). */
    static final String RESTORE_IF_ABSENT = """
            if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
            redis.call('RESTORE', KEYS[1], ARGV[1], ARGV[2])
            return 1""";
    static final String HASH_READ = "return redis.call('HMGET', KEYS[1], unpack(ARGV))";
    /** ARGV: field, SHA-1 hex of its kept value, ...; HDEL only the fields that still hold the kept value. */
    static final String HASH_REMOVE_IF_KEPT = """
            local r = {}
            for i = 1, #ARGV, 2 do
              local v = redis.call('HGET', KEYS[1], ARGV[i])
              if v and redis.sha1hex(v) == ARGV[i + 1] then redis.call('HDEL', KEYS[1], ARGV[i]) r[#r + 1] = 1 else r[#r + 1] = 0 end
            end
            return r""";
    /** ARGV: field, value, ...; a flag per field: set (it was absent) or not. */
    static final String HASH_RESTORE = """
            local r = {}
            for i = 1, #ARGV, 2 do r[#r + 1] = redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) end
            return r""";
    /** A flag per member: added (it was absent) or not. */
    static final String SET_RESTORE = """
            local r = {}
            for i = 1, #ARGV do r[i] = redis.call('SADD', KEYS[1], ARGV[i]) end
            return r""";
    static final String SET_CONTAINS = RedisErasureStore.SET_CONTAINS;
    static final String SET_REMOVE = RedisErasureStore.SET_REMOVE;

    /** Content of one image above which the next entry starts a new image (the runtime's limit is ~256 KiB). */
    static final int IMAGE_BYTES = BeforeImage.MAX_BYTES;
    private static final int MAX_ARGV = 1_000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<Entry>> ENTRIES = new TypeReference<>() {};

    /**
     * One kept thing: a key ({@code k}, its DUMP {@code v}, its remaining PTTL {@code t} at erase time, 0 when it had
     * none), a set member ({@code k} the set, {@code f} the member) or a hash field ({@code k}, {@code f}, value {@code v}).
     */
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    record Entry(String k, String f, byte[] v, long t) {}

    private final RedissonClient client;
    private final RedisSettings settings;
    private final List<String> targets;

    RedisRestoration(RedissonClient client, RedisSettings settings, List<String> targets) {
        this.client = client;
        this.settings = settings;
        this.targets = targets;
    }

    // ---------------------------------------------------------------- erase, keeping images

    /**
     * Reads what the executes hold ({@code keys}: their exact and scanned keys), keeps it, announces it, then removes
     * what is still as kept; counts the removals in {@code tally}.
     */
    void erase(List<ErasureItem> executes, List<KeyRef> keys, WriteAhead writeAhead, Tally tally) {
        Tally planned = new Tally(targets);
        Images images = new Images();

        List<Object> dumps = pipeline(keys, (b, k) -> b.getScript(ByteArrayCodec.INSTANCE)
                .evalAsync(k.key(), RScript.Mode.READ_ONLY, READ_KEY, RScript.ReturnType.LIST, List.of(k.key())));
        List<KeyRef> kept = new ArrayList<>();
        List<String> sums = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            if (dumps.get(i) instanceof List<?> pair && pair.size() == 2) {
                KeyRef k = keys.get(i);
                byte[] dump = (byte[]) pair.get(0);
                long pttl = ((Number) pair.get(1)).longValue();
                // Remaining time to live at erase time; -1 (none) -> 0 (RESTORE: no expiry); 0 (expiring now) -> 1 ms.
                long ttl = pttl < 0 ? 0 : Math.max(1, pttl);
                images.add(k.item(), targets.get(k.target()), new Entry(k.key(), null, dump, ttl));
                planned.found(k.item(), targets.get(k.target()), 1);
                kept.add(k);
                sums.add(sha1(dump));
            }
        }

        int base = settings.keys().size();
        List<List<ErasureItem>> members = new ArrayList<>();
        for (int s = 0; s < settings.sets().size(); s++) {
            String set = settings.sets().get(s);
            List<ErasureItem> in = new ArrayList<>();
            List<Object> flags = evalChunks(set, executes, MAX_ARGV, SET_CONTAINS, RScript.Mode.READ_ONLY,
                    i -> List.of(utf8(i.contributorId())));
            for (int i = 0; i < executes.size(); i++) {
                if (flag(flags.get(i))) {
                    in.add(executes.get(i));
                    images.add(executes.get(i), targets.get(base + s), new Entry(set, executes.get(i).contributorId(), null, 0));
                    planned.found(executes.get(i), targets.get(base + s), 1);
                }
            }
            members.add(in);
        }
        base += settings.sets().size();
        List<List<ErasureItem>> fields = new ArrayList<>();
        List<List<String>> fieldSums = new ArrayList<>();
        for (int h = 0; h < settings.hashes().size(); h++) {
            String hash = settings.hashes().get(h);
            List<Object> values = evalChunks(hash, executes, MAX_ARGV, HASH_READ, RScript.Mode.READ_ONLY,
                    i -> List.of(utf8(i.contributorId())));
            List<ErasureItem> in = new ArrayList<>();
            List<String> inSums = new ArrayList<>();
            for (int i = 0; i < executes.size(); i++) {
                if (values.get(i) instanceof byte[] value) {
                    in.add(executes.get(i));
                    inSums.add(sha1(value));
                    images.add(executes.get(i), targets.get(base + h), new Entry(hash, executes.get(i).contributorId(), value, 0));
                    planned.found(executes.get(i), targets.get(base + h), 1);
                }
            }
            fields.add(in);
            fieldSums.add(inSums);
        }

        // Durable before anything is removed; if either throws, nothing was changed.
        writeAhead.restoration().keep(images.build());
        writeAhead.record(planned.planned(executes));

        List<Object> unlinked = pipeline(indexes(kept.size()), (b, i) -> b.getScript(ByteArrayCodec.INSTANCE)
                .evalAsync(kept.get(i).key(), RScript.Mode.READ_WRITE, UNLINK_IF_KEPT, RScript.ReturnType.LONG,
                        List.of(kept.get(i).key()), utf8(sums.get(i))));
        for (int i = 0; i < kept.size(); i++) {
            if (flag(unlinked.get(i))) {
                tally.deleted(kept.get(i).item(), targets.get(kept.get(i).target()), 1);
            }
        }
        base = settings.keys().size();
        for (int s = 0; s < settings.sets().size(); s++) {
            List<ErasureItem> in = members.get(s);
            List<Object> flags = evalChunks(settings.sets().get(s), in, MAX_ARGV, SET_REMOVE, RScript.Mode.READ_WRITE,
                    i -> List.of(utf8(i.contributorId())));
            count(in, flags, base + s, tally);
        }
        base += settings.sets().size();
        for (int h = 0; h < settings.hashes().size(); h++) {
            List<ErasureItem> in = fields.get(h);
            Map<ErasureItem, String> sumOf = new LinkedHashMap<>();
            for (int i = 0; i < in.size(); i++) {
                sumOf.put(in.get(i), fieldSums.get(h).get(i));
            }
            List<Object> flags = evalChunks(settings.hashes().get(h), in, MAX_ARGV / 2, HASH_REMOVE_IF_KEPT, RScript.Mode.READ_WRITE,
                    i -> List.of(utf8(i.contributorId()), utf8(sumOf.get(i))));
            count(in, flags, base + h, tally);
        }
    }

    private void count(List<ErasureItem> items, List<Object> flags, int target, Tally tally) {
        for (int i = 0; i < items.size(); i++) {
            if (flag(flags.get(i))) {
                tally.deleted(items.get(i), targets.get(target), 1);
            }
        }
    }

    /** Entries grouped per request and target, split into images of at most ~{@link #IMAGE_BYTES}. */
    private static final class Images {
        private final Map<UUID, Map<String, List<Entry>>> entries = new LinkedHashMap<>();

        void add(ErasureItem item, String target, Entry e) {
            entries.computeIfAbsent(item.requestId(), id -> new LinkedHashMap<>()).computeIfAbsent(target, t -> new ArrayList<>()).add(e);
        }

        List<BeforeImage> build() {
            List<BeforeImage> out = new ArrayList<>();
            entries.forEach((id, byTarget) -> byTarget.forEach((target, list) -> out.addAll(BeforeImage.inParts(id, target, list,
                    e -> 64 + (e.k() == null ? 0 : e.k().length() * 3L) + (e.f() == null ? 0 : e.f().length() * 3L)
                            + (e.v() == null ? 0 : (e.v().length + 2) / 3 * 4L),
                    RedisRestoration::encode))));
            return out;
        }
    }

    static byte[] encode(List<Entry> entries) {
        try {
            return JSON.writeValueAsBytes(entries);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode a before-image", e);
        }
    }

    static List<Entry> decode(byte[] content) {
        try {
            return JSON.readValue(content, ENTRIES);
        } catch (IOException e) {
            throw new StoreException("REDIS_IMAGE_UNREADABLE", "a before-image does not decode (" + e.getClass().getSimpleName() + ")");
        }
    }

    // ---------------------------------------------------------------- restore

    /** Puts back what the images hold and is absent now; restored count per target. */
    Map<String, Long> restore(List<BeforeImage> images) {
        // Per target, the last kept entry per key (a re-run may have kept one again), in kept order.
        Map<String, Map<String, Entry>> byTarget = new LinkedHashMap<>();
        for (BeforeImage image : images) {
            if (!targets.contains(image.target())) {
                throw new StoreException("REDIS_UNKNOWN_TARGET", "a before-image names a target this sink does not have");
            }
            Map<String, Entry> latest = byTarget.computeIfAbsent(image.target(), t -> new LinkedHashMap<>());
            for (Entry e : decode(image.content())) {
                latest.put(e.k() + '\u0000' + (e.f() == null ? "" : e.f()), e);
            }
        }
        Map<String, Long> restored = new LinkedHashMap<>();
        int sets = settings.keys().size();
        int hashes = sets + settings.sets().size();
        byTarget.forEach((target, latest) -> {
            List<Entry> entries = new ArrayList<>(latest.values());
            int t = targets.indexOf(target);
            List<Object> flags;
            if (t < sets) {
                flags = pipeline(entries, (b, e) -> b.getScript(ByteArrayCodec.INSTANCE).evalAsync(e.k(), RScript.Mode.READ_WRITE,
                        RESTORE_IF_ABSENT, RScript.ReturnType.LONG, List.of(e.k()), utf8(Long.toString(e.t())), e.v()));
            } else if (t < hashes) {
                flags = evalChunks(target, entries, MAX_ARGV, SET_RESTORE, RScript.Mode.READ_WRITE, e -> List.of(utf8(e.f())));
            } else {
                flags = evalChunks(target, entries, MAX_ARGV / 2, HASH_RESTORE, RScript.Mode.READ_WRITE, e -> List.of(utf8(e.f()), e.v()));
            }
            restored.put(target, flags.stream().filter(RedisRestoration::flag).count());
        });
        return restored;
    }

    // ---------------------------------------------------------------- plumbing

    /** One script per element, pipelined in chunks of unlink-chunk-size; the replies in order. */
    private <T> List<Object> pipeline(List<T> elements, java.util.function.BiFunction<RBatch, T, RFuture<Object>> command) {
        List<Object> replies = new ArrayList<>(elements.size());
        int chunk = settings.unlinkChunkSize();
        for (int from = 0; from < elements.size(); from += chunk) {
            List<T> part = elements.subList(from, Math.min(elements.size(), from + chunk));
            RBatch batch = client.createBatch(BatchOptions.defaults());
            List<RFuture<Object>> futures = new ArrayList<>(part.size());
            for (T e : part) {
                futures.add(command.apply(batch, e));
            }
            batch.execute();
            futures.forEach(f -> replies.add(f.toCompletableFuture().join()));
        }
        return replies;
    }

    /** One EVAL on {@code name} per chunk of elements ({@code args} each); the script returns one reply per element. */
    private <T> List<Object> evalChunks(String name, List<T> elements, int chunk, String script, RScript.Mode mode,
                                        java.util.function.Function<T, List<byte[]>> args) {
        List<Object> replies = new ArrayList<>(elements.size());
        RScript lua = client.getScript(ByteArrayCodec.INSTANCE);
        int size = Math.min(chunk, settings.unlinkChunkSize());
        for (int from = 0; from < elements.size(); from += size) {
            List<T> part = elements.subList(from, Math.min(elements.size(), from + size));
            List<Object> argv = new ArrayList<>();
            part.forEach(e -> argv.addAll(args.apply(e)));
            List<Object> reply = lua.eval(name, mode, script, RScript.ReturnType.LIST, List.of(name), argv.toArray());
            if (reply == null || reply.size() != part.size()) {
                throw new StoreException("REDIS_SCRIPT_REPLY", "unexpected script reply for " + name);
            }
            replies.addAll(reply);
        }
        return replies;
    }

    private static List<Integer> indexes(int n) {
        List<Integer> l = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            l.add(i);
        }
        return l;
    }

    static boolean flag(Object o) {
        if (o instanceof Number n) {
            return n.longValue() > 0;
        }
        if (o instanceof Boolean b) {
            return b;
        }
        if (o instanceof byte[] b) {
            return new String(b, StandardCharsets.US_ASCII).equals("1");
        }
        return o != null && o.toString().equals("1");
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String sha1(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

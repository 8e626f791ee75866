package org.erasure.sink.redis;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.erasure.events.Phase;
import org.erasure.events.TargetResult;
import org.erasure.sink.runtime.spi.BeforeImage;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.erasure.sink.runtime.spi.ErasureStore;
import org.erasure.sink.runtime.spi.RequestResult;
import org.erasure.sink.runtime.spi.RestorationLog;
import org.erasure.sink.runtime.spi.StoreException;
import org.erasure.sink.runtime.spi.StoreUnavailableException;
import org.erasure.sink.runtime.spi.Tally;
import org.erasure.sink.runtime.spi.TargetResidual;
import org.erasure.sink.runtime.spi.WriteAhead;
import org.redisson.RedissonShutdownException;
import org.redisson.api.BatchOptions;
import org.redisson.api.RBatch;
import org.redisson.api.RFuture;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.api.options.KeysScanOptions;
import org.redisson.client.RedisConnectionException;
import org.redisson.client.RedisException;
import org.redisson.client.RedisNodeNotFoundException;
import org.redisson.client.RedisOutOfMemoryException;
import org.redisson.client.RedisReadonlyException;
import org.redisson.client.RedisReconnectedException;
import org.redisson.client.RedisRetryException;
import org.redisson.client.RedisTimeoutException;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Redis erasure for one batch, never one command round trip per contributor:
 *
 * <ul>
 *   <li>exact key patterns ({@code auth-cache:{contributorId}}): the batch's key names are built from
 *       the ids and UNLINKed (dry run: EXISTS) in pipelined chunks of {@code unlink-chunk-size}
 *       single-key commands: one round trip per chunk, and each reply (0/1) attributes the key to its
 *       request exactly;</li>
 *   <li>wildcard patterns ({@code session:{contributorId}:*}): ONE SCAN pass per batch over the
 *       broad MATCH {@code <common literal prefix>*} (a batch of at most {@code narrow-scans} ids x patterns: one
 *       narrow SCAN per id instead, the id glob-escaped in its MATCH), keys matched
 *       client-side against the batch's ids, then UNLINKed in the same pipelined chunks;</li>
 *   <li>sets / hashes: one EVAL per set (hash) and chunk of ids that reports which ids are members
 *       (fields) and removes them with one SREM (HDEL); dry run and verify use the read-only variant.</li>
 * </ul>
 * Verify re-reads independently: a new SCAN pass, EXISTS, SISMEMBER, HEXISTS.
 */
public final class RedisErasureStore implements ErasureStore {
    private static final Logger log = LoggerFactory.getLogger(RedisErasureStore.class);

    /** Membership flag per ARGV, then one SREM for all of them (atomic; only KEYS[1]: cluster-safe). */
    static final String SET_REMOVE = """
            local r = {}
            for i = 1, #ARGV do r[i] = redis.call('SISMEMBER', KEYS[1], ARGV[i]) end
            redis.call('SREM', KEYS[1], unpack(ARGV))
            return r""";
    static final String SET_CONTAINS = """
            local r = {}
            for i = 1, #ARGV do r[i] = redis.call('SISMEMBER', KEYS[1], ARGV[i]) end
            return r""";
    static final String HASH_REMOVE = """
            local r = {}
            for i = 1, #ARGV do r[i] = redis.call('HEXISTS', KEYS[1], ARGV[i]) end
            redis.call('HDEL', KEYS[1], unpack(ARGV))
            return r""";
    static final String HASH_CONTAINS = """
            local r = {}
            for i = 1, #ARGV do r[i] = redis.call('HEXISTS', KEYS[1], ARGV[i]) end
            return r""";
    /** Lua's unpack() is limited by the C stack (LUAI_MAXCSTACK 8000): stay well below. */
    private static final int MAX_ARGV = 1_000;
    private static final Pattern ERROR_CODE = Pattern.compile("^([A-Z][A-Z_]{1,30})\\b");
    private static final Pattern SCRIPT_ERROR_CODE = Pattern.compile("@user_script:\\d+: ([A-Z][A-Z_]{1,30}) ");
    private static final Set<String> TRANSIENT_CODES = Set.of("LOADING", "BUSY", "TRYAGAIN", "CLUSTERDOWN", "MASTERDOWN", "READONLY", "OOM");

    private final RedissonClient client;
    private final RedisSettings settings;
    private final List<String> targets;
    private final List<KeyPattern> exactPatterns = new ArrayList<>();
    private final List<Integer> exactTargets = new ArrayList<>();
    private final List<KeyPattern> scanPatterns = new ArrayList<>();
    private final List<Integer> scanTargets = new ArrayList<>();
    private final String scanMatch; // null: no wildcard pattern, no SCAN
    private final Duration probeTimeout;
    private final Timer scanTimer;
    private final Counter scannedKeys;
    private final RedisRestoration restoration;

    RedisErasureStore(RedissonClient client, RedisSettings settings, MeterRegistry meters) {
        this.client = client;
        this.settings = settings;
        this.targets = settings.targets();
        List<KeyPattern> keys = settings.keys();
        for (int i = 0; i < keys.size(); i++) {
            if (keys.get(i).exact()) {
                exactPatterns.add(keys.get(i));
                exactTargets.add(i);
            } else {
                scanPatterns.add(keys.get(i));
                scanTargets.add(i);
            }
        }
        this.scanMatch = scanPatterns.isEmpty() ? null : Glob.escape(commonPrefix(scanPatterns)) + "*";
        this.restoration = new RedisRestoration(client, settings, targets);
        this.probeTimeout = settings.connectTimeout().plus(settings.timeout());
        this.scanTimer = meters == null ? null : Timer.builder("erasure.sink.redis.scan")
                .description("one SCAN pass over the keyspace (per erase / verify of a batch)").register(meters);
        this.scannedKeys = meters == null ? null : Counter.builder("erasure.sink.redis.scanned.keys")
                .description("keys returned by SCAN passes").register(meters);
    }

    static String commonPrefix(List<KeyPattern> patterns) {
        String p = patterns.getFirst().literalPrefix();
        for (KeyPattern k : patterns) {
            String q = k.literalPrefix();
            int n = 0;
            while (n < p.length() && n < q.length() && p.charAt(n) == q.charAt(n)) {
                n++;
            }
            p = p.substring(0, n);
        }
        // Never split a surrogate pair.
        if (!p.isEmpty() && Character.isHighSurrogate(p.charAt(p.length() - 1))) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }

    /** The MATCH of the SCAN pass, or null when no pattern needs one. */
    String scanMatch() {
        return scanMatch;
    }

    @Override
    public Phase phase() {
        return Phase.REDIS;
    }

    @Override
    public List<String> targets() {
        return targets;
    }

    // ---------------------------------------------------------------- erase

    @Override
    public Map<UUID, RequestResult> erase(ErasureBatch batch, WriteAhead writeAhead) {
        Map<UUID, RequestResult> failed = new HashMap<>();
        List<ErasureItem> valid = new ArrayList<>();
        for (ErasureItem item : batch.items()) {
            if (item.contributorId().isEmpty()) {
                // "auth-cache:" + "" would name a key that belongs to nobody in particular.
                failed.put(item.requestId(), RequestResult.failed("REDIS_EMPTY_ID", "contributorId is empty"));
            } else {
                valid.add(item);
            }
        }
        Tally tally = new Tally(targets);
        if (!valid.isEmpty()) {
            try {
                eraseValid(valid, tally, writeAhead);
            } catch (RuntimeException e) {
                throw translate(e, "erase");
            }
        }
        Map<UUID, RequestResult> results = tally.results(batch.items()); // in the caller's order
        results.putAll(failed);
        return results;
    }

    private void eraseValid(List<ErasureItem> items, Tally tally, WriteAhead writeAhead) {
        List<ErasureItem> executes = items.stream().filter(i -> !i.dryRun()).toList();
        List<ErasureItem> dryRuns = items.stream().filter(ErasureItem::dryRun).toList();

        // 1. One SCAN pass for the whole batch (execute and dry-run items alike).
        List<KeyRef> scanned = scan(items, "erase");

        // 2. Executes, with the undo window: read what they hold, keep it, announce it, remove what is as kept.
        List<KeyRef> scannedExecutes = scanned.stream().filter(k -> !k.item().dryRun()).toList();
        if (!executes.isEmpty() && writeAhead.restoration().enabled()) {
            List<KeyRef> keys = new ArrayList<>(exactKeys(executes));
            keys.addAll(scannedExecutes);
            restoration.erase(executes, keys, writeAhead, tally);
        } else if (!executes.isEmpty()) {
            // What the executes are about to lose, counted read-only as a dry run would, and announced
            // before any UNLINK/SREM/HDEL: Redis has no transaction that could carry the announcement.
            writeAhead.record(plan(executes, scannedExecutes));
            List<KeyRef> unlink = new ArrayList<>(exactKeys(executes));
            unlink.addAll(scannedExecutes);
            pipeline(unlink, (b, key) -> b.getKeys().unlinkAsync(key), tally);
            containers(executes, SET_REMOVE, HASH_REMOVE, RScript.Mode.READ_WRITE, tally);
        }

        // 3. Dry runs: EXISTS pipelined on the exact keys; scanned dry-run keys exist as seen; flags of sets and hashes.
        for (KeyRef k : scanned) {
            if (k.item().dryRun()) {
                tally.deleted(k.item(), targets.get(k.target()), 1);
            }
        }
        pipeline(exactKeys(dryRuns), (b, key) -> b.getKeys().countExistsAsync(key), tally);
        containers(dryRuns, SET_CONTAINS, HASH_CONTAINS, RScript.Mode.READ_ONLY, tally);
    }

    /** One EVAL per set (hash) and chunk of ids: {@code setScript} / {@code hashScript}. */
    private void containers(List<ErasureItem> items, String setScript, String hashScript, RScript.Mode mode, Tally tally) {
        int base = settings.keys().size();
        for (int s = 0; s < settings.sets().size(); s++) {
            members(settings.sets().get(s), base + s, items, setScript, mode, tally);
        }
        base += settings.sets().size();
        for (int h = 0; h < settings.hashes().size(); h++) {
            members(settings.hashes().get(h), base + h, items, hashScript, mode, tally);
        }
    }

    private Map<UUID, List<TargetResult>> plan(List<ErasureItem> executes, List<KeyRef> scannedExecutes) {
        return present(executes, scannedExecutes).planned(executes);
    }

    /**
     * Counts, read-only, what the items hold now: the scanned keys, the exact keys that exist, the sets and
     * hashes that hold the id. Before an erase: what it is about to remove; in verify: what is left.
     */
    private Tally present(List<ErasureItem> items, List<KeyRef> scanned) {
        Tally present = new Tally(targets);
        for (KeyRef k : scanned) {
            present.found(k.item(), targets.get(k.target()), 1);
        }
        pipeline(exactKeys(items), (b, key) -> b.getKeys().countExistsAsync(key), present);
        containers(items, SET_CONTAINS, HASH_CONTAINS, RScript.Mode.READ_ONLY, present);
        return present;
    }

    // ---------------------------------------------------------------- verify

    @Override
    public Map<UUID, List<TargetResidual>> verify(ErasureBatch batch) {
        List<ErasureItem> items = batch.items().stream().filter(i -> !i.contributorId().isEmpty()).toList();
        if (items.isEmpty()) {
            return new Tally(targets).residuals(batch.items());
        }
        try {
            // Independent of erase: what is in Redis now.
            return present(items, scan(items, "verify")).residuals(batch.items());
        } catch (RuntimeException e) {
            throw translate(e, "verify");
        }
    }

    // ---------------------------------------------------------------- restore

    /** See {@link RedisRestoration#restore}: RESTORE / SADD / HSETNX of what is kept and absent now. */
    @Override
    public Map<String, Long> restore(UUID requestId, List<BeforeImage> images, RestorationLog log) {
        try {
            return restoration.restore(images);
        } catch (RuntimeException e) {
            throw translate(e, "restore");
        }
    }

    @Override
    public void checkReachable() {
        try {
            // DBSIZE on every master: O(1), works in single and cluster mode.
            client.getKeys().countAsync().toCompletableFuture().get(probeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("Redis probe interrupted");
        } catch (TimeoutException e) {
            throw new StoreUnavailableException("Redis did not answer within " + probeTimeout.toMillis() + " ms");
        } catch (ExecutionException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new StoreUnavailableException("Redis unreachable (" + (cause == null ? e : cause).getClass().getSimpleName() + ")");
        }
    }

    @Override
    public void close() {
        client.shutdown();
    }

    // ---------------------------------------------------------------- operations

    /** A key (or member) of one item under one target. */
    record KeyRef(String key, ErasureItem item, int target) {}

    private List<KeyRef> exactKeys(List<ErasureItem> items) {
        List<KeyRef> keys = new ArrayList<>(items.size() * exactPatterns.size());
        Set<String> seen = new HashSet<>();
        for (int p = 0; p < exactPatterns.size(); p++) {
            for (ErasureItem item : items) {
                String key = exactPatterns.get(p).keyFor(item.contributorId());
                if (seen.add(key)) { // two patterns (or ids) naming the same key: counted once, under the first
                    keys.add(new KeyRef(key, item, exactTargets.get(p)));
                }
            }
        }
        return keys;
    }

    /**
     * One SCAN pass with the broad MATCH; each key is matched client-side against the items' ids under
     * the wildcard patterns (first pattern in config order wins). Keys an exact pattern names for an
     * item of the batch are left to that pattern, so nothing is counted twice.
     */
    private List<KeyRef> scan(List<ErasureItem> items, String purpose) {
        if (scanMatch == null) {
            return List.of();
        }
        Map<String, ErasureItem> byId = new HashMap<>();
        items.forEach(i -> byId.put(i.contributorId(), i));
        KeyPattern.Ids ids = new KeyPattern.Ids(byId.keySet());
        Set<String> exact = new HashSet<>();
        exactKeys(items).forEach(k -> exact.add(k.key()));
        boolean narrow = (long) items.size() * scanPatterns.size() <= settings.narrowScans();
        long begin = System.nanoTime();
        long examined = 0;
        Map<String, KeyRef> hits = new LinkedHashMap<>();
        for (String key : narrow ? narrowScans(items) : client.getKeys().getKeys(broadScan())) {
            examined++;
            if (hits.containsKey(key) || exact.contains(key)) {
                continue; // SCAN may return a key twice
            }
            for (int p = 0; p < scanPatterns.size(); p++) {
                String id = scanPatterns.get(p).ownerOf(key, ids);
                if (id != null) {
                    hits.put(key, new KeyRef(key, byId.get(id), scanTargets.get(p)));
                    break;
                }
            }
        }
        long nanos = System.nanoTime() - begin;
        if (scanTimer != null) {
            scanTimer.record(nanos, TimeUnit.NANOSECONDS);
            scannedKeys.increment(examined);
        }
        log.debug("{} SCAN {}: {} keys examined, {} of the batch's {} contributors' keys found in {} ms", purpose,
                narrow ? "narrow, per id" : "pass MATCH " + scanMatch, examined, hits.size(), items.size(), nanos / 1_000_000);
        return new ArrayList<>(hits.values());
    }

    private KeysScanOptions broadScan() {
        KeysScanOptions options = KeysScanOptions.defaults().chunkSize(settings.scanCount());
        return scanMatch.equals("*") ? options : options.pattern(scanMatch);
    }

    /** One SCAN per (wildcard pattern, id) with the pattern's narrow MATCH: Redis returns only candidates. */
    private List<String> narrowScans(List<ErasureItem> items) {
        List<String> keys = new ArrayList<>();
        for (KeyPattern pattern : scanPatterns) {
            for (ErasureItem item : items) {
                KeysScanOptions options = KeysScanOptions.defaults().chunkSize(settings.narrowScanCount())
                        .pattern(pattern.narrowMatch(item.contributorId()));
                client.getKeys().getKeys(options).forEach(keys::add);
            }
        }
        return keys;
    }

    /** Runs one single-key command per key, pipelined in chunks; a reply of 1 counts for the key's item and target. */
    private void pipeline(List<KeyRef> keys, BiFunction<RBatch, String, RFuture<Long>> command, Tally tally) {
        int chunk = settings.unlinkChunkSize();
        for (int from = 0; from < keys.size(); from += chunk) {
            List<KeyRef> part = keys.subList(from, Math.min(keys.size(), from + chunk));
            RBatch batch = client.createBatch(BatchOptions.defaults());
            List<RFuture<Long>> replies = new ArrayList<>(part.size());
            for (KeyRef k : part) {
                replies.add(command.apply(batch, k.key()));
            }
            batch.execute();
            for (int i = 0; i < part.size(); i++) {
                long n = replies.get(i).toCompletableFuture().join();
                if (n > 0) {
                    tally.deleted(part.get(i).item(), targets.get(part.get(i).target()), 1);
                }
            }
        }
    }

    /** One EVAL per chunk of ids on the set / hash {@code name}; the script returns a 0/1 flag per id. */
    private void members(String name, int target, List<ErasureItem> items, String script, RScript.Mode mode, Tally tally) {
        if (items.isEmpty()) {
            return;
        }
        RScript lua = client.getScript(StringCodec.INSTANCE);
        int chunk = Math.min(MAX_ARGV, settings.unlinkChunkSize());
        for (int from = 0; from < items.size(); from += chunk) {
            List<ErasureItem> part = items.subList(from, Math.min(items.size(), from + chunk));
            Object[] argv = part.stream().map(ErasureItem::contributorId).toArray();
            List<Object> flags = lua.eval(name, mode, script, RScript.ReturnType.LIST, List.of(name), argv);
            if (flags == null || flags.size() != part.size()) {
                throw new StoreException("REDIS_SCRIPT_REPLY", "unexpected script reply for " + name);
            }
            for (int i = 0; i < part.size(); i++) {
                if (flag(flags.get(i))) {
                    tally.deleted(part.get(i), targets.get(target), 1);
                }
            }
        }
    }

    private static boolean flag(Object o) {
        if (o instanceof Number n) {
            return n.longValue() > 0;
        }
        if (o instanceof Boolean b) {
            return b;
        }
        return o != null && o.toString().equals("1");
    }

    // ---------------------------------------------------------------- errors

    /**
     * Connection, timeout, LOADING / TRYAGAIN / BUSY / CLUSTERDOWN / MASTERDOWN, READONLY (failover),
     * OOM, node not found, client shutting down → {@link StoreUnavailableException}. Anything else
     * (WRONGTYPE, NOPERM, NOSCRIPT, ...) → {@link StoreException} {@code REDIS_<CODE>}. Messages carry
     * the error code or class name only: Redisson's texts quote the command and its arguments.
     */
    static RuntimeException translate(RuntimeException e, String operation) {
        if (e instanceof StoreException || e instanceof StoreUnavailableException) {
            return e;
        }
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof RedisConnectionException || t instanceof RedisTimeoutException || t instanceof RedisRetryException
                || t instanceof RedisNodeNotFoundException || t instanceof RedisReconnectedException
                || t instanceof RedisReadonlyException || t instanceof RedisOutOfMemoryException
                || t instanceof RedissonShutdownException || networkCause(t)) {
            return new StoreUnavailableException("Redis " + operation + " failed transiently (" + t.getClass().getSimpleName() + ")");
        }
        String code = t.getClass().getSimpleName();
        if (t instanceof RedisException && t.getMessage() != null) {
            String serverText = t.getMessage();
            int channel = serverText.indexOf(". channel:");
            if (channel >= 0) {
                serverText = serverText.substring(0, channel); // the rest quotes the command and its arguments
            }
            Matcher m = ERROR_CODE.matcher(serverText);
            if (m.find()) {
                code = m.group(1);
                // An error raised inside a script: "ERR Error running script ... @user_script:2: WRONGTYPE Operation ..."
                Matcher inner = SCRIPT_ERROR_CODE.matcher(serverText);
                if (code.equals("ERR") && inner.find()) {
                    code = inner.group(1);
                }
            }
            if (TRANSIENT_CODES.contains(code)) {
                return new StoreUnavailableException("Redis " + operation + " failed transiently (" + code + ")");
            }
        }
        return new StoreException("REDIS_" + code.replaceAll("[^A-Za-z0-9_]", "_"), "Redis " + operation + " failed (" + code + ")");
    }

    /** Redisson wraps e.g. a refused connect in a plain RedisException("Unexpected exception while processing command"). */
    private static boolean networkCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof java.io.IOException || c instanceof io.netty.channel.ChannelException
                    || c instanceof java.nio.channels.ClosedChannelException) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "RedisErasureStore" + Arrays.asList(targets.toArray());
    }
}

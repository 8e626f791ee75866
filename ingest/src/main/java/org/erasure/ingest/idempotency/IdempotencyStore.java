package org.erasure.ingest.idempotency;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Responses by {@code Idempotency-Key}, per client, for a TTL: a retried POST with the same key and
 * body gets the first response again instead of a second publish.
 *
 * <p>In memory, per instance (lost on restart, not shared between replicas; the open-request dedupe
 * still catches most retries then). The request is identified by a SHA-256 fingerprint of method,
 * path, query and body, so the stored entry holds no request content.
 */
public final class IdempotencyStore {

    /** A stored response. */
    public record Response(int status, String contentType, String body) {}

    /** What to do with a request carrying a key. */
    public sealed interface Lookup {
        /** First time: proceed, then {@link #complete} or {@link #abandon}. */
        record Proceed() implements Lookup {}
        /** Same key and same request: return this. */
        record Replay(Response response) implements Lookup {}
        /** Same key, different request. */
        record Mismatch() implements Lookup {}
        /** Same key, the first request is still being processed. */
        record InFlight() implements Lookup {}
    }

    private record Entry(byte[] fingerprint, Response response, Instant expiresAt) {}

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final Duration ttl;
    private final Clock clock;
    private final int maxEntries;

    public IdempotencyStore(Duration ttl, int maxEntries, Clock clock) {
        this.ttl = ttl;
        this.maxEntries = maxEntries;
        this.clock = clock;
    }

    public synchronized Lookup begin(String client, String key, byte[] fingerprint) {
        Instant now = clock.instant();
        String k = client + "\u0000" + key;
        Entry e = entries.get(k);
        if (e != null && !now.isBefore(e.expiresAt())) {
            entries.remove(k);
            e = null;
        }
        if (e == null) {
            if (entries.size() >= maxEntries) {
                evictExpired(now);
            }
            entries.put(k, new Entry(fingerprint, null, now.plus(ttl)));
            return new Lookup.Proceed();
        }
        if (!Arrays.equals(e.fingerprint(), fingerprint)) {
            return new Lookup.Mismatch();
        }
        return e.response() == null ? new Lookup.InFlight() : new Lookup.Replay(e.response());
    }

    public synchronized void complete(String client, String key, Response response) {
        String k = client + "\u0000" + key;
        Entry e = entries.get(k);
        if (e != null) {
            entries.put(k, new Entry(e.fingerprint(), response, e.expiresAt()));
        }
    }

    /** The request failed in a way worth retrying (5xx): forget the key. */
    public synchronized void abandon(String client, String key) {
        entries.remove(client + "\u0000" + key);
    }

    private void evictExpired(Instant now) {
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
            if (!now.isBefore(it.next().expiresAt())) {
                it.remove();
            }
        }
    }

    public int size() {
        return entries.size();
    }
}

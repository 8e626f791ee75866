package org.erasure.ingest.idempotency;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link Idempotency} in memory, per instance, for a TTL: lost on restart and not shared between
 * replicas (for one instance with {@code ingest.claims.enabled = false}; the open-request dedupe still
 * catches most retries then). The request is identified by a SHA-256 fingerprint of method, path,
 * query and body, so the stored entry holds no request content.
 */
public final class IdempotencyStore implements Idempotency {

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

    @Override
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
            return new Lookup.Proceed(new Ticket() {
                @Override
                public void complete(Response response) {
                    IdempotencyStore.this.complete(client, key, response);
                }

                @Override
                public void abandon() {
                    IdempotencyStore.this.abandon(client, key);
                }
            });
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

package org.erasure.client.dedupe;

import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.erasure.events.Mode;

/**
 * Requests that have no final record yet, by contributor and mode: a second request for a contributor
 * with an open one gets the open requestId back instead of a duplicate erasure run.
 *
 * <p>Fed by {@link OpenRequestFollower} (every request on both lanes, whoever published it, and every
 * final record on {@code erasure.completions}) and by this instance's own publishes. An entry is open
 * until a record for its requestId appears on the completions topic, or until its deadline passes
 * (the verifier times it out by then). Per contributor and mode the newest request (by
 * {@code requestedAt}) is the one returned.
 *
 * <p>Errs towards "closed": a request wrongly taken as open would swallow a new erasure request,
 * a request wrongly taken as closed only costs a second, harmless erasure run.
 */
public final class OpenRequests {

    /** Final records seen before their request (reading lanes and completions side by side): remembered this many. */
    private static final int CLOSED_EARLY_MAX = 50_000;

    private record Key(String contributorId, Mode mode) {}

    private record Entry(UUID requestId, Instant requestedAt, Instant expiresAt) {}

    private final Map<Key, Entry> open = new HashMap<>();
    private final Map<UUID, Key> byRequest = new HashMap<>();
    private final Map<UUID, Boolean> closedEarly = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<UUID, Boolean> eldest) {
            return size() > CLOSED_EARLY_MAX;
        }
    };
    private final Clock clock;

    public OpenRequests(Clock clock) {
        this.clock = clock;
    }

    /** The lock subject of a contributor and mode on the claims topic (no PII: contributor ids only). */
    public static String subject(String contributorId, Mode mode) {
        return contributorId + "/" + mode.name();
    }

    public synchronized Optional<UUID> find(String contributorId, Mode mode) {
        Key key = new Key(contributorId, mode);
        Entry e = open.get(key);
        if (e == null) {
            return Optional.empty();
        }
        if (!clock.instant().isBefore(e.expiresAt())) {
            open.remove(key);
            byRequest.remove(e.requestId());
            return Optional.empty();
        }
        return Optional.of(e.requestId());
    }

    /** This instance published the request just now. */
    public void opened(String contributorId, Mode mode, UUID requestId, Instant expiresAt) {
        opened(contributorId, mode, requestId, clock.instant(), expiresAt);
    }

    /** A request was published (seen on a lane, or by this instance); an older one for the same contributor and mode is replaced. */
    public synchronized void opened(String contributorId, Mode mode, UUID requestId, Instant requestedAt, Instant expiresAt) {
        if (closedEarly.remove(requestId) != null || !clock.instant().isBefore(expiresAt)) {
            return;
        }
        Key key = new Key(contributorId, mode);
        Entry previous = open.get(key);
        if (previous != null) {
            if (previous.requestId().equals(requestId) || previous.requestedAt().isAfter(requestedAt)) {
                return;
            }
            byRequest.remove(previous.requestId());
        }
        open.put(key, new Entry(requestId, requestedAt, expiresAt));
        byRequest.put(requestId, key);
    }

    /** A final record arrived for this request. */
    public synchronized void close(UUID requestId) {
        Key key = byRequest.remove(requestId);
        if (key == null) {
            closedEarly.put(requestId, Boolean.TRUE);
            return;
        }
        Entry e = open.get(key);
        if (e != null && e.requestId().equals(requestId)) {
            open.remove(key);
        }
    }

    /** Drops requests past their deadline that nobody asked for since. */
    public synchronized void sweep() {
        Instant now = clock.instant();
        open.values().removeIf(e -> {
            boolean expired = !now.isBefore(e.expiresAt());
            if (expired) {
                byRequest.remove(e.requestId());
            }
            return expired;
        });
    }

    public synchronized int size() {
        return open.size();
    }
}

package org.erasure.ingest.dedupe;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.erasure.events.Mode;

/**
 * The requests this ingest instance published that have no final record yet, by contributor and
 * mode: a second request for a contributor with an open one gets the open requestId back instead of
 * a duplicate erasure run.
 *
 * <p>In memory, per instance: it starts empty on restart and does not see requests published by other
 * instances or directly to Kafka. An entry is open until {@link #close} (a record for its requestId
 * appeared on {@code erasure.completions}) or until its deadline passes (the verifier times out by then).
 */
public final class OpenRequests {

    private record Key(String contributorId, Mode mode) {}

    private record Entry(UUID requestId, Instant expiresAt) {}

    private final ConcurrentHashMap<Key, Entry> open = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<UUID, Key> byRequest = new ConcurrentHashMap<>();
    private final Clock clock;

    public OpenRequests(Clock clock) {
        this.clock = clock;
    }

    public Optional<UUID> find(String contributorId, Mode mode) {
        Key key = new Key(contributorId, mode);
        Entry e = open.get(key);
        if (e == null) {
            return Optional.empty();
        }
        if (!clock.instant().isBefore(e.expiresAt())) {
            open.remove(key, e);
            byRequest.remove(e.requestId());
            return Optional.empty();
        }
        return Optional.of(e.requestId());
    }

    public void opened(String contributorId, Mode mode, UUID requestId, Instant expiresAt) {
        Key key = new Key(contributorId, mode);
        Entry previous = open.put(key, new Entry(requestId, expiresAt));
        if (previous != null) {
            byRequest.remove(previous.requestId());
        }
        byRequest.put(requestId, key);
    }

    /** A final record arrived for this request. */
    public void close(UUID requestId) {
        Key key = byRequest.remove(requestId);
        if (key != null) {
            open.computeIfPresent(key, (k, e) -> e.requestId().equals(requestId) ? null : e);
        }
    }

    public int size() {
        return open.size();
    }
}

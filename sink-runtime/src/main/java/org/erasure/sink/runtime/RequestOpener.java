package org.erasure.sink.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.keys.Opening;
import org.erasure.keys.RequestKeys;
import org.erasure.sink.runtime.spi.StoreUnavailableException;

/**
 * Turns the requests of a poll into requests a store can act on: plain ones pass through, sealed ones are
 * opened with the request keys (one key-store read per poll); a request whose key is gone is refused with
 * a per-request code ({@code KEY_SHREDDED}) instead of reaching the store with no identifiers.
 */
public final class RequestOpener implements AutoCloseable {
    /** A sealed request arrived but this sink has no key-encryption key ({@code sink.keys.kek}). */
    public static final String KEY_UNAVAILABLE = "KEY_UNAVAILABLE";

    private final RequestKeys keys; // null: no KEK configured

    private RequestOpener(RequestKeys keys) {
        this.keys = keys;
    }

    /** No keys: plain requests only, sealed ones refused with {@link #KEY_UNAVAILABLE}. */
    public static RequestOpener none() {
        return new RequestOpener(null);
    }

    public static RequestOpener with(RequestKeys keys) {
        return new RequestOpener(keys);
    }

    /** A request the store will not see, and why (code and a message naming ids only). */
    public record Refusal(ContributorErasureRequested request, String code, String message) {}

    /** @param readable requests with plain identifiers, in the order given */
    public record Result(List<ContributorErasureRequested> readable, List<Refusal> refused) {}

    /** @throws StoreUnavailableException when the key store cannot be read (the poll is re-run later, like a store outage) */
    public Result open(List<ContributorErasureRequested> requests) {
        if (requests.stream().noneMatch(ContributorErasureRequested::hasSealedIdentifiers)) {
            return new Result(requests, List.of());
        }
        List<ContributorErasureRequested> readable = new ArrayList<>();
        List<Refusal> refused = new ArrayList<>();
        if (keys == null) {
            for (ContributorErasureRequested r : requests) {
                if (r.hasSealedIdentifiers()) {
                    refused.add(new Refusal(r, KEY_UNAVAILABLE, "the request's identifiers are sealed and this sink has no key-encryption key (sink.keys.kek)"));
                } else {
                    readable.add(r);
                }
            }
            return new Result(readable, refused);
        }
        Map<UUID, Opening> opened;
        try {
            opened = keys.openAll(requests);
        } catch (RuntimeException e) {
            // Key-store trouble only (opening failures are outcomes): Kafka timeouts, an unreadable topic. Never key material.
            throw new StoreUnavailableException("the key store could not be read: " + e.getClass().getSimpleName()
                    + (e instanceof IllegalStateException ? ": " + e.getMessage() : ""));
        }
        for (ContributorErasureRequested r : requests) {
            switch (opened.get(r.requestId())) {
                case Opening.Opened o -> readable.add(o.request());
                case Opening.KeyShredded s -> refused.add(new Refusal(r, s.code(),
                        "the request's key was shredded: its identifiers can no longer be read, nothing was erased"));
                case Opening.Unreadable u -> refused.add(new Refusal(r, u.code(), u.reason()));
            }
        }
        return new Result(readable, refused);
    }

    @Override
    public void close() {
        if (keys != null) {
            keys.close();
        }
    }
}

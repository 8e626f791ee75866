package org.erasure.keys;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.Identifiers;

/**
 * Seal, open and shred the identifiers of requests: {@link Envelope} plus a {@link KeyStore}.
 * What a producer (ingest) and a reader (a sink, the verifier) use.
 */
public final class RequestKeys implements AutoCloseable {
    private final Envelope envelope;
    private final KeyStore store;

    public RequestKeys(Envelope envelope, KeyStore store) {
        this.envelope = envelope;
        this.store = store;
    }

    /**
     * The default wiring: the settings' key-encryption key (and previous ones, {@link KeysSettings#envelope()}) and the {@link KafkaKeyStore} on their key topic
     * (created if absent). What a program with a {@code keys { }} section calls once it has a KEK.
     *
     * @param client Kafka client properties (bootstrap servers, security)
     * @throws IllegalStateException when the settings have no KEK, or the key topic cannot be created or described
     */
    public static RequestKeys open(KeysSettings settings, java.util.Map<String, Object> client) {
        if (settings.kek() == null) {
            throw new IllegalStateException("no key-encryption key configured (keys.kek)");
        }
        return new RequestKeys(settings.envelope(), KafkaKeyStore.open(settings.topic(), client, settings.timeout()));
    }

    /**
     * The request with its identifiers sealed under a fresh data key, stored (durably) before this returns:
     * publish the result only after this call. A request already sealed is returned as it is.
     */
    public ContributorErasureRequested seal(ContributorErasureRequested request) {
        if (request.hasSealedIdentifiers()) {
            return request;
        }
        Envelope.Sealing s = envelope.seal(request.requestId(), request.identifiers());
        store.put(request.requestId(), s.key());
        return request.withSealedIdentifiers(s.sealed());
    }

    /**
     * {@link #seal} for a batch, with one durable write of all their keys ({@link KeyStore#putAll}: one round of
     * acknowledgements instead of one per request: a 10,000-row upload waited ~27 s on single puts). Requests already
     * sealed are returned as they are; the order is kept. Publish the result only after this call.
     */
    public List<ContributorErasureRequested> sealAll(List<ContributorErasureRequested> requests) {
        Map<UUID, WrappedKey> keys = new LinkedHashMap<>();
        List<ContributorErasureRequested> out = new java.util.ArrayList<>(requests.size());
        for (ContributorErasureRequested r : requests) {
            if (r.hasSealedIdentifiers()) {
                out.add(r);
                continue;
            }
            Envelope.Sealing s = envelope.seal(r.requestId(), r.identifiers());
            keys.put(r.requestId(), s.key());
            out.add(r.withSealedIdentifiers(s.sealed()));
        }
        if (!keys.isEmpty()) {
            store.putAll(keys);
        }
        return out;
    }

    public Opening open(ContributorErasureRequested request) {
        return openAll(List.of(request)).get(request.requestId());
    }

    /** Opens a batch with one key-store read; keyed by requestId, in the order given. */
    public Map<UUID, Opening> openAll(Collection<ContributorErasureRequested> requests) {
        List<UUID> sealedIds = requests.stream().filter(ContributorErasureRequested::hasSealedIdentifiers)
                .map(ContributorErasureRequested::requestId).toList();
        Map<UUID, WrappedKey> keys = sealedIds.isEmpty() ? Map.of() : store.getAll(sealedIds);
        Map<UUID, Opening> out = new LinkedHashMap<>();
        for (ContributorErasureRequested r : requests) {
            out.put(r.requestId(), open(r, keys.get(r.requestId())));
        }
        return out;
    }

    private Opening open(ContributorErasureRequested r, WrappedKey key) {
        if (!r.hasSealedIdentifiers()) {
            return new Opening.Opened(r);
        }
        if (key == null) {
            return new Opening.KeyShredded(r.requestId());
        }
        try {
            Identifiers ids = envelope.open(r.requestId(), r.sealedIdentifiers(), key);
            return new Opening.Opened(r.withIdentifiers(ids));
        } catch (EnvelopeException e) {
            return new Opening.Unreadable(r.requestId(), e.getMessage());
        }
    }

    /** Destroys the request's key: its sealed identifiers, wherever they are copied, can no longer be opened. */
    public void shred(UUID requestId) {
        store.shred(requestId);
    }

    /** See {@link KeyStore#writeRollMarker()}: the shredding schedule calls it once per segment time after shreds. */
    public void writeRollMarker() {
        store.writeRollMarker();
    }

    @Override
    public void close() {
        store.close();
    }
}

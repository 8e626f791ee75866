package org.erasure.keys;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Where wrapped data keys live, by requestId. Small on purpose, so a KMS (or a database) can replace
 * the default {@link KafkaKeyStore}. Implementations never log key material.
 */
public interface KeyStore extends AutoCloseable {

    /** Stores the wrapped key durably before returning (a producer publishes the request only after this). */
    void put(UUID requestId, WrappedKey key);

    /** Several keys at once, durably before returning (one round of acknowledgements where the store allows). */
    default void putAll(Map<UUID, WrappedKey> keys) {
        keys.forEach(this::put);
    }

    /** The key, or empty when it was shredded (or never stored). Sees every put and shred that returned before the call. */
    Optional<WrappedKey> get(UUID requestId);

    /** Several keys at once (one catch-up for a batch); absent ids are missing from the map. */
    default Map<UUID, WrappedKey> getAll(Collection<UUID> requestIds) {
        Map<UUID, WrappedKey> out = new HashMap<>();
        for (UUID id : requestIds) {
            get(id).ifPresent(k -> out.put(id, k));
        }
        return out;
    }

    /** Every key the store holds now (e.g. to find those whose time is up). */
    default Map<UUID, WrappedKey> all() {
        throw new UnsupportedOperationException("this key store cannot list its keys");
    }

    /** Destroys the key: from then on every copy of the request's sealed identifiers is unreadable. Idempotent. */
    void shred(UUID requestId);

    /**
     * A write that lets the segments holding shreds roll when the store is otherwise idle (Kafka cleans only
     * rolled segments: docs/privacy.md, the physical bound). Stores without segments need nothing.
     */
    default void writeRollMarker() {}

    @Override
    void close();
}

package org.erasure.keys;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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

    /** A key to write over the one read before ({@code expected}): a KEK rotation's rewrap, same data key, new wrapping. */
    record Replacement(WrappedKey expected, WrappedKey replacement) {}

    /**
     * What {@link #replaceAll} did.
     *
     * @param replaced          written, and still the latest value
     * @param shreddedMeanwhile shredded by somebody else since the caller read it: left shredded (not written, or shredded
     *                          again where the replacement had overwritten the tombstone)
     * @param changedMeanwhile  given another key by somebody else since the caller read it: left with (or put back to) that key
     */
    record Replaced(Set<UUID> replaced, Set<UUID> shreddedMeanwhile, Set<UUID> changedMeanwhile) {}

    /**
     * Writes each replacement over its key only while that key is still the one the caller read, so that a shred
     * written by another process (a sink, the verifier) between the caller's read and this write is never undone:
     * a shredded key stays shredded. Durable before returning.
     */
    default Replaced replaceAll(Map<UUID, Replacement> replacements) {
        throw new UnsupportedOperationException("this key store cannot replace keys");
    }

    /**
     * Live keys whose key id was shredded before under the same id: a replacement written over a shred by a rewrap that
     * was killed before its check ({@link #replaceAll}). Shred them again. Empty where replacing is atomic, or where the
     * store does not keep that history ({@link KafkaKeyStore#openForRotation} does, while the tombstones are on the topic).
     */
    default Set<UUID> resurrected() {
        return Set.of();
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

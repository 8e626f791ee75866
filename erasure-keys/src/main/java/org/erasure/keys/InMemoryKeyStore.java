package org.erasure.keys;

import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** A key store in this JVM only: for tests and single-process tools. */
public final class InMemoryKeyStore implements KeyStore {
    private final Map<UUID, WrappedKey> keys = new ConcurrentHashMap<>();

    @Override
    public void put(UUID requestId, WrappedKey key) {
        keys.put(requestId, key);
    }

    @Override
    public Optional<WrappedKey> get(UUID requestId) {
        return Optional.ofNullable(keys.get(requestId));
    }

    @Override
    public void shred(UUID requestId) {
        keys.remove(requestId);
    }

    @Override
    public void close() {}
}

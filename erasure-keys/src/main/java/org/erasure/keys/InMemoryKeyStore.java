package org.erasure.keys;

import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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

    /** Atomic per key: a compare-and-set against the key read before. */
    @Override
    public Replaced replaceAll(Map<UUID, Replacement> replacements) {
        Set<UUID> replaced = new HashSet<>();
        Set<UUID> shredded = new HashSet<>();
        Set<UUID> changed = new HashSet<>();
        replacements.forEach((id, r) -> {
            if (keys.replace(id, r.expected(), r.replacement())) {
                replaced.add(id);
            } else if (keys.containsKey(id)) {
                changed.add(id);
            } else {
                shredded.add(id);
            }
        });
        return new Replaced(replaced, shredded, changed);
    }

    @Override
    public Map<UUID, WrappedKey> all() {
        return Map.copyOf(keys);
    }

    @Override
    public void shred(UUID requestId) {
        keys.remove(requestId);
    }

    @Override
    public void close() {}
}

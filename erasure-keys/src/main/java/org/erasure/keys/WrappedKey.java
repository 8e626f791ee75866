package org.erasure.keys;

import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import java.util.UUID;

/**
 * A request's data key as the key store keeps it: encrypted (AES-256-GCM) under the
 * {@link KeyEncryptionKey} named by {@code kekId}, authenticated with the requestId and key id, so a
 * wrapped key copied onto another request does not unwrap.
 *
 * @param keyId     the data key's id, also carried by the event's {@code sealedIdentifiers.keyId}
 * @param kekId     id of the key-encryption key that wrapped it
 * @param wrapped   base64 of format byte, nonce and GCM output
 * @param createdAt when the data key was made
 */
public record WrappedKey(String keyId, String kekId, String wrapped, Instant createdAt) {
    public WrappedKey {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(kekId, "kekId");
        Objects.requireNonNull(wrapped, "wrapped");
        Objects.requireNonNull(createdAt, "createdAt");
        Base64.getDecoder().decode(wrapped); // fail here, not when opening
    }

    byte[] wrappedBytes() {
        return Base64.getDecoder().decode(wrapped);
    }

    /** Binds a wrapped key to its request and key id (GCM additional data). */
    static byte[] wrapAad(UUID requestId, String keyId) {
        return ("erasure-keys/wrap/v1|" + requestId + "|" + keyId).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "WrappedKey[keyId=" + keyId + ", kekId=" + kekId + ", createdAt=" + createdAt + "]";
    }
}

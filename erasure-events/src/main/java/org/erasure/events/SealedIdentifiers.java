package org.erasure.events;

import java.util.Base64;
import java.util.regex.Pattern;

/**
 * The identifiers of a request, encrypted with the request's own data key (module {@code erasure-keys}:
 * AES-256-GCM, authenticated with the requestId). Carried on the wire instead of plain
 * {@link Identifiers} so that shredding the key makes every copy of the request unreadable.
 *
 * <p>This library only carries the two fields; it cannot open them (no key material here).
 *
 * @param keyId      id of the data key in the key store (not secret; checked against the stored key)
 * @param ciphertext base64 (standard alphabet, padded) of the sealed bytes
 */
public record SealedIdentifiers(String keyId, String ciphertext) {
    /** Key ids are generated, never input: a short opaque token. */
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
    /** Far above any real identifiers list (254-character values), far below a Kafka record. */
    static final int MAX_CIPHERTEXT_LENGTH = 65_536;

    public SealedIdentifiers {
        Checks.required(keyId, "keyId");
        if (!KEY_ID.matcher(keyId).matches()) {
            throw new InvalidEventException("keyId", "not a key id ([A-Za-z0-9_.:-], at most 64 characters)");
        }
        Checks.nonBlank(ciphertext, "ciphertext");
        if (ciphertext.length() > MAX_CIPHERTEXT_LENGTH) {
            throw new InvalidEventException("ciphertext", "longer than " + MAX_CIPHERTEXT_LENGTH + " characters");
        }
        try {
            Base64.getDecoder().decode(ciphertext);
        } catch (IllegalArgumentException e) {
            throw new InvalidEventException("ciphertext", "not base64");
        }
    }

    /** The sealed bytes. */
    public byte[] ciphertextBytes() {
        return Base64.getDecoder().decode(ciphertext);
    }

    public static SealedIdentifiers of(String keyId, byte[] ciphertext) {
        return new SealedIdentifiers(keyId, Base64.getEncoder().encodeToString(ciphertext));
    }

    @Override
    public String toString() {
        return "SealedIdentifiers[keyId=" + keyId + ", ciphertext=" + ciphertext.length() + " chars]";
    }
}

package org.erasure.keys;

import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Pattern;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key-encryption key (KEK): wraps every per-request data key. It comes from configuration or the
 * environment (base64 of 32 random bytes), never from code, and is never logged: {@link #toString()}
 * shows only its id. The id is stored next to each wrapped key so a rotated KEK can be told apart.
 */
public final class KeyEncryptionKey {
    static final int BYTES = 32;
    static final Pattern ID = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");

    private final String id;
    private final SecretKey key;

    private KeyEncryptionKey(String id, byte[] material) {
        this.id = id;
        this.key = new SecretKeySpec(material, "AES");
    }

    /**
     * @param id     a short name for this KEK (e.g. {@code kek-2026-01}); stored with every key it wraps
     * @param base64 standard base64 of exactly 32 bytes
     * @throws IllegalArgumentException naming the problem, never quoting the value
     */
    public static KeyEncryptionKey fromBase64(String id, String base64) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("key-encryption key id must match [A-Za-z0-9_.:-]{1,64}");
        }
        if (base64 == null || base64.isBlank()) {
            throw new IllegalArgumentException("key-encryption key is not set (base64 of " + BYTES + " random bytes)");
        }
        byte[] material;
        try {
            material = Base64.getDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("key-encryption key is not valid base64");
        }
        try {
            if (material.length != BYTES) {
                throw new IllegalArgumentException("key-encryption key must be " + BYTES + " bytes (AES-256), got " + material.length);
            }
            return new KeyEncryptionKey(id, material);
        } finally {
            Arrays.fill(material, (byte) 0); // SecretKeySpec keeps its own copy
        }
    }

    public String id() {
        return id;
    }

    SecretKey secretKey() {
        return key;
    }

    @Override
    public String toString() {
        return "KeyEncryptionKey[id=" + id + "]";
    }
}

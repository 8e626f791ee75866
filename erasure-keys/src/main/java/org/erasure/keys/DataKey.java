package org.erasure.keys;

import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.spec.SecretKeySpec;

/**
 * An unwrapped data key for sealing arbitrary bytes (the undo window's restoration data), made or unwrapped by
 * {@link Envelope}. Same scheme as the identifiers: AES-256-GCM, random nonce, {@code 0x01 | nonce | ciphertext+tag},
 * with additional data chosen by the caller (bind the bytes to what they belong to). Holds key material:
 * {@link #close()} zeroes it; never log it ({@link #toString()} shows the id).
 */
public final class DataKey implements AutoCloseable {
    private final String keyId;
    private final byte[] raw;
    private final Envelope envelope;
    private final WrappedKey wrapped;

    DataKey(String keyId, byte[] raw, WrappedKey wrapped, Envelope envelope) {
        this.keyId = keyId;
        this.raw = raw;
        this.wrapped = wrapped;
        this.envelope = envelope;
    }

    public String keyId() {
        return keyId;
    }

    /** What the key store keeps (wrapped by the key-encryption key). */
    public WrappedKey wrapped() {
        return wrapped;
    }

    public byte[] seal(byte[] plain, byte[] aad) {
        return envelope.encrypt(new SecretKeySpec(raw, "AES"), plain, aad);
    }

    /** @throws EnvelopeException when the bytes were changed or belong to other additional data */
    public byte[] open(byte[] sealed, byte[] aad) {
        try {
            return Envelope.decrypt(new SecretKeySpec(raw, "AES"), sealed, aad);
        } catch (AEADBadTagException e) {
            throw new EnvelopeException("data sealed under key " + keyId + " does not open (changed bytes, or other additional data)");
        }
    }

    @Override
    public void close() {
        Arrays.fill(raw, (byte) 0);
    }

    @Override
    public String toString() {
        return "DataKey[" + keyId + "]";
    }
}

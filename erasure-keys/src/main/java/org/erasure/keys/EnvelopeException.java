package org.erasure.keys;

/**
 * Sealed identifiers could not be opened (wrong key-encryption key, tampered bytes, a ciphertext or key
 * moved to another request). The message names the request and key id only, never key material or identifiers.
 */
public final class EnvelopeException extends RuntimeException {
    public EnvelopeException(String message) {
        super(message);
    }
}

package org.erasure.verifier.topology;

import java.util.UUID;

/**
 * The key store did not answer while a sealed request was being opened. Not a fact about the request, so it
 * must not be skipped: the stream thread is replaced (VerifierService's handler) and the request read again
 * from the last commit, i.e. "try again later". The message names the requestId only.
 */
public final class KeyStoreUnavailable extends RuntimeException {
    public KeyStoreUnavailable(UUID requestId, RuntimeException cause) {
        super("key store unavailable while opening requestId=" + requestId + " (" + cause.getClass().getSimpleName() + ")", null, false, false);
    }

    /** Whether {@code e} is, or was caused by, a key-store outage. */
    public static boolean isCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof KeyStoreUnavailable) {
                return true;
            }
        }
        return false;
    }
}

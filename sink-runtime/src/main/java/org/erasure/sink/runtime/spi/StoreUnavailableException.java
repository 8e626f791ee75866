package org.erasure.sink.runtime.spi;

/**
 * Transient: the store does not answer (connection refused/reset, timeout, restarting, pool
 * exhausted). The runtime retries with exponential backoff and, when the store stays down, pauses
 * the consumer until {@link ErasureStore#checkReachable()} succeeds. The message must be PII-free.
 */
public class StoreUnavailableException extends RuntimeException {
    public StoreUnavailableException(String message) {
        super(message);
    }

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}

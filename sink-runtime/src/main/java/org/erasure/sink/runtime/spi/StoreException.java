package org.erasure.sink.runtime.spi;

/**
 * Permanent failure of a batch operation that the store cannot attribute to one item (e.g. a
 * constraint violation in a set-based statement). The runtime bisects the batch; the single item
 * that still fails alone is reported FAILED with {@link #code()} and the (PII-free) message.
 * Do not attach a cause whose message may quote values (e.g. a database error DETAIL).
 */
public class StoreException extends RuntimeException {
    private final String code;

    public StoreException(String code, String message) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}

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

    /**
     * Whether {@code e} says the store could not be reached (rather than that it answered "no"): this
     * exception, a refused/reset/closed/timed-out connection anywhere in the cause chain, or a JDBC SQLState
     * of class 08 (connection exception). Used where a store module fails before it has a store, e.g.
     * a store that is down while the sink starts.
     */
    public static boolean isUnreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StoreUnavailableException
                    || t instanceof java.net.SocketException // refused, reset, no route, closed
                    || t instanceof java.io.EOFException // the peer closed the connection mid-answer
                    || t instanceof java.net.SocketTimeoutException
                    || t instanceof java.net.http.HttpConnectTimeoutException
                    || (t instanceof java.sql.SQLException se && se.getSQLState() != null && se.getSQLState().startsWith("08"))) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }
}

package org.erasure.ingest.idempotency;

/**
 * Responses by {@code Idempotency-Key}, per client: a retried POST with the same key and request gets
 * the first response again instead of a second publish; the same key with a different request is
 * refused. {@link IdempotencyStore}: in memory, one instance. {@link ReplicatedIdempotency}: shared by
 * every replica through the claims topic.
 */
public interface Idempotency {

    /** A stored response. */
    record Response(int status, String contentType, String body) {}

    /** The first call with a key: it proceeds and then reports how it ended. */
    interface Ticket {
        /** Keep this answer for retries. */
        void complete(Response response);

        /** The request failed in a way worth retrying (5xx): forget the key. */
        void abandon();
    }

    /** What to do with a request carrying a key. */
    sealed interface Lookup {
        /** First time: proceed, then {@link Ticket#complete} or {@link Ticket#abandon}. */
        record Proceed(Ticket ticket) implements Lookup {}
        /** Same key and same request: return this. */
        record Replay(Response response) implements Lookup {}
        /** Same key, different request. */
        record Mismatch() implements Lookup {}
        /** Same key, the first request is still being processed. */
        record InFlight() implements Lookup {}
        /** The key cannot be checked now (Kafka unreachable, still starting): nothing was done. */
        record Unavailable(String reason) implements Lookup {}
    }

    /**
     * @param client      the authenticated client's name (keys are per client)
     * @param fingerprint SHA-256 of the request (method, path, query, body)
     */
    Lookup begin(String client, String key, byte[] fingerprint);
}

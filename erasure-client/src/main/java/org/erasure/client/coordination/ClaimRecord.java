package org.erasure.client.coordination;

import java.util.Set;
import java.util.UUID;

/**
 * One record on the claims topic (key: the callId). A call that needs to be alone writes a
 * {@link Claim} before it acts and a {@link Done} when it is over; every replica reads the topic in
 * order, so all of them agree on who claimed first.
 *
 * <p>Holds no request content: the Idempotency-Key and the request are SHA-256 digests, subjects are
 * {@code contributorId/mode}, and a stored response is ingest's answer (requestIds, contributorIds,
 * statuses; answers never echo submitted emails or names).
 */
public sealed interface ClaimRecord {

    UUID callId();

    /**
     * @param idempotencyKey SHA-256 hex of the client name and the Idempotency-Key, or null
     * @param fingerprint    SHA-256 hex of the request (method, path, query, body), with the key
     * @param subjects       {@code contributorId/mode} the call may publish for; empty for a key-only claim
     * @param replica        the claiming instance's transactional.id (for operators reading the topic)
     */
    record Claim(UUID callId, String idempotencyKey, String fingerprint, Set<String> subjects, String replica)
            implements ClaimRecord {
        public Claim {
            subjects = Set.copyOf(subjects);
        }
    }

    /**
     * The call is over. {@code response} null: it failed in a way worth retrying (or had no key), and
     * its Idempotency-Key is forgotten.
     */
    record Done(UUID callId, String idempotencyKey, StoredResponse response) implements ClaimRecord {}

    /** An answer kept for replay under an Idempotency-Key. */
    record StoredResponse(int status, String contentType, String body) {}
}

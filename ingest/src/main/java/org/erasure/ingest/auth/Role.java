package org.erasure.ingest.auth;

/** What a token may do. */
public enum Role {
    /** POST /v1/erasures, POST /v1/erasures/csv */
    SUBMIT,
    /** GET /v1/erasures/{requestId} */
    READ,
    /** POST /v1/erasures/{requestId}/restore: undo an erasure within the undo window */
    ADMIN
}

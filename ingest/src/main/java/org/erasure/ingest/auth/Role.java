package org.erasure.ingest.auth;

/** What a token may do. */
public enum Role {
    /** POST /v1/erasures, POST /v1/erasures/csv */
    SUBMIT,
    /** GET /v1/erasures/{requestId} */
    READ
}

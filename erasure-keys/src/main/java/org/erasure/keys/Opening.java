package org.erasure.keys;

import java.util.UUID;
import org.erasure.events.ContributorErasureRequested;

/** What opening a request's identifiers gave. */
public sealed interface Opening {

    /** The error code a reader reports when the key is gone (shredded): the request names nobody any more. */
    String KEY_SHREDDED = "KEY_SHREDDED";
    /** The error code for a key that is there but does not open the identifiers (wrong KEK, changed bytes). */
    String KEY_UNREADABLE = "KEY_UNREADABLE";

    UUID requestId();

    /** The request with plain identifiers (a plain request is returned as it came). */
    record Opened(ContributorErasureRequested request) implements Opening {
        @Override
        public UUID requestId() {
            return request.requestId();
        }
    }

    /**
     * No key for this request in the key store: shredded. (A producer stores the key before it publishes
     * the request, so a key that was never stored means the key topic itself lost it.)
     */
    record KeyShredded(UUID requestId) implements Opening {
        public String code() {
            return KEY_SHREDDED;
        }
    }

    /** A key is there but the identifiers do not open; {@code reason} names ids only. */
    record Unreadable(UUID requestId, String reason) implements Opening {
        public String code() {
            return KEY_UNREADABLE;
        }
    }
}

package org.erasure.ingest.http;

import java.util.Map;

/** An HTTP error answer with a JSON body {@code {"error": message, ...extra}}. */
final class ApiException extends RuntimeException {
    final int status;
    final Map<String, Object> extra;

    ApiException(int status, String message) {
        this(status, message, Map.of());
    }

    ApiException(int status, String message, Map<String, Object> extra) {
        super(message, null, false, false);
        this.status = status;
        this.extra = extra;
    }
}

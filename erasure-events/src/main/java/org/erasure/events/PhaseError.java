package org.erasure.events;

/**
 * Why a phase failed.
 *
 * @param code    machine-readable code, e.g. {@code PG_TIMEOUT}, {@code ES_INDEX_READ_ONLY}
 * @param message PII-free human explanation (no identifiers, no query text with values); a value
 *                that looks like an email address is rejected
 */
public record PhaseError(String code, String message) {
    static final int MAX_MESSAGE = 1000;

    public PhaseError {
        Checks.code(code, "code");
        Checks.piiFreeText(message, "message", MAX_MESSAGE, true);
    }

    public static PhaseError of(String code, String message) {
        return new PhaseError(code, message);
    }
}

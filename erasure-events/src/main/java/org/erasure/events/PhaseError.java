package org.erasure.events;

import java.util.regex.Pattern;

/**
 * Why a phase failed.
 *
 * @param code    machine-readable code, e.g. {@code PG_TIMEOUT}, {@code ES_INDEX_READ_ONLY}
 * @param message PII-free human explanation (no identifiers, no query text with values); a value
 *                that looks like an email address is rejected
 */
public record PhaseError(String code, String message) {
    static final int MAX_MESSAGE = 1000;
    private static final Pattern CODE = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");

    public PhaseError {
        Checks.nonBlank(code, "code");
        if (!CODE.matcher(code).matches()) {
            throw new InvalidEventException("code", "must match " + CODE.pattern());
        }
        Checks.piiFreeText(message, "message", MAX_MESSAGE, true);
    }

    public static PhaseError of(String code, String message) {
        return new PhaseError(code, message);
    }
}

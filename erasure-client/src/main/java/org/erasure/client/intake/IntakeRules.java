package org.erasure.client.intake;

import java.math.BigInteger;
import java.util.regex.Pattern;

/**
 * What the intake accepts.
 *
 * @param contributorIdPattern full-match pattern of a contributor id (default: a positive decimal bigint)
 * @param maxItems             most erasures in one upload
 * @param maxIdentifiers       most emails (and, separately, worker ids) per erasure
 * @param emailRequired        false when identifiers are resolved from PostgreSQL: a CSV row or JSON item
 *                             may then carry only the contributor id
 */
public record IntakeRules(Pattern contributorIdPattern, int maxItems, int maxIdentifiers, boolean emailRequired) {

    public static final String DEFAULT_ID_PATTERN = "[1-9][0-9]{0,18}";
    /** Worker ids are free text (pseudonymous ids of other systems), but bounded. */
    public static final int MAX_WORKER_ID_LENGTH = 200;
    private static final BigInteger BIGINT_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    public static IntakeRules defaults() {
        return new IntakeRules(Pattern.compile(DEFAULT_ID_PATTERN), 10_000, 20, false);
    }

    public IntakeRules withEmailRequired(boolean required) {
        return new IntakeRules(contributorIdPattern, maxItems, maxIdentifiers, required);
    }

    public IntakeRules withMaxItems(int max) {
        return new IntakeRules(contributorIdPattern, max, maxIdentifiers, emailRequired);
    }

    /**
     * The pattern matches, and an all-digit id fits a bigint: the stores (and the identifier lookup's
     * {@code CAST(? AS bigint[])}) hold numeric ids as signed 64-bit integers, so
     * {@code 9999999999999999999} (19 digits, as the default pattern allows) is no contributor's id and
     * must be refused here rather than fail the lookup with a 503.
     */
    public boolean isValidContributorId(String id) {
        if (!contributorIdPattern.matcher(id).matches()) {
            return false;
        }
        if (id.length() >= 19 && id.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return new BigInteger(id).compareTo(BIGINT_MAX) <= 0;
        }
        return true;
    }

    /**
     * Why a worker id cannot be published, or null. Worker ids are otherwise free text, compared
     * literally by the stores; control characters and ill-formed UTF-16 (a lone surrogate, which
     * JSON's {@code \\ud800} escape can produce) cannot be stored or serialised faithfully.
     */
    public static String workerIdProblem(String workerId) {
        if (workerId.length() > MAX_WORKER_ID_LENGTH) {
            return "longer than " + MAX_WORKER_ID_LENGTH + " characters";
        }
        return textProblem(workerId);
    }

    /** Control characters or ill-formed UTF-16 in a value, or null when there are none. */
    static String textProblem(String value) {
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (Character.isISOControl(ch)) {
                return "contains a control character";
            }
            if (Character.isHighSurrogate(ch) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(ch)) {
                return "is not well-formed Unicode";
            }
        }
        return null;
    }
}

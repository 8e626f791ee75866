package org.erasure.ingest.intake;

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

    public static IntakeRules defaults() {
        return new IntakeRules(Pattern.compile(DEFAULT_ID_PATTERN), 10_000, 20, false);
    }

    public IntakeRules withEmailRequired(boolean required) {
        return new IntakeRules(contributorIdPattern, maxItems, maxIdentifiers, required);
    }

    public IntakeRules withMaxItems(int max) {
        return new IntakeRules(contributorIdPattern, max, maxIdentifiers, emailRequired);
    }
}

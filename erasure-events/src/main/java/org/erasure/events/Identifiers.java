package org.erasure.events;

import java.util.List;

/**
 * The identifiers of the contributor as known to the stores.
 *
 * <p>Values are stripped of surrounding whitespace but otherwise kept as given (stores may be case
 * sensitive); {@link org.erasure.events.integrity.SubjectDigest} does the full normalisation.
 * {@link #toString()} redacts emails: logs must never hold raw emails.
 *
 * @param emails    email addresses, possibly empty; never null after construction
 * @param workerIds worker ids (pseudonymous), possibly empty; never null after construction
 */
public record Identifiers(List<String> emails, List<String> workerIds) {

    public Identifiers {
        emails = Checks.strippedStrings(emails == null ? List.of() : emails, "emails");
        for (int i = 0; i < emails.size(); i++) {
            Checks.email(emails.get(i), "emails[" + i + "]");
        }
        workerIds = Checks.strippedStrings(workerIds == null ? List.of() : workerIds, "workerIds");
    }

    public static Identifiers of(List<String> emails, List<String> workerIds) {
        return new Identifiers(emails, workerIds);
    }

    public static Identifiers none() {
        return new Identifiers(List.of(), List.of());
    }

    /** Redacts emails; worker ids are pseudonymous and useful when debugging. */
    @Override
    public String toString() {
        return "Identifiers[emails=" + emails.size() + " redacted, workerIds=" + workerIds + "]";
    }
}

package org.erasure.events;

import java.math.BigInteger;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The identifiers of the contributor as known to the stores.
 *
 * <p>Normalised once, here, so every store sees the same spelling: values are stripped of
 * surrounding whitespace, emails are lower-cased ({@link Locale#ROOT}, as the subject digest does)
 * and duplicates after normalisation are dropped (first occurrence kept). Stores still match emails
 * case-insensitively, because the stored spelling is whatever the application wrote.
 * Worker ids keep their case (stores treat them as opaque ids).
 * {@link #toString()} redacts emails: logs must never hold raw emails.
 *
 * @param emails    email addresses, possibly empty; never null after construction
 * @param workerIds worker ids (pseudonymous), possibly empty; never null after construction
 */
public record Identifiers(List<String> emails, List<String> workerIds) {

    public Identifiers {
        List<String> stripped = Checks.strippedStrings(emails == null ? List.of() : emails, "emails");
        LinkedHashSet<String> normalised = new LinkedHashSet<>();
        for (int i = 0; i < stripped.size(); i++) {
            Checks.email(stripped.get(i), "emails[" + i + "]");
            normalised.add(normaliseEmail(stripped.get(i)));
        }
        emails = List.copyOf(normalised);
        workerIds = List.copyOf(new LinkedHashSet<>(Checks.strippedStrings(workerIds == null ? List.of() : workerIds, "workerIds")));
    }

    public static Identifiers of(List<String> emails, List<String> workerIds) {
        return new Identifiers(emails, workerIds);
    }

    /** The one spelling of an email address the pipeline uses: stripped and lower-cased. */
    public static String normaliseEmail(String email) {
        return email.strip().toLowerCase(Locale.ROOT);
    }

    public static Identifiers none() {
        return new Identifiers(List.of(), List.of());
    }

    /** Redacts emails; worker ids are pseudonymous and useful when debugging. */
    @Override
    public String toString() {
        return "Identifiers[emails=" + emails.size() + " redacted, workerIds=" + workerIds + "]";
    }

    private static final Pattern CANONICAL_INTEGER = Pattern.compile("0|-?[1-9][0-9]{0,39}");

    /**
     * The contributor id as an integer, if it is one written the way an integer column prints its
     * value: ASCII digits, no sign but '-', no leading zero. Every store compares ids in that form,
     * so "007", "+7", fullwidth or Arabic-Indic digits (which {@code Long.parseLong} accepts) match
     * nobody rather than contributor 7.
     */
    public static Optional<BigInteger> canonicalInteger(String contributorId) {
        return CANONICAL_INTEGER.matcher(contributorId).matches() ? Optional.of(new BigInteger(contributorId)) : Optional.empty();
    }
}

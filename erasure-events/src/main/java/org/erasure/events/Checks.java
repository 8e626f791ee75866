package org.erasure.events;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Field validation shared by the records. Messages never include the value. */
final class Checks {
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    /** A machine-readable code (PhaseError.code, ErasureCompleted.identifiersUnreadable). */
    private static final Pattern CODE = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
    /** Something shaped like an email address anywhere in a text. */
    private static final Pattern EMAIL_LIKE = Pattern.compile("[^\\s@]+@[^\\s@]+\\.[^\\s@]+");
    /** Deliberately loose: one '@', something on both sides, no whitespace. Stores decide the rest. */
    private static final Pattern EMAIL = Pattern.compile("[^\\s@]+@[^\\s@]+");
    /** Longest contributor id accepted (after stripping): ids end up in keys, prefixes, logs and audit records. */
    static final int MAX_CONTRIBUTOR_ID_LENGTH = 200;
    /**
     * Longest email or worker id accepted (after stripping): the longest address SMTP allows. A longer
     * value names nobody, and a store may refuse to look it up (an Elasticsearch term of 100,000
     * characters fails the phase), so it is refused here, for every reader alike.
     */
    static final int MAX_IDENTIFIER_LENGTH = 254;

    private Checks() {}

    static <T> T required(T value, String field) {
        if (value == null) {
            throw new InvalidEventException(field, "missing");
        }
        return value;
    }

    static String nonBlank(String value, String field) {
        required(value, field);
        if (value.isBlank()) {
            throw new InvalidEventException(field, "must not be blank");
        }
        return value;
    }

    static void schemaVersion(int version) {
        if (!SchemaVersion.isSupported(version)) {
            throw InvalidEventException.unsupportedVersion(version);
        }
    }

    static int atLeastOne(int value, String field) {
        if (value < 1) {
            throw new InvalidEventException(field, "must be >= 1");
        }
        return value;
    }

    static long nonNegative(long value, String field) {
        if (value < 0) {
            throw new InvalidEventException(field, "must be >= 0");
        }
        return value;
    }

    /**
     * Immutable copy with elements stripped; null list, null or blank elements rejected, and elements
     * longer than {@value #MAX_IDENTIFIER_LENGTH} characters or not {@link #plainText plain text}.
     */
    static List<String> strippedStrings(List<String> values, String field) {
        required(values, field);
        List<String> out = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
            String element = field + "[" + i + "]";
            String value = nonBlank(values.get(i), element).strip();
            if (value.length() > MAX_IDENTIFIER_LENGTH) {
                throw new InvalidEventException(element, "longer than " + MAX_IDENTIFIER_LENGTH + " characters");
            }
            out.add(plainText(value, element));
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * The contributor id as every reader uses it: stripped (so " 42" and "42" are one person in every
     * store, as the subject digest already treats them), at most {@value #MAX_CONTRIBUTOR_ID_LENGTH}
     * characters, plain text, and not an email address (it is copied into phase reports and the
     * audit record, which must hold no email).
     */
    static String contributorId(String value) {
        String id = nonBlank(value, "contributorId").strip();
        if (id.length() > MAX_CONTRIBUTOR_ID_LENGTH) {
            throw new InvalidEventException("contributorId", "longer than " + MAX_CONTRIBUTOR_ID_LENGTH + " characters");
        }
        plainText(id, "contributorId");
        if (emailLike(id)) {
            throw new InvalidEventException("contributorId", "must not be an email address (it is copied into audit records)");
        }
        return id;
    }

    /**
     * No control characters (C0, DEL, C1: they break logs, headers and key names, PostgreSQL text cannot
     * hold NUL, and the subject digest refuses them) and well-formed UTF-16 (a lone surrogate, which a
     * JSON {@code \\ud800} escape produces, cannot be encoded faithfully).
     */
    static String plainText(String value, String field) {
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (Character.isISOControl(ch)) {
                throw new InvalidEventException(field, "contains a control character");
            }
            if (Character.isHighSurrogate(ch) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(ch)) {
                throw new InvalidEventException(field, "is not well-formed Unicode");
            }
        }
        return value;
    }

    static <T> List<T> list(List<T> values, String field) {
        required(values, field);
        for (int i = 0; i < values.size(); i++) {
            required(values.get(i), field + "[" + i + "]");
        }
        return List.copyOf(values);
    }

    /** Immutable copy in {@link Phase} order (so JSON output, and the chain's hash, is deterministic). Null means empty. */
    static Set<Phase> phaseSet(Collection<Phase> values, String field) {
        java.util.TreeSet<Phase> set = new java.util.TreeSet<>();
        if (values != null) {
            for (Phase p : values) {
                set.add(required(p, field + "[]"));
            }
        }
        return Collections.unmodifiableSet(set);
    }

    static void email(String value, String field) {
        if (!EMAIL.matcher(value).matches()) {
            throw new InvalidEventException(field, "not an email address");
        }
    }

    /** Null stays null; "" becomes null (one representation for "no hash"). */
    static String optionalHex64(String value, String field) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        return hex64(value, field);
    }

    static String code(String value, String field) {
        nonBlank(value, field);
        if (!CODE.matcher(value).matches()) {
            throw new InvalidEventException(field, "must match " + CODE.pattern());
        }
        return value;
    }

    static String hex64(String value, String field) {
        required(value, field);
        if (!HEX64.matcher(value).matches()) {
            throw new InvalidEventException(field, "must be 64 lowercase hex characters");
        }
        return value;
    }

    /**
     * Free text that ends up in long-lived audit records (error messages, notes): bounded, and must
     * not carry an email address. A cheap guard, not a PII scanner.
     */
    static String piiFreeText(String value, String field, int maxLength, boolean required) {
        if (value == null) {
            if (required) {
                throw new InvalidEventException(field, "missing");
            }
            return null;
        }
        if (required && value.isBlank()) {
            throw new InvalidEventException(field, "must not be blank");
        }
        if (value.length() > maxLength) {
            throw new InvalidEventException(field, "longer than " + maxLength + " characters");
        }
        if (emailLike(value)) {
            throw new InvalidEventException(field, "must not contain an email address");
        }
        return value;
    }

    /**
     * {@link #EMAIL_LIKE} somewhere in {@code text}. Without an '@' it cannot match, and the regex's
     * search is quadratic in the text's length: every event and every verifier state read checks its
     * notes, so the common case returns before the regex.
     */
    static boolean emailLike(String text) {
        return text.indexOf('@') >= 0 && EMAIL_LIKE.matcher(text).find();
    }
}

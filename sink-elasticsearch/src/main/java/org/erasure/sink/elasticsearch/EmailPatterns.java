package org.erasure.sink.elasticsearch;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.erasure.events.Identifiers;

/**
 * Lucene regular expressions (Elasticsearch {@code regexp} queries) that find an email however it was
 * stored: any letter case, any surrounding whitespace. A stored value {@code s} is matched when
 * {@link Identifiers#normaliseEmail}{@code (s)} ({@code s.strip().toLowerCase(Locale.ROOT)}) equals one of
 * the (normalised) request emails. The patterns may also match a few values that do not normalise to
 * the request (e.g. {@code σ} for {@code ς}); callers compare the stored value normalised before acting.
 *
 * <p>Two tools: {@link #NOT_NORMALISED} (one cheap pattern for every value that is not in normalised
 * form, used with exact {@code terms} on the normalised spellings) and per-email patterns
 * ({@link #forScan}, {@link #forVerify}: exact, but an automaton per pattern, field and shard). They need
 * nothing from the mapping (any keyword, constant_keyword or wildcard field), only
 * {@code search.allow_expensive_queries = true} (the default) and patterns within the index's
 * {@code index.max_regex_length}.
 *
 * <p>Syntax: every character that is not an ASCII letter or digit is escaped with a backslash (Lucene
 * reads {@code \x} as the literal {@code x} for those, and refuses a backslash before most ASCII
 * letters), so no email can inject operators. Flags: {@code NONE}.
 */
final class EmailPatterns {

    /**
     * Matches every stored value that is not already in normalised form (and a few that are): any
     * character outside ASCII {@code !}..{@code @} and {@code [}..{@code ~}, i.e. an upper-case ASCII
     * letter, a space or control character anywhere, or any non-ASCII character. A value that
     * {@link Identifiers#normaliseEmail} would change always contains one. One small automaton: the node
     * walks each term dictionary once (measured 7–15 ms for two fields over 333k documents), against
     * 1.6–4 s for per-email patterns of 2,000 emails. Written without letters, so a field's lowercase
     * normalizer (which Elasticsearch also applies to the pattern) leaves it unchanged.
     */
    static final String NOT_NORMALISED = ".*[^!-@[-~].*";

    /**
     * {@link #NOT_NORMALISED} minus one exact value (the mask value, {@code DELETED_USER}, which is not
     * lower case: every masked element would otherwise count as non-normalised). Needs the {@code INTERSECTION}
     * regexp flag ({@code A&B}); "not this value" is spelled as a chain {@code (()|[^c].*|c…)} linear in its length.
     */
    static String notNormalisedExcept(String value) {
        if (value.chars().allMatch(EmailPatterns::normalisedAscii)) {
            return NOT_NORMALISED; // a clean value never matches anyway
        }
        int[] cps = value.codePoints().toArray();
        String notEqual = ".+"; // differs from the empty rest
        for (int i = cps.length - 1; i >= 0; i--) {
            String c = escape(cps[i]);
            notEqual = "(()|[^" + c + "].*|" + c + notEqual + ")";
        }
        return "(" + NOT_NORMALISED + ")&" + notEqual;
    }

    /** The characters {@link #NOT_NORMALISED} leaves alone: ASCII {@code !}..{@code @} and {@code [}..{@code ~}. */
    private static boolean normalisedAscii(int c) {
        return c >= '!' && c <= '@' || c >= '[' && c <= '~';
    }

    /** Code points that {@link String#strip()} removes ({@link Character#isWhitespace}), as a character class. */
    static final String WHITESPACE = whitespaceClass();
    /** lower-case code point → the other code points whose lower case (as {@code String.toLowerCase(ROOT)} does it) is that one. */
    private static final Map<Integer, int[]> VARIANTS = new HashMap<>();
    /** lower-case sequences of more than one code point → the single code point lower-casing to it (U+0130 → "i̇"). */
    private static final Map<String, Integer> EXPANDING = new HashMap<>();

    static {
        Map<Integer, TreeSet<Integer>> variants = new HashMap<>();
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            if (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) {
                continue;
            }
            if (Character.toLowerCase(cp) == cp && Character.toUpperCase(cp) == cp && Character.toTitleCase(cp) == cp
                    && cp != 0x0130 && cp != 0x03A3) {
                continue; // no case mapping at all: lower-cases to itself in every context
            }
            String self = new String(Character.toChars(cp));
            // Alone, and after a letter (String.toLowerCase is context-sensitive for the final sigma).
            for (String lower : List.of(self.toLowerCase(Locale.ROOT), ("a" + self).toLowerCase(Locale.ROOT).substring(1))) {
                if (lower.codePointCount(0, lower.length()) == 1) {
                    int l = lower.codePointAt(0);
                    if (l != cp) {
                        variants.computeIfAbsent(l, k -> new TreeSet<>()).add(cp);
                    }
                } else {
                    EXPANDING.put(lower, cp);
                }
            }
        }
        variants.forEach((l, set) -> VARIANTS.put(l, set.stream().mapToInt(Integer::intValue).toArray()));
    }

    private EmailPatterns() {}

    /** How a pattern is queried. */
    enum Type {
        /** {@code regexp} with {@code case_insensitive: true}: ASCII letters written once, the query folds them. */
        REGEXP_ASCII_FLAG,
        /** {@code regexp} without the flag: every cased character spelled as a class of its variants. */
        REGEXP_EXPLICIT,
        /**
         * {@code term} with {@code case_insensitive: true}, for an email too long for any regexp (hundreds of
         * characters, so not a real address): any case, but surrounding whitespace is not tolerated.
         */
        TERM_ANY_CASE
    }

    /** One query value and how to run it. */
    record Pattern(String value, Type type) {}

    /**
     * The erase scan's patterns: {@code WS*(e1|e2|…)WS*} with the ASCII case flag, as many emails per
     * pattern as fit in {@code maxLength} characters (the index's {@code max_regex_length}), so a batch of
     * 2,000 emails needs about 60 clauses per field.
     */
    static List<Pattern> forScan(Collection<String> emails, int maxLength) {
        List<Pattern> out = new ArrayList<>();
        List<String> tooLong = new ArrayList<>();
        group(normalised(emails), maxLength, true, out, tooLong);
        tooLong.forEach(e -> out.add(new Pattern(e, Type.TERM_ANY_CASE)));
        return out;
    }

    /**
     * Verification's patterns, spelled independently of the scan's: explicit classes, no case flag (an
     * email too long for that falls back to the flag, then to a case-insensitive term).
     */
    static List<Pattern> forVerify(Collection<String> emails, int maxLength) {
        List<Pattern> out = new ArrayList<>();
        List<String> noExplicit = new ArrayList<>();
        group(normalised(emails), maxLength, false, out, noExplicit);
        List<String> tooLong = new ArrayList<>();
        group(noExplicit, maxLength, true, out, tooLong);
        tooLong.forEach(e -> out.add(new Pattern(e, Type.TERM_ANY_CASE)));
        return out;
    }

    /** One email, explicit spelling, as a complete pattern (no flag needed). */
    static String explicit(String email) {
        return wrap(body(Identifiers.normaliseEmail(email), false));
    }

    private static List<String> normalised(Collection<String> emails) {
        return List.copyOf(new TreeSet<>(emails.stream().map(Identifiers::normaliseEmail).filter(e -> !e.isEmpty()).toList()));
    }

    private static void group(List<String> emails, int maxLength, boolean asciiFlag, List<Pattern> out, List<String> tooLong) {
        int overhead = wrap("").length();
        Type type = asciiFlag ? Type.REGEXP_ASCII_FLAG : Type.REGEXP_EXPLICIT;
        StringBuilder current = new StringBuilder();
        for (String email : emails) {
            String body = body(email, asciiFlag);
            if (overhead + body.length() > maxLength) {
                tooLong.add(email);
                continue;
            }
            if (!current.isEmpty() && overhead + current.length() + 1 + body.length() > maxLength) {
                out.add(new Pattern(wrap(current.toString()), type));
                current.setLength(0);
            }
            if (!current.isEmpty()) {
                current.append('|');
            }
            current.append(body);
        }
        if (!current.isEmpty()) {
            out.add(new Pattern(wrap(current.toString()), type));
        }
    }

    private static String wrap(String alternatives) {
        return WHITESPACE + "*(" + alternatives + ")" + WHITESPACE + "*";
    }

    /** The pattern for one normalised email (without the surrounding whitespace). */
    static String body(String email, boolean asciiFlag) {
        StringBuilder sb = new StringBuilder(email.length() * 2);
        int i = 0;
        while (i < email.length()) {
            int cp = email.codePointAt(i);
            int next = i + Character.charCount(cp);
            String expanding = expandingAt(email, i);
            if (expanding != null) {
                // e.g. "i̇" (i + combining dot), which is what "İ" lower-cases to: either spelling.
                StringBuilder seq = new StringBuilder();
                expanding.codePoints().forEach(c -> seq.append(character(c, asciiFlag)));
                sb.append('(').append(seq).append('|').append(escape(EXPANDING.get(expanding))).append(')');
                i += expanding.length();
                continue;
            }
            sb.append(character(cp, asciiFlag));
            i = next;
        }
        return sb.toString();
    }

    private static String expandingAt(String email, int i) {
        for (String seq : EXPANDING.keySet()) {
            if (email.startsWith(seq, i)) {
                return seq;
            }
        }
        return null;
    }

    /** One character of a normalised email: itself, or a class with its upper/title-case variants. */
    private static String character(int cp, boolean asciiFlag) {
        int[] variants = VARIANTS.get(cp);
        if (variants == null) {
            return escape(cp);
        }
        boolean flagSuffices = asciiFlag && isAsciiLetter(cp);
        for (int v : variants) {
            flagSuffices &= isAsciiLetter(v);
        }
        if (flagSuffices) {
            return escape(cp); // the query's ASCII case flag adds the other case
        }
        StringBuilder sb = new StringBuilder("[").append(escape(cp));
        for (int v : variants) {
            sb.append(escape(v));
        }
        return sb.append(']').toString();
    }

    private static boolean isAsciiLetter(int cp) {
        return cp < 128 && Character.isLetter(cp);
    }

    /** ASCII letters and digits as they are; anything else escaped (a literal for Lucene's RegExp). */
    static String escape(int cp) {
        if (cp < 128 && Character.isLetterOrDigit(cp)) {
            return String.valueOf((char) cp);
        }
        return "\\" + new String(Character.toChars(cp));
    }

    private static String whitespaceClass() {
        StringBuilder sb = new StringBuilder("[");
        int cp = 0;
        while (cp <= Character.MAX_CODE_POINT) {
            if (!Character.isWhitespace(cp)) {
                cp++;
                continue;
            }
            int end = cp;
            while (end + 1 <= Character.MAX_CODE_POINT && Character.isWhitespace(end + 1)) {
                end++;
            }
            // Raw, not escaped: none is a Lucene operator, and Lucene 10 reads "\x-\y" as three characters, not a range.
            sb.appendCodePoint(cp);
            if (end > cp) {
                sb.append('-').appendCodePoint(end);
            }
            cp = end + 1;
        }
        return sb.append(']').toString();
    }
}

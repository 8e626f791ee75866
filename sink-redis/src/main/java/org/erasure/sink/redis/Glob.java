package org.erasure.sink.redis;

import java.util.regex.Pattern;

/**
 * A Redis glob ({@code *}, {@code ?}, {@code [...]} with {@code ^} and ranges, {@code \} escapes), as
 * used in a configured key pattern, matched client-side. Only configuration text is ever parsed as
 * a glob: contributor ids are data; one enters a SCAN MATCH only {@link #escape escaped}.
 *
 * <p>Client-side matching is per Java {@code char}; Redis matches per byte. They differ only for
 * {@code ?} / {@code [...]} against non-ASCII characters in the wildcard parts of a pattern.
 */
final class Glob {
    private final String source;
    private final boolean literal;
    private final String literalText;   // the whole glob unescaped, when literal
    private final String literalPrefix; // unescaped literal characters before the first wildcard
    private final Pattern regex;

    private Glob(String source, boolean literal, String literalText, String literalPrefix, Pattern regex) {
        this.source = source;
        this.literal = literal;
        this.literalText = literalText;
        this.literalPrefix = literalPrefix;
        this.regex = regex;
    }

    /** @throws IllegalArgumentException on an unterminated {@code [} */
    static Glob parse(String glob) {
        StringBuilder re = new StringBuilder();
        StringBuilder run = new StringBuilder();     // pending literal run
        StringBuilder prefix = new StringBuilder();
        boolean wildcardSeen = false;
        int i = 0;
        int n = glob.length();
        while (i < n) {
            char c = glob.charAt(i);
            switch (c) {
                case '\\' -> {
                    // "\x" is a literal x; a trailing backslash is a literal backslash (as in Redis)
                    char lit = i + 1 < n ? glob.charAt(++i) : '\\';
                    run.append(lit);
                    if (!wildcardSeen) {
                        prefix.append(lit);
                    }
                    i++;
                }
                case '*', '?' -> {
                    flush(re, run);
                    re.append(c == '*' ? ".*" : ".");
                    wildcardSeen = true;
                    i++;
                }
                case '[' -> {
                    flush(re, run);
                    i = charClass(glob, i, re);
                    wildcardSeen = true;
                }
                default -> {
                    run.append(c);
                    if (!wildcardSeen) {
                        prefix.append(c);
                    }
                    i++;
                }
            }
        }
        flush(re, run);
        boolean literal = !wildcardSeen;
        return new Glob(glob, literal, literal ? prefix.toString() : null, prefix.toString(),
                Pattern.compile(re.toString(), Pattern.DOTALL));
    }

    private static void flush(StringBuilder re, StringBuilder run) {
        if (!run.isEmpty()) {
            re.append(Pattern.quote(run.toString()));
            run.setLength(0);
        }
    }

    /** Parses {@code [...]} starting at {@code start}; appends a Java character class; returns the index after {@code ]}. */
    private static int charClass(String glob, int start, StringBuilder re) {
        int i = start + 1;
        int n = glob.length();
        boolean negate = i < n && glob.charAt(i) == '^';
        if (negate) {
            i++;
        }
        StringBuilder items = new StringBuilder();
        while (true) {
            if (i >= n) {
                throw new IllegalArgumentException("unterminated '[' at position " + start);
            }
            char c = glob.charAt(i);
            if (c == ']') {
                i++;
                break;
            }
            if (c == '\\' && i + 1 < n) {
                c = glob.charAt(++i);
            }
            if (i + 2 < n && glob.charAt(i + 1) == '-' && glob.charAt(i + 2) != ']') {
                char end = glob.charAt(i + 2);
                int end2 = i + 2;
                if (end == '\\' && end2 + 1 < n) {
                    end = glob.charAt(++end2);
                }
                char lo = (char) Math.min(c, end);
                char hi = (char) Math.max(c, end); // Redis accepts reversed ranges
                items.append(hex(lo)).append('-').append(hex(hi));
                i = end2 + 1;
            } else {
                items.append(hex(c));
                i++;
            }
        }
        if (items.isEmpty()) {
            re.append(negate ? "." : "(?!)"); // "[]" matches nothing, "[^]" any character
        } else {
            re.append('[').append(negate ? "^" : "").append(items).append(']');
        }
        return i;
    }

    private static String hex(char c) {
        return "\\x{" + Integer.toHexString(c) + "}";
    }

    /** Escapes a literal for use inside a Redis MATCH pattern. */
    static String escape(String literal) {
        StringBuilder sb = new StringBuilder(literal.length() + 8);
        for (int i = 0; i < literal.length(); i++) {
            char c = literal.charAt(i);
            if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.toString();
    }

    boolean matches(String s) {
        return literal ? literalText.equals(s) : regex.matcher(s).matches();
    }

    boolean isLiteral() {
        return literal;
    }

    /** The unescaped text; only for a literal glob. */
    String literalText() {
        if (!literal) {
            throw new IllegalStateException("not a literal glob: " + source);
        }
        return literalText;
    }

    /** The unescaped literal characters before the first wildcard (the whole text for a literal glob). */
    String literalPrefix() {
        return literalPrefix;
    }

    @Override
    public String toString() {
        return source;
    }
}

package org.erasure.sink.redis;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * A configured key pattern: Redis glob text around exactly one {@code {contributorId}} placeholder,
 * e.g. {@code session:{contributorId}:*}. Without wildcards it names one key per contributor
 * ({@link #exact()}: UNLINK / EXISTS directly); with wildcards the keys are found by the batch's SCAN
 * pass and attributed client-side ({@link #ownerOf}). The id is always compared as plain data.
 */
final class KeyPattern {
    static final String PLACEHOLDER = "{contributorId}";

    private final String pattern;
    private final Glob before;
    private final Glob after;

    private KeyPattern(String pattern, Glob before, Glob after) {
        this.pattern = pattern;
        this.before = before;
        this.after = after;
    }

    /** @throws IllegalArgumentException with a message naming the problem (config text only) */
    static KeyPattern parse(String pattern) {
        int at = pattern.indexOf(PLACEHOLDER);
        if (at < 0) {
            throw new IllegalArgumentException("'" + pattern + "' has no " + PLACEHOLDER + " placeholder");
        }
        if (pattern.indexOf(PLACEHOLDER, at + 1) >= 0) {
            throw new IllegalArgumentException("'" + pattern + "' has more than one " + PLACEHOLDER + " placeholder");
        }
        try {
            Glob before = Glob.parse(pattern.substring(0, at));
            Glob after = Glob.parse(pattern.substring(at + PLACEHOLDER.length()));
            return new KeyPattern(pattern, before, after);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + pattern + "': " + e.getMessage(), e);
        }
    }

    String pattern() {
        return pattern;
    }

    /** No wildcard: the key name is known from the id. */
    boolean exact() {
        return before.isLiteral() && after.isLiteral();
    }

    /** The key of contributor {@code id}; only for an {@link #exact()} pattern. */
    String keyFor(String id) {
        return before.literalText() + id + after.literalText();
    }

    /** Literal characters every matching key starts with (unescaped), for the broad SCAN MATCH. */
    String literalPrefix() {
        return before.literalPrefix();
    }

    /**
     * A SCAN MATCH every key of contributor {@code id} under this pattern satisfies (a superset: keys are
     * still attributed by {@link #ownerOf}). The id is glob-escaped: data, never a wildcard.
     */
    String narrowMatch(String id) {
        return before.isLiteral() ? Glob.escape(before.literalText() + id) + "*"
                : Glob.escape(before.literalPrefix()) + "*" + Glob.escape(id) + "*";
    }

    /**
     * The id of {@code ids} whose key {@code key} is under this pattern, or null. If several ids
     * fit (one id a prefix of another, e.g. {@code 12} and {@code 12:3} against {@code session:12:3:x}),
     * the longest wins.
     */
    String ownerOf(String key, Ids ids) {
        String prefix = before.literalPrefix();
        if (!key.startsWith(prefix)) {
            return null;
        }
        if (before.isLiteral()) {
            int start = prefix.length();
            for (int len : ids.lengthsDescending) {
                int end = start + len;
                if (end <= key.length()) {
                    String candidate = key.substring(start, end);
                    if (ids.set.contains(candidate) && after.matches(key.substring(end))) {
                        return candidate;
                    }
                }
            }
            return null;
        }
        String best = null;
        for (int start = prefix.length(); start <= key.length(); start++) {
            for (int len : ids.lengthsDescending) {
                int end = start + len;
                if (end > key.length() || (best != null && len <= best.length())) {
                    continue;
                }
                String candidate = key.substring(start, end);
                if (ids.set.contains(candidate) && before.matches(key.substring(0, start)) && after.matches(key.substring(end))) {
                    best = candidate;
                }
            }
        }
        return best;
    }

    @Override
    public String toString() {
        return pattern;
    }

    /** The ids of one batch, for client-side matching. */
    static final class Ids {
        final Set<String> set;
        final int[] lengthsDescending;

        Ids(Collection<String> ids) {
            this.set = Set.copyOf(new HashSet<>(ids));
            this.lengthsDescending = ids.stream().mapToInt(String::length).distinct()
                    .boxed().sorted((a, b) -> Integer.compare(b, a)).mapToInt(Integer::intValue).toArray();
        }
    }
}

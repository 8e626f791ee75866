package org.erasure.e2e.bench.pipeline.direct;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Redis key pattern of the sink's mapping, e.g. {@code session:{contributorId}:*}: Redis glob
 * syntax around exactly one {@code {contributorId}}. Without wildcards it names one key per person;
 * with them the keys must be found by scanning and matched here, client-side.
 */
record KeyTemplate(String template, Pattern regex, boolean wildcard) {

    static final String PLACEHOLDER = "{contributorId}";

    static KeyTemplate parse(String template) {
        int at = template.indexOf(PLACEHOLDER);
        if (at < 0 || template.indexOf(PLACEHOLDER, at + 1) >= 0) {
            throw new IllegalArgumentException("redis key pattern needs exactly one " + PLACEHOLDER + ": " + template);
        }
        String before = template.substring(0, at);
        String after = template.substring(at + PLACEHOLDER.length());
        Pattern regex = Pattern.compile(glob(before) + "(.+?)" + glob(after));
        return new KeyTemplate(template, regex, hasWildcard(before) || hasWildcard(after));
    }

    /** The key of this person, for a template without wildcards. */
    String keyOf(String contributorId) {
        return template.replace(PLACEHOLDER, contributorId);
    }

    /** The contributor id this key belongs to under this template, or null if it does not match. */
    String contributorIdOf(String key) {
        Matcher m = regex.matcher(key);
        return m.matches() ? m.group(1) : null;
    }

    /** The literal text before the first wildcard or placeholder: a SCAN MATCH prefix that holds no id. */
    String literalPrefix() {
        StringBuilder prefix = new StringBuilder();
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (template.startsWith(PLACEHOLDER, i) || c == '*' || c == '?' || c == '[') {
                break;
            }
            if (c == '\\' && i + 1 < template.length()) {
                c = template.charAt(++i);
            }
            prefix.append(c);
        }
        return prefix.toString();
    }

    private static boolean hasWildcard(String glob) {
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '*' || c == '?' || c == '[') {
                return true;
            }
        }
        return false;
    }

    /** Redis glob (* ? [..] and \ escapes) to a Java regex. */
    static String glob(String glob) {
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                case '[' -> {
                    int end = glob.indexOf(']', i + 1);
                    if (end < 0) {
                        regex.append("\\[");
                    } else {
                        String set = glob.substring(i + 1, end);
                        boolean negated = set.startsWith("^");
                        regex.append('[').append(negated ? "^" : "")
                                .append((negated ? set.substring(1) : set).replaceAll("([\\\\\\[&])", "\\\\$1")).append(']');
                        i = end;
                    }
                }
                case '\\' -> {
                    if (i + 1 < glob.length()) {
                        regex.append(Pattern.quote(String.valueOf(glob.charAt(++i))));
                    }
                }
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return regex.toString();
    }
}

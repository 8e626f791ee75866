package org.erasure.sink.s3;

import java.util.Comparator;

/**
 * S3's key order: UTF-8 binary order, which is Unicode code point order. {@link String#compareTo}
 * (UTF-16 order) differs only where a surrogate pair (a character above U+FFFF) meets a character in
 * U+E000..U+FFFF; the usual fix-up of the first differing UTF-16 units makes them agree.
 */
final class S3KeyOrder implements Comparator<String> {

    static final S3KeyOrder INSTANCE = new S3KeyOrder();

    private S3KeyOrder() {}

    @Override
    public int compare(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y) {
                return fixUp(x) - fixUp(y);
            }
        }
        return a.length() - b.length();
    }

    /** Moves surrogates (U+D800..U+DFFF) above U+E000..U+FFFF, keeping everything below U+D800 as is. */
    private static int fixUp(char c) {
        if (c < 0xD800) {
            return c;
        }
        return c >= 0xE000 ? c - 0x800 : c + 0x2000;
    }
}

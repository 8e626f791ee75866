package org.erasure.sink.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The key arithmetic a bucket pass relies on (pure logic, no server). */
class KeyRangeTest {

    private static final S3KeyOrder ORDER = S3KeyOrder.INSTANCE;

    @Test
    void theContributorIdOfAKeyIsTheTextAfterTheHeadUpToTheNextSlash() {
        assertThat(S3Lister.idOf("contributors/", "contributors/42/profile.json")).isEqualTo("42");
        assertThat(S3Lister.idOf("contributors/", "contributors/4-/a/b")).isEqualTo("4-");
        assertThat(S3Lister.idOf("contributors/", "contributors/42")).isNull(); // no '/' after the id
        assertThat(S3Lister.idOf("contributors/", "contributors//x")).isNull(); // empty id
        assertThat(S3Lister.idOf("contributors/", "uploads/42/x")).isNull();
        assertThat(S3Lister.idOf("", "42/x")).isEqualTo("42");
    }

    @Test
    void everyKeyOfAnIdSortsInsideItsRangeAndRangesOfDifferentIdsDoNotOverlap() {
        List<String> ids = List.of("4", "4-", "4.", "40", "4x", "a b", "a+b", "%", "zoë", "\uFFFD", "\uD83D\uDE00", "41");
        List<String> suffixes = List.of("", "a", "-", ".", "/", "0", "zzz", "\uFFFD", "\uD83D\uDE00");
        String head = "h/";
        for (String id : ids) {
            String start = head + id + "/";
            String end = head + id + "0";
            String marker = head + id;
            for (String s : suffixes) {
                String key = start + s;
                assertThat(ORDER.compare(marker, key)).as(key).isNegative();
                assertThat(ORDER.compare(key, start)).as(key).isNotNegative();
                assertThat(ORDER.compare(key, end)).as(key).isNegative();
            }
        }
        List<String> sorted = new ArrayList<>(ids);
        sorted.sort((a, b) -> ORDER.compare(head + a + "/", head + b + "/"));
        for (int i = 0; i + 1 < sorted.size(); i++) {
            // the end of one range is at or before the start of the next
            assertThat(ORDER.compare(head + sorted.get(i) + "0", head + sorted.get(i + 1) + "/")).isNotPositive();
        }
    }

    @Test
    void keysCompareInUtf8ByteOrder() {
        List<String> keys = new ArrayList<>(List.of("b", "a", "\uD83D\uDE00", "\uFFFD", "\uE000", "z", "\u00E9"));
        keys.sort(ORDER);
        List<String> byUtf8 = new ArrayList<>(keys);
        byUtf8.sort((x, y) -> java.util.Arrays.compareUnsigned(x.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                y.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(keys).isEqualTo(byUtf8).endsWith("\uFFFD", "\uD83D\uDE00");
    }
}

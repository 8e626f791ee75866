package org.erasure.sink.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Pattern parsing and client-side matching, no server. */
class KeyPatternTest {

    private static KeyPattern.Ids ids(String... ids) {
        return new KeyPattern.Ids(List.of(ids));
    }

    @Test
    void exactPatternsNameOneKeyAndWildcardPatternsNeedTheScan() {
        assertThat(KeyPattern.parse("auth-cache:{contributorId}").exact()).isTrue();
        assertThat(KeyPattern.parse("auth-cache:{contributorId}").keyFor("a*b")).isEqualTo("auth-cache:a*b");
        assertThat(KeyPattern.parse("user:{{contributorId}}:profile").keyFor("42")).isEqualTo("user:{42}:profile");
        assertThat(KeyPattern.parse("lit\\*:{contributorId}").keyFor("1")).isEqualTo("lit*:1");
        KeyPattern sessions = KeyPattern.parse("session:{contributorId}:*");
        assertThat(sessions.exact()).isFalse();
        assertThat(sessions.literalPrefix()).isEqualTo("session:");
        assertThat(KeyPattern.parse("s?ss:{contributorId}").literalPrefix()).isEqualTo("s");
    }

    @Test
    void aNarrowMatchHoldsTheIdEscapedAndIsASupersetOfItsKeys() {
        assertThat(KeyPattern.parse("session:{contributorId}:*").narrowMatch("42")).isEqualTo("session:42*");
        assertThat(KeyPattern.parse("session:{contributorId}:*").narrowMatch("a*b?[c]\\")).isEqualTo("session:a\\*b\\?\\[c\\]\\\\*");
        assertThat(KeyPattern.parse("*:tok:{contributorId}").narrowMatch("7")).isEqualTo("*7*");
        assertThat(KeyPattern.parse("s:*:{contributorId}:x").narrowMatch("7")).isEqualTo("s:*7*");
    }

    @Test
    void invalidPatternsAreRejected() {
        assertThatThrownBy(() -> KeyPattern.parse("session:*")).hasMessageContaining("no {contributorId}");
        assertThatThrownBy(() -> KeyPattern.parse("{contributorId}:{contributorId}")).hasMessageContaining("more than one");
        assertThatThrownBy(() -> KeyPattern.parse("a[{contributorId}]")).hasMessageContaining("unterminated");
    }

    @Test
    void idsAreComparedAsDataNeverAsGlobs() {
        KeyPattern p = KeyPattern.parse("session:{contributorId}:*");
        KeyPattern.Ids batch = ids("a*", "?", "[ab]", "x\\", "100%_", "o'b\"q", "zoë/δ😀");
        assertThat(p.ownerOf("session:a*:tok", batch)).isEqualTo("a*");
        assertThat(p.ownerOf("session:aXYZ:tok", batch)).isNull();
        assertThat(p.ownerOf("session:?:tok", batch)).isEqualTo("?");
        assertThat(p.ownerOf("session:Q:tok", batch)).isNull();
        assertThat(p.ownerOf("session:[ab]:tok", batch)).isEqualTo("[ab]");
        assertThat(p.ownerOf("session:a:tok", batch)).isNull();
        assertThat(p.ownerOf("session:x\\:tok", batch)).isEqualTo("x\\");
        assertThat(p.ownerOf("session:100%_:t", batch)).isEqualTo("100%_");
        assertThat(p.ownerOf("session:1000x:t", batch)).isNull();
        assertThat(p.ownerOf("session:o'b\"q:t", batch)).isEqualTo("o'b\"q");
        assertThat(p.ownerOf("session:zoë/δ😀:", batch)).isEqualTo("zoë/δ😀");
        assertThat(p.ownerOf("session:a*", batch)).as("the ':' after the id is required").isNull();
        assertThat(p.ownerOf("sessions:a*:x", batch)).isNull();
    }

    @Test
    void theLongestIdWinsAndNumericNeighboursDoNotMatch() {
        KeyPattern p = KeyPattern.parse("session:{contributorId}:*");
        assertThat(p.ownerOf("session:12:3:tok", ids("12", "12:3"))).isEqualTo("12:3");
        assertThat(p.ownerOf("session:12:tok", ids("12", "12:3"))).isEqualTo("12");
        assertThat(p.ownerOf("session:123:tok", ids("12"))).isNull();
        assertThat(p.ownerOf("session:1:tok", ids("12"))).isNull();
    }

    @Test
    void wildcardsBeforeThePlaceholderAndCharacterClassesAfterIt() {
        KeyPattern p = KeyPattern.parse("*:cart:{contributorId}:[0-9]");
        assertThat(p.literalPrefix()).isEmpty();
        assertThat(p.ownerOf("eu:cart:7:5", ids("7"))).isEqualTo("7");
        assertThat(p.ownerOf("eu:cart:7:x", ids("7"))).isNull();
        assertThat(p.ownerOf("eu:cart:77:5", ids("7"))).isNull();
        KeyPattern neg = KeyPattern.parse("k:{contributorId}[^x]");
        assertThat(neg.ownerOf("k:1y", ids("1"))).isEqualTo("1");
        assertThat(neg.ownerOf("k:1x", ids("1"))).isNull();
    }

    @Test
    void theScanMatchIsTheEscapedCommonLiteralPrefix() {
        assertThat(RedisErasureStore.commonPrefix(List.of(KeyPattern.parse("session:{contributorId}:*")))).isEqualTo("session:");
        assertThat(RedisErasureStore.commonPrefix(List.of(KeyPattern.parse("sess:web:{contributorId}:*"),
                KeyPattern.parse("sess:app:{contributorId}:*")))).isEqualTo("sess:");
        assertThat(RedisErasureStore.commonPrefix(List.of(KeyPattern.parse("a:{contributorId}*"),
                KeyPattern.parse("b:{contributorId}*")))).isEmpty();
        assertThat(Glob.escape("we*ird?[x]\\")).isEqualTo("we\\*ird\\?\\[x\\]\\\\");
        assertThat(Glob.parse(Glob.escape("we*ird?[x]\\") + "*").literalPrefix()).isEqualTo("we*ird?[x]\\");
    }
}

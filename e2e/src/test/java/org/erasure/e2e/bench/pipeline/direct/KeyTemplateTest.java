package org.erasure.e2e.bench.pipeline.direct;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KeyTemplateTest {

    @Test
    void aWildcardPatternIsMatchedClientSideAndNamesItsOwner() {
        KeyTemplate session = KeyTemplate.parse("session:{contributorId}:*");

        assertThat(session.wildcard()).isTrue();
        assertThat(session.literalPrefix()).isEqualTo("session:");
        assertThat(session.contributorIdOf("session:1000123:5f1c-token")).isEqualTo("1000123");
        assertThat(session.contributorIdOf("auth-cache:1000123")).isNull();
        assertThat(session.contributorIdOf("session:1000123")).isNull();
    }

    @Test
    void aPatternWithoutWildcardsNamesExactlyOneKey() {
        KeyTemplate auth = KeyTemplate.parse("auth-cache:{contributorId}");

        assertThat(auth.wildcard()).isFalse();
        assertThat(auth.keyOf("1000123")).isEqualTo("auth-cache:1000123");
        assertThat(auth.contributorIdOf("auth-cache:1000123")).isEqualTo("1000123");
        assertThat(auth.contributorIdOf("auth-cache:1000123:extra")).isEqualTo("1000123:extra");
    }

    @Test
    void globCharactersAndRegexMetacharactersAreTranslated() {
        KeyTemplate t = KeyTemplate.parse("c.[ab]?:{contributorId}");

        assertThat(t.wildcard()).isTrue();
        assertThat(t.contributorIdOf("c.ax:42")).isEqualTo("42");
        assertThat(t.contributorIdOf("cXax:42")).as("the dot is literal").isNull();
        assertThat(t.contributorIdOf("c.cx:42")).as("only a or b").isNull();
    }

    @Test
    void aPatternNeedsExactlyOnePlaceholder() {
        assertThatThrownBy(() -> KeyTemplate.parse("session:*")).hasMessageContaining("exactly one");
        assertThatThrownBy(() -> KeyTemplate.parse("{contributorId}:{contributorId}")).hasMessageContaining("exactly one");
    }
}

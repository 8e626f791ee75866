package org.erasure.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TopicsTest {
    @Test
    void defaultNames() {
        Topics t = Topics.DEFAULT;
        assertThat(t.requests()).isEqualTo("erasure.requests");
        assertThat(t.phaseCompletions()).isEqualTo("erasure.phase-completions");
        assertThat(t.completions()).isEqualTo("erasure.completions");
        assertThat(t.requestsDlq()).isEqualTo("erasure.requests.dlq");
        assertThat(t.phaseCompletionsDlq()).isEqualTo("erasure.phase-completions.dlq");
        assertThat(t.completionsDlq()).isEqualTo("erasure.completions.dlq");
        assertThat(new Topics(null)).isEqualTo(Topics.DEFAULT);
    }

    @Test
    void prefixIsApplied() {
        Topics t = Topics.withPrefix("acme.");
        assertThat(t.requests()).isEqualTo("acme.erasure.requests");
        assertThat(t.requestsDlq()).isEqualTo("acme.erasure.requests.dlq");
        assertThat(t.completions()).isEqualTo("acme.erasure.completions");
    }

    @Test
    void illegalPrefixIsRefused() {
        assertThatThrownBy(() -> Topics.withPrefix("acme/")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Topics.withPrefix("a".repeat(300))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void versionedTopics() {
        assertThat(Topics.versioned(Topics.DEFAULT.requests(), 1)).isEqualTo("erasure.requests");
        assertThat(Topics.versioned(Topics.DEFAULT.requests(), 2)).isEqualTo("erasure.requests.v2");
        assertThatThrownBy(() -> Topics.versioned("x", 0)).isInstanceOf(IllegalArgumentException.class);
    }
}

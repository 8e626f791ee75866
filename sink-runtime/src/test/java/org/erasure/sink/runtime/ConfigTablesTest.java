package org.erasure.sink.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.erasure.config.DocumentedKeys;

import org.junit.jupiter.api.Test;

/** The README's configuration table names every key reference.conf declares, and only those (erasure-config/README.md). */
class ConfigTablesTest {

    @Test
    void theReadmeTableMatchesTheDeclaredKeys() {
        assertThat(DocumentedKeys.check(Path.of("README.md"), "sink", SinkConfig.scope("store"))).isEmpty();
    }
}

package org.erasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.erasure.config.DocumentedKeys;
import org.erasure.cli.common.CliSettings;
import org.junit.jupiter.api.Test;

/** The README's configuration table names every key reference.conf declares, and only those (erasure-config/README.md). */
class ConfigTablesTest {

    @Test
    void theReadmeTableMatchesTheDeclaredKeys() {
        assertThat(DocumentedKeys.check(Path.of("README.md"), "erasurectl", CliSettings.SCOPE)).isEmpty();
    }
}

package org.erasure.e2e.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.erasure.config.DocumentedKeys;
import org.erasure.e2e.SinkKind;
import org.erasure.sink.runtime.SinkConfig;
import org.erasure.sink.runtime.spi.StoreModule;
import org.junit.jupiter.api.Test;

/**
 * Each store's README table names every key its reference.conf declares, and only those
 * (erasure-config/README.md). Here because e2e has every store module on its class path; the runtime's,
 * ingest's, the verifier's and erasurectl's tables are checked in their own modules.
 */
class StoreConfigTablesTest {

    @Test
    void everyStoreReadmeTableMatchesItsDeclaredKeys() {
        for (SinkKind kind : SinkKind.values()) {
            StoreModule module = kind.newModule();
            Path readme = Path.of("..", "sink-" + kind.id(), "README.md");
            assertThat(DocumentedKeys.check(readme, module.configSection(), SinkConfig.scope(module.configSection())))
                    .as(readme.toString()).isEmpty();
        }
    }
}

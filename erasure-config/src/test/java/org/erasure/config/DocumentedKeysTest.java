package org.erasure.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DocumentedKeysTest {

    static final String README = """
            # demo

            ## Configuration

            | key | default | env |
            |---|---|---|
            | `demo.name` | `demo` | `DEMO_NAME` |
            | `batch.max-size` / `linger` | `100` / `50ms` | `DEMO_BATCH_*` |
            | `demo.tokens` | `[]` | `DEMO_TOKENS` |
            | `demo.kafka.bootstrap-servers` / `client { }` | `localhost:9092` / free-form | `DEMO_KAFKA_BOOTSTRAP_SERVERS` |
            | `demo.groups.{postgres,kafka-topics}` | `sink-<name>` | `DEMO_GROUPS_POSTGRES` |

            ## Metrics

            | metric | |
            |---|---|
            | `demo_batches_total` | not a key: outside the configuration section |
            """;

    @Test
    void aTableThatNamesEveryDeclaredKeyPasses() {
        assertThat(DocumentedKeys.check(README, ServiceConfig.reference(), "demo", ServiceConfigTest.SCOPE)).isEmpty();
    }

    @Test
    void aMissingRowATypoAndAWrongVariableAreEachNamed() {
        String drifted = README.replace("| `demo.tokens` | `[]` | `DEMO_TOKENS` |\n", "")
                .replace("`batch.max-size` / `linger`", "`batch.max-size` / `lingr`")
                .replace("`DEMO_NAME`", "`DEMO_NAMES`");
        assertThat(DocumentedKeys.check(drifted, ServiceConfig.reference(), "demo", ServiceConfigTest.SCOPE)).containsExactlyInAnyOrder(
                "demo.tokens is declared in reference.conf but no README table names it",
                "demo.batch.linger is declared in reference.conf but no README table names it",
                "demo.batch.lingr is in a README table but no reference.conf declares it",
                "DEMO_NAMES is in a README table but is not the variable of any key (demo)");
    }
}

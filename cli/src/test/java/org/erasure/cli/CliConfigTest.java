package org.erasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.erasure.cli.common.CliSettings;
import org.erasure.cli.common.ExitCode;
import org.erasure.cli.support.Ctl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** erasurectl's configuration: an unknown key stops the command before it does anything. */
class CliConfigTest {

    @Test
    void anUnknownKeyFailsNamingItAndItsLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("erasurectl.conf");
        Files.writeString(file, """
                erasurectl {
                  ingest.url = "http://127.0.0.1:1"
                  ingest.tokn = secret
                }
                """);
        Ctl.Result r = new Ctl(Map.of()).run("--config", file.toString(), "status", "00000000-0000-0000-0000-000000000001");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("Configuration error").contains("erasurectl.conf: 3: erasurectl.ingest.tokn: unknown key")
                .contains("did you mean erasurectl.ingest.token?");
        assertThat(r.err()).doesNotContain("secret");
    }

    @Test
    void kafkaClientPropertiesAndSinkGroupsAreFreeForm(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("erasurectl.conf");
        Files.writeString(file, """
                erasurectl.kafka.client { "security.protocol" = SASL_SSL }
                erasurectl.sinks.kafka-topics.group = sink-kafka
                """);
        CliSettings s = CliSettings.load(file, Map.of("ERASURECTL_KAFKA_BOOTSTRAP_SERVERS", "broker:9093"));
        assertThat(s.kafka()).containsEntry("security.protocol", "SASL_SSL").containsEntry("bootstrap.servers", "broker:9093");
        assertThat(s.sinkGroup("kafka-topics")).isEqualTo("sink-kafka");
        assertThat(s.sinkGroup("postgres")).isEqualTo("sink-postgres");
    }
}

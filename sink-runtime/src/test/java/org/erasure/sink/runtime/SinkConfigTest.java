package org.erasure.sink.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.erasure.events.Phase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A sink's configuration as {@code main} loads it (the store section here: {@code teststore} from the test reference.conf). */
class SinkConfigTest {

    @Test
    void everyScalarKeyIsOverridableAndConvertedOnRead(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sink.conf");
        Files.writeString(file, "teststore { password = \"\", port = 5432, tables = [ { a = 1 } ] }");
        Config c = SinkConfig.load(file, "teststore", Map.of(
                "SINK_KAFKA_BOOTSTRAP_SERVERS", "broker:9093",
                "SINK_BATCH_MAX_SIZE", "42",
                "SINK_BATCH_LINGER", "15ms",
                "SINK_HTTP_ENABLED", "false",
                "TESTSTORE_PASSWORD", "s3cret",
                "TESTSTORE_PORT", "6543",
                "UNRELATED", "x"));
        SinkSettings s = SinkSettings.from(c, Phase.POSTGRES, "sink-test");
        assertThat(s.bootstrapServers()).isEqualTo("broker:9093");
        assertThat(s.maxBatch()).isEqualTo(42);
        assertThat(s.linger()).isEqualTo(Duration.ofMillis(15));
        assertThat(s.httpEnabled()).isFalse();
        assertThat(s.name()).isEqualTo("sink-test");
        assertThat(s.groupId()).isEqualTo("sink-test");
        assertThat(c.getString("teststore.password")).isEqualTo("s3cret");
        assertThat(c.getInt("teststore.port")).isEqualTo(6543);
    }

    @Test
    void fileOverlaysReferenceAndEnvOverlaysFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sink.conf");
        Files.writeString(file, "sink { name = from-file, batch.max-size = 7 }");
        Config c = SinkConfig.load(file, "teststore", Map.of("SINK_BATCH_MAX_SIZE", "9"));
        SinkSettings s = SinkSettings.from(c, Phase.REDIS, "default");
        assertThat(s.name()).isEqualTo("from-file");
        assertThat(s.maxBatch()).isEqualTo(9);
        assertThat(s.instanceName()).startsWith("from-file-");
        assertThat(ConfigFactory.defaultReference().getInt("sink.batch.max-size")).isEqualTo(2000);
    }

    @Test
    void anUnknownKeyFailsTheStartNamingItAndItsLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sink.conf");
        Files.writeString(file, """
                sink {
                  batch.max-sise = 7
                }
                """);
        assertThatThrownBy(() -> SinkConfig.load(file, "teststore", Map.of()))
                .isInstanceOf(ConfigException.ValidationFailed.class)
                .hasMessageContaining("sink.batch.max-sise: unknown key (did you mean sink.batch.max-size?)")
                .hasMessageContaining("sink.conf: 2");
        // and through main: exit code 2, nothing started
        assertThat(new picocli.CommandLine(new SinkApplication.Command(new SinkMainTest.RedisModule()))
                .execute("--config", file.toString())).isEqualTo(2);
    }

    @Test
    void kafkaClientPropertiesAreFreeFormAndReachEveryClient(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sink.conf");
        Files.writeString(file, """
                sink.kafka.client { "security.protocol" = SSL, ssl.truststore.location = /etc/ts.jks }
                sink.kafka.consumer { "fetch.min.bytes" = 1024 }
                sink.kafka.producer { "linger.ms" = 5, "compression.type" = zstd }
                """);
        SinkSettings s = SinkSettings.from(SinkConfig.load(file, "teststore", Map.of("SINK_KAFKA_CLIENT_SECURITY_PROTOCOL", "SASL_SSL")),
                Phase.POSTGRES, "sink-test");
        assertThat(s.consumerClientProperties()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "security.protocol", "SASL_SSL", "ssl.truststore.location", "/etc/ts.jks", "fetch.min.bytes", "1024"));
        assertThat(s.producerClientProperties()).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("linger.ms", "5").containsEntry("compression.type", "zstd");
    }
}

package org.erasure.sink.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Map;
import org.erasure.events.Phase;
import org.junit.jupiter.api.Test;

class EnvOverridesTest {

    @Test
    void namingRule() {
        assertThat(EnvOverrides.envName("sink.kafka.bootstrap-servers")).isEqualTo("SINK_KAFKA_BOOTSTRAP_SERVERS");
        assertThat(EnvOverrides.envName("postgres.jdbc-url")).isEqualTo("POSTGRES_JDBC_URL");
        assertThat(EnvOverrides.envName("sink.batch.max-size")).isEqualTo("SINK_BATCH_MAX_SIZE");
    }

    @Test
    void everyScalarKeyIsOverridableAndConvertedOnRead() {
        Config base = SinkConfig.fromString("store { password = \"\", port = 5432, tables = [ { a = 1 } ] }");
        Config c = EnvOverrides.apply(base, Map.of(
                "SINK_KAFKA_BOOTSTRAP_SERVERS", "broker:9093",
                "SINK_BATCH_MAX_SIZE", "42",
                "SINK_BATCH_LINGER", "15ms",
                "SINK_HTTP_ENABLED", "false",
                "STORE_PASSWORD", "s3cret",
                "STORE_PORT", "6543",
                "UNRELATED", "x"), "sink", "store");
        SinkSettings s = SinkSettings.from(c, Phase.POSTGRES, "sink-test");
        assertThat(s.bootstrapServers()).isEqualTo("broker:9093");
        assertThat(s.maxBatch()).isEqualTo(42);
        assertThat(s.linger()).isEqualTo(Duration.ofMillis(15));
        assertThat(s.httpEnabled()).isFalse();
        assertThat(s.name()).isEqualTo("sink-test");
        assertThat(s.groupId()).isEqualTo("sink-test");
        assertThat(c.getString("store.password")).isEqualTo("s3cret");
        assertThat(c.getInt("store.port")).isEqualTo(6543);
    }

    @Test
    void fileOverlaysReferenceAndEnvOverlaysFile() throws Exception {
        var file = java.nio.file.Files.createTempFile("sink", ".conf");
        java.nio.file.Files.writeString(file, "sink { name = from-file, batch.max-size = 7 }");
        Config c = SinkConfig.load(file, "store", Map.of("SINK_BATCH_MAX_SIZE", "9"));
        SinkSettings s = SinkSettings.from(c, Phase.REDIS, "default");
        assertThat(s.name()).isEqualTo("from-file");
        assertThat(s.maxBatch()).isEqualTo(9);
        assertThat(s.instanceName()).startsWith("from-file-");
        assertThat(ConfigFactory.defaultReference().getInt("sink.batch.max-size")).isEqualTo(2000);
    }
}

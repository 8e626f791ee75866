package org.erasure.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceConfigTest {

    static final ConfigScope SCOPE = ConfigScope.of("demo").open("demo.kafka.client", "demo.groups");

    @Test
    void theEnvironmentOverridesTheFileWhichOverridesTheDefaults(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("demo.conf");
        Files.writeString(file, "demo { name = from-file, batch.max-size = 7 }");
        Config c = ServiceConfig.load(file, Map.of(
                "DEMO_BATCH_MAX_SIZE", "9",
                "DEMO_BATCH_LINGER", "15ms",
                "DEMO_TOKENS", "[{ name = ops, roles = [read] }]",
                "DEMO_KAFKA_BOOTSTRAP_SERVERS", "broker:9093",
                "DEMO_NO_SUCH_KEY", "ignored: other programs share the environment"), SCOPE);
        assertThat(c.getString("demo.name")).isEqualTo("from-file");
        assertThat(c.getInt("demo.batch.max-size")).isEqualTo(9);
        assertThat(c.getDuration("demo.batch.linger")).isEqualTo(Duration.ofMillis(15));
        assertThat(c.getConfigList("demo.tokens")).singleElement()
                .satisfies(t -> assertThat(t.getStringList("roles")).containsExactly("read"));
        assertThat(c.getString("demo.kafka.bootstrap-servers")).isEqualTo("broker:9093");
    }

    @Test
    void theNamingRule() {
        assertThat(EnvOverrides.envName("sink.kafka.bootstrap-servers")).isEqualTo("SINK_KAFKA_BOOTSTRAP_SERVERS");
        assertThat(EnvOverrides.envName("verifier.status-page.sink-groups.postgres")).isEqualTo("VERIFIER_STATUS_PAGE_SINK_GROUPS_POSTGRES");
        assertThat(EnvOverrides.envName("sink.kafka.client.\"security.protocol\"")).isEqualTo("SINK_KAFKA_CLIENT_SECURITY_PROTOCOL");
        assertThat(EnvOverrides.names(ServiceConfig.reference(), SCOPE)).containsExactly(
                "DEMO_BATCH_LINGER", "DEMO_BATCH_MAX_SIZE", "DEMO_GROUPS_POSTGRES", "DEMO_KAFKA_BOOTSTRAP_SERVERS",
                "DEMO_NAME", "DEMO_TOKENS");
    }

    @Test
    void aMistypedKeyFailsNamingTheKeyItsLineAndTheNearestKnownKey(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("demo.conf");
        Files.writeString(file, """
                demo {
                  name = x
                  batch.max-sise = 7
                }
                """);
        assertThatThrownBy(() -> ServiceConfig.load(file, Map.of(), SCOPE))
                .isInstanceOf(ConfigException.ValidationFailed.class)
                .hasMessageContaining("demo.batch.max-sise")
                .hasMessageContaining("demo.conf: 3")
                .hasMessageContaining("unknown key (did you mean demo.batch.max-size?)");
    }

    @Test
    void aMistypedSectionFailsToo() {
        assertThatThrownBy(() -> ServiceConfig.load(ConfigFactory.parseString("demos { name = x }"), Map.of(), SCOPE))
                .hasMessageContaining("demos: unknown section (this program reads demo)");
        assertThatThrownBy(() -> ServiceConfig.load(ConfigFactory.parseString("demo.kafka.clients { acks = all }"), Map.of(), SCOPE))
                .hasMessageContaining("demo.kafka.clients.acks: unknown key");
    }

    @Test
    void freeFormKafkaPropertiesAndOpenMapsPass() {
        Config c = ServiceConfig.load(ConfigFactory.parseString("""
                demo.kafka.client { "security.protocol" = SASL_SSL, ssl { truststore.location = /etc/ts.jks }, "linger.ms" = 5 }
                demo.groups.kafka-topics = sink-kafka
                """), Map.of("DEMO_KAFKA_CLIENT_SECURITY_PROTOCOL", "SSL"), SCOPE);
        assertThat(KafkaClientProperties.of(c, "demo.kafka.client", c.getString("demo.kafka.bootstrap-servers")))
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "security.protocol", "SSL",
                        "ssl.truststore.location", "/etc/ts.jks",
                        "linger.ms", "5",
                        "bootstrap.servers", "localhost:9092"));
        assertThat(c.getString("demo.groups.kafka-topics")).isEqualTo("sink-kafka");
    }

    @Test
    void aWrongTypeNamesTheVariableItCameFrom() {
        assertThatThrownBy(() -> ServiceConfig.load(ConfigFactory.empty(), Map.of("DEMO_TOKENS", "read"), SCOPE))
                .isInstanceOf(ConfigException.ValidationFailed.class)
                .hasMessageContaining("environment variable DEMO_TOKENS")
                .hasMessageContaining("demo.tokens");
    }

    @Test
    void aMissingFileIsNamed(@TempDir Path dir) {
        assertThatThrownBy(() -> ServiceConfig.load(dir.resolve("nope.conf"), Map.of(), SCOPE))
                .isInstanceOf(ConfigException.class).hasMessageContaining("nope.conf");
    }

    @Test
    void kafkaListsBecomeCommaSeparated() {
        assertThat(KafkaClientProperties.of(ConfigFactory.parseString("\"sasl.enabled.mechanisms\" = [PLAIN, SCRAM-SHA-512]")))
                .containsEntry("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-512");
    }

    @Test
    void systemPropertiesAreALayerButNotChecked() {
        // test harnesses hand child JVMs their own properties (-Dsink.test.log=...) under a program's root
        System.setProperty("demo.test.log", "/tmp/child.log");
        System.setProperty("demo.batch.max-size", "11");
        try {
            Config c = ServiceConfig.load(ConfigFactory.empty(), Map.of(), SCOPE);
            assertThat(c.getInt("demo.batch.max-size")).isEqualTo(11);
        } finally {
            System.clearProperty("demo.test.log");
            System.clearProperty("demo.batch.max-size");
            ConfigFactory.invalidateCaches();
        }
    }

    @Test
    void aFileWithSubstitutionsIsCheckedToo() {
        assertThatThrownBy(() -> ServiceConfig.load(ConfigFactory.parseString("""
                base = 40
                demo.batch { max-size = ${base}, lingr = 5ms }
                """), Map.of(), SCOPE))
                .hasMessageContaining("base: unknown section")
                .hasMessageContaining("demo.batch.lingr: unknown key (did you mean demo.batch.linger?)");
        assertThat(ServiceConfig.load(ConfigFactory.parseString("demo.name = ${?HOME}x"), Map.of(), SCOPE).getString("demo.name")).endsWith("x");
    }
}

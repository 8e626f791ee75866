package org.erasure.verifier.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.erasure.verifier.metrics.VerifierMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifierConfigTest {
    @TempDir
    Path dir;

    static VerifierConfig of(Map<String, Object> settings) {
        return VerifierConfig.from(ConfigFactory.parseMap(settings));
    }

    @Test
    void refusesToStartWithoutADigestKeyUnlessTheInsecureDevProfileIsChosen() {
        assertThatThrownBy(() -> of(Map.of())).isInstanceOf(ConfigException.class).hasMessageContaining("VERIFIER_DIGEST_KEY");
        assertThatThrownBy(() -> of(Map.of("verifier.digest-key", "short"))).hasMessageContaining("at least 16 bytes");
        VerifierConfig dev = of(Map.of("verifier.profile", VerifierConfig.DEV_PROFILE));
        assertThat(dev.insecureDevKey()).isTrue();
        assertThat(dev.toString()).contains("INSECURE DEV KEY").doesNotContain(VerifierConfig.DEV_DIGEST_KEY);
    }

    @Test
    void overridesThatWouldSwitchOffExactlyOnceAreRefusedNamingTheKey() {
        assertThatThrownBy(() -> VerifierConfig.from(ConfigFactory.parseString(
                "verifier.profile = dev-insecure\nverifier.kafka-streams { \"processing.guarantee\" = at_least_once }")))
                .hasMessageContaining("verifier.kafka-streams sets 'processing.guarantee'");
        assertThatThrownBy(() -> VerifierConfig.from(ConfigFactory.parseString(
                "verifier.profile = dev-insecure\nverifier.kafka-streams { \"producer.acks\" = 1 }")))
                .hasMessageContaining("'producer.acks'");
        assertThat(VerifierConfig.from(ConfigFactory.parseString(
                "verifier.profile = dev-insecure\nverifier.kafka-streams { \"commit.interval.ms\" = 200 }")).kafkaStreams())
                .containsEntry("commit.interval.ms", "200");
    }

    @Test
    void readsTheKeyInlineEncodedOrFromAFileAndNeverPrintsIt() throws Exception {
        assertThat(of(Map.of("verifier.digest-key", "hex:" + "ab".repeat(16))).digestKey()).hasSize(16);
        assertThat(of(Map.of("verifier.digest-key", "base64:" + "QUJDREVGR0hJSktMTU5PUA==")).digestKey())
                .isEqualTo("ABCDEFGHIJKLMNOP".getBytes(StandardCharsets.UTF_8));
        Path file = dir.resolve("key");
        Files.writeString(file, "a-secret-from-a-mounted-file\n");
        VerifierConfig c = of(Map.of("verifier.digest-key-file", file.toString()));
        assertThat(c.digestKey()).isEqualTo("a-secret-from-a-mounted-file".getBytes(StandardCharsets.UTF_8));
        assertThat(c.toString()).doesNotContain("a-secret");
    }

    @Test
    void defaultsOverridesAndStreamsProperties() throws Exception {
        Path file = dir.resolve("verifier.conf");
        Files.writeString(file, """
                verifier {
                  digest-key = "0123456789abcdef0123"
                  topic-prefix = "acme."
                  partitions = 12
                  timeouts.sla = 2h
                  kafka-streams { "session.timeout.ms" = 10000 }
                }
                """);
        VerifierConfig c = VerifierConfig.load(file.toFile());
        assertThat(c.topics().completions()).isEqualTo("acme.erasure.completions");
        assertThat(c.partitions()).isEqualTo(12);
        assertThat(c.sla()).contains(Duration.ofHours(2));
        assertThat(c.punctuationInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.lineageTopic()).isEqualTo("erasure-verifier.replay-lineage");

        Properties p = StreamsProperties.of(c, "host:8080", VerifierMetrics.noop());
        assertThat(p.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
        assertThat(p.get(StreamsConfig.APPLICATION_SERVER_CONFIG)).isEqualTo("host:8080");
        assertThat(p.get("session.timeout.ms")).isEqualTo("10000");
        assertThat(of(Map.of("verifier.digest-key", "0123456789abcdef0123")).sla()).isEmpty();
    }

    @Test
    void anUnknownKeyFailsTheStartNamingItAndWhereItWasSet() throws Exception {
        Path file = dir.resolve("verifier.conf");
        Files.writeString(file, """
                verifier {
                  profile = dev-insecure
                  kafka-streams { "session.timeout.ms" = 10000 }
                  status-page.sink-groups.kafka-topics = sink-kafka
                  timeouts.punctuation-intervall = 5s
                }
                """);
        assertThatThrownBy(() -> VerifierConfig.load(file.toFile()))
                .isInstanceOf(ConfigException.ValidationFailed.class)
                .hasMessageContaining("verifier.conf: 5: verifier.timeouts.punctuation-intervall: unknown key "
                        + "(did you mean verifier.timeouts.punctuation-interval?)")
                .hasMessageNotContaining("session.timeout.ms").hasMessageNotContaining("kafka-topics");
        // the environment rule: every VERIFIER_* name the old verifier-env.conf listed still works
        VerifierConfig c = VerifierConfig.from(ConfigFactory.empty(), Map.of(
                "VERIFIER_PROFILE", "dev-insecure", "VERIFIER_PARTITIONS", "3", "VERIFIER_TIMEOUTS_SLA", "1h",
                "VERIFIER_HTTP_ADVERTISED_HOST", "verifier-0", "VERIFIER_TOPIC_PREFIX", "t."));
        assertThat(c.partitions()).isEqualTo(3);
        assertThat(c.sla()).contains(Duration.ofHours(1));
        assertThat(c.advertisedHost()).isEqualTo("verifier-0");
        assertThat(c.topics().completions()).isEqualTo("t.erasure.completions");
        assertThat(org.erasure.verifier.status.StatusPageConfig.from(ConfigFactory.empty(),
                Map.of("VERIFIER_STATUS_PAGE_SINK_GROUPS_POSTGRES", "pg-group")).groupId(org.erasure.events.Phase.POSTGRES, true))
                .isEqualTo("pg-group-bulk");
        assertThat(org.erasure.config.EnvOverrides.names(org.erasure.config.ServiceConfig.reference(), VerifierConfig.SCOPE))
                .as("the variables verifier-env.conf listed before the one rule").contains(
                "VERIFIER_APPLICATION_ID", "VERIFIER_BOOTSTRAP_SERVERS", "VERIFIER_TOPIC_PREFIX", "VERIFIER_PARTITIONS",
                "VERIFIER_REPLICATION_FACTOR", "VERIFIER_CHANGELOG_MIN_INSYNC_REPLICAS", "VERIFIER_NUM_STREAM_THREADS",
                "VERIFIER_NUM_STANDBY_REPLICAS", "VERIFIER_STATE_DIR", "VERIFIER_TIMEOUTS_SLA",
                "VERIFIER_TIMEOUTS_PUNCTUATION_INTERVAL", "VERIFIER_TIMEOUTS_MIN_WAIT", "VERIFIER_DIGEST_KEY",
                "VERIFIER_DIGEST_KEY_FILE", "VERIFIER_PROFILE", "VERIFIER_HTTP_PORT", "VERIFIER_HTTP_ADVERTISED_HOST",
                "VERIFIER_STATUS_PAGE_SINK_GROUPS_POSTGRES", "VERIFIER_STATUS_PAGE_SINK_GROUPS_ELASTICSEARCH",
                "VERIFIER_STATUS_PAGE_SINK_GROUPS_CLICKHOUSE", "VERIFIER_STATUS_PAGE_SINK_GROUPS_S3",
                "VERIFIER_STATUS_PAGE_SINK_GROUPS_REDIS", "VERIFIER_STATUS_PAGE_LATEST_RECORDS",
                "VERIFIER_STATUS_PAGE_IN_FLIGHT_LIMIT");
    }
}

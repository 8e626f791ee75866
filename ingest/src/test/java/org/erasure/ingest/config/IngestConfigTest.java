package org.erasure.ingest.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.erasure.ingest.submit.SubmissionService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngestConfigTest {

    @Test
    void environmentOverridesTheFileWhichOverridesTheDefaults(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("ingest.conf");
        Files.writeString(file, """
                ingest.kafka.bootstrap-servers = "file:9092"
                ingest.kafka.topic-prefix = "staging."
                ingest.auth.tokens = [{ name = ops, sha256 = "%s", roles = [submit, read] }]
                """.formatted("ab".repeat(32)));
        IngestSettings s = IngestSettings.load(file, Map.of(
                "INGEST_KAFKA_BOOTSTRAP_SERVERS", "env:9092",
                "INGEST_RESOLUTION_MODE", "off",
                "INGEST_HTTP_PORT", "9999"));
        assertThat(s.kafkaClient()).containsEntry("bootstrap.servers", "env:9092");
        assertThat(s.topics().requests()).isEqualTo("staging.erasure.requests");
        assertThat(s.httpPort()).isEqualTo(9999);
        assertThat(s.resolution()).isEqualTo(SubmissionService.Resolution.OFF);
        assertThat(s.intakeRules().emailRequired()).isTrue();
        assertThat(s.tokens()).singleElement().satisfies(t -> assertThat(t.name()).isEqualTo("ops"));
        assertThat(s.toString()).doesNotContain("postgres\"").contains("password redacted");
    }

    @Test
    void replicaSettingsHaveDefaultsAndEnvironmentOverrides() {
        IngestSettings defaults = IngestSettings.load(null, Map.of());
        assertThat(defaults.claimsEnabled()).isTrue();
        assertThat(defaults.claimsTopic()).isEqualTo("erasure.ingest.claims");
        assertThat(defaults.claimsReplicationFactor()).isEqualTo((short) 1);
        assertThat(defaults.claimsLease()).hasSeconds(60);
        assertThat(defaults.idempotencyInFlightWait()).hasSeconds(10);
        assertThat(defaults.dedupeLookback()).hasDays(30);
        IngestSettings s = IngestSettings.load(null, Map.of(
                "INGEST_KAFKA_TOPIC_PREFIX", "staging.",
                "INGEST_CLAIMS_REPLICATION_FACTOR", "3",
                "INGEST_CLAIMS_LEASE", "2m",
                "INGEST_CLAIMS_ENABLED", "false",
                "INGEST_DEDUPE_LOOKBACK", "7d"));
        assertThat(s.claimsTopic()).isEqualTo("staging.erasure.ingest.claims");
        assertThat(s.claimsReplicationFactor()).isEqualTo((short) 3);
        assertThat(s.claimsLease()).hasMinutes(2);
        assertThat(s.claimsEnabled()).isFalse();
        assertThat(s.dedupeLookback()).hasDays(7);
        assertThat(IngestSettings.withHost("erasure-ingest-{host}", () -> "ingest 2.local")).isEqualTo("erasure-ingest-ingest-2.local");
        assertThat(IngestSettings.withHost("erasure-ingest-1", () -> { throw new AssertionError("not asked"); })).isEqualTo("erasure-ingest-1");
        assertThat(IngestSettings.load(null, Map.of("INGEST_KAFKA_TRANSACTIONAL_ID", "erasure-ingest-{host}"))
                .transactionalId()).startsWith("erasure-ingest-").doesNotContain("{host}");
        assertThatThrownBy(() -> IngestSettings.load(null, Map.of("INGEST_CLAIMS_LEASE", "20s")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ingest.claims.lease").hasMessageContaining("twice");
        assertThatThrownBy(() -> IngestSettings.load(null, Map.of("INGEST_CLAIMS_TOPIC", "a b")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ingest.claims.topic");
    }

    @Test
    void badValuesAreNamed() {
        assertThatThrownBy(() -> IngestSettings.load(null, Map.of("INGEST_RESOLUTION_MODE", "sometimes")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ingest.resolution.mode");
    }

    @Test
    void anUnknownKeyFailsTheStartNamingIt(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("ingest.conf");
        Files.writeString(file, """
                ingest {
                  kafka.client { "security.protocol" = SASL_SSL, "sasl.mechanism" = PLAIN }
                  dedupe.open-request = false
                }
                """);
        assertThatThrownBy(() -> IngestSettings.load(file, Map.of()))
                .isInstanceOf(ConfigException.ValidationFailed.class)
                .hasMessageContaining("ingest.conf: 3: ingest.dedupe.open-request: unknown key (did you mean ingest.dedupe.open-requests?)")
                .hasMessageNotContaining("security.protocol");
        Files.writeString(file, "ingest.kafka.client { \"security.protocol\" = SASL_SSL, \"sasl.mechanism\" = PLAIN }");
        assertThat(IngestSettings.load(file, Map.of("INGEST_KAFKA_CLIENT_SASL_MECHANISM", "SCRAM-SHA-512")).kafkaClient())
                .containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512");
    }
}

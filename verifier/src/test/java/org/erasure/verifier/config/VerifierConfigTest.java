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
}

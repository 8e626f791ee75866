package org.erasure.e2e.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each check fails on a compose file that breaks its promise, and names the service and what to fix. */
class ComposeChecksTest {

    private static final Map<String, String> ENV = Map.of("PG_PASSWORD", "secret", "DIGEST", "0123456789abcdef0123");

    /** A small, correct file: init, a verifier, a sink; each test breaks one thing. */
    private static final String GOOD = """
            x-health: &health
              test: ["CMD", "healthcheck.sh", "8080", "/health"]
            services:
              secrets-check:
                image: redis:7.4.6
                restart: "no"
                environment:
                  PG_PASSWORD: ${PG_PASSWORD:-}
                  DIGEST: ${DIGEST:-}
                command: [sh, -c, "true"]
              kafka:
                image: apache/kafka:4.3.1
                restart: unless-stopped
                healthcheck: *health
              init:
                build: {context: ., target: tools}
                restart: "no"
                command:
                  - init
                  - --topic=erasure.requests:6
                  - --topic=erasure.requests.bulk:6
                  - --topic=erasure.phase-completions:6
                  - --topic=erasure.phase-completions.bulk:6
                  - --topic=erasure.completions:6:retention.ms=-1
                  - --topic=erasure-verifier.replay-lineage:6
                  - --topic=erasure.requests.dlq:1
                  - --topic=erasure.requests.bulk.dlq:1
                  - --topic=erasure.phase-completions.dlq:6
                  - --topic=erasure.phase-completions.bulk.dlq:6
                environment:
                  POSTGRES_PASSWORD: ${PG_PASSWORD}
                depends_on:
                  kafka: {condition: service_healthy}
              verifier:
                build: {context: ., target: service, args: {MODULE: verifier}}
                restart: unless-stopped
                healthcheck: *health
                environment:
                  VERIFIER_BOOTSTRAP_SERVERS: kafka:9092
                  VERIFIER_PARTITIONS: 6
                  VERIFIER_DIGEST_KEY: ${DIGEST:?set DIGEST}
                depends_on:
                  init: {condition: service_completed_successfully}
              sink-postgres:
                build: {context: ., target: service, args: {MODULE: sink-postgres}}
                restart: unless-stopped
                healthcheck: *health
                environment:
                  SINK_KAFKA_BOOTSTRAP_SERVERS: kafka:9092
                  POSTGRES_PASSWORD: ${PG_PASSWORD}
                  JAVA_TOOL_OPTIONS: -Xmx256m
            """;

    private static List<String> problems(String yaml) {
        return ComposeChecks.all(ComposeFile.parse(yaml, ENV), List.of("eclipse-temurin:25.0.3_9-jre-noble"));
    }

    @Test
    void theGoodFileHasNoProblem() {
        assertThat(problems(GOOD)).isEmpty();
    }

    @Test
    void aVariableTheServiceDoesNotReadIsNamed() {
        String yaml = GOOD.replace("      POSTGRES_PASSWORD: ${PG_PASSWORD}\n      JAVA_TOOL_OPTIONS",
                        "      POSTGRES_PASSWORD: ${PG_PASSWORD}\n      POSTGRES_JDBCURL: jdbc:postgresql://pg/kepler\n      JAVA_TOOL_OPTIONS")
                .replace("VERIFIER_PARTITIONS: 6", "VERIFIER_PARTITIONS: 6\n      VERIFIER_HTTP_ADVERTISED_HOSTNAME: verifier");
        assertThat(problems(yaml)).containsExactlyInAnyOrder(
                "service sink-postgres sets POSTGRES_JDBCURL, which sink-postgres does not read",
                "service verifier sets VERIFIER_HTTP_ADVERTISED_HOSTNAME, which verifier does not read");
    }

    @Test
    void anObjectIsNotAnEnvironmentVariableItsLeavesAndListsAre() {
        // sink.kafka.client is an object: the environment rule (erasure-config EnvOverrides) sets leaves and lists only
        String yaml = GOOD.replace("      JAVA_TOOL_OPTIONS: -Xmx256m", "      SINK_KAFKA_CLIENT: \"{}\"");
        assertThat(problems(yaml)).containsExactly("service sink-postgres sets SINK_KAFKA_CLIENT, which sink-postgres does not read");
        assertThat(problems(GOOD.replace("      JAVA_TOOL_OPTIONS: -Xmx256m", "      POSTGRES_TABLES: \"[]\""))).isEmpty();
    }

    @Test
    void unpinnedImagesAreNamed() {
        String yaml = GOOD.replace("image: apache/kafka:4.3.1", "image: apache/kafka:latest");
        assertThat(problems(yaml)).containsExactly("service kafka uses image apache/kafka:latest, which is not pinned to a version");
        assertThat(problems(GOOD.replace("image: apache/kafka:4.3.1", "image: apache/kafka")))
                .containsExactly("service kafka uses image apache/kafka, which is not pinned to a version");
        assertThat(ComposeChecks.all(ComposeFile.parse(GOOD, ENV), List.of("eclipse-temurin:25-jre", "maven:latest")))
                .containsExactly("Dockerfile builds FROM maven:latest, which is not pinned to a version");
        assertThat(ComposeChecks.pinned("quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z")).isTrue();
        assertThat(ComposeChecks.pinned("localhost:5000/kafka")).isFalse();
    }

    @Test
    void theDockerfilesOwnStagesAreNotBases() {
        String dockerfile = """
                FROM maven:3.9.11-eclipse-temurin-25 AS build
                FROM eclipse-temurin:25.0.3_9-jre-noble AS runtime
                FROM runtime AS service
                FROM --platform=linux/amd64 runtime AS tools
                """;
        assertThat(ComposeChecks.dockerfileBases(dockerfile)).containsExactly("maven:3.9.11-eclipse-temurin-25", "eclipse-temurin:25.0.3_9-jre-noble");
    }

    @Test
    void aServiceWithoutHealthCheckOrTheWrongWaitIsNamed() {
        String yaml = GOOD.replace("    healthcheck: *health\n    environment:\n      SINK_KAFKA", "    environment:\n      SINK_KAFKA")
                .replace("init: {condition: service_completed_successfully}", "init: {condition: service_started}");
        assertThat(problems(yaml)).containsExactlyInAnyOrder(
                "service sink-postgres runs without a health check",
                "service verifier waits for init with service_started instead of service_completed_successfully");
    }

    @Test
    void aTopicInitDoesNotCreateIsNamedWithTheServiceThatNeedsIt() {
        String yaml = GOOD.replace("      - --topic=erasure.requests.bulk.dlq:1\n", "");
        assertThat(problems(yaml)).containsExactly("service sink-postgres needs topic erasure.requests.bulk.dlq"
                + " (sink-postgres's dead letters of the bulk lane), which init does not create");
    }

    @Test
    void aChainTopicWithAnotherPartitionCountThanTheVerifiersIsNamed() {
        String yaml = GOOD.replace("--topic=erasure.completions:6:", "--topic=erasure.completions:3:");
        assertThat(problems(yaml)).containsExactly("service verifier needs topic erasure.completions with 6 partitions"
                + " (the verifier refuses to start unless it has verifier.partitions), init creates 3");
    }

    @Test
    void aTopicPrefixMovesEveryTopicTheSinkNeeds() {
        String yaml = GOOD.replace("      JAVA_TOOL_OPTIONS: -Xmx256m", "      SINK_KAFKA_TOPIC_PREFIX: staging.");
        assertThat(problems(yaml)).hasSize(6).allSatisfy(p -> assertThat(p).startsWith("service sink-postgres needs topic staging."));
    }

    @Test
    void aSecretTheCheckDoesNotCoverIsNamed() {
        String yaml = GOOD.replace("      DIGEST: ${DIGEST:-}\n", "");
        assertThat(problems(yaml)).containsExactly("service verifier takes its secret VERIFIER_DIGEST_KEY from DIGEST, which "
                + "secrets-check does not check: add it to that service's environment");
    }

    @Test
    void aSecretWrittenIntoTheFileIsNamed() {
        String yaml = GOOD.replace("VERIFIER_DIGEST_KEY: ${DIGEST:?set DIGEST}", "VERIFIER_DIGEST_KEY: 0123456789abcdef0123");
        assertThat(problems(yaml)).containsExactly(
                "service verifier has its secret VERIFIER_DIGEST_KEY written in the file: take it from .env (${VERIFIER_DIGEST_KEY})");
    }

    @Test
    void fixedNamesAndSinkHostPortsPreventScaling() {
        String yaml = GOOD.replace("      JAVA_TOOL_OPTIONS: -Xmx256m", "      JAVA_TOOL_OPTIONS: -Xmx256m\n    ports: [\"8080:8080\"]\n    container_name: pg-sink");
        assertThat(problems(yaml)).containsExactlyInAnyOrder(
                "service sink-postgres has a container_name, so it cannot be scaled",
                "service sink-postgres publishes host ports [8080:8080]: `--scale sink-postgres=3` would collide");
    }

    @Test
    void anUnknownModuleCannotBeChecked() {
        String yaml = GOOD.replace("MODULE: sink-postgres", "MODULE: sink-mongodb");
        assertThat(problems(yaml)).containsExactly("service sink-postgres is built from module 'sink-mongodb', which no ServiceContract describes");
    }

    @Test
    void interpolationFollowsCompose() {
        Map<String, String> env = Map.of("SET", "x", "EMPTY", "");
        assertThat(ComposeFile.interpolate("a${SET}b $$HOME ${UNSET:-d} ${EMPTY:-e} ${EMPTY-f}|", env)).isEqualTo("axb $HOME d e |");
        assertThatThrownBy(() -> ComposeFile.interpolate("${UNSET:?set UNSET in .env}", env))
                .hasMessage("required variable UNSET is not set: set UNSET in .env");
    }
}

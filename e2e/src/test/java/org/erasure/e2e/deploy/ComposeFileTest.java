package org.erasure.e2e.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.erasure.e2e.ProjectLayout;
import org.erasure.e2e.SinkKind;
import org.junit.jupiter.api.Test;

/**
 * The repository's docker-compose.yml, interpolated with .env.example (as `docker compose --env-file
 * .env.example` reads it), keeps every promise of {@link ComposeChecks}. No Docker needed: the services'
 * environment and topics are checked against the services' own config code. {@code docker-compose config -q}
 * (scripts/test) checks the syntax; ComposeStackTest runs it where Docker answers.
 */
class ComposeFileTest {

    static final Path ROOT = ProjectLayout.root();

    static ComposeFile repositoryCompose() throws IOException {
        Map<String, String> env = ComposeFile.envFile(Files.readString(ROOT.resolve(".env.example")));
        return ComposeFile.parse(Files.readString(ROOT.resolve("docker-compose.yml")), env);
    }

    @Test
    void keepsEveryPromise() throws IOException {
        ComposeFile compose = repositoryCompose();
        List<String> bases = ComposeChecks.dockerfileBases(Files.readString(ROOT.resolve("Dockerfile")));

        assertThat(ComposeChecks.all(compose, bases)).isEmpty();
        // what the checks ran on: every service module is in the file, and the Dockerfile's bases were read
        assertThat(compose.services().values()).extracting(ComposeFile.Service::module)
                .contains("ingest", "verifier", "tools")
                .containsAll(SinkKind.ids().stream().map(id -> "sink-" + id).toList());
        assertThat(bases).hasSize(2).allSatisfy(b -> assertThat(b).contains("temurin").doesNotContain("latest"));
    }

    @Test
    void initCreatesTheChainTopicsWithTheVerifiersPartitionCount() throws IOException {
        ComposeFile compose = repositoryCompose();
        int partitions = ServiceContract.Verifier.config(compose.services().get("verifier").environment()).partitions();
        assertThat(compose.services().get("init").command())
                .contains("--topic=erasure.phase-completions:" + partitions + ":retention.ms=3024000000",
                        "--topic=erasure.completions:" + partitions + ":retention.ms=-1",
                        "--topic=erasure-verifier.replay-lineage:" + partitions + ":retention.ms=604800000");
    }
}

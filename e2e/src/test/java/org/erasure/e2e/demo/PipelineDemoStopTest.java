package org.erasure.e2e.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.erasure.devstack.cli.StopHint;
import org.erasure.devstack.junit.ProcessTree;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ./scripts/run --stay-up} stopped the way a supervisor stops it ({@code kill PID}, SIGTERM to
 * that one process, not to its group): ingest, the verifier, the five sinks and every server stop,
 * and no port the job printed listens any more.
 */
class PipelineDemoStopTest {

    private static final Logger log = LoggerFactory.getLogger(PipelineDemoStopTest.class);
    private static final List<String> SERVICE_JARS = List.of("ingest.jar", "verifier.jar", "sink-postgres.jar",
            "sink-redis.jar", "sink-s3.jar", "sink-clickhouse.jar", "sink-elasticsearch.jar");

    @Test
    void sigtermStopsEveryServiceAndServerOfTheMainJob(@TempDir Path dir) throws Exception {
        Path output = dir.resolve("run.log");
        Path stackDir = dir.resolve("stack");
        Process job = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xmx2g", "-Derasure.devstack.dir=" + stackDir,
                "-cp", System.getProperty("java.class.path"), PipelineDemo.class.getName(),
                "--stay-up", "--contributors", "200", "--max-contributors", "10")
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        List<ProcessHandle> started = new ArrayList<>();
        try {
            await().atMost(Duration.ofMinutes(6)).pollInterval(Duration.ofMillis(500))
                    .until(() -> read(output).contains(StopHint.MARKER) || !job.isAlive());
            String printed = read(output);
            assertThat(job.isAlive()).as("the job exited before staying up:%n%s", printed).isTrue();
            String endpoints = printed.substring(printed.lastIndexOf("done in"));
            log.info("the job stays up:\n{}", endpoints);

            started.addAll(ProcessTree.startedBy(job, stackDir));
            assertThat(started).extracting(ProcessTree::describe).as("processes the job started")
                    .satisfies(lines -> SERVICE_JARS.forEach(jar ->
                            assertThat(lines).as("a process running %s", jar).anyMatch(l -> l.contains("/" + jar))))
                    .anyMatch(l -> l.contains("postgres"))
                    .anyMatch(l -> l.contains("redis-server"));
            Set<Integer> ports = ProcessTree.loopbackPorts(endpoints);
            assertThat(ports).as("kafka, postgres, redis, s3, elasticsearch, clickhouse http+tcp, ingest, verifier")
                    .hasSizeGreaterThanOrEqualTo(9)
                    .allMatch(ProcessTree::listens);

            List<ProcessHandle> services = started.stream()
                    .filter(p -> p.info().commandLine().orElse("").contains(" -jar ")).toList();
            assertThat(services).as("ingest, verifier, five sinks").hasSize(SERVICE_JARS.size());

            long begin = System.nanoTime();
            ProcessTree.sigterm(job);
            await().atMost(Duration.ofMinutes(2)).until(() -> !job.isAlive());
            log.info("MEASURED the job stopped {} ms after SIGTERM", (System.nanoTime() - begin) / 1_000_000);
            // The job stops its services before it exits; their own parent watch (ExitWithParent) is only the fallback.
            assertThat(services).filteredOn(ProcessHandle::isAlive).extracting(ProcessTree::describe)
                    .as("services still running when the job exited").isEmpty();
            assertThat(job.exitValue()).as("exit status of a JVM stopped by SIGTERM").isEqualTo(143);
            assertThat(read(output)).as("every service stopped on SIGTERM by itself").doesNotContain("did not stop within");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(started).filteredOn(ProcessHandle::isAlive).extracting(ProcessTree::describe)
                        .as("processes left behind").isEmpty();
                assertThat(ports).as("ports still listening").noneMatch(ProcessTree::listens);
            });
        } finally {
            job.descendants().forEach(ProcessHandle::destroyForcibly);
            started.forEach(ProcessHandle::destroyForcibly);
            job.destroyForcibly();
        }
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }
}

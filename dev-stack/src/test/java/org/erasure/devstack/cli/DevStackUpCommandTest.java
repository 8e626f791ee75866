package org.erasure.devstack.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.erasure.devstack.junit.ProcessTree;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The acceptance path of {@code dev-stack up}, as a user runs it: a separate JVM, every server up
 * and seeded, endpoints printed; SIGTERM ({@code kill PID}, what a supervisor sends) leaves no process
 * behind and no printed port listening. SIGTERM, not SIGINT: a build started in the background
 * (nohup … &) passes SIGINT on as ignored, and the JVM then never sees it.
 */
class DevStackUpCommandTest {

    private static final Logger log = LoggerFactory.getLogger(DevStackUpCommandTest.class);

    @Test
    void upStartsAndSeedsEveryServerAndSigtermLeavesNoProcessBehind(@TempDir Path dir) throws Exception {
        Path output = dir.resolve("up.log");
        Path stackDir = dir.resolve("stack");
        Process up = new ProcessBuilder(javaBinary(), "--enable-native-access=ALL-UNNAMED", "-Xmx2g",
                "-Derasure.devstack.dir=" + stackDir,
                "-cp", System.getProperty("java.class.path"), DevStackCommand.class.getName(), "up", "--contributors", "200")
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        List<ProcessHandle> started = new ArrayList<>();
        try {
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500))
                    .until(() -> read(output).contains(StopHint.MARKER) || !up.isAlive());
            String printed = read(output);
            assertThat(up.isAlive()).as("dev-stack up exited early:%n%s", printed).isTrue();
            assertThat(printed).contains("kafka          4.3.1", "postgres", "redis", "s3proxy", "elasticsearch  9.5.", "clickhouse     26.")
                    .contains("bootstrap", "jdbc:postgresql://127.0.0.1:", "redis://127.0.0.1:", "http://127.0.0.1:")
                    .contains("kepler_crowd_contributors_t=200", "kepler.unit_metrics=12000", "contributor keys=600", "versions=440")
                    .contains("kill " + up.pid());
            String endpoints = printed.substring(printed.indexOf("dev-stack up in"));
            log.info("dev-stack up printed:\n{}", endpoints);

            started.addAll(ProcessTree.startedBy(up, stackDir));
            assertThat(started).extracting(p -> p.info().command().orElse("?"))
                    .as("postgres, redis and the ClickHouse host run as processes of their own")
                    .anyMatch(c -> c.endsWith("/postgres")).anyMatch(c -> c.contains("redis-server")).anyMatch(c -> c.endsWith("/java"));
            Set<Integer> ports = ProcessTree.loopbackPorts(endpoints);
            assertThat(ports).as("one port per printed endpoint: kafka, postgres, redis, s3, elasticsearch, clickhouse http+tcp")
                    .hasSizeGreaterThanOrEqualTo(7)
                    .allMatch(ProcessTree::listens);

            ProcessTree.sigterm(up);
            await().atMost(Duration.ofSeconds(60)).until(() -> !up.isAlive());
            assertThat(up.exitValue()).as("exit status of a JVM stopped by SIGTERM").isEqualTo(143);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(started).filteredOn(ProcessHandle::isAlive).extracting(ProcessTree::describe)
                        .as("processes left behind").isEmpty();
                assertThat(ports).as("ports still listening").noneMatch(ProcessTree::listens);
            });
            assertThat(read(output)).contains("postgres stopped", "redis stopped", "clickhouse stopped");
        } finally {
            up.descendants().forEach(ProcessHandle::destroyForcibly);
            started.forEach(ProcessHandle::destroyForcibly);
            up.destroyForcibly();
        }
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}

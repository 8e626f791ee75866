package org.erasure.devstack.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The acceptance path of {@code dev-stack up}, as a user runs it: a separate JVM, every server up
 * and seeded, endpoints printed; Ctrl-C (SIGINT) leaves no process behind.
 */
class DevStackUpCommandTest {

    private static final Logger log = LoggerFactory.getLogger(DevStackUpCommandTest.class);

    @Test
    void upStartsAndSeedsEveryServerAndCtrlCLeavesNoProcessBehind(@TempDir Path dir) throws Exception {
        Path output = dir.resolve("up.log");
        Path stackDir = dir.resolve("stack");
        Process up = new ProcessBuilder(javaBinary(), "--enable-native-access=ALL-UNNAMED", "-Xmx2g",
                "-Derasure.devstack.dir=" + stackDir,
                "-cp", System.getProperty("java.class.path"), DevStackCommand.class.getName(), "up", "--contributors", "200")
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        try {
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .until(() -> read(output).contains("Press Ctrl-C") || !up.isAlive());
            String printed = read(output);
            assertThat(up.isAlive()).as("dev-stack up exited early:%n%s", printed).isTrue();
            assertThat(printed).contains("kafka          4.3.1", "postgres", "redis", "s3proxy", "elasticsearch  9.5.", "clickhouse     26.")
                    .contains("bootstrap", "jdbc:postgresql://127.0.0.1:", "redis://127.0.0.1:", "http://127.0.0.1:")
                    .contains("kepler_crowd_contributors_t=200", "kepler.unit_metrics=12000", "contributor keys=600", "versions=440");
            log.info("dev-stack up printed:\n{}", printed.substring(printed.indexOf("dev-stack up in")));

            // PostgreSQL daemonizes (pg_ctl), so it is found by its data dir rather than as a descendant.
            List<ProcessHandle> children = new ArrayList<>(up.descendants().toList());
            ProcessHandle.allProcesses()
                    .filter(p -> p.info().commandLine().orElse("").contains(stackDir.toString()))
                    .filter(p -> !children.contains(p) && p.pid() != up.pid())
                    .forEach(children::add);
            assertThat(children).extracting(p -> p.info().command().orElse("?"))
                    .as("postgres, redis and the ClickHouse host run as processes of their own")
                    .anyMatch(c -> c.endsWith("/postgres")).anyMatch(c -> c.contains("redis-server")).anyMatch(c -> c.endsWith("/java"));

            new ProcessBuilder("kill", "-INT", Long.toString(up.pid())).start().waitFor();
            await().atMost(Duration.ofSeconds(60)).until(() -> !up.isAlive());
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(children).noneMatch(ProcessHandle::isAlive));
        } finally {
            up.descendants().forEach(ProcessHandle::destroyForcibly);
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

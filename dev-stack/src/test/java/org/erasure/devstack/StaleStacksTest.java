package org.erasure.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.erasure.devstack.cli.DevStackCommand;
import org.erasure.devstack.cli.StopHint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A stack whose JVM is killed (no shutdown hook runs) is cleaned up by the next stack. */
class StaleStacksTest {

    @Test
    void theNextStackStopsWhatAKilledStackLeftBehind(@TempDir Path tmp) throws Exception {
        Path output = tmp.resolve("up.log");
        Process up = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path"),
                DevStackCommand.class.getName(), "up", "--servers", "postgres,redis", "--no-seed")
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            await().atMost(Duration.ofMinutes(2)).until(() -> read(output).contains(StopHint.MARKER) || !up.isAlive());
            assertThat(up.isAlive()).as(read(output)).isTrue();
            List<ProcessHandle> servers = ProcessHandle.allProcesses()
                    .filter(p -> p.info().commandLine().orElse("").contains(tmp.toString())
                            || up.descendants().anyMatch(d -> d.pid() == p.pid()))
                    .toList();
            assertThat(servers).extracting(p -> p.info().command().orElse(""))
                    .anyMatch(c -> c.endsWith("/postgres")).anyMatch(c -> c.contains("redis-server"));

            up.destroyForcibly().onExit().get(); // kill -9: no shutdown hook runs
            assertThat(servers).as("a daemonized server outlives a killed JVM").anyMatch(ProcessHandle::isAlive);

            StaleStacks.reap(tmp);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(servers).noneMatch(ProcessHandle::isAlive));
            try (var left = Files.list(tmp)) {
                assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(StaleStacks.PREFIX));
            }
        } finally {
            up.destroyForcibly();
        }
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }
}

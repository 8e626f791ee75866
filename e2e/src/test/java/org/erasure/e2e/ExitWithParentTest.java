package org.erasure.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The last exit path of the main job: its JVM killed with SIGKILL runs no shutdown hook, so each
 * service process stops itself through the {@link ExitWithParent} agent when its parent is gone.
 */
class ExitWithParentTest {

    @Test
    void aServiceStopsGracefullyWhenTheProcessThatStartedItIsKilled(@TempDir Path dir) throws Exception {
        Path agent = ServiceProcess.exitWithParentAgent(dir);
        Path output = dir.resolve("service.out");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // The parent: a shell that starts the "service" with the agent watching the shell's pid, prints that pid, waits.
        String script = "\"$0\" -javaagent:\"$1\"=$$ -cp \"$2\" " + BlockForever.class.getName() + " > \"$3\" 2>&1 & echo $!; wait";
        Process parent = new ProcessBuilder("sh", "-c", script, java, agent.toString(),
                System.getProperty("java.class.path"), output.toString()).start();
        ProcessHandle service = null;
        try {
            long servicePid = Long.parseLong(new BufferedReader(new InputStreamReader(parent.getInputStream(),
                    StandardCharsets.US_ASCII)).readLine().strip());
            service = ProcessHandle.of(servicePid).orElseThrow();
            await().atMost(Duration.ofMinutes(1)).until(() -> read(output).contains("running"));
            assertThat(service.isAlive()).isTrue();

            parent.destroyForcibly(); // SIGKILL: the parent runs nothing on its way out
            parent.waitFor();

            ProcessHandle watched = service;
            await().atMost(Duration.ofSeconds(45)).until(() -> !watched.isAlive());
            assertThat(read(output)).contains("exit-with-parent: process " + parent.pid(), "shutdown hook ran");
        } finally {
            parent.destroyForcibly();
            if (service != null) {
                service.destroyForcibly();
            }
        }
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }
}

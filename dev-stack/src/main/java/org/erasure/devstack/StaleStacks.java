package org.erasure.devstack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.erasure.devstack.postgres.PostgresServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shutdown hooks do not run when a JVM is killed (kill -9, a surefire timeout), and PostgreSQL
 * daemonizes, so its server would outlive the stack. Each stack therefore records its owner pid and
 * its servers' processes in its work dir; a new stack stops the processes of dead owners.
 */
final class StaleStacks {

    static final String PREFIX = "erasure-devstack-";
    private static final String OWNER = "owner.pid";
    private static final String PROCESSES = "processes.txt";
    private static final Logger log = LoggerFactory.getLogger(StaleStacks.class);

    private StaleStacks() {}

    static void claim(Path workDir) throws IOException {
        Files.writeString(workDir.resolve(OWNER), Long.toString(ProcessHandle.current().pid()));
    }

    /** Records "pid TAB command" lines; the command guards against a reused pid. */
    static void record(Path workDir, ManagedServer server) {
        StringBuilder lines = new StringBuilder();
        for (ProcessHandle p : server.processes()) {
            lines.append(p.pid()).append('\t').append(p.info().command().orElse("")).append('\n');
        }
        try {
            Files.writeString(workDir.resolve(PROCESSES), lines, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            log.debug("Cannot record processes of {}: {}", server.name(), e.toString());
        }
    }

    /** Stops the processes of stacks in {@code parent} whose owning JVM is gone. */
    static void reap(Path parent) {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(parent, PREFIX + "*")) {
            for (Path dir : dirs) {
                Path owner = dir.resolve(OWNER);
                if (Files.isRegularFile(owner) && !alive(Files.readString(owner).strip())) {
                    stopRecorded(dir);
                }
            }
        } catch (IOException | RuntimeException e) {
            log.debug("Could not look for stale dev-stacks: {}", e.toString());
        }
    }

    private static boolean alive(String pid) {
        try {
            return ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static void stopRecorded(Path dir) throws IOException {
        Path recorded = dir.resolve(PROCESSES);
        List<String> lines = Files.isRegularFile(recorded) ? Files.readAllLines(recorded) : List.of();
        for (String line : lines) {
            String[] parts = line.split("\t", 2);
            if (parts.length < 2 || parts[0].isBlank()) {
                continue;
            }
            ProcessHandle.of(Long.parseLong(parts[0]))
                    .filter(p -> p.info().command().orElse("").equals(parts[1]))
                    .ifPresent(p -> {
                        log.warn("Stopping {} (pid {}) left behind by a dev-stack whose JVM died", parts[1], p.pid());
                        p.destroy();
                        try {
                            p.onExit().get(10, TimeUnit.SECONDS);
                        } catch (Exception notYet) {
                            p.destroyForcibly();
                        }
                    });
        }
        // A PostgreSQL started again by PostgresServer.startServer() has a pid the record does not hold.
        PostgresServer.postmaster(dir.resolve("postgres").resolve("data"))
                .filter(p -> p.info().command().orElse("").endsWith("/postgres"))
                .ifPresent(p -> {
                    log.warn("Stopping postgres (pid {}) left behind by a dev-stack whose JVM died", p.pid());
                    p.destroy();
                });
        Files.deleteIfExists(recorded);
        Files.deleteIfExists(dir.resolve(OWNER));
        DevStack.deleteTree(dir);
    }
}

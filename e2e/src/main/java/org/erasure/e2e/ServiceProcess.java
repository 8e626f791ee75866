package org.erasure.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A pipeline service (a sink, the verifier) running as it runs in production: {@code java -jar} of
 * its own shaded jar, its own process, config file and log. (Not this JVM's classpath: services
 * bring library versions of their own, e.g. the verifier's Jetty differs from s3proxy's.)
 */
public final class ServiceProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final Path output;

    private ServiceProcess(String name, Process process, Path output) {
        this.name = name;
        this.process = process;
        this.output = output;
    }

    /**
     * Starts {@code java -jar <jar> --config <dir>/<name>.conf}; stdout and stderr go to {@code <dir>/<name>.out}.
     * The heap is {@code -Xmx512m} unless {@code jvmOptions} sets one.
     */
    public static ServiceProcess start(String name, Path jar, String hocon, Path dir, List<String> jvmOptions) {
        try {
            Files.createDirectories(dir);
            Path config = dir.resolve(name + ".conf");
            Files.writeString(config, hocon);
            Path output = dir.resolve(name + ".out");
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            if (jvmOptions.stream().noneMatch(o -> o.startsWith("-Xmx"))) {
                command.add("-Xmx512m");
            }
            command.addAll(jvmOptions);
            command.addAll(List.of("-jar", jar.toString(), "--config", config.toString()));
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            return new ServiceProcess(name, process, output);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + name, e);
        }
    }

    public String name() {
        return name;
    }

    /** The service's JVM (for /proc-based resource readings). */
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String output() {
        try {
            return Files.exists(output) ? Files.readString(output) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** kill -9: no shutdown hook, no commit. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM (graceful: the service finishes its batch), then kill after 60 s. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}

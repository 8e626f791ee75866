package org.erasure.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * A pipeline service (a sink, the verifier, ingest) running as it runs in production: {@code java -jar}
 * of its own shaded jar, its own process, config file and log. (Not this JVM's classpath: services
 * bring library versions of their own, e.g. the verifier's Jetty differs from s3proxy's.)
 *
 * <p>It never outlives the JVM that started it: {@link #close()} stops it (SIGTERM, then SIGKILL), and
 * the {@link ExitWithParent} agent stops it if that JVM dies without closing it (kill -9).
 */
public final class ServiceProcess implements AutoCloseable {

    private static final long STOP_TIMEOUT_SECONDS = 60;

    private final String name;
    private final Process process;
    private final Path output;

    private ServiceProcess(String name, Process process, Path output) {
        this.name = name;
        this.process = process;
        this.output = output;
    }

    /** Starts {@code java -jar <jar> --config <dir>/<name>.conf}; stdout and stderr go to {@code <dir>/<name>.out}. */
    public static ServiceProcess start(String name, Path jar, String hocon, Path dir, List<String> jvmOptions) {
        try {
            Files.createDirectories(dir);
            Path config = dir.resolve(name + ".conf");
            Files.writeString(config, hocon);
            Path output = dir.resolve(name + ".out");
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-Xmx512m");
            command.add("-javaagent:" + exitWithParentAgent(dir) + "=" + ProcessHandle.current().pid());
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

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
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
        stopAll(List.of(this));
    }

    /** SIGTERM to every service at once, then waits for each (SIGKILL after 60 s): stops take as long as the slowest. */
    public static void stopAll(Collection<ServiceProcess> services) {
        services.forEach(s -> s.process.destroy());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STOP_TIMEOUT_SECONDS);
        boolean interrupted = false;
        for (ServiceProcess s : services) {
            try {
                if (!s.process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    System.err.printf("%s did not stop within %d s of SIGTERM; killing it%n", s.name, STOP_TIMEOUT_SECONDS);
                    s.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                interrupted = true;
                s.process.destroyForcibly();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The {@link ExitWithParent} agent as a jar in {@code dir} (a Java agent must be a jar with a
     * Premain-Class), written from this class path, so it works from classes, tests and jars alike.
     */
    static synchronized Path exitWithParentAgent(Path dir) throws IOException {
        Path jar = dir.resolve("exit-with-parent-agent.jar");
        if (Files.isRegularFile(jar)) {
            return jar;
        }
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(new Attributes.Name("Premain-Class"), ExitWithParent.class.getName());
        String entry = ExitWithParent.class.getName().replace('.', '/') + ".class";
        Path tmp = Files.createTempFile(dir, "exit-with-parent-agent", ".tmp");
        try (OutputStream file = Files.newOutputStream(tmp);
             JarOutputStream out = new JarOutputStream(file, manifest);
             InputStream classFile = ExitWithParent.class.getClassLoader().getResourceAsStream(entry)) {
            if (classFile == null) {
                throw new IOException(entry + " not found on the class path");
            }
            out.putNextEntry(new JarEntry(entry));
            classFile.transferTo(out);
            out.closeEntry();
        }
        return Files.move(tmp, jar, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}

package org.erasure.ingest.support;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One ingest replica as its own process ({@code java ... IngestMain --config FILE}, this test's class
 * path), with its own HTTP port, transactional.id and log file; two of them behind one broker are
 * what "two ingest replicas" means in production.
 */
public final class IngestReplica implements AutoCloseable {

    private final String name;
    private final Path config;
    private final Path log;
    private final int port;
    private Process process;

    private IngestReplica(String name, Path config, Path log, int port) {
        this.name = name;
        this.config = config;
        this.log = log;
        this.port = port;
    }

    /** Writes the config (with a free port and a transactional.id of its own) and starts the process. */
    public static IngestReplica start(String name, Map<String, Object> baseConfig, Path dir) {
        try {
            Files.createDirectories(dir);
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Map<String, Object> c = new HashMap<>(baseConfig);
            c.put("ingest.http.port", port);
            c.put("ingest.kafka.transactional-id", baseConfig.get("ingest.kafka.transactional-id") + "-" + name);
            Path config = dir.resolve(name + ".conf");
            Files.writeString(config, ConfigFactory.parseMap(c).root().render(ConfigRenderOptions.concise().setFormatted(true)));
            IngestReplica r = new IngestReplica(name, config, dir.resolve(name + ".log"), port);
            r.launch();
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void launch() throws IOException {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dingest.replica.parent=" + ProcessHandle.current().pid(),
                "-cp", System.getProperty("java.class.path"), ReplicaMain.class.getName(), "--config", config.toString());
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    public String name() {
        return name;
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String output() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** kill -9: no shutdown hook, nothing finished; then the same command line again (same port and config). */
    public void crashAndRestart() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
            launch();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** SIGTERM, as an orchestrator stops it; kill after 30 s. */
    @Override
    public void close() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}

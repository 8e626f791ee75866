package org.erasure.devstack.clickhouse;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.erasure.devstack.StoppableServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real ClickHouse server (26.7, from chDB's libchdb) in its own process, listening on
 * 127.0.0.1 only (user {@code default}, no password) with data under {@code workDir/data}.
 *
 * <p>Differs from a stock server in chDB's defaults: {@code mutations_sync=1}, {@code alter_sync=1},
 * {@code lightweight_deletes_sync=2}, {@code background_pool_size=2}, {@code max_query_size=262144};
 * set {@code mutations_sync=0} explicitly to see asynchronous mutations.
 */
public final class ClickHouseServer extends StoppableServer {

    private static final Logger LOG = LoggerFactory.getLogger(ClickHouseServer.class);
    private static final String HOST_CLASS = "org.erasure.devstack.clickhouse.ChdbHost";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
    private static final int START_ATTEMPTS = 3; // free ports are picked before binding: a rare race

    private final Process process;
    private final OutputStream parentLink; // held open: the host exits when it reads EOF
    private final Path log;
    private final int httpPort;
    private final int tcpPort;
    private final String version;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private ClickHouseServer(Process process, Path log, int httpPort, int tcpPort) {
        this.process = process;
        this.parentLink = process.getOutputStream();
        this.log = log;
        this.httpPort = httpPort;
        this.tcpPort = tcpPort;
        awaitReady();
        this.version = query("SELECT version()").strip();
    }

    /** Starts a server keeping its data, FIFO and log ({@code clickhouse.log}) in {@code workDir}. */
    public static ClickHouseServer start(Path workDir) {
        if (Runtime.version().feature() < 22) {
            throw new IllegalStateException("The ClickHouse host process uses the FFM API and needs JDK 22+; "
                    + "this JVM is " + Runtime.version());
        }
        Path lib = ChdbPackage.libchdb();
        try {
            Files.createDirectories(workDir);
            Path log = workDir.toAbsolutePath().resolve("clickhouse.log");
            for (int attempt = 1; ; attempt++) {
                int[] ports = freePorts(2);
                long started = System.nanoTime();
                Process process = new ProcessBuilder(hostCommand(lib, workDir, ports[0], ports[1]))
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                        .start();
                try {
                    ClickHouseServer server = new ClickHouseServer(process, log, ports[0], ports[1]);
                    LOG.info("ClickHouse {} ready in {} ms: http {}, tcp {} (pid {}, log {})", server.version,
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
                            ports[0], ports[1], process.pid(), log);
                    return server;
                } catch (RuntimeException e) {
                    process.destroyForcibly();
                    if (attempt >= START_ATTEMPTS || !tail(log).contains("Address already in use")) {
                        throw e;
                    }
                    LOG.warn("ClickHouse port taken meanwhile, retrying with other ports");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start ClickHouse in " + workDir, e);
        }
    }

    /** The current JVM runs the host; its classpath is just the code source of this module. */
    private static List<String> hostCommand(Path lib, Path workDir, int httpPort, int tcpPort) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath;
        try {
            classpath = Path.of(ClickHouseServer.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toString();
        } catch (Exception e) {
            classpath = System.getProperty("java.class.path");
        }
        return List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xmx64m", "-XX:+UseSerialGC",
                "-cp", classpath, HOST_CLASS,
                lib.toString(), workDir.toAbsolutePath().toString(), Integer.toString(httpPort),
                Integer.toString(tcpPort));
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("ClickHouse host exited with " + process.exitValue()
                        + " before it was ready; end of " + log + ":\n" + tail(log));
            }
            try {
                HttpResponse<String> ping = http.send(HttpRequest.newBuilder(httpUri("/ping"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (ping.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while ClickHouse was starting", e);
            }
            try {
                process.waitFor(50, TimeUnit.MILLISECONDS); // a poll interval that returns early if it dies
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while ClickHouse was starting", e);
            }
        }
        throw new IllegalStateException("ClickHouse not ready after " + START_TIMEOUT + "; end of " + log
                + ":\n" + tail(log));
    }

    /** Runs one statement over HTTP and returns the response body (TabSeparated). */
    public String query(String sql) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(httpUri("/"))
                    .POST(HttpRequest.BodyPublishers.ofString(sql)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("ClickHouse answered " + response.statusCode() + " to `" + sql
                        + "`: " + response.body().strip());
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException("ClickHouse query failed: " + sql, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted during ClickHouse query", e);
        }
    }

    public String jdbcUrl() {
        return "jdbc:clickhouse://127.0.0.1:" + httpPort + "/default";
    }

    public Connection newConnection() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), "default", "");
    }

    public int httpPort() {
        return httpPort;
    }

    public int tcpPort() {
        return tcpPort;
    }

    /** The host process (for liveness and resource checks). */
    public ProcessHandle process() {
        return process.toHandle();
    }

    @Override
    public List<ProcessHandle> processes() {
        return List.of(process.toHandle());
    }

    public Path logFile() {
        return log;
    }

    @Override
    public String name() {
        return "clickhouse";
    }

    @Override
    public String version() {
        return version;
    }

    @Override
    public Map<String, String> endpoints() {
        Map<String, String> endpoints = new LinkedHashMap<>();
        endpoints.put("http", "http://127.0.0.1:" + httpPort);
        endpoints.put("jdbc", jdbcUrl() + " (user default, no password)");
        endpoints.put("tcp", "127.0.0.1:" + tcpPort);
        return endpoints;
    }

    /** SIGTERM, then SIGKILL if ClickHouse has not stopped in time. */
    @Override
    protected void stop() throws InterruptedException {
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("ClickHouse did not stop within {}, killing it", STOP_TIMEOUT);
                process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } finally {
            process.destroyForcibly(); // no-op when it already stopped
            try {
                parentLink.close();
            } catch (IOException ignored) {
                // the pipe is gone with the process
            }
        }
    }

    private URI httpUri(String path) {
        return URI.create("http://127.0.0.1:" + httpPort + path);
    }

    private static int[] freePorts(int count) throws IOException {
        ServerSocket[] sockets = new ServerSocket[count];
        int[] ports = new int[count];
        try {
            for (int i = 0; i < count; i++) { // all open at once, so they differ
                sockets[i] = new ServerSocket(0);
                ports[i] = sockets[i].getLocalPort();
            }
        } finally {
            for (ServerSocket s : sockets) {
                if (s != null) {
                    s.close();
                }
            }
        }
        return ports;
    }

    private static String tail(Path log) {
        try {
            List<String> lines = new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}

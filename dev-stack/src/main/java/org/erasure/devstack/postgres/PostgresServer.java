package org.erasure.devstack.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.erasure.devstack.StoppableServer;

/**
 * A real PostgreSQL server (zonky embedded binaries) on a free local port. For fault tests it can be
 * stopped and started again on the same port with the same data ({@link #stopServer()},
 * {@link #startServer()}), as an operator's restart or a crashed database host looks to its clients.
 */
public final class PostgresServer extends StoppableServer {

    public static final String USER = "postgres";
    public static final String PASSWORD = "postgres";
    public static final String DATABASE = "postgres";

    /** A restart on a busy machine (crash recovery, 2 shared cores) can take longer than zonky's 10 s default. */
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);

    private final Path dataDir;
    private final int port;
    private final String version;
    private EmbeddedPostgres postgres; // null while stopped by stopServer()

    private PostgresServer(EmbeddedPostgres postgres, Path dataDir) {
        this.postgres = postgres;
        this.dataDir = dataDir;
        this.port = postgres.getPort();
        this.version = queryVersion();
    }

    public static PostgresServer start(Path workDir) {
        Path dataDir = workDir.resolve("data");
        try {
            // A fresh cluster every time (initdb), as before; zonky's own cleanup is off because it
            // would delete the data on every stop, and stopServer()/startServer() must keep it.
            deleteTree(dataDir);
            return new PostgresServer(builder(dataDir).start(), dataDir);
        } catch (IOException e) {
            throw new IllegalStateException("Embedded PostgreSQL did not start: " + e.getMessage(), e);
        }
    }

    private static EmbeddedPostgres.Builder builder(Path dataDir) {
        return EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setRegisterShutdownHook(false) // the dev-stack's own hook stops everything in order
                .setPGStartupWait(STARTUP_WAIT)
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .setServerConfig("max_connections", "200");
    }

    /**
     * Stops the server ({@code pg_ctl stop -m fast}: open sessions are terminated, new connections are
     * refused) and keeps its data directory and port for {@link #startServer()}. Idempotent.
     */
    public synchronized void stopServer() {
        if (postgres == null) {
            return;
        }
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("PostgreSQL did not stop: " + e.getMessage(), e);
        } finally {
            postgres = null;
        }
    }

    /**
     * Starts a server stopped by {@link #stopServer()} again, on the same port and with the same data
     * (committed transactions survive; {@link #jdbcUrl()} is unchanged). Returns when it answers. Idempotent.
     */
    public synchronized void startServer() {
        if (postgres != null) {
            return;
        }
        try {
            postgres = builder(dataDir).setPort(port).start();
        } catch (IOException e) {
            throw new IllegalStateException("PostgreSQL did not start again on port " + port + ": " + e.getMessage(), e);
        }
    }

    /** False between {@link #stopServer()} and {@link #startServer()}. */
    public synchronized boolean isServing() {
        return postgres != null;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    public int port() {
        return port;
    }

    public Connection newConnection() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), USER, PASSWORD);
    }

    @Override
    public String name() {
        return "postgres";
    }

    @Override
    public String version() {
        return version;
    }

    private String queryVersion() {
        try (Connection c = newConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW server_version")) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL does not answer: " + e.getMessage(), e);
        }
    }

    /** pg_ctl daemonizes the postmaster, so its pid comes from postmaster.pid, not from a child process. */
    @Override
    public List<ProcessHandle> processes() {
        return postmaster(dataDir).stream().toList();
    }

    /** The running postmaster of a data directory, from its {@code postmaster.pid} (also after a restart). */
    public static java.util.Optional<ProcessHandle> postmaster(Path dataDir) {
        try {
            long pid = Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).getFirst().strip());
            return ProcessHandle.of(pid);
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    @Override
    public Map<String, String> endpoints() {
        Map<String, String> endpoints = new LinkedHashMap<>();
        endpoints.put("jdbc", jdbcUrl());
        endpoints.put("user", USER);
        endpoints.put("password", PASSWORD);
        return endpoints;
    }

    @Override
    protected synchronized void stop() {
        stopServer();
        deleteTree(dataDir);
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete " + dir, e);
        }
    }
}

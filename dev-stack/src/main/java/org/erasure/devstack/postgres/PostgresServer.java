package org.erasure.devstack.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.erasure.devstack.StoppableServer;

/** A real PostgreSQL server (zonky embedded binaries) on a free local port. */
public final class PostgresServer extends StoppableServer {

    public static final String USER = "postgres";
    public static final String PASSWORD = "postgres";
    public static final String DATABASE = "postgres";

    private final EmbeddedPostgres postgres;
    private final Path dataDir;
    private final String version;

    private PostgresServer(EmbeddedPostgres postgres, Path dataDir) {
        this.postgres = postgres;
        this.dataDir = dataDir;
        this.version = queryVersion();
    }

    public static PostgresServer start(Path workDir) {
        try {
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(workDir.resolve("data"))
                    .setCleanDataDirectory(true)
                    .setRegisterShutdownHook(false) // the dev-stack's own hook stops everything in order
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("max_connections", "200")
                    .start();
            return new PostgresServer(postgres, workDir.resolve("data"));
        } catch (IOException e) {
            throw new IllegalStateException("Embedded PostgreSQL did not start: " + e.getMessage(), e);
        }
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/" + DATABASE;
    }

    public int port() {
        return postgres.getPort();
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
        try {
            long pid = Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).getFirst().strip());
            return ProcessHandle.of(pid).stream().toList();
        } catch (IOException | RuntimeException e) {
            return List.of();
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
    protected void stop() throws IOException {
        postgres.close();
    }
}

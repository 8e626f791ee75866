package org.erasure.devstack.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClickHouseServerTest {

    private static final Logger LOG = LoggerFactory.getLogger(ClickHouseServerTest.class);

    @TempDir
    static Path workDir;

    static ClickHouseServer server;

    @BeforeAll
    static void start() {
        server = ClickHouseServer.start(workDir);
        LOG.info("ClickHouse version {}, endpoints {}", server.version(), server.endpoints());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    @Order(1)
    void idleServerUsesNoCpu() {
        // The server's never-ending query blocks on a FIFO instead of spinning: a busy loop would show
        // ~100 ticks per second here.
        long pid = server.process().pid();
        long before = cpuTicks(pid);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
                .until(() -> cpuTicks(pid) - before <= 20); // <= 10% of one core over 2 s
        LOG.info("Idle ClickHouse host used {} CPU ticks in ~2 s", cpuTicks(pid) - before);
    }

    @Test
    @Order(2)
    void reportsItsVersion() throws SQLException {
        assertThat(server.name()).isEqualTo("clickhouse");
        assertThat(server.version()).startsWith("26.");
        assertThat(server.endpoints()).containsKeys("http", "jdbc", "tcp");
        try (Connection c = server.newConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT version()")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo(server.version());
        }
    }

    @Test
    @Order(3)
    void asynchronousMaskingMutationRewritesOnlyTheErasedContributors() throws SQLException {
        try (Connection c = server.newConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE contributions (contributor_id UInt64, email String) "
                    + "ENGINE = MergeTree ORDER BY contributor_id");
            // 100 contributors with 100 rows each
            s.execute("INSERT INTO contributions SELECT number % 100, concat('user', toString(number % 100), "
                    + "'@example.org') FROM numbers(10000)");
            // chDB defaults to mutations_sync=1; ask for the server behaviour: return before the rewrite
            s.execute("ALTER TABLE contributions UPDATE email = 'DELETED_USER' WHERE contributor_id IN (3, 7, 42) "
                    + "SETTINGS mutations_sync = 0");

            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> count(s, "SELECT count() FROM system.mutations "
                            + "WHERE database = currentDatabase() AND table = 'contributions' AND is_done = 1") == 1);

            assertThat(count(s, "SELECT count() FROM contributions WHERE email = 'DELETED_USER'")).isEqualTo(300);
            assertThat(count(s, "SELECT count() FROM contributions WHERE email != 'DELETED_USER'")).isEqualTo(9700);
            assertThat(count(s, "SELECT count() FROM contributions "
                    + "WHERE email = 'DELETED_USER' AND contributor_id NOT IN (3, 7, 42)")).isZero();
        }
    }

    @Test
    @Order(4)
    void updatingAKeyColumnIsRejected() throws SQLException {
        try (Connection c = server.newConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE keyed (contributor_id UInt64, email String) ENGINE = MergeTree ORDER BY contributor_id");
            SQLException e = catchThrowableOfType(SQLException.class,
                    () -> s.execute("ALTER TABLE keyed UPDATE contributor_id = 0 WHERE contributor_id = 1"));
            assertThat((Throwable) e).as("ALTER of a key column must fail").isNotNull();
            assertThat(e.getErrorCode()).as("ClickHouse error code, %s", e.getMessage()).isEqualTo(420);
        }
    }

    @Test
    @Order(5)
    void closeEndsTheHostProcess() {
        ProcessHandle host = server.process();
        assertThat(host.isAlive()).isTrue();
        server.close();
        server.close(); // idempotent
        await().atMost(Duration.ofSeconds(20)).until(() -> !host.isAlive());
    }

    private static long count(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** utime + stime of a process in clock ticks, from /proc/PID/stat (fields 14 and 15). */
    private static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" "); // fields[0] is field 3
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

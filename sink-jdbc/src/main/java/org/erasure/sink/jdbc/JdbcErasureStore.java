package org.erasure.sink.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.function.BiFunction;
import org.erasure.events.Phase;
import org.erasure.sink.runtime.spi.ErasureStore;

/**
 * What every JDBC store holds: its pool, its phase, its targets (the mapped tables, in mapping order),
 * and how work on a pooled connection fails: an {@link SQLException} becomes what the dialect makes of
 * it ({@code StoreUnavailableException} when transient, {@code StoreException} otherwise, never with
 * the server's text: it can quote values).
 */
public abstract class JdbcErasureStore implements ErasureStore {
    protected final HikariDataSource dataSource;
    private final Phase phase;
    private final List<String> targets;
    private final BiFunction<SQLException, String, RuntimeException> translate;

    /** Work on one pooled connection. */
    @FunctionalInterface
    protected interface ConnectionWork {
        void run(Connection c) throws SQLException;
    }

    /** @param translate the dialect's account of a failed operation ({@code erase}, {@code verify}) */
    protected JdbcErasureStore(HikariDataSource dataSource, Phase phase, List<String> targets,
                               BiFunction<SQLException, String, RuntimeException> translate) {
        this.dataSource = dataSource;
        this.phase = phase;
        this.targets = List.copyOf(targets);
        this.translate = translate;
    }

    /** Runs {@code work} on a connection of the pool, translating its {@link SQLException}. */
    protected final void withConnection(String operation, ConnectionWork work) {
        try (Connection c = dataSource.getConnection()) {
            work.run(c);
        } catch (SQLException e) {
            throw translate.apply(e, operation);
        }
    }

    @Override
    public final Phase phase() {
        return phase;
    }

    @Override
    public final List<String> targets() {
        return targets;
    }

    /** Closes the pool; a store with more to release closes that first. */
    @Override
    public void close() {
        dataSource.close();
    }
}

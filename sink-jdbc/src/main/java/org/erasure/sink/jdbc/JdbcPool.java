package org.erasure.sink.jdbc;

import com.typesafe.config.Config;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.Function;
import java.util.function.Predicate;
import org.erasure.sink.runtime.spi.StoreUnavailableException;

/**
 * The connection pool of a JDBC store, from the keys every JDBC sink's section has ({@code jdbc-url},
 * {@code user}, {@code password}, {@code pool { maximum-size, connection-timeout, validation-timeout }}),
 * and the store's validation at start on one of its connections. Dialect settings (driver properties,
 * what a transient error is, how an error is described without its server text) stay in each sink.
 */
public final class JdbcPool {

    /** Work on the validating connection that builds the store on the pool. */
    @FunctionalInterface
    public interface Validation<T> {
        T run(HikariDataSource pool, Connection c) throws SQLException;
    }

    private JdbcPool() {}

    /** The pool settings from the store's section; the sink adds its dialect's data source properties. */
    public static HikariConfig settings(Config store, String poolName, MeterRegistry meters) {
        HikariConfig hc = new HikariConfig();
        hc.setPoolName(poolName);
        hc.setJdbcUrl(store.getString("jdbc-url"));
        hc.setUsername(store.getString("user"));
        hc.setPassword(store.getString("password"));
        hc.setMaximumPoolSize(store.getInt("pool.maximum-size"));
        hc.setMinimumIdle(1);
        hc.setConnectionTimeout(store.getDuration("pool.connection-timeout").toMillis());
        hc.setValidationTimeout(store.getDuration("pool.validation-timeout").toMillis());
        hc.setInitializationFailTimeout(-1); // start even if the store is down at this instant: validated below
        if (meters != null) {
            hc.setMetricRegistry(meters);
        }
        return hc;
    }

    /**
     * Opens the pool and builds the store on one connection. A wrong mapping ({@link IllegalArgumentException})
     * fails the start as it is; a store that cannot be reached ({@code unreachable} on the first
     * {@link SQLException} of the failure) is an outage the runtime waits out ({@link StoreUnavailableException});
     * anything else fails the start naming the store, the url without its parameters and {@code describe}'s
     * PII-free account of the error. The pool is closed on every failure.
     */
    public static <T> T openAndValidate(HikariConfig settings, String what, Predicate<SQLException> unreachable,
                                        Function<SQLException, String> describe, Validation<T> validation) {
        HikariDataSource ds = new HikariDataSource(settings);
        try (Connection c = ds.getConnection()) {
            return validation.run(ds, c);
        } catch (SQLException | RuntimeException e) {
            ds.close();
            if (e instanceof IllegalArgumentException iae) {
                throw iae;
            }
            SQLException sql = firstSqlException(e);
            String message = "cannot validate the " + what + " mapping at " + redactUrl(settings.getJdbcUrl()) + ": "
                    + (sql != null ? describe.apply(sql) : e.getClass().getSimpleName());
            if (e instanceof StoreUnavailableException || sql != null && unreachable.test(sql)) {
                throw new StoreUnavailableException(message, e);
            }
            throw new IllegalStateException(message, e);
        }
    }

    /** The url without its parameters (they can hold credentials). */
    public static String redactUrl(String url) {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q);
    }

    private static SQLException firstSqlException(Throwable e) {
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof SQLException se) {
                return se;
            }
        }
        return null;
    }
}

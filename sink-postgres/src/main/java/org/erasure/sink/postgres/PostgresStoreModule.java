package org.erasure.sink.postgres;

import com.typesafe.config.Config;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.erasure.events.Phase;
import org.erasure.sink.runtime.spi.ErasureStore;
import org.erasure.sink.runtime.spi.StoreModule;

/** Builds the PostgreSQL store from {@code postgres { }}: HikariCP pool, mapping validated against the catalog. */
public final class PostgresStoreModule implements StoreModule {

    @Override
    public Phase phase() {
        return Phase.POSTGRES;
    }

    @Override
    public ErasureStore create(Config config, MeterRegistry meters) {
        List<TableMapping> mapping = TableMapping.parse(config);
        String key = config.getString("hmac-key");
        byte[] hmacKey = key.getBytes(StandardCharsets.UTF_8);
        if (!key.isEmpty() && hmacKey.length < 16) {
            throw new IllegalArgumentException("postgres.hmac-key must be at least 16 bytes");
        }
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("sink-postgres");
        hc.setJdbcUrl(config.getString("jdbc-url"));
        hc.setUsername(config.getString("user"));
        hc.setPassword(config.getString("password"));
        hc.setMaximumPoolSize(config.getInt("pool.maximum-size"));
        hc.setMinimumIdle(1);
        hc.setConnectionTimeout(config.getDuration("pool.connection-timeout").toMillis());
        hc.setValidationTimeout(config.getDuration("pool.validation-timeout").toMillis());
        hc.setAutoCommit(true);
        // Server error texts may quote row values (DETAIL: Key (email)=(...)): keep them out of exceptions and logs.
        hc.addDataSourceProperty("logServerErrorDetail", "false");
        hc.addDataSourceProperty("ApplicationName", "sink-postgres");
        if (meters != null) {
            hc.setMetricRegistry(meters);
        }
        HikariDataSource ds;
        try {
            ds = new HikariDataSource(hc);
        } catch (RuntimeException e) {
            throw new IllegalStateException("PostgreSQL at " + redactUrl(hc.getJdbcUrl()) + " is not reachable: " + e.getClass().getSimpleName(), e);
        }
        try (Connection c = ds.getConnection()) {
            List<Catalog.ResolvedTable> tables = Catalog.resolve(c, config.getString("schema"), mapping, !key.isEmpty());
            return new PostgresErasureStore(ds, tables, config.getDuration("statement-timeout"), hmacKey);
        } catch (SQLException | RuntimeException e) {
            ds.close();
            if (e instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalStateException("cannot validate the postgres mapping: " + e.getMessage(), e);
        }
    }

    private static String redactUrl(String url) {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q);
    }
}

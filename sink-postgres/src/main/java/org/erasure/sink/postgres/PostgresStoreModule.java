package org.erasure.sink.postgres;

import com.typesafe.config.Config;
import com.zaxxer.hikari.HikariConfig;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.sql.SQLTransientConnectionException;
import java.util.List;
import org.erasure.events.Phase;
import org.erasure.sink.jdbc.JdbcPool;
import org.erasure.sink.jdbc.TableMapping;
import org.erasure.sink.runtime.spi.ErasureStore;
import org.erasure.sink.runtime.spi.StoreModule;
import org.erasure.sink.runtime.spi.StoreUnavailableException;

/** Builds the PostgreSQL store from {@code postgres { }}: HikariCP pool, mapping validated against the catalog. */
public final class PostgresStoreModule implements StoreModule {

    @Override
    public Phase phase() {
        return Phase.POSTGRES;
    }

    @Override
    public ErasureStore create(Config config, MeterRegistry meters) {
        List<TableMapping<String>> mapping = Catalog.RULES.parse(config);
        String key = config.getString("hmac-key");
        byte[] hmacKey = key.getBytes(StandardCharsets.UTF_8);
        if (!key.isEmpty() && hmacKey.length < 16) {
            throw new IllegalArgumentException("postgres.hmac-key must be at least 16 bytes");
        }
        HikariConfig hc = JdbcPool.settings(config, "sink-postgres", meters);
        hc.setAutoCommit(true);
        // Server error texts may quote row values (DETAIL: Key (email)=(...)): keep them out of exceptions and logs.
        hc.addDataSourceProperty("logServerErrorDetail", "false");
        hc.addDataSourceProperty("ApplicationName", "sink-postgres");
        return JdbcPool.openAndValidate(hc, "postgres",
                e -> e instanceof SQLTransientConnectionException || StoreUnavailableException.isUnreachable(e),
                e -> "SQLState " + e.getSQLState() + ", " + e.getClass().getSimpleName(),
                (pool, c) -> new PostgresErasureStore(pool, Catalog.resolve(c, config.getString("schema"), mapping, !key.isEmpty()),
                        config.getDuration("statement-timeout"), hmacKey));
    }
}

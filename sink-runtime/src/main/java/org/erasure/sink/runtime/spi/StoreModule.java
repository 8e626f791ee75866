package org.erasure.sink.runtime.spi;

import com.typesafe.config.Config;
import io.micrometer.core.instrument.MeterRegistry;
import org.erasure.events.Phase;

/**
 * The entry point of a sink module: names its configuration section and builds its store.
 * A sink's {@code main} is one line: {@code SinkApplication.main(args, new MyStoreModule())}.
 */
public interface StoreModule {

    /** The store's phase. */
    Phase phase();

    /**
     * The store's configuration section and environment prefix, e.g. {@code postgres}: keys live
     * under {@code postgres { ... }} and {@code POSTGRES_JDBC_URL} overrides {@code postgres.jdbc-url}.
     * The module ships the defaults in its own {@code reference.conf}.
     */
    String configSection();

    /** Default sink name (consumer group, transactional id, {@code PhaseCompleted.sink.name}), e.g. {@code sink-postgres}. */
    String defaultSinkName();

    /**
     * Builds the store: validate the configuration against the store (fail fast with a clear
     * message naming the bad table/column/index) and open connections.
     *
     * @param storeConfig the {@link #configSection()} subtree, env overrides applied
     * @param meters      for store-specific metrics (the runtime already times erase/verify)
     */
    ErasureStore create(Config storeConfig, MeterRegistry meters);
}

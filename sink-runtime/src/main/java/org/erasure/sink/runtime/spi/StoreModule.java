package org.erasure.sink.runtime.spi;

import com.typesafe.config.Config;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Locale;
import org.erasure.events.Phase;

/**
 * The entry point of a sink module: its phase and how to build its store. A sink registers its module in
 * {@code META-INF/services/org.erasure.sink.runtime.spi.StoreModule}; {@link org.erasure.sink.runtime.SinkMain}
 * finds it there. The names below follow from the phase; a module overrides them only to differ.
 */
public interface StoreModule {

    /** The store's phase. */
    Phase phase();

    /**
     * The store's configuration section and environment prefix: the phase in lower case, e.g. {@code postgres}:
     * keys live under {@code postgres { ... }} and {@code POSTGRES_JDBC_URL} overrides {@code postgres.jdbc-url}.
     * The module ships the defaults in its own {@code reference.conf}.
     */
    default String configSection() {
        return phase().name().toLowerCase(Locale.ROOT);
    }

    /**
     * Default sink name (consumer group, transactional id, {@code PhaseCompleted.sink.name}):
     * {@code sink-} and the phase in lower case, e.g. {@code sink-postgres}.
     */
    default String defaultSinkName() {
        return "sink-" + phase().name().toLowerCase(Locale.ROOT);
    }

    /**
     * Free-form subtrees of the store's section (relative paths, e.g. {@code client} for Kafka client
     * properties): their keys are not checked against {@code reference.conf} at start.
     */
    default List<String> openConfigPaths() {
        return List.of();
    }

    /**
     * Builds the store: validate the configuration against the store (fail fast with a clear
     * message naming the bad table/column/index) and open connections.
     *
     * @param storeConfig the {@link #configSection()} subtree, env overrides applied
     * @param meters      for store-specific metrics (the runtime already times erase/verify)
     */
    ErasureStore create(Config storeConfig, MeterRegistry meters);
}

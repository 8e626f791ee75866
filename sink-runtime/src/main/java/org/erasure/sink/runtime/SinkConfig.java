package org.erasure.sink.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.erasure.config.ConfigScope;
import org.erasure.config.ServiceConfig;

/**
 * Loads a sink's configuration with the project's config kit ({@link ServiceConfig}): every
 * {@code reference.conf} on the class path (runtime + store module), overlaid by the {@code --config}
 * file, overlaid by environment variables ({@code SINK_*} and the store section's, e.g.
 * {@code POSTGRES_*}); an unknown key under {@code sink} or the store's section fails the start.
 */
public final class SinkConfig {

    private SinkConfig() {}

    /** What a sink reads: {@code sink} and the store's section; the Kafka client property maps are free-form. */
    public static ConfigScope scope(String storeSection) {
        return scope(storeSection, List.of());
    }

    /** As {@link #scope(String)}, with the store's own free-form subtrees ({@code storeOpen}, relative to its section). */
    public static ConfigScope scope(String storeSection, List<String> storeOpen) {
        return ConfigScope.of("sink", storeSection).open("sink.kafka.client", "sink.kafka.consumer", "sink.kafka.producer")
                .open(storeOpen.stream().map(p -> storeSection + "." + p).toArray(String[]::new));
    }

    public static Config load(Path file, String storeSection, Map<String, String> env) {
        return load(file, storeSection, List.of(), env);
    }

    public static Config load(Path file, String storeSection, List<String> storeOpen, Map<String, String> env) {
        return ServiceConfig.load(file, env, scope(storeSection, storeOpen));
    }

    /** For tests and embedding: a config from a HOCON string over the reference defaults, no env, not checked. */
    public static Config fromString(String hocon) {
        ConfigFactory.invalidateCaches();
        return ConfigFactory.parseString(hocon).withFallback(ConfigFactory.defaultReference()).resolve();
    }
}

package org.erasure.sink.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Loads the configuration: every {@code reference.conf} on the class path (runtime + store module),
 * overlaid by the {@code --config} file, overlaid by environment variables ({@link EnvOverrides}).
 */
public final class SinkConfig {

    private SinkConfig() {}

    public static Config load(Path file, String storeSection, Map<String, String> env) {
        ConfigFactory.invalidateCaches();
        Config reference = ConfigFactory.defaultReference();
        Config base = reference;
        if (file != null) {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("config file not found: " + file);
            }
            base = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false))
                    .withFallback(reference);
        }
        Config resolved = base.resolve();
        return EnvOverrides.apply(resolved, env, "sink", storeSection);
    }

    /** For tests and embedding: a config from a HOCON string over the reference defaults, no env. */
    public static Config fromString(String hocon) {
        ConfigFactory.invalidateCaches();
        return ConfigFactory.parseString(hocon).withFallback(ConfigFactory.defaultReference()).resolve();
    }
}

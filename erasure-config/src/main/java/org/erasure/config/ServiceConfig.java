package org.erasure.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * How every service and the cli load their settings: all {@code reference.conf} on the class path
 * ← the operator's file ({@code --config}) ← the environment ({@link EnvOverrides}), then checked
 * ({@link KeyCheck}): a key the program does not know fails the start, naming the key and where it
 * was set.
 */
public final class ServiceConfig {

    private ServiceConfig() {}

    /** {@code file} may be null (defaults and environment only). */
    public static Config load(Path file, Map<String, String> env, ConfigScope scope) {
        return load(parseFile(file), env, scope);
    }

    /** The same with the operator's layer already parsed (embedding, tests). */
    public static Config load(Config given, Map<String, String> env, ConfigScope scope) {
        ConfigFactory.invalidateCaches();
        Config reference = ConfigFactory.defaultReference();
        Config loaded = EnvOverrides.apply(given.withFallback(reference).resolve(), env, scope);
        KeyCheck.check(loaded, reference(), given, scope);
        return loaded;
    }

    /**
     * The keys the program knows: every {@code reference.conf} on the class path, without the JVM's
     * system properties that {@link ConfigFactory#defaultReference()} lays over them.
     */
    public static Config reference() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return ConfigFactory.parseResources(loader != null ? loader : ServiceConfig.class.getClassLoader(), "reference.conf")
                .resolve();
    }

    private static Config parseFile(Path file) {
        if (file == null) {
            return ConfigFactory.empty();
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new ConfigException.Generic("config file " + file + " is not a readable file");
        }
        return ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
    }
}

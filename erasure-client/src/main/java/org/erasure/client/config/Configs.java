package org.erasure.client.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Loads configuration: environment variables over the config file over {@code reference.conf}.
 * Every key can be set from the environment: the variable is the key's path in upper case with
 * '.' and '-' replaced by '_' ({@code ingest.kafka.bootstrap-servers} → {@code INGEST_KAFKA_BOOTSTRAP_SERVERS}).
 * List values given by environment are parsed as HOCON ({@code [a, b]}).
 */
public final class Configs {

    private Configs() {}

    public static Config load(Path file, Map<String, String> env) {
        Config base = ConfigFactory.defaultReference();
        if (file != null) {
            if (!Files.isReadable(file)) {
                throw new ConfigException.Generic("config file " + file + " is not readable");
            }
            base = ConfigFactory.parseFile(file.toFile()).withFallback(base);
        }
        base = base.resolve();
        return withEnvironment(base, env);
    }

    public static Config withEnvironment(Config config, Map<String, String> env) {
        Config result = config;
        for (Map.Entry<String, ConfigValue> e : config.entrySet()) {
            String var = envName(e.getKey());
            String value = env.get(var);
            if (value == null) {
                continue;
            }
            if (e.getValue().valueType() == ConfigValueType.LIST) {
                result = result.withValue(e.getKey(), ConfigFactory.parseString("v = " + value).getValue("v"));
            } else {
                result = result.withValue(e.getKey(), ConfigValueFactory.fromAnyRef(value, "environment variable " + var));
            }
        }
        return result;
    }

    /** {@code ingest.kafka.bootstrap-servers} → {@code INGEST_KAFKA_BOOTSTRAP_SERVERS}. */
    public static String envName(String path) {
        return path.replace('"', ' ').strip().toUpperCase(Locale.ROOT).replaceAll("[.\\-]", "_");
    }
}

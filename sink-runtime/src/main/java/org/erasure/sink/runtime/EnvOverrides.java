package org.erasure.sink.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.util.Locale;
import java.util.Map;

/**
 * Environment overrides for every configuration key: the variable is the key's path in upper case
 * with {@code .} and {@code -} replaced by {@code _}: {@code sink.kafka.bootstrap-servers} ←
 * {@code SINK_KAFKA_BOOTSTRAP_SERVERS}, {@code postgres.jdbc-url} ← {@code POSTGRES_JDBC_URL}.
 * Only keys that exist (in a reference.conf or the config file) with a scalar value can be
 * overridden; the value is taken as a string and converted on read (numbers, durations, booleans).
 */
public final class EnvOverrides {

    private EnvOverrides() {}

    public static String envName(String path) {
        return path.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_').replace("\"", "");
    }

    /** Applies the overrides found in {@code env} to the scalar keys under {@code roots}. */
    public static Config apply(Config config, Map<String, String> env, String... roots) {
        Config result = config;
        for (String root : roots) {
            if (!config.hasPath(root)) {
                continue;
            }
            for (Map.Entry<String, ConfigValue> e : config.getConfig(root).entrySet()) {
                ConfigValueType type = e.getValue().valueType();
                if (type == ConfigValueType.LIST || type == ConfigValueType.OBJECT) {
                    continue;
                }
                String path = root + "." + e.getKey();
                String value = env.get(envName(path));
                if (value != null) {
                    result = result.withValue(path, ConfigValueFactory.fromAnyRef(value, "env " + envName(path)));
                }
            }
        }
        return result;
    }
}

package org.erasure.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The one environment rule of every service and the cli: each key that exists (in a
 * {@code reference.conf} or the config file) under one of the program's root sections, with a
 * scalar or list value, can be set by the variable named after its path: upper case, {@code .} and
 * {@code -} become {@code _}, quotes dropped ({@code sink.kafka.bootstrap-servers} ←
 * {@code SINK_KAFKA_BOOTSTRAP_SERVERS}, {@code ingest.auth.tokens} ← {@code INGEST_AUTH_TOKENS}).
 * A scalar is taken as a string and converted on read (numbers, durations, sizes, booleans); a
 * list is parsed as HOCON ({@code [a, b]}, {@code [{name = x}]}). Objects are set through their
 * leaves. A variable that names no existing key does nothing (other programs' variables share the
 * environment: Kubernetes, for one, puts {@code <SERVICE>_PORT} into every pod).
 */
public final class EnvOverrides {

    private EnvOverrides() {}

    public static String envName(String path) {
        return path.replace("\"", "").toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** {@code config} with the values {@code env} gives for the keys under the scope's roots. */
    public static Config apply(Config config, Map<String, String> env, ConfigScope scope) {
        Config result = config;
        for (String root : scope.roots()) {
            if (!config.hasPath(root)) {
                continue;
            }
            for (Map.Entry<String, ConfigValue> e : config.getConfig(root).entrySet()) {
                String path = root + "." + e.getKey();
                String name = envName(path);
                String value = env.get(name);
                if (value != null) {
                    result = result.withValue(path, value(e.getValue().valueType(), value, name));
                }
            }
        }
        return result;
    }

    /** Every variable {@code config} accepts for the scope: one per scalar or list key under its roots. */
    public static Set<String> names(Config config, ConfigScope scope) {
        Set<String> names = new TreeSet<>();
        for (String root : scope.roots()) {
            if (config.hasPath(root)) {
                config.getConfig(root).entrySet().forEach(e -> names.add(envName(root + "." + e.getKey())));
            }
        }
        return names;
    }

    private static ConfigValue value(ConfigValueType type, String text, String name) {
        String origin = "environment variable " + name;
        if (type == ConfigValueType.LIST) {
            return ConfigFactory.parseString("v = " + text, ConfigParseOptions.defaults().setOriginDescription(origin))
                    .getValue("v");
        }
        return ConfigValueFactory.fromAnyRef(text, origin);
    }
}

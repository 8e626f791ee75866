package org.erasure.e2e.bench.pipeline.direct;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

/**
 * The sinks' default store mapping: each sink module ships its section ({@code postgres},
 * {@code clickhouse}, ...) in its {@code reference.conf}, and they are all on this classpath.
 * Reading them here keeps the benchmark's direct erasures on the same tables, indices, fields,
 * prefixes and key patterns as the pipeline, without copying names.
 */
final class DefaultMapping {

    private DefaultMapping() {}

    static Config section(String name) {
        Config reference = ConfigFactory.defaultReference();
        if (!reference.hasPath(name)) {
            throw new IllegalStateException("No '" + name + "' section in any reference.conf: is sink-" + name + " on the classpath?");
        }
        return reference.getConfig(name);
    }
}

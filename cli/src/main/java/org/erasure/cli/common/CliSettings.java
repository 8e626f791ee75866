package org.erasure.cli.common;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.erasure.config.ConfigScope;
import org.erasure.config.KafkaClientProperties;
import org.erasure.config.ServiceConfig;
import org.erasure.events.Topics;

/** The {@code erasurectl} configuration section. */
public record CliSettings(Config config) {

    /**
     * What erasurectl reads: {@code erasurectl}, environment {@code ERASURECTL_*}. Open: Kafka client
     * properties, and {@code sinks} (one entry per sink, named by the operator; a new sink needs no code here).
     */
    public static final ConfigScope SCOPE = ConfigScope.of("erasurectl").open("erasurectl.kafka.client", "erasurectl.sinks");

    /** {@code file} (may be null) over reference.conf, under the environment; unknown keys fail. */
    public static CliSettings load(Path file, Map<String, String> env) {
        return new CliSettings(ServiceConfig.load(file, env, SCOPE));
    }

    public String ingestUrl() {
        return config.getString("erasurectl.ingest.url").replaceAll("/+$", "");
    }

    public String ingestToken() {
        return config.getString("erasurectl.ingest.token");
    }

    public Duration ingestTimeout() {
        return config.getDuration("erasurectl.ingest.timeout");
    }

    public Map<String, Object> kafka() {
        return KafkaClientProperties.of(config, "erasurectl.kafka.client", config.getString("erasurectl.kafka.bootstrap-servers"));
    }

    public Duration kafkaTimeout() {
        return config.getDuration("erasurectl.kafka.timeout");
    }

    public Topics topics() {
        return Topics.withPrefix(config.getString("erasurectl.kafka.topic-prefix"));
    }

    public String postgresUrl() {
        return config.getString("erasurectl.postgres.url");
    }

    public String postgresUser() {
        return config.getString("erasurectl.postgres.user");
    }

    public String postgresPassword() {
        return config.getString("erasurectl.postgres.password");
    }

    public String postgresSchema() {
        return config.getString("erasurectl.postgres.schema");
    }

    public String string(String path) {
        return config.getString("erasurectl." + path);
    }

    public boolean bool(String path) {
        return config.getBoolean("erasurectl." + path);
    }

    public Duration duration(String path) {
        return config.getDuration("erasurectl." + path);
    }

    /**
     * {@code erasurectl.keys}: with a key-encryption key, what erasurectl publishes itself is sealed; a malformed
     * key is a configuration error naming the key, never its value.
     */
    public org.erasure.keys.KeysSettings keys() {
        try {
            return org.erasure.keys.KeysSettings.from(config.getConfig("erasurectl.keys"));
        } catch (IllegalArgumentException e) {
            throw new com.typesafe.config.ConfigException.BadValue("erasurectl.keys", e.getMessage());
        }
    }

    /** Consumer group of a sink: {@code erasurectl.sinks.<name>.group}, else {@code sink-<name>}. */
    public String sinkGroup(String sink) {
        String path = "erasurectl.sinks." + sink + ".group";
        return config.hasPath(path) ? config.getString(path) : "sink-" + sink;
    }
}

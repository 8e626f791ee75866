package org.erasure.sink.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.erasure.events.Phase;
import org.erasure.events.SinkInfo;
import org.erasure.events.Topics;

/** The {@code sink { }} section, typed. */
public record SinkSettings(
        String name,
        String instanceId,
        String version,
        Phase phase,
        String bootstrapServers,
        Topics topics,
        String groupId,
        boolean staticMembership,
        Duration sessionTimeout,
        Duration transactionTimeout,
        Map<String, Object> consumerOverrides,
        Map<String, Object> producerOverrides,
        int maxBatch,
        Duration linger,
        Duration pollTimeout,
        int retryMaxAttempts,
        Duration retryInitialBackoff,
        double retryMultiplier,
        Duration retryMaxBackoff,
        Duration probeInitial,
        double probeMultiplier,
        Duration probeMax,
        boolean httpEnabled,
        String httpHost,
        int httpPort,
        Duration delayBeforeCommit) {

    public SinkSettings {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("sink.batch.max-size must be >= 1");
        }
        if (retryMaxAttempts < 1) {
            throw new IllegalArgumentException("sink.retry.max-attempts must be >= 1");
        }
    }

    /** Reads {@code sink { }} from a resolved config; {@code defaultName} when sink.name is empty. */
    public static SinkSettings from(Config root, Phase phase, String defaultName) {
        Config c = root.getConfig("sink");
        String name = c.getString("name").isBlank() ? defaultName : c.getString("name").strip();
        String group = c.getString("kafka.group-id").isBlank() ? name : c.getString("kafka.group-id").strip();
        return new SinkSettings(
                name,
                c.getString("instance-id").strip(),
                c.getString("version"),
                phase,
                c.getString("kafka.bootstrap-servers"),
                Topics.withPrefix(c.getString("kafka.topic-prefix")),
                group,
                c.getBoolean("kafka.static-membership"),
                c.getDuration("kafka.session-timeout"),
                c.getDuration("kafka.transaction-timeout"),
                flatten(c.getConfig("kafka.consumer")),
                flatten(c.getConfig("kafka.producer")),
                c.getInt("batch.max-size"),
                c.getDuration("batch.linger"),
                c.getDuration("batch.poll-timeout"),
                c.getInt("retry.max-attempts"),
                c.getDuration("retry.initial-backoff"),
                c.getDouble("retry.multiplier"),
                c.getDuration("retry.max-backoff"),
                c.getDuration("outage.probe-initial"),
                c.getDouble("outage.probe-multiplier"),
                c.getDuration("outage.probe-max"),
                c.getBoolean("http.enabled"),
                c.getString("http.host"),
                c.getInt("http.port"),
                c.getDuration("testing.delay-before-commit"));
    }

    private static Map<String, Object> flatten(Config config) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigValue> e : config.entrySet()) {
            map.put(e.getKey().replace("\"", ""), String.valueOf(e.getValue().unwrapped()));
        }
        return map;
    }

    public SinkInfo sinkInfo() {
        return new SinkInfo(name, version);
    }

    /** {@code <name>-<instance-id>}: the transactional.id and group.instance.id. */
    public String instanceName() {
        return name + "-" + instanceId;
    }
}

package org.erasure.sink.runtime;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.erasure.config.KafkaClientProperties;
import org.erasure.events.Phase;
import org.erasure.events.RequestLane;
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
        Map<String, Object> clientOverrides,
        Map<String, Object> consumerOverrides,
        Map<String, Object> producerOverrides,
        boolean bulkLane,
        int maxBatch,
        int initialBatch,
        Duration batchTarget,
        Duration linger,
        Duration fillTimeout,
        Duration pollTimeout,
        Duration writeAheadTimeout,
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

    /**
     * Client properties the runtime sets itself and a user override must not change: they carry
     * the exactly-once guarantees (offsets only through the transaction, read_committed, one
     * transactional.id per replica and lane) or the runtime's own wiring.
     */
    static final Set<String> RESERVED_CONSUMER = Set.of(
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            ConsumerConfig.GROUP_ID_CONFIG, ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG);
    static final Set<String> RESERVED_PRODUCER = Set.of(
            ProducerConfig.TRANSACTIONAL_ID_CONFIG, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, ProducerConfig.ACKS_CONFIG,
            ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ProducerConfig.BOOTSTRAP_SERVERS_CONFIG);

    public SinkSettings {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("sink.batch.max-size must be >= 1");
        }
        if (initialBatch < 1) {
            throw new IllegalArgumentException("sink.batch.initial-size must be >= 1");
        }
        initialBatch = Math.min(initialBatch, maxBatch);
        if (batchTarget.isNegative() || batchTarget.isZero()) {
            throw new IllegalArgumentException("sink.batch.target-duration must be positive");
        }
        if (retryMaxAttempts < 1) {
            throw new IllegalArgumentException("sink.retry.max-attempts must be >= 1");
        }
        refuseReserved(clientOverrides, RESERVED_CONSUMER, "sink.kafka.client");
        refuseReserved(clientOverrides, RESERVED_PRODUCER, "sink.kafka.client");
        refuseReserved(consumerOverrides, RESERVED_CONSUMER, "sink.kafka.consumer");
        refuseReserved(producerOverrides, RESERVED_PRODUCER, "sink.kafka.producer");
    }

    private static void refuseReserved(Map<String, Object> overrides, Set<String> reserved, String section) {
        for (String key : overrides.keySet()) {
            if (reserved.contains(key)) {
                throw new IllegalArgumentException(section + " sets '" + key + "', which the sink runtime sets itself "
                        + "(exactly-once delivery depends on it; see sink-runtime/README.md, Delivery semantics): remove it");
            }
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
                KafkaClientProperties.of(c.getConfig("kafka.client")),
                KafkaClientProperties.of(c.getConfig("kafka.consumer")),
                KafkaClientProperties.of(c.getConfig("kafka.producer")),
                c.getBoolean("lanes.bulk"),
                c.getInt("batch.max-size"),
                c.getInt("batch.initial-size"),
                c.getDuration("batch.target-duration"),
                c.getDuration("batch.linger"),
                c.getDuration("batch.fill-timeout"),
                c.getDuration("batch.poll-timeout"),
                c.getDuration("write-ahead.timeout"),
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

    public SinkInfo sinkInfo() {
        return new SinkInfo(name, version);
    }

    /** {@code <name>-<instance-id>}: the transactional.id and group.instance.id of the interactive lane. */
    public String instanceName() {
        return name + "-" + instanceId;
    }

    /** Appended to a lane's group id, transactional.id, group.instance.id and client ids. */
    public static String suffix(RequestLane lane) {
        return lane == RequestLane.BULK ? "-bulk" : "";
    }

    /** The transactional.id and group.instance.id of a lane. */
    public String instanceName(RequestLane lane) {
        return instanceName() + suffix(lane);
    }

    /** The consumer group of a lane. */
    public String groupId(RequestLane lane) {
        return groupId + suffix(lane);
    }

    /** Common client properties (security) plus the consumer's own: also what the health check's Admin client uses. */
    public Map<String, Object> consumerClientProperties() {
        Map<String, Object> m = new LinkedHashMap<>(clientOverrides);
        m.putAll(consumerOverrides);
        return m;
    }

    public Map<String, Object> producerClientProperties() {
        Map<String, Object> m = new LinkedHashMap<>(clientOverrides);
        m.putAll(producerOverrides);
        return m;
    }
}

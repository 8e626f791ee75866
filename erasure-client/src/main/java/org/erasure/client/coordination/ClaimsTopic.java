package org.erasure.client.coordination;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the claims topic when it is missing and refuses one whose settings would break the claims:
 * compaction keeps only the last record of a key and would drop the claims whose order decides who
 * was first; a retention shorter than the Idempotency-Key TTL would forget keys early.
 */
final class ClaimsTopic {

    private static final Logger log = LoggerFactory.getLogger(ClaimsTopic.class);

    /** A stored answer to a 10,000-line upload is about 1 MB of JSON before compression. */
    static final int MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

    /** The topic exists with settings that break the claims. */
    static final class Misconfigured extends RuntimeException {
        Misconfigured(String message) {
            super(message);
        }
    }

    private ClaimsTopic() {}

    /**
     * @throws Misconfigured              the topic exists with wrong settings
     * @throws ExecutionException         Kafka refused (other than "exists" / "unknown")
     * @throws TimeoutException           Kafka did not answer within {@code timeout}
     */
    static void ensure(Admin admin, String topic, short replicationFactor, Duration ttl, Duration timeout)
            throws ExecutionException, TimeoutException, InterruptedException {
        long ms = timeout.toMillis();
        try {
            admin.describeTopics(List.of(topic)).allTopicNames().get(ms, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                throw e;
            }
            NewTopic t = new NewTopic(topic, 1, replicationFactor).configs(Map.of(
                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                    TopicConfig.RETENTION_MS_CONFIG, Long.toString(ttl.toMillis()),
                    // One clock (the broker's) for every record's time: leases and TTLs do not depend on replica clocks.
                    TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime",
                    TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(MAX_MESSAGE_BYTES)));
            try {
                admin.createTopics(List.of(t)).all().get(ms, TimeUnit.MILLISECONDS);
                log.info("Created topic {} (1 partition, replication {}, cleanup.policy=delete, retention {})",
                        topic, replicationFactor, ttl);
            } catch (ExecutionException created) {
                if (!(created.getCause() instanceof TopicExistsException)) {
                    throw created;
                }
            }
        }
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config config = admin.describeConfigs(List.of(resource)).all().get(ms, TimeUnit.MILLISECONDS).get(resource);
        check(topic, value(config, TopicConfig.CLEANUP_POLICY_CONFIG), value(config, TopicConfig.RETENTION_MS_CONFIG), ttl);
    }

    private static String value(Config config, String name) {
        ConfigEntry e = config == null ? null : config.get(name);
        return e == null ? null : e.value();
    }

    /** @throws Misconfigured compaction on, or retention shorter than the TTL */
    static void check(String topic, String cleanupPolicy, String retentionMs, Duration ttl) {
        if (cleanupPolicy != null && cleanupPolicy.toLowerCase(Locale.ROOT).contains(TopicConfig.CLEANUP_POLICY_COMPACT)) {
            throw new Misconfigured("topic " + topic + " has cleanup.policy=" + cleanupPolicy
                    + "; the claims topic needs cleanup.policy=delete (compaction drops the claims whose order decides who was first)");
        }
        if (retentionMs != null) {
            long retention = Long.parseLong(retentionMs.strip());
            if (retention >= 0 && retention < ttl.toMillis()) {
                throw new Misconfigured("topic " + topic + " has retention.ms=" + retention + ", shorter than ingest.idempotency.ttl ("
                        + ttl.toMillis() + " ms): Idempotency-Keys would be forgotten early; raise retention.ms or lower the TTL");
            }
        }
    }
}

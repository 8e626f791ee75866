package org.erasure.sink.kafka;

import com.typesafe.config.Config;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.erasure.config.KafkaClientProperties;
import org.erasure.events.Phase;
import org.erasure.sink.runtime.spi.ErasureStore;
import org.erasure.sink.runtime.spi.StoreModule;

/** Builds the Kafka-topics store from {@code kafka-topics { }}: clients, and every topic checked for its cleanup policy. */
public final class KafkaTopicsStoreModule implements StoreModule {
    @Override
    public Phase phase() {
        return Phase.KAFKA;
    }

    /** Not {@code kafka}: that root is the Kafka tooling's (-Dkafka.* system properties land in every config). */
    @Override
    public String configSection() {
        return "kafka-topics";
    }

    @Override
    public List<String> openConfigPaths() {
        return List.of("client");
    }

    @Override
    public ErasureStore create(Config config, MeterRegistry meters) {
        TopicsMapping mapping = TopicsMapping.parse(config);
        Map<String, Object> client = KafkaClientProperties.of(config, "client", config.getString("bootstrap-servers"));
        Admin admin = Admin.create(client);
        try {
            checkTopics(admin, mapping);
        } catch (RuntimeException e) {
            admin.close();
            throw e;
        }
        Map<String, Object> consumer = new HashMap<>(client);
        consumer.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumer.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<String, Object> producer = new HashMap<>(client);
        producer.put(ProducerConfig.ACKS_CONFIG, "all");
        producer.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return new KafkaTopicsErasureStore(Phase.KAFKA, mapping, admin,
                () -> new KafkaConsumer<>(consumer, new ByteArrayDeserializer(), new ByteArrayDeserializer()),
                new KafkaProducer<>(producer, new ByteArraySerializer(), new ByteArraySerializer()),
                meters == null ? new SimpleMeterRegistry() : meters);
    }

    /** Every topic exists; a compacted target is compacted (a tombstone elsewhere deletes nothing). */
    private static void checkTopics(Admin admin, TopicsMapping mapping) {
        List<ConfigResource> resources = mapping.targets().stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
        Map<ConfigResource, org.apache.kafka.clients.admin.Config> configs = KafkaCalls.await(
                admin.describeConfigs(resources).all(), Duration.ofSeconds(30), "kafka-topics: describing " + mapping.targets());
        for (TopicsMapping.CompactedTopic t : mapping.compacted()) {
            ConfigEntry policy = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, t.name())).get(TopicConfig.CLEANUP_POLICY_CONFIG);
            if (policy == null || !policy.value().contains(TopicConfig.CLEANUP_POLICY_COMPACT)) {
                throw new IllegalArgumentException("kafka-topics.compacted: topic " + t.name() + " has cleanup.policy="
                        + (policy == null ? "?" : policy.value()) + "; tombstones only erase in a compacted topic (list it under retained)");
            }
        }
    }
}

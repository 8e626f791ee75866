package org.erasure.devstack.kafka;

import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.erasure.devstack.ManagedServer;
import org.testcontainers.DockerClientFactory;

/**
 * A Kafka broker for tests and the demo: a Testcontainers {@code KafkaContainer} where Docker
 * answers, otherwise an in-process KRaft broker. {@code -Dkafka.broker=docker|embedded} forces one.
 */
public interface KafkaBroker extends ManagedServer {

    String bootstrapServers();

    @Override
    default String name() {
        return "kafka";
    }

    @Override
    default Map<String, String> endpoints() {
        return Map.of("bootstrap", bootstrapServers());
    }

    /** Client settings shared by producers, consumers and admins. */
    default Map<String, Object> clientConfig() {
        Map<String, Object> config = new HashMap<>();
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return config;
    }

    default Map<String, Object> producerConfig() {
        Map<String, Object> config = clientConfig();
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        return config;
    }

    default Map<String, Object> consumerConfig(String groupId) {
        Map<String, Object> config = clientConfig();
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return config;
    }

    default Admin newAdmin() {
        return Admin.create(clientConfig());
    }

    /** Creates topics (replication factor 1) and waits for them; existing topics are left as they are. */
    default void createTopics(int partitions, Collection<String> topics) {
        createTopics(topics.stream().map(t -> new NewTopic(t, partitions, (short) 1)).toList());
    }

    /**
     * Creates the topics (existing ones are left as they are) and returns once every partition answers a
     * ListOffsets: the controller acknowledges a creation before the partitions have leaders, and a
     * producer or reader arriving in between gets NOT_LEADER_OR_FOLLOWER.
     */
    default void createTopics(List<NewTopic> newTopics) {
        try (Admin admin = newAdmin()) {
            admin.createTopics(newTopics).values().values().forEach(future -> {
                try {
                    future.get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("Cannot create topic: " + e.getCause().getMessage(), e.getCause());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            });
            List<String> names = newTopics.stream().map(NewTopic::name).toList();
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
            while (true) {
                try {
                    Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new HashMap<>();
                    admin.describeTopics(names).allTopicNames().get().values().forEach(d -> d.partitions()
                            .forEach(p -> latest.put(new org.apache.kafka.common.TopicPartition(d.name(), p.partition()),
                                    org.apache.kafka.clients.admin.OffsetSpec.latest())));
                    admin.listOffsets(latest).all().get();
                    return;
                } catch (ExecutionException e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("topics " + names + " have no leaders after 60 s: " + e.getCause(), e.getCause());
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(java.time.Duration.ofMillis(50).toNanos()); // poll the leaders
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    default void stopBroker() {
        throw new UnsupportedOperationException("Only the embedded broker can be stopped and started on the same port"
                + " (run with -Dkafka.broker=embedded)");
    }

    /** Starts a broker stopped by {@link #stopBroker()} again on the same port with the same data. */
    default void startBroker() {
        throw new UnsupportedOperationException("Only the embedded broker can be stopped and started on the same port"
                + " (run with -Dkafka.broker=embedded)");
    }

    /** Starts the broker chosen by {@code kafka.broker} (docker | embedded | auto, the default). */
    static KafkaBroker start(Path workDir) {
        String choice = System.getProperty("kafka.broker", "auto").toLowerCase(Locale.ROOT);
        return switch (choice) {
            case "docker" -> DockerKafkaBroker.start();
            case "embedded" -> EmbeddedKafkaBroker.start(workDir);
            case "auto", "" -> dockerAvailable() ? DockerKafkaBroker.start() : EmbeddedKafkaBroker.start(workDir);
            default -> throw new IllegalArgumentException(
                    "kafka.broker must be docker, embedded or auto, not '" + choice + "'");
        };
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }
}

package org.erasure.devstack.kafka;

import org.testcontainers.kafka.KafkaContainer;

/** Kafka in a container, used where a Docker engine answers. */
public final class DockerKafkaBroker implements KafkaBroker {

    static final String VERSION = "4.3.1";
    private final KafkaContainer container;

    private DockerKafkaBroker(KafkaContainer container) {
        this.container = container;
    }

    public static DockerKafkaBroker start() {
        KafkaContainer container = new KafkaContainer("apache/kafka:" + VERSION);
        container.start();
        return new DockerKafkaBroker(container);
    }

    @Override
    public String bootstrapServers() {
        return container.getBootstrapServers();
    }

    @Override
    public String version() {
        return container.getDockerImageName().replaceFirst(".*:", "");
    }

    @Override
    public void close() {
        container.stop();
    }
}

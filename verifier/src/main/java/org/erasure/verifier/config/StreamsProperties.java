package org.erasure.verifier.config;

import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.erasure.verifier.metrics.VerifierMetrics;
import org.erasure.verifier.topology.DeadLetterHandler;

/** Kafka Streams properties for a {@link VerifierConfig}. */
public final class StreamsProperties {
    private StreamsProperties() {}

    /**
     * @param applicationServer host:port other instances use for interactive-query proxying, or null
     */
    public static Properties of(VerifierConfig c, String applicationServer, VerifierMetrics metrics) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, c.applicationId());
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrapServers());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) c.replicationFactor());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, c.numStreamThreads());
        p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, c.numStandbyReplicas());
        p.put(StreamsConfig.STATE_DIR_CONFIG, c.stateDir().toString());
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        p.put(DeadLetterHandler.TOPIC_PREFIX_CONFIG, c.topics().prefix());
        p.put(DeadLetterHandler.METRICS_CONFIG, metrics);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        p.put("processing.exception.handler.global.enabled", true);
        // Durability of what auditors read: wait for all in-sync replicas.
        p.put(StreamsConfig.producerPrefix(ProducerConfig.ACKS_CONFIG), "all");
        if (applicationServer != null) {
            p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, applicationServer);
        }
        p.putAll(c.kafkaStreams());
        return p;
    }
}

package org.erasure.verifier.config;

import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.erasure.verifier.metrics.VerifierMetrics;
import org.erasure.verifier.topology.DeadLetterHandler;
import org.erasure.verifier.topology.InteractiveFirst;

/** Kafka Streams properties for a {@link VerifierConfig}. */
public final class StreamsProperties {
    /** Records buffered per input partition before it is paused (Kafka Streams' own default is 1,000). */
    static final String BUFFERED_RECORDS_PER_PARTITION = "buffered.records.per.partition";

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
        // Lanes: interactive requests and reports go before queued bulk work (InteractiveFirst). That only
        // helps once they are in the task's buffer: the consumer hands out fetched data partition by
        // partition, up to max.partition.fetch.bytes each (1 MB by default, ~1,400 reports), so one
        // request written to the repartition topic waited behind every report partition's megabyte
        // (measured 11-15 s, 2 min in the pipeline bench). Small fetches and a small input buffer keep the
        // partitions taking turns.
        p.put(StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR_CLASS_CONFIG, InteractiveFirst.class);
        p.put(InteractiveFirst.TOPICS_CONFIG, String.join(",", c.topics().requests(), c.topics().phaseCompletions()));
        p.put(BUFFERED_RECORDS_PER_PARTITION, 100);
        p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG), 64 * 1024);
        if (applicationServer != null) {
            p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, applicationServer);
        }
        refuseReserved(c.kafkaStreams());
        p.putAll(c.kafkaStreams());
        return p;
    }

    /**
     * Settings the record's guarantees rest on (exactly-once, what auditors read is acknowledged by
     * all in-sync replicas, where records are partitioned): a verbatim override must not switch
     * them off.
     */
    static final Set<String> RESERVED = Set.of(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.APPLICATION_ID_CONFIG,
            StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
            StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR_CLASS_CONFIG, InteractiveFirst.TOPICS_CONFIG,
            StreamsConfig.producerPrefix(ProducerConfig.ACKS_CONFIG), ProducerConfig.ACKS_CONFIG,
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, StreamsConfig.consumerPrefix(ConsumerConfig.ISOLATION_LEVEL_CONFIG),
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, StreamsConfig.consumerPrefix(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG));

    public static void refuseReserved(Map<String, ?> overrides) {
        for (String key : overrides.keySet()) {
            if (RESERVED.contains(key)) {
                throw new IllegalArgumentException("verifier.kafka-streams sets '" + key + "', which the verifier sets itself "
                        + "(the audit record's exactly-once guarantee depends on it): remove it");
            }
        }
    }
}

package org.erasure.e2e;

import org.erasure.devstack.kafka.KafkaBroker;

/** The sink-runtime part of a sink's configuration for a pipeline run on the dev-stack. */
public final class PipelineConfig {

    private PipelineConfig() {}

    /**
     * @param topicPrefix isolates one run's topics (and, through the sink name, its consumer groups)
     * @param batchSize   the sink's {@code sink.batch.max-size}
     */
    public static String sinkHocon(KafkaBroker kafka, String topicPrefix, SinkKind kind, String instanceId, int batchSize) {
        return serviceSinkHocon(kafka, topicPrefix, kind, instanceId, 0) + "sink.batch.max-size = " + batchSize + "\n";
    }

    /**
     * As a deployed sink runs: its own batching defaults (reference.conf), health and metrics on
     * {@code httpPort} (0 = any free port).
     */
    public static String serviceSinkHocon(KafkaBroker kafka, String topicPrefix, SinkKind kind, String instanceId, int httpPort) {
        return """
                sink {
                  name = "%s"
                  instance-id = "%s"
                  kafka.bootstrap-servers = "%s"
                  kafka.topic-prefix = "%s"
                  kafka.session-timeout = 10s
                  http.port = %d
                  http.host = "127.0.0.1"
                }
                """.formatted(sinkName(topicPrefix, kind), instanceId, kafka.bootstrapServers(), topicPrefix, httpPort);
    }

    /** The sink's name, which is also its consumer group. */
    public static String sinkName(String topicPrefix, SinkKind kind) {
        return topicPrefix + "sink-" + kind.id();
    }
}

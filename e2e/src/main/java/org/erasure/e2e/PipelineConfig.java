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
        return """
                sink {
                  name = "%s"
                  instance-id = "%s"
                  kafka.bootstrap-servers = "%s"
                  kafka.topic-prefix = "%s"
                  kafka.session-timeout = 10s
                  http.port = 0
                  http.host = "127.0.0.1"
                  batch.max-size = %d
                }
                """.formatted(topicPrefix + "sink-" + kind.id(), instanceId, kafka.bootstrapServers(), topicPrefix, batchSize);
    }
}

package org.erasure.devstack.kafka;

import java.nio.file.Path;
import kafka.server.BrokerServer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.server.common.MetadataVersion;
import org.erasure.devstack.StoppableServer;

/**
 * A single combined broker+controller KRaft node running inside this JVM. For fault tests its broker
 * can be stopped and started again on the same port with the same log directories
 * ({@link #stopBroker()}, {@link #startBroker()}); the node's KRaft controller keeps running.
 */
public final class EmbeddedKafkaBroker extends StoppableServer implements KafkaBroker {

    private final KafkaClusterTestKit cluster;

    private EmbeddedKafkaBroker(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    public static EmbeddedKafkaBroker start(Path workDir) {
        try {
            TestKitNodes nodes = new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    // Without this the kit formats with a testing metadata version.
                    .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
                    .setBaseDirectory(workDir)
                    .build();
            KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(nodes)
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("offsets.topic.num.partitions", "5")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("transaction.state.log.num.partitions", "5")
                    .setConfigProp("min.insync.replicas", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("num.partitions", "3")
                    .setDeleteOnClose(true)
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new EmbeddedKafkaBroker(cluster);
        } catch (Exception e) {
            throw new IllegalStateException("Embedded Kafka broker did not start: " + e.getMessage(), e);
        }
    }

    @Override
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /** The broker runs from the kafka jars on this classpath, so their version is the server's. */
    @Override
    public String version() {
        return AppInfoParser.getVersion();
    }

    /**
     * Shuts the broker down as a restart does (controlled shutdown: logs flushed, every client
     * connection closed, the port refuses connections) and returns when it is down. The controller
     * quorum stays up, so the cluster's metadata survives. Idempotent.
     */
    @Override
    public synchronized void stopBroker() {
        BrokerServer broker = broker();
        broker.shutdown();
        broker.awaitShutdown();
    }

    /**
     * Starts a broker stopped by {@link #stopBroker()} again: same port (the kit's socket factory
     * rebinds it), same log directories, so committed records, consumer-group offsets and
     * transaction state are all still there. Returns when the broker is registered and unfenced.
     */
    @Override
    public synchronized void startBroker() {
        try {
            broker().startup();
            cluster.waitForReadyBrokers();
        } catch (Exception e) {
            throw new IllegalStateException("The embedded Kafka broker did not start again: " + e.getMessage(), e);
        }
    }

    private BrokerServer broker() {
        return cluster.brokers().values().iterator().next();
    }

    @Override
    protected void stop() throws Exception {
        cluster.close();
    }
}

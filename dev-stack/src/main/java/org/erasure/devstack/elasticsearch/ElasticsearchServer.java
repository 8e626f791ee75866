package org.erasure.devstack.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.HealthStatus;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest5_client.Rest5ClientTransport;
import co.elastic.clients.transport.rest5_client.low_level.Rest5Client;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.http.HttpServerTransport;
import org.elasticsearch.node.EmbeddedNode;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.transport.netty4.Netty4Plugin;
import org.erasure.devstack.StoppableServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Elasticsearch node running inside this JVM, serving HTTP on 127.0.0.1. Only the server
 * jar and the Netty transport are on the classpath, so distribution modules are absent (no
 * painless, reindex, analysis-common, x-pack); {@code GET /} comes from {@link RootInfoPlugin}.
 * One node per JVM: Elasticsearch keeps some process-wide state.
 */
public final class ElasticsearchServer extends StoppableServer {

    private static final Logger log = LoggerFactory.getLogger(ElasticsearchServer.class);
    private static final String NODE_NAME = "dev-stack-es";

    private final Node node;
    private final int httpPort;
    private final String httpUrl;
    private final String version;

    private ElasticsearchServer(Node node, int httpPort, String version) {
        this.node = node;
        this.httpPort = httpPort;
        this.httpUrl = "http://127.0.0.1:" + httpPort;
        this.version = version;
    }

    /** Starts a node with its home, data and logs under {@code workDir}; returns once the cluster is at least yellow. */
    public static ElasticsearchServer start(Path workDir) {
        long started = System.nanoTime();
        Log4jToSlf4j.install();
        // Netty's processor count is JVM-wide and set once; Redisson or Kafka may have set it first.
        System.setProperty("es.set.netty.runtime.available.processors", "false");
        Settings settings = Settings.builder()
            .put("cluster.name", "dev-stack")
            .put("node.name", NODE_NAME)
            .put("path.home", workDir.toString())
            .put("path.data", workDir.resolve("data").toString())
            .put("path.logs", workDir.resolve("logs").toString())
            .put("discovery.type", "single-node")          // no cluster bootstrap, no bootstrap checks enforced
            .put("network.host", "127.0.0.1")
            .put("http.port", "0")                          // ephemeral ports, read back below
            .put("transport.port", "0")
            .put("node.processors", 1)                      // sizes the thread pools: the machine is shared
            .put("cluster.routing.allocation.disk.threshold_enabled", false) // CI disks are often nearly full
            .build();
        Environment environment = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> NODE_NAME);
        Node node = new EmbeddedNode(environment, List.of(Netty4Plugin.class, RootInfoPlugin.class));
        long constructed = System.nanoTime();
        try {
            node.start();
            long nodeStarted = System.nanoTime();
            int port = node.injector().getInstance(HttpServerTransport.class).boundAddress().publishAddress().getPort();
            String version;
            try (ElasticsearchClient client = newClient("http://127.0.0.1:" + port)) {
                client.cluster().health(h -> h.waitForStatus(HealthStatus.Yellow).timeout(t -> t.time("60s")));
                version = client.info().version().number();
            }
            ElasticsearchServer server = new ElasticsearchServer(node, port, version);
            long ready = System.nanoTime();
            log.info("Elasticsearch {} started in {} ms (construct {} ms, start {} ms, yellow {} ms) at {}", version,
                millis(ready - started), millis(constructed - started), millis(nodeStarted - constructed),
                millis(ready - nodeStarted), server.httpUrl);
            return server;
        } catch (Exception e) {
            closeNode(node);
            throw new IllegalStateException("Elasticsearch did not start in " + workDir, e);
        }
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    @Override
    public String name() {
        return "elasticsearch";
    }

    /** The version.number the node reports on {@code GET /}. */
    @Override
    public String version() {
        return version;
    }

    @Override
    public Map<String, String> endpoints() {
        return Map.of("http", httpUrl);
    }

    public String httpUrl() {
        return httpUrl;
    }

    public int httpPort() {
        return httpPort;
    }

    /** A new client over HTTP (Rest5Client transport, Jackson mapper). Closing the client closes its transport. */
    public ElasticsearchClient newClient() {
        return newClient(httpUrl);
    }

    private static ElasticsearchClient newClient(String url) {
        // httpclient5 5.6 advertises zstd when zstd-jni (Kafka's) is on the class path, and this node
        // never answers such a request: ask for plain responses.
        Rest5Client restClient = Rest5Client.builder(URI.create(url))
                .setHttpClientConfigCallback(b -> b.disableContentCompression())
                .build();
        return new ElasticsearchClient(new Rest5ClientTransport(restClient, new JacksonJsonpMapper()));
    }

    @Override
    protected void stop() {
        closeNode(node);
        log.info("Elasticsearch stopped");
    }

    private static void closeNode(Node node) {
        try {
            node.close();
            if (!node.awaitClose(30, TimeUnit.SECONDS)) {
                log.warn("Elasticsearch node did not finish closing within 30 s");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

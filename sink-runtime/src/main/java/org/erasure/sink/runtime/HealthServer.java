package org.erasure.sink.runtime;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.erasure.sink.runtime.spi.ErasureStore;

/**
 * {@code GET /health} (liveness: the consumer loop runs), {@code GET /health/ready} (readiness:
 * live, Kafka answers, the store answers; 503 otherwise), {@code GET /metrics} (Prometheus text).
 *
 * <p>Served by the JDK's built-in HTTP server rather than Javalin: Javalin 6 runs on Jetty 11,
 * while the dev-stack's S3 server (s3proxy) needs Jetty 12 on the same test class path (sink-s3),
 * and three endpoints do not justify a web framework in every sink.
 */
public final class HealthServer implements AutoCloseable {
    private final HttpServer server;
    private final Admin admin;

    public HealthServer(SinkSettings settings, List<SinkRunner> runners, ErasureStore store, PrometheusMeterRegistry registry) {
        this.admin = Admin.create(adminProperties(settings));
        try {
            this.server = HttpServer.create(new InetSocketAddress(settings.httpHost(), settings.httpPort()), 16);
        } catch (IOException e) {
            admin.close();
            throw new IllegalStateException("cannot listen on " + settings.httpHost() + ":" + settings.httpPort() + ": " + e.getMessage(), e);
        }
        server.setExecutor(Executors.newFixedThreadPool(2, Thread.ofPlatform().daemon().name("sink-http-", 0).factory()));
        server.createContext("/health", ex -> {
            boolean live = runners.stream().allMatch(r -> r.isRunning() && r.failure() == null);
            boolean paused = runners.stream().anyMatch(SinkRunner::isPaused);
            if (ex.getRequestURI().getPath().equals("/health/ready")) {
                boolean kafka = kafkaReachable();
                boolean storeUp = storeReachable(store);
                boolean ready = live && kafka && storeUp;
                respond(ex, ready ? 200 : 503, "application/json", "{\"status\":\"" + up(ready) + "\",\"checks\":{\"loop\":\""
                        + up(live) + "\",\"kafka\":\"" + up(kafka) + "\",\"store\":\"" + up(storeUp) + "\"},\"paused\":"
                        + paused + "}");
            } else if (ex.getRequestURI().getPath().equals("/health")) {
                respond(ex, live ? 200 : 503, "application/json", "{\"status\":\"" + up(live) + "\"}");
            } else {
                respond(ex, 404, "text/plain", "not found");
            }
        });
        server.createContext("/metrics", ex -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
        server.start();
    }

    /**
     * The consumer's client settings (security.protocol, sasl.*, ssl.* ...) restricted to what an
     * Admin client knows, so readiness talks to a SASL/TLS cluster the way the loop does.
     */
    static Map<String, Object> adminProperties(SinkSettings settings) {
        Map<String, Object> p = new HashMap<>();
        Set<String> known = AdminClientConfig.configNames();
        settings.consumerClientProperties().forEach((k, v) -> {
            if (known.contains(k)) {
                p.put(k, v);
            }
        });
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, settings.instanceName() + "-health");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        return p;
    }

    private static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String up(boolean b) {
        return b ? "UP" : "DOWN";
    }

    private boolean kafkaReachable() {
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs(3000)).nodes().get(3, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return false;
        }
    }

    private static boolean storeReachable(ErasureStore store) {
        try {
            store.checkReachable();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
        admin.close();
    }
}

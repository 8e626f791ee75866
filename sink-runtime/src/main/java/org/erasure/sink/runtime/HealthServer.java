package org.erasure.sink.runtime;

import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.erasure.sink.runtime.spi.ErasureStore;

/**
 * {@code GET /health} (liveness: the consumer loop runs), {@code GET /health/ready} (readiness:
 * live, Kafka answers, the store answers; 503 otherwise), {@code GET /metrics} (Prometheus text).
 */
public final class HealthServer implements AutoCloseable {
    private final Javalin app;
    private final Admin admin;

    public HealthServer(SinkSettings settings, SinkRunner runner, ErasureStore store, PrometheusMeterRegistry registry) {
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers(),
                AdminClientConfig.CLIENT_ID_CONFIG, settings.instanceName() + "-health",
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000));
        this.app = Javalin.create(config -> config.showJavalinBanner = false);
        app.get("/health", ctx -> {
            boolean live = runner.isRunning() && runner.failure() == null;
            ctx.status(live ? 200 : 503).contentType("application/json")
                    .result("{\"status\":\"" + (live ? "UP" : "DOWN") + "\"}");
        });
        app.get("/health/ready", ctx -> {
            boolean live = runner.isRunning() && runner.failure() == null;
            boolean kafka = kafkaReachable();
            boolean storeUp = storeReachable(store);
            boolean ready = live && kafka && storeUp;
            ctx.status(ready ? 200 : 503).contentType("application/json")
                    .result("{\"status\":\"" + (ready ? "UP" : "DOWN") + "\",\"checks\":{\"loop\":\"" + up(live)
                            + "\",\"kafka\":\"" + up(kafka) + "\",\"store\":\"" + up(storeUp)
                            + "\"},\"paused\":" + runner.isPaused() + "}");
        });
        app.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(registry.scrape()));
        app.start(settings.httpHost(), settings.httpPort());
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
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
        admin.close();
    }
}

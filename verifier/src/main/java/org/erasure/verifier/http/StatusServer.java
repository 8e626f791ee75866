package org.erasure.verifier.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.erasure.events.serde.EventJson;
import org.erasure.verifier.topology.ErasureState;
import org.erasure.verifier.topology.VerifierTopology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP API: {@code GET /erasures/{requestId}} (interactive query; proxied to the instance that
 * hosts the key), {@code /health} (ready: Streams RUNNING), {@code /health/live}, {@code /metrics}
 * (Prometheus).
 */
public final class StatusServer implements AutoCloseable {
    /** Set on proxied requests: the receiver answers from its own store or says 503, never proxies again. */
    public static final String FORWARDED_HEADER = "X-Verifier-Forwarded";
    private static final Logger log = LoggerFactory.getLogger(StatusServer.class);
    private static final ObjectMapper JSON = EventJson.newMapper();

    private final Javalin app;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final PrometheusMeterRegistry registry;
    private volatile Supplier<KafkaStreams> streams = () -> null;
    private volatile HostInfo self;

    public StatusServer(PrometheusMeterRegistry registry) {
        this.registry = registry;
        this.app = Javalin.create(c -> {
            c.showJavalinBanner = false;
            c.useVirtualThreads = false;
        });
        app.get("/erasures/{requestId}", this::status);
        app.get("/health", this::ready);
        app.get("/health/ready", this::ready);
        app.get("/health/live", this::live);
        app.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(registry.scrape()));
    }

    /** More routes on this server (the status page); call before {@link #start}. */
    public void routes(java.util.function.Consumer<Javalin> more) {
        more.accept(app);
    }

    /** Starts listening; returns the bound port (useful with port 0). */
    public int start(int port) {
        app.start(port);
        return app.port();
    }

    /** Connects the API to the Streams instance and its advertised address (application.server). */
    public void attach(KafkaStreams kafkaStreams, HostInfo advertised) {
        this.self = advertised;
        this.streams = () -> kafkaStreams;
    }

    private void status(Context ctx) throws IOException, InterruptedException {
        UUID id;
        try {
            id = UUID.fromString(ctx.pathParam("requestId"));
        } catch (IllegalArgumentException e) {
            json(ctx, 400, Map.of("error", "requestId must be a UUID"));
            return;
        }
        KafkaStreams ks = streams.get();
        if (ks == null || !ks.state().isRunningOrRebalancing()) {
            unavailable(ctx, "verifier is not running");
            return;
        }
        String key = id.toString();
        KeyQueryMetadata meta = ks.queryMetadataForKey(VerifierTopology.ERASURES_STORE, key, new StringSerializer());
        if (meta == null || meta.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            unavailable(ctx, "key metadata not available (rebalancing)");
            return;
        }
        if (meta.activeHost().equals(self)) {
            local(ctx, ks, id);
        } else if (ctx.header(FORWARDED_HEADER) != null) {
            unavailable(ctx, "key is not hosted here (rebalancing)");
        } else {
            proxy(ctx, meta.activeHost(), key);
        }
    }

    private void local(Context ctx, KafkaStreams ks, UUID id) throws IOException {
        ErasureState state;
        try {
            ReadOnlyKeyValueStore<String, ErasureState> store = ks.store(StoreQueryParameters.fromNameAndType(
                    VerifierTopology.ERASURES_STORE, QueryableStoreTypes.<String, ErasureState>keyValueStore()));
            state = store.get(id.toString());
        } catch (InvalidStateStoreException e) {
            unavailable(ctx, "state store not queryable yet (restoring or migrating)");
            return;
        }
        if (state == null || state.isUnknown()) {
            json(ctx, 404, Map.of("error", "unknown requestId", "requestId", id.toString()));
            return;
        }
        json(ctx, 200, StatusView.of(id, state, self.host() + ":" + self.port()));
    }

    private void proxy(Context ctx, HostInfo host, String key) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host.host() + ":" + host.port() + "/erasures/" + key))
                .header(FORWARDED_HEADER, self.host() + ":" + self.port())
                .timeout(Duration.ofSeconds(5))
                .GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            ctx.status(response.statusCode()).contentType("application/json").result(response.body());
        } catch (IOException e) {
            log.warn("Status proxy to {}:{} failed: {}", host.host(), host.port(), e.getClass().getSimpleName());
            ctx.status(502).contentType("application/json").result("{\"error\":\"instance hosting the key did not answer\"}");
        }
    }

    private void ready(Context ctx) throws IOException {
        KafkaStreams ks = streams.get();
        String state = ks == null ? "NOT_STARTED" : ks.state().name();
        boolean up = ks != null && ks.state() == KafkaStreams.State.RUNNING;
        json(ctx, up ? 200 : 503, Map.of("status", up ? "UP" : "DOWN", "streams", state));
    }

    private void live(Context ctx) throws IOException {
        KafkaStreams ks = streams.get();
        boolean dead = ks != null && (ks.state() == KafkaStreams.State.ERROR || ks.state() == KafkaStreams.State.PENDING_ERROR);
        json(ctx, dead ? 503 : 200, Map.of("status", dead ? "DOWN" : "UP", "streams", ks == null ? "NOT_STARTED" : ks.state().name()));
    }

    private static void unavailable(Context ctx, String why) throws IOException {
        ctx.header("Retry-After", "1");
        json(ctx, 503, Map.of("error", why));
    }

    private static void json(Context ctx, int status, Object body) throws IOException {
        ctx.status(status).contentType("application/json").result(JSON.writeValueAsString(body));
    }

    @Override
    public void close() {
        app.stop();
    }
}

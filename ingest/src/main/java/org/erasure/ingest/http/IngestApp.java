package org.erasure.ingest.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.javalin.Javalin;
import io.javalin.http.HttpResponseException;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.erasure.ingest.auth.TokenAuthenticator;
import org.erasure.ingest.config.IngestSettings;
import org.erasure.client.coordination.ClaimLog;
import org.erasure.client.dedupe.ContributorTurns;
import org.erasure.client.dedupe.OpenRequestFollower;
import org.erasure.client.dedupe.OpenRequests;
import org.erasure.ingest.idempotency.Idempotency;
import org.erasure.ingest.idempotency.IdempotencyStore;
import org.erasure.ingest.idempotency.ReplicatedIdempotency;
import org.erasure.client.identity.IdentifierResolver;
import org.erasure.client.identity.PostgresIdentifierResolver;
import org.erasure.client.intake.CsvIntake;
import org.erasure.client.intake.RequestValidator;
import org.erasure.client.publish.RequestPublisher;
import org.erasure.client.submit.SubmissionService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest service: wires the components from {@link IngestSettings}, serves HTTP, and shuts down
 * in order (stop accepting, finish in-flight requests, close the producer, the pool and Kafka clients).
 */
public final class IngestApp implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(IngestApp.class);

    private final IngestSettings settings;
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ObjectMapper json = new ObjectMapper();
    private final RequestPublisher publisher;
    private final HikariDataSource dataSource;
    private final IdentifierResolver resolver;
    private final OpenRequests open = new OpenRequests(Clock.systemUTC());
    /** Open requests from Kafka (both lanes, completions); null with the open-request check off. */
    private final OpenRequestFollower follower;
    /** The claims topic shared by replicas; null with ingest.claims.enabled = false. */
    private final ClaimLog claims;
    private final Admin admin;
    /** Seals requests' identifiers (ingest.keys.encrypt); null when off. */
    private final org.erasure.keys.RequestKeys requestKeys;
    private final Javalin app;
    private final String openApi;

    private IngestApp(IngestSettings settings) {
        this.settings = settings;
        new JvmMemoryMetrics().bindTo(metrics);
        new JvmThreadMetrics().bindTo(metrics);
        new ProcessorMetrics().bindTo(metrics);
        this.publisher = new RequestPublisher(settings.kafkaClient(), settings.topics(), settings.transactionalId(), settings.kafkaTimeout());
        this.requestKeys = settings.keys().encrypt()
                ? org.erasure.keys.RequestKeys.open(settings.keys(), settings.kafkaClient())
                : null;
        if (requestKeys != null) {
            publisher.sealingWith(requestKeys::sealAll);
            log.info("ingest seals identifiers with key-encryption key {}; keys on {}", settings.keys().kek().id(), settings.keys().topic().name());
        }
        if (settings.resolution() != SubmissionService.Resolution.OFF) {
            HikariConfig hc = new HikariConfig();
            hc.setJdbcUrl(settings.postgresUrl());
            hc.setUsername(settings.postgresUser());
            hc.setPassword(settings.postgresPassword());
            hc.setSchema(settings.postgresSchema());
            hc.setMaximumPoolSize(settings.postgresPoolSize());
            hc.setReadOnly(true);
            hc.setPoolName("ingest-identifiers");
            // Start even while PostgreSQL is down: readiness reports it, uploads needing lookups get 503.
            hc.setInitializationFailTimeout(-1);
            hc.setConnectionTimeout(5_000);
            hc.setMetricRegistry(metrics);
            this.dataSource = new HikariDataSource(hc);
            this.resolver = new PostgresIdentifierResolver(dataSource, settings.resolutionSql());
        } else {
            this.dataSource = null;
            this.resolver = null;
        }
        this.follower = settings.dedupeOpenRequests()
                ? new OpenRequestFollower(settings.kafkaClient(), settings.topics(), open, settings.dedupeLookback(),
                        settings.kafkaTimeout(), Clock.systemUTC()).start()
                : null;
        this.claims = settings.claimsEnabled()
                ? new ClaimLog(settings.kafkaClient(), new ClaimLog.Settings(settings.claimsTopic(), settings.claimsReplicationFactor(),
                        settings.idempotencyTtl(), settings.claimsLease(), settings.idempotencyMaxEntries(),
                        settings.transactionalId(), settings.kafkaTimeout()), Clock.systemUTC()).start()
                : null;
        this.admin = Admin.create(new java.util.HashMap<>(settings.kafkaClient()));
        SubmissionService submissions = new SubmissionService(publisher, resolver, open,
                new SubmissionService.Options(settings.resolution(), settings.rejectUnknown(), settings.dedupeOpenRequests()),
                Clock.systemUTC(), metrics, follower == null ? null : new ContributorTurns(claims, follower), settings.kafkaTimeout());
        Idempotency idempotency = claims != null
                ? new ReplicatedIdempotency(claims, settings.idempotencyInFlightWait())
                : new IdempotencyStore(settings.idempotencyTtl(), settings.idempotencyMaxEntries(), Clock.systemUTC());
        VerifierClient verifierClient = new VerifierClient(settings.verifierBaseUrl(), settings.verifierTimeout());
        ErasureApi api = new ErasureApi(json, new TokenAuthenticator(settings.tokens()),
                new RequestValidator(settings.intakeRules()), new CsvIntake(settings.intakeRules()), submissions,
                idempotency, verifierClient, settings.maxBodyBytes())
                .restoringWith(new Restores(settings.kafkaClient(), settings.topics(), settings.kafkaTimeout(), publisher, requestKeys,
                        Clock.systemUTC(), verifierClient));
        this.openApi = resource("/openapi.json");
        this.app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.useVirtualThreads = true;
            config.http.maxRequestSize = settings.maxBodyBytes();
            config.jetty.modifyServer(server -> {
                server.setStopTimeout(10_000);
                // Javalin adds its connector after this; set the idle timeout on every connector as the server starts.
                server.addEventListener(new org.eclipse.jetty.util.component.LifeCycle.Listener() {
                    @Override
                    public void lifeCycleStarting(org.eclipse.jetty.util.component.LifeCycle event) {
                        for (org.eclipse.jetty.server.Connector c : server.getConnectors()) {
                            if (c instanceof org.eclipse.jetty.server.AbstractConnector ac) {
                                ac.setIdleTimeout(settings.httpIdleTimeout().toMillis());
                            }
                        }
                    }
                });
            });
        });
        api.register(app);
        app.get("/openapi.json", ctx -> ctx.contentType("application/json").result(openApi));
        app.get("/health", ctx -> {
            Map<String, Object> checks = health();
            boolean up = checks.values().stream().allMatch("UP"::equals);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", up ? "UP" : "DOWN");
            body.put("checks", checks);
            ctx.status(up ? 200 : 503).contentType("application/json").result(json.writeValueAsString(body));
        });
        app.get("/health/live", ctx -> ctx.contentType("application/json").result("{\"status\":\"UP\"}"));
        app.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));
        app.after(ctx -> metrics.counter("ingest.http.requests", "method", ctx.method().name(),
                "route", ctx.endpointHandlerPath(), "status", Integer.toString(ctx.statusCode())).increment());
        app.exception(ApiException.class, (e, ctx) -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("error", e.getMessage());
            body.putAll(e.extra);
            if (e.status == 503) {
                ctx.header("Retry-After", "5");
            }
            ctx.status(e.status).contentType("application/json").result(writeJson(body));
        });
        app.exception(HttpResponseException.class, (e, ctx) ->
                ctx.status(e.getStatus()).contentType("application/json").result("{\"error\":\"HTTP " + e.getStatus() + "\"}"));
        app.exception(Exception.class, (e, ctx) -> {
            log.error("unexpected error on {} {}: {}", ctx.method(), ctx.endpointHandlerPath(), e.getClass().getName());
            ctx.status(500).contentType("application/json").result("{\"error\":\"internal error\"}");
        });
    }

    public static IngestApp start(IngestSettings settings) {
        IngestApp a = new IngestApp(settings);
        a.app.start(settings.httpHost(), settings.httpPort());
        log.info("ingest listening on {}:{} ({})", settings.httpHost(), a.port(), settings);
        return a;
    }

    public int port() {
        return app.port();
    }

    public PrometheusMeterRegistry metrics() {
        return metrics;
    }

    private Map<String, Object> health() {
        Map<String, Object> checks = new LinkedHashMap<>();
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs(3_000)).clusterId().get(3, TimeUnit.SECONDS);
            checks.put("kafka", "UP");
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            checks.put("kafka", "DOWN");
        }
        if (resolver != null) {
            checks.put("postgres", resolver.healthy() ? "UP" : "DOWN");
        }
        // Shared state read up to date at start: until then this replica could not keep the promises.
        if (claims != null) {
            checks.put("claims", claims.ready() && claims.failure() == null ? "UP" : "DOWN");
        }
        if (follower != null) {
            checks.put("openRequests", follower.ready() ? "UP" : "DOWN");
        }
        return checks;
    }

    private String writeJson(Object body) {
        try {
            return json.writeValueAsString(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String resource(String name) {
        try (InputStream in = IngestApp.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Graceful: stop taking requests, let in-flight ones finish, then close clients. */
    @Override
    public void close() {
        log.info("ingest stopping");
        app.stop();
        if (claims != null) {
            claims.close();
        }
        if (follower != null) {
            follower.close();
        }
        publisher.close();
        if (requestKeys != null) {
            requestKeys.close();
        }
        admin.close();
        if (dataSource != null) {
            dataSource.close();
        }
        metrics.close();
        log.info("ingest stopped");
    }

}

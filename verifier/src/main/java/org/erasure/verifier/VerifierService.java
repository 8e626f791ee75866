package org.erasure.verifier;

import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.HostInfo;
import org.erasure.verifier.config.StreamsProperties;
import org.erasure.verifier.config.TopicSetup;
import org.erasure.verifier.config.VerifierConfig;
import org.erasure.verifier.http.StatusServer;
import org.erasure.verifier.metrics.VerifierMetrics;
import org.erasure.verifier.status.StatusPage;
import org.erasure.verifier.status.StatusPageConfig;
import org.erasure.verifier.topology.VerifierTopology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One verifier instance: topics checked, HTTP started, Kafka Streams running. */
public final class VerifierService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(VerifierService.class);

    private final VerifierConfig config;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final StatusServer http = new StatusServer(registry);
    private final StatusPage statusPage;
    private KafkaStreams streams;
    /** Opens sealed requests (verifier.keys.kek); null when not configured. */
    private org.erasure.keys.RequestKeys requestKeys;
    private KafkaStreamsMetrics streamsMetrics;
    private int httpPort;
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final AtomicBoolean closed = new AtomicBoolean();

    public VerifierService(VerifierConfig config) {
        this(config, StatusPageConfig.defaults());
    }

    public VerifierService(VerifierConfig config, StatusPageConfig statusPage) {
        this.config = config;
        this.statusPage = new StatusPage(config, statusPage);
    }

    public static VerifierService start(VerifierConfig config) {
        return start(config, StatusPageConfig.defaults());
    }

    public static VerifierService start(VerifierConfig config, StatusPageConfig statusPageConfig) {
        VerifierService service = new VerifierService(config, statusPageConfig);
        try {
            service.run();
        } catch (RuntimeException e) {
            service.close();
            throw e;
        }
        return service;
    }

    /**
     * A key-store outage while opening a sealed request is "try again later": a new thread re-reads from the last
     * commit (each try waits up to keys.timeout). Anything else shuts this instance down.
     */
    static StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse onStreamThreadFailure(Throwable e) {
        if (org.erasure.verifier.topology.KeyStoreUnavailable.isCause(e)) {
            log.warn("Key store unavailable while opening a sealed request; replacing the stream thread to retry ({})", e.getMessage());
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        }
        log.error("Stream thread failed; shutting this instance down (another instance or a restart takes over)", e);
        return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }

    private void run() {
        log.info("Starting verifier {}", config);
        TopicSetup.ensure(config);
        http.routes(statusPage::register);
        httpPort = http.start(config.httpPort());
        HostInfo self = new HostInfo(config.advertisedHost(), httpPort);
        VerifierMetrics metrics = new VerifierMetrics(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        if (config.keys().kek() != null) {
            // The client settings (security) are those given to Kafka Streams; unknown ones only log a warning.
            java.util.Map<String, Object> client = new java.util.HashMap<>(config.kafkaStreams());
            client.put(org.apache.kafka.clients.CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
            requestKeys = org.erasure.keys.RequestKeys.open(config.keys(), client);
            log.info("Sealed requests are opened with key-encryption key {} and key topic {}", config.keys().kek().id(),
                    config.keys().topic().name());
        }
        Topology topology = VerifierTopology.build(config, metrics, requestKeys);
        log.info("Topology:\n{}", topology.describe());
        streams = new KafkaStreams(topology, StreamsProperties.of(config, self.host() + ":" + self.port(), metrics));
        streams.setUncaughtExceptionHandler(VerifierService::onStreamThreadFailure);
        streams.setStateListener((now, before) -> {
            log.info("Kafka Streams {} -> {}", before, now);
            if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
                terminated.countDown();
            }
        });
        streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(registry);
        http.attach(streams, self);
        statusPage.attach(streams, self);
        streams.start();
        log.info("Verifier started: HTTP on port {}, application.server {}:{}", httpPort, self.host(), self.port());
    }

    /** Blocks until Kafka Streams stopped (closed, or failed: then {@code streams().state()} is ERROR). */
    public void awaitTermination() throws InterruptedException {
        terminated.await();
    }

    public KafkaStreams streams() {
        return streams;
    }

    public int httpPort() {
        return httpPort;
    }

    public VerifierConfig config() {
        return config;
    }

    /** Graceful: finishes in-flight work, commits, closes stores, stops HTTP. */
    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    public void close(Duration timeout) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (streams != null) {
            streams.close(timeout);
        }
        if (streamsMetrics != null) {
            streamsMetrics.close();
        }
        if (requestKeys != null) {
            requestKeys.close();
        }
        statusPage.close();
        http.close();
        registry.close();
        terminated.countDown();
        log.info("Verifier stopped");
    }
}

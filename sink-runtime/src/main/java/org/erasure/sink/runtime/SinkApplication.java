package org.erasure.sink.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.erasure.events.RequestLane;
import org.erasure.sink.runtime.restore.RestorationSettings;
import org.erasure.sink.runtime.restore.RestorationVault;
import org.erasure.sink.runtime.spi.ErasureStore;
import org.erasure.sink.runtime.spi.StoreModule;
import org.erasure.sink.runtime.spi.StoreUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;

/**
 * A running sink: store + consumer loop + HTTP endpoints, wired from configuration. Every sink jar's
 * main is {@link SinkMain}, which finds the sink's {@link StoreModule} and calls {@link #main}; tests use {@link #start}.
 */
public final class SinkApplication implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SinkApplication.class);

    /** One lane: its own store instance, loop and thread. */
    private record LaneRun(RequestLane lane, ErasureStore store, SinkRunner runner, Thread thread) {}

    private final SinkSettings settings;
    private final List<LaneRun> lanes;
    private final HealthServer http;
    private final PrometheusMeterRegistry registry;
    private RequestOpener opener = RequestOpener.none();
    private RestorationVault vault; // null: the undo window is off
    private java.util.concurrent.ScheduledExecutorService windowSweeper;

    private SinkApplication(SinkSettings settings, List<LaneRun> lanes, HealthServer http, PrometheusMeterRegistry registry) {
        this.settings = settings;
        this.lanes = lanes;
        this.http = http;
        this.registry = registry;
    }

    /**
     * Builds the store (validating its config; one instance per lane), starts one loop thread per
     * lane and the HTTP server.
     */
    public static SinkApplication start(Config config, StoreModule module) {
        SinkSettings settings = SinkSettings.from(config, module.phase(), module.defaultSinkName());
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("sink", settings.name());
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        LanePriority priority = new LanePriority();
        List<RequestLane> wanted = settings.bulkLane() ? List.of(RequestLane.INTERACTIVE, RequestLane.BULK) : List.of(RequestLane.INTERACTIVE);
        List<LaneRun> runs = new ArrayList<>();
        HealthServer http = null;
        RequestOpener opener = openerFor(config, settings);
        RestorationVault vault = null;
        try {
            vault = vaultFor(config, settings, module);
            for (RequestLane lane : wanted) {
                ErasureStore store = createWaitingForTheStore(module, config, registry, settings);
                if (!store.phase().equals(module.phase())) {
                    store.close();
                    throw new IllegalStateException("store phase " + store.phase() + " differs from module phase " + module.phase());
                }
                SinkRunner runner = new SinkRunner(settings, lane, store, new SinkMetrics(registry, settings.name(), lane), priority, opener, vault);
                Thread thread = Thread.ofPlatform().name(settings.name() + SinkSettings.suffix(lane) + "-loop").start(runner);
                runs.add(new LaneRun(lane, store, runner, thread));
            }
            if (settings.httpEnabled()) {
                http = new HealthServer(settings, runs.stream().map(LaneRun::runner).toList(), runs.getFirst().store(), registry);
            }
        } catch (RuntimeException e) {
            runs.forEach(r -> {
                r.runner().close();
                r.store().close();
            });
            opener.close();
            if (vault != null) {
                vault.close();
            }
            throw e;
        }
        log.info("sink {} {} started (phase {}, targets {}, lanes {}{})", settings.name(), settings.version(), module.phase(),
                runs.getFirst().store().targets(), wanted, http == null ? "" : ", http port " + http.port());
        SinkApplication app = new SinkApplication(settings, List.copyOf(runs), http, registry);
        app.opener = opener;
        app.vault = vault;
        if (vault != null) {
            app.windowSweeper = sweepWindows(vault, vault.settings().sweepInterval(), settings.name());
        }
        return app;
    }

    /**
     * The undo window ({@code sink.restoration}, docs/privacy.md): with a key-encryption key, stores keep before-images
     * sealed under per-request restoration keys; without one (or when disabled) nothing is kept.
     */
    static RestorationVault vaultFor(Config config, SinkSettings settings, StoreModule module) {
        RestorationSettings r;
        try {
            r = RestorationSettings.from(config.getConfig("sink"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue("sink.restoration", e.getMessage());
        }
        if (!r.enabled()) {
            log.info("sink {} keeps no before-images (undo window off: {})", settings.name(),
                    r.keys().kek() == null ? "no key-encryption key" : "sink.restoration disabled");
            return null;
        }
        Map<String, Object> client = new java.util.HashMap<>(settings.consumerClientProperties());
        client.put(org.apache.kafka.clients.CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        log.info("sink {} keeps before-images for {} in {} (restoration keys in {})", settings.name(), r.window(), r.topic(), r.keyTopic().name());
        return RestorationVault.open(module.phase(), r, client);
    }

    /** Shreds the restoration keys whose window ended, every {@code interval}; a failure waits for the next round. */
    private static java.util.concurrent.ScheduledExecutorService sweepWindows(RestorationVault vault, Duration interval, String name) {
        var executor = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name(name + "-undo-window").daemon().factory());
        executor.scheduleWithFixedDelay(() -> {
            try {
                vault.shredExpired();
            } catch (RuntimeException e) {
                log.warn("restoration keys not shredded this round, retried in {} ({})", interval, e.getClass().getSimpleName());
            }
        }, 0, interval.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        return executor;
    }

    /**
     * Sealed requests are opened with {@code sink.keys}: without a key-encryption key nothing is created and a
     * sealed request fails its phase with {@code KEY_UNAVAILABLE}; with one, the key topic is read (erasure-keys).
     */
    static RequestOpener openerFor(Config config, SinkSettings settings) {
        org.erasure.keys.KeysSettings keys;
        try {
            keys = org.erasure.keys.KeysSettings.from(config.getConfig("sink.keys"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue("sink.keys", e.getMessage());
        }
        if (keys.kek() == null) {
            return RequestOpener.none();
        }
        Map<String, Object> client = new java.util.HashMap<>(settings.consumerClientProperties());
        client.put(org.apache.kafka.clients.CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        log.info("sink {} opens sealed requests with key-encryption key {} and key topic {}", settings.name(), keys.kek().id(),
                keys.topic().name());
        return RequestOpener.with(org.erasure.keys.RequestKeys.open(keys, client));
    }

    /**
     * {@link StoreModule#create}, again and again while the store cannot be reached (a store that is
     * down or restarting when the sink starts is an outage, not a configuration error: exiting would
     * only make a supervisor restart the sink into the same outage). Backs off like the outage probe;
     * a SIGTERM ends the wait. Any other failure (a wrong mapping, bad credentials) fails at once.
     */
    private static ErasureStore createWaitingForTheStore(StoreModule module, Config config, MeterRegistry registry, SinkSettings settings) {
        long since = System.nanoTime();
        Retry untilReachable = Retry.of(settings.name() + "-start", RetryConfig.custom()
                .maxAttempts(Integer.MAX_VALUE)
                .intervalFunction(IntervalFunction.ofExponentialBackoff(settings.probeInitial(), settings.probeMultiplier(), settings.probeMax()))
                .retryOnException(StoreUnavailableException::isUnreachable)
                .build());
        untilReachable.getEventPublisher().onRetry(e -> log.warn("{} store not reachable at start ({} s so far), trying again in {} ms: {}",
                module.phase(), (System.nanoTime() - since) / 1_000_000_000, e.getWaitInterval().toMillis(),
                e.getLastThrowable() == null ? "" : e.getLastThrowable().getMessage()));
        return untilReachable.executeSupplier(() -> module.create(config.getConfig(module.configSection()), registry));
    }

    public SinkSettings settings() {
        return settings;
    }

    /** The interactive lane's loop. */
    public SinkRunner runner() {
        return lanes.getFirst().runner();
    }

    public List<SinkRunner> runners() {
        return lanes.stream().map(LaneRun::runner).toList();
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The HTTP port (useful with {@code sink.http.port = 0}), or -1 when disabled. */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    /** Blocks until a loop ends (stop or fatal error); a failed lane stops the whole sink. */
    public void join() throws InterruptedException {
        while (true) {
            for (LaneRun r : lanes) {
                if (!r.thread().isAlive()) {
                    return;
                }
            }
            lanes.getFirst().thread().join(500);
        }
    }

    /** The error that ended a lane's loop, if any. */
    public Throwable failure() {
        for (LaneRun r : lanes) {
            if (r.runner().failure() != null) {
                return r.runner().failure();
            }
        }
        return null;
    }

    /** Graceful: finish the current chunks, commit, close the clients, the HTTP server and the stores. */
    @Override
    public void close() {
        lanes.forEach(r -> r.runner().stop());
        for (LaneRun r : lanes) {
            try {
                if (!r.runner().awaitStopped(Duration.ofSeconds(60))) {
                    log.warn("lane {} did not stop within 60 s", r.lane().tag());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (http != null) {
            http.close();
        }
        lanes.forEach(r -> r.store().close());
        opener.close();
        if (windowSweeper != null) {
            windowSweeper.shutdownNow();
        }
        if (vault != null) {
            vault.close();
        }
        registry.close();
    }

    /** {@code java -jar sink-<store>.jar [--config FILE]}. Exits non-zero when the loop fails. */
    public static void main(String[] args, StoreModule module) {
        int code = new CommandLine(new Command(module)).execute(args);
        System.exit(code);
    }

    @CommandLine.Command(name = "sink", mixinStandardHelpOptions = true,
            description = "Consumes erasure requests, erases in one store, emits PhaseCompleted events.")
    static final class Command implements Callable<Integer> {
        private final StoreModule module;

        @CommandLine.Option(names = "--config", paramLabel = "FILE",
                description = "HOCON file overlaying the defaults; every key can also be set by environment "
                        + "(path upper-cased, '.' and '-' -> '_', e.g. SINK_KAFKA_BOOTSTRAP_SERVERS).")
        Path config;

        Command(StoreModule module) {
            this.module = module;
        }

        @Override
        public Integer call() throws Exception {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
            Config cfg;
            try {
                cfg = SinkConfig.load(config, module.configSection(), module.openConfigPaths(), Map.copyOf(System.getenv()));
            } catch (ConfigException e) {
                log.error("Configuration error, not starting: {}", e.getMessage());
                return 2;
            }
            SinkApplication app = start(cfg, module);
            Thread hook = Thread.ofPlatform().unstarted(() -> {
                log.info("shutdown requested");
                app.close();
            });
            Runtime.getRuntime().addShutdownHook(hook);
            app.join();
            Throwable failure = app.failure();
            if (failure != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // SIGTERM already running the hook
                }
                app.close();
                return 1;
            }
            return 0;
        }
    }
}

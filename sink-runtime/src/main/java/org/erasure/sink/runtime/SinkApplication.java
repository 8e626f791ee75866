package org.erasure.sink.runtime;

import com.typesafe.config.Config;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.erasure.sink.runtime.spi.ErasureStore;
import org.erasure.sink.runtime.spi.StoreModule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;

/**
 * A running sink: store + consumer loop + HTTP endpoints, wired from configuration. A sink module's
 * main is {@code SinkApplication.main(args, new MyStoreModule())}; tests use {@link #start}.
 */
public final class SinkApplication implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SinkApplication.class);

    private final SinkSettings settings;
    private final ErasureStore store;
    private final SinkRunner runner;
    private final Thread thread;
    private final HealthServer http;
    private final PrometheusMeterRegistry registry;

    private SinkApplication(SinkSettings settings, ErasureStore store, SinkRunner runner, Thread thread,
                            HealthServer http, PrometheusMeterRegistry registry) {
        this.settings = settings;
        this.store = store;
        this.runner = runner;
        this.thread = thread;
        this.http = http;
        this.registry = registry;
    }

    /** Builds the store (validating its config), starts the loop thread and the HTTP server. */
    public static SinkApplication start(Config config, StoreModule module) {
        SinkSettings settings = SinkSettings.from(config, module.phase(), module.defaultSinkName());
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("sink", settings.name());
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        ErasureStore store = module.create(config.getConfig(module.configSection()), registry);
        if (store.phase() != module.phase()) {
            store.close();
            throw new IllegalStateException("store phase " + store.phase() + " differs from module phase " + module.phase());
        }
        SinkMetrics metrics = new SinkMetrics(registry, settings.name());
        SinkRunner runner = new SinkRunner(settings, store, metrics);
        Thread thread = Thread.ofPlatform().name(settings.name() + "-loop").start(runner);
        HealthServer http = null;
        if (settings.httpEnabled()) {
            try {
                http = new HealthServer(settings, runner, store, registry);
            } catch (RuntimeException e) {
                runner.close();
                store.close();
                throw e;
            }
        }
        log.info("sink {} {} started (phase {}, targets {}{})", settings.name(), settings.version(), store.phase(),
                store.targets(), http == null ? "" : ", http port " + http.port());
        return new SinkApplication(settings, store, runner, thread, http, registry);
    }

    public SinkSettings settings() {
        return settings;
    }

    public SinkRunner runner() {
        return runner;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The HTTP port (useful with {@code sink.http.port = 0}), or -1 when disabled. */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    /** Blocks until the loop ends (stop or fatal error). */
    public void join() throws InterruptedException {
        thread.join();
    }

    /** Graceful: finish the current batch, commit, close the clients, the HTTP server and the store. */
    @Override
    public void close() {
        runner.stop();
        try {
            if (!runner.awaitStopped(Duration.ofSeconds(60))) {
                log.warn("consumer loop did not stop within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (http != null) {
            http.close();
        }
        store.close();
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
            Config cfg = SinkConfig.load(config, module.configSection(), Map.copyOf(System.getenv()));
            SinkApplication app = start(cfg, module);
            Thread hook = Thread.ofPlatform().unstarted(() -> {
                log.info("shutdown requested");
                app.close();
            });
            Runtime.getRuntime().addShutdownHook(hook);
            app.join();
            Throwable failure = app.runner().failure();
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

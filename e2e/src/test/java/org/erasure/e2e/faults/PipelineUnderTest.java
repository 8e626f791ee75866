package org.erasure.e2e.faults;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.erasure.devstack.DevStack;
import org.erasure.devstack.fault.TcpProxy;
import org.erasure.devstack.seed.SeedNames;
import org.erasure.e2e.PipelineServices;
import org.erasure.e2e.ServiceProcess;
import org.erasure.e2e.SinkKind;
import org.erasure.events.Topics;

/**
 * The fault test's pipeline: {@link PipelineServices} with Elasticsearch and ClickHouse reached
 * through TCP proxies so they can be cut, services that can be killed with SIGKILL and restarted with
 * the same command line, and a supervisor for services that exit on their own.
 */
final class PipelineUnderTest implements AutoCloseable {

    static final String VERIFIER = "verifier";
    static final int RESTART_DELAY_SECONDS = 2;

    private final PipelineServices services;
    private final TcpProxy elasticsearchProxy;
    private final TcpProxy clickhouseProxy;
    private final Set<String> restartsPending = new HashSet<>();
    private final List<UnplannedExit> unplannedExits = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService supervisor = Executors
            .newSingleThreadScheduledExecutor(Thread.ofPlatform().name("supervisor").daemon().factory());

    private PipelineUnderTest(PipelineServices services, TcpProxy elasticsearchProxy, TcpProxy clickhouseProxy) {
        this.services = services;
        this.elasticsearchProxy = elasticsearchProxy;
        this.clickhouseProxy = clickhouseProxy;
    }

    /** Creates the topics and starts every service; returns when all are ready and every consumer group is stable. */
    static PipelineUnderTest start(DevStack stack, SeedNames names, Topics topics, Path dir) throws IOException {
        TcpProxy es = new TcpProxy(stack.elasticsearch().httpPort());
        TcpProxy ch = new TcpProxy(stack.clickhouse().httpPort());
        PipelineServices services = null;
        try {
            es.start();
            ch.start();
            String chDirect = stack.clickhouse().jdbcUrl();
            PipelineServices.Options options = PipelineServices.Options.defaults()
                    // One service at a time: seven JVMs starting at once on two busy cores made a sink miss its
                    // store's 5 s connection timeout at start (it then exits, as it should with a bad config).
                    .oneByOne(Duration.ofMinutes(2))
                    .sinksHocon("sink.batch.max-size = 500\n")
                    .store(SinkKind.ELASTICSEARCH, via(SinkKind.ELASTICSEARCH.storeHocon(stack, names), stack.elasticsearch().httpUrl(),
                            "http://127.0.0.1:" + es.port()))
                    .store(SinkKind.CLICKHOUSE, via(SinkKind.CLICKHOUSE.storeHocon(stack, names), chDirect,
                            chDirect.replace(":" + stack.clickhouse().httpPort() + "/", ":" + ch.port() + "/")));
            services = PipelineServices.start(stack, topics, names, dir, options);
            services.awaitStableGroups(Duration.ofMinutes(2));
            return new PipelineUnderTest(services, es, ch);
        } catch (IOException | RuntimeException e) {
            if (services != null) {
                services.close();
            }
            es.close();
            ch.close();
            throw e;
        }
    }

    /** The store section pointing at the proxy instead of the server. */
    private static String via(String hocon, String direct, String proxied) {
        if (!hocon.contains(direct) || direct.equals(proxied)) {
            throw new IllegalStateException("cannot point the sink config at its proxy: " + direct + " not in " + hocon);
        }
        return hocon.replace(direct, proxied);
    }

    static String sinkName(SinkKind kind) {
        return PipelineServices.serviceName(kind);
    }

    IngestClient ingestClient() {
        return new IngestClient(services.service("ingest").httpPort(), services.ingestToken(), Duration.ofMinutes(4));
    }

    /** SIGKILL, then the same command line again at once; returns the new process. */
    synchronized ServiceProcess killAndRestart(String service) {
        services.service(service).process().kill();
        return services.restart(service).process();
    }

    TcpProxy elasticsearchProxy() {
        return elasticsearchProxy;
    }

    TcpProxy clickhouseProxy() {
        return clickhouseProxy;
    }

    /** A service that exited without being killed by the test, and what it said last. */
    record UnplannedExit(String service, long atNanos, int exitCode, String lastError) {}

    /**
     * From now on, restarts a service that exits on its own ({@value #RESTART_DELAY_SECONDS} s later,
     * with the same command line), as a supervisor (systemd {@code Restart=always}, a Kubernetes
     * restart policy) would; each such exit is recorded: the test reports and fails on them.
     */
    void superviseFromNow() {
        supervisor.scheduleWithFixedDelay(this::restartExited, 1, 1, TimeUnit.SECONDS);
    }

    private void restartExited() {
        List<PipelineServices.Service> exited;
        synchronized (this) {
            exited = services.services().stream().filter(s -> !s.process().isAlive() && restartsPending.add(s.name())).toList();
            for (PipelineServices.Service dead : exited) {
                unplannedExits.add(new UnplannedExit(dead.name(), System.nanoTime(), dead.process().exitCode(),
                        lastError(dead.process().output())));
            }
        }
        for (PipelineServices.Service dead : exited) {
            supervisor.schedule(() -> {
                synchronized (this) {
                    if (!services.service(dead.name()).process().isAlive()) {
                        services.restart(dead.name());
                    }
                    restartsPending.remove(dead.name());
                }
            }, RESTART_DELAY_SECONDS, TimeUnit.SECONDS);
        }
    }

    /** The last exception line of a service's output (ids and class names only: services never log PII). */
    private static String lastError(String output) {
        List<String> lines = output.lines().filter(l -> l.contains("Exception") && !l.startsWith("\t")).toList();
        String last = lines.isEmpty() ? "(no exception in its output)" : lines.getLast().strip();
        return last.length() > 300 ? last.substring(0, 300) + "…" : last;
    }

    List<UnplannedExit> unplannedExits() {
        return List.copyOf(unplannedExits);
    }

    @Override
    public void close() {
        supervisor.shutdownNow();
        services.close();
        elasticsearchProxy.close();
        clickhouseProxy.close();
    }
}

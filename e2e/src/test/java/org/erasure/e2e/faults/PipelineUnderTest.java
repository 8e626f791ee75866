package org.erasure.e2e.faults;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.GroupState;
import org.erasure.devstack.DevStack;
import org.erasure.devstack.FreePort;
import org.erasure.devstack.fault.TcpProxy;
import org.erasure.devstack.seed.SeedNames;
import org.erasure.e2e.PipelineConfig;
import org.erasure.e2e.ProjectLayout;
import org.erasure.e2e.ServiceProcess;
import org.erasure.e2e.SinkKind;
import org.erasure.events.Topics;
import org.awaitility.Awaitility;

/**
 * Ingest, the verifier and the five sinks, each its own process from its jar, against the dev-stack;
 * Elasticsearch and ClickHouse reached through TCP proxies so they can be cut. Services can be killed
 * with SIGKILL and restarted with the same command line.
 */
final class PipelineUnderTest implements AutoCloseable {

    static final int PARTITIONS = 3;
    static final String VERIFIER = "verifier";
    static final String INGEST = "ingest";

    private final DevStack stack;
    private final Topics topics;
    private final String stem;
    private final Map<String, ServiceProcess> services = new LinkedHashMap<>();
    private final TcpProxy elasticsearchProxy;
    private final TcpProxy clickhouseProxy;
    private final String token = HexFormat.of().formatHex(randomBytes(24));
    private final java.util.Set<String> restartsPending = new java.util.HashSet<>();
    private final List<UnplannedExit> unplannedExits = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.concurrent.ScheduledExecutorService supervisor = java.util.concurrent.Executors
            .newSingleThreadScheduledExecutor(Thread.ofPlatform().name("supervisor").daemon().factory());
    private int ingestPort;

    private PipelineUnderTest(DevStack stack, Topics topics, String stem) throws IOException {
        this.stack = stack;
        this.topics = topics;
        this.stem = stem;
        this.elasticsearchProxy = new TcpProxy(stack.elasticsearch().httpPort()).start();
        this.clickhouseProxy = new TcpProxy(stack.clickhouse().httpPort()).start();
    }

    /** Creates the topics and starts every service; returns when ingest answers and every consumer group is stable. */
    static PipelineUnderTest start(DevStack stack, SeedNames names, Topics topics, String stem, Path dir) throws Exception {
        PipelineUnderTest p = new PipelineUnderTest(stack, topics, stem);
        try {
            p.startServices(names, dir);
            return p;
        } catch (Exception | AssertionError e) {
            p.close();
            throw e;
        }
    }

    private void startServices(SeedNames names, Path dir) throws Exception {
        stack.kafka().createTopics(PARTITIONS, List.of(topics.requests(), topics.requestsBulk(), topics.phaseCompletions(),
                topics.completions()));
        stack.kafka().createTopics(1, List.of(topics.requestsDlq(), topics.requestsBulkDlq()));
        int verifierPort = FreePort.find();
        Path stateDir = Files.createDirectories(dir.resolve("verifier-state"));
        services.put(VERIFIER, ServiceProcess.start(VERIFIER, ProjectLayout.jar("verifier", "verifier.jar"), """
                verifier {
                  application-id = "%s-verifier"
                  bootstrap-servers = "%s"
                  topic-prefix = "%s"
                  partitions = %d
                  state-dir = "%s"
                  digest-key = "hex:%s"
                  timeouts.punctuation-interval = 2s
                  http { port = %d, advertised-host = "127.0.0.1" }
                }
                """.formatted(stem, stack.kafka().bootstrapServers(), topics.prefix(), PARTITIONS, stateDir,
                HexFormat.of().formatHex(randomBytes(32)), verifierPort), dir, List.of()));

        ingestPort = FreePort.find();
        services.put(INGEST, ServiceProcess.start(INGEST, ProjectLayout.jar("ingest", "ingest.jar"), """
                ingest {
                  http { host = "127.0.0.1", port = %d }
                  kafka { bootstrap-servers = "%s", topic-prefix = "%s", transactional-id = "%s-ingest" }
                  auth.tokens = [{ name = fault-test, sha256 = "%s", roles = [submit, read] }]
                  postgres { url = "%s", user = postgres, password = postgres, schema = "%s" }
                  verifier.base-url = "http://127.0.0.1:%d"
                }
                """.formatted(ingestPort, stack.kafka().bootstrapServers(), topics.prefix(), stem, sha256(token),
                stack.postgres().jdbcUrl(), names.pgSchema(), verifierPort), dir, List.of()));

        awaitReady(List.of(VERIFIER), true);
        // One sink at a time: seven JVMs starting at once on two busy cores made a sink miss its
        // store's 5 s connection timeout at start (it then exits, as it should with a bad config).
        for (SinkKind kind : SinkKind.values()) {
            String hocon = PipelineConfig.sinkHocon(stack.kafka(), topics.prefix(), kind, "faults", 500) + storeHocon(kind, names);
            services.put(sinkName(kind), ServiceProcess.start(sinkName(kind), kind.jar(), hocon, dir, List.of()));
            awaitReady(List.of(sinkName(kind)), false);
        }
    }

    /** The store section; Elasticsearch and ClickHouse are reached through their proxies. */
    private String storeHocon(SinkKind kind, SeedNames names) {
        String hocon = kind.storeHocon(stack, names);
        return switch (kind) {
            case ELASTICSEARCH -> via(hocon, stack.elasticsearch().httpUrl(), "http://127.0.0.1:" + elasticsearchProxy.port());
            case CLICKHOUSE -> via(hocon, stack.clickhouse().jdbcUrl(),
                    stack.clickhouse().jdbcUrl().replace(":" + stack.clickhouse().httpPort() + "/", ":" + clickhouseProxy.port() + "/"));
            default -> hocon;
        };
    }

    private static String via(String hocon, String direct, String proxied) {
        if (!hocon.contains(direct) || direct.equals(proxied)) {
            throw new IllegalStateException("cannot point the sink config at its proxy: " + direct + " not in " + hocon);
        }
        return hocon.replace(direct, proxied);
    }

    static String sinkName(SinkKind kind) {
        return "sink-" + kind.id();
    }

    /** The (interactive-lane) consumer group of a sink (its name, PipelineConfig) or of the verifier (its application id). */
    String groupOf(String service) {
        return service.equals(VERIFIER) ? stem + "-verifier" : topics.prefix() + service;
    }

    /** Waits until the services' consumer groups are stable (and ingest answers /health). */
    private void awaitReady(List<String> services, boolean ingest) {
        List<String> groups = new ArrayList<>();
        for (String service : services) {
            groups.add(groupOf(service));
            if (!service.equals(VERIFIER)) {
                groups.add(groupOf(service) + "-bulk"); // a sink's second lane (sink-runtime/README.md, "Lanes")
            }
        }
        Duration timeout = Duration.ofMinutes(2);
        try (Admin admin = stack.kafka().newAdmin()) {
            Awaitility.await("ingest healthy and consumer groups " + groups + " stable")
                    .atMost(timeout).pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        List<String> dead = deadServices();
                        if (!dead.isEmpty()) {
                            throw new IllegalStateException("services exited during start-up: " + dead + outputs(dead));
                        }
                        return (!ingest || ingestHealthy()) && groupsStable(admin, groups);
                    });
        }
    }

    private static boolean groupsStable(Admin admin, List<String> groups) throws InterruptedException {
        try {
            Map<String, ConsumerGroupDescription> described = admin.describeConsumerGroups(groups).all().get(10, TimeUnit.SECONDS);
            return described.values().stream().allMatch(d -> d.groupState() == GroupState.STABLE && !d.members().isEmpty());
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    private boolean ingestHealthy() {
        try {
            var response = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + ingestPort + "/health"))
                            .timeout(Duration.ofSeconds(5)).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    IngestClient ingestClient() {
        return new IngestClient(ingestPort, token, Duration.ofMinutes(4));
    }

    /** SIGKILL, then the same command line again at once; returns the new process. */
    synchronized ServiceProcess killAndRestart(String service) {
        ServiceProcess old = services.get(service);
        old.kill();
        ServiceProcess next = old.restart();
        services.put(service, next);
        return next;
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

    static final int RESTART_DELAY_SECONDS = 2;

    private void restartExited() {
        List<String> exited;
        synchronized (this) {
            exited = deadServices().stream().filter(restartsPending::add).toList();
            for (String name : exited) {
                ServiceProcess dead = services.get(name);
                unplannedExits.add(new UnplannedExit(name, System.nanoTime(), dead.exitCode(), lastError(dead.output())));
            }
        }
        for (String name : exited) {
            supervisor.schedule(() -> {
                synchronized (this) {
                    ServiceProcess dead = services.get(name);
                    if (!dead.isAlive()) {
                        services.put(name, dead.restart());
                    }
                    restartsPending.remove(name);
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

    synchronized List<String> deadServices() {
        return services.values().stream().filter(s -> !s.isAlive()).map(ServiceProcess::name).toList();
    }

    synchronized String outputs(List<String> names) {
        StringBuilder out = new StringBuilder();
        for (String name : names) {
            String text = services.get(name).output();
            out.append("\n--- ").append(name).append(" (last 4,000 chars):\n").append(text.substring(Math.max(0, text.length() - 4_000)));
        }
        return out.toString();
    }

    @Override
    public void close() {
        supervisor.shutdownNow();
        closeServices();
    }

    private synchronized void closeServices() {
        services.values().parallelStream().forEach(ServiceProcess::close);
        elasticsearchProxy.close();
        clickhouseProxy.close();
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    private static String sha256(String text) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}

package org.erasure.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.erasure.devstack.DevStack;
import org.erasure.devstack.FreePort;
import org.erasure.devstack.seed.SeedNames;
import org.erasure.events.Topics;

/**
 * The whole pipeline as it is deployed: the verifier, ingest and one process per sink, each
 * {@code java -jar} of its own jar against a dev-stack, on one set of topics. Used by the main job
 * and the pipeline benchmark.
 */
public final class PipelineServices implements AutoCloseable {

    /** Partitions of both request lanes, phase-completions and completions (the verifier checks the last two agree). */
    public static final int PARTITIONS = 3;

    /** One running service and the port of its /health and /metrics. */
    public record Service(String name, ServiceProcess process, int httpPort) {
        public URI uri(String path) {
            return URI.create("http://127.0.0.1:" + httpPort + path);
        }
    }

    private final Topics topics;
    private final List<Service> services;
    private final ServiceProcesses processes = new ServiceProcesses();
    private final String ingestToken;

    private PipelineServices(Topics topics, List<Service> services, String ingestToken) {
        this.topics = topics;
        this.services = services;
        this.ingestToken = ingestToken;
    }

    /**
     * Creates the topics and starts every service; returns without waiting for them to be ready
     * ({@link #awaitReady}).
     *
     * @param names      where the world is seeded (the sinks' store mapping points there)
     * @param dir        config files, logs and the verifier's state go here
     * @param jvmOptions for every service JVM, e.g. {@code -Xmx256m}
     */
    public static PipelineServices start(DevStack stack, Topics topics, SeedNames names, Path dir, List<String> jvmOptions) {
        return launch(stack, topics, names, dir, jvmOptions, null);
    }

    /**
     * Starts the services one after another, each ready before the next starts: slower, but on a
     * loaded machine seven JVMs starting at once can starve a service's first store connection.
     */
    public static PipelineServices startOneByOne(DevStack stack, Topics topics, SeedNames names, Path dir, List<String> jvmOptions,
                                                 Duration readyTimeout) {
        return launch(stack, topics, names, dir, jvmOptions, readyTimeout);
    }

    private static PipelineServices launch(DevStack stack, Topics topics, SeedNames names, Path dir, List<String> jvmOptions,
                                           Duration readyEach) {
        stack.kafka().createTopics(PARTITIONS, List.of(topics.requests(), topics.requestsBulk(), topics.phaseCompletions(), topics.completions()));
        stack.kafka().createTopics(1, List.of(topics.requestsDlq(), topics.requestsBulkDlq()));
        String token = HexFormat.of().formatHex(randomBytes(24));
        List<Service> started = new ArrayList<>();
        PipelineServices pipeline = new PipelineServices(topics, started, token);
        // Every exit path of the job (end, exception, SIGTERM, Ctrl-C) stops the services before the servers.
        stack.closeBeforeServers(pipeline);
        ServiceProcesses processes = pipeline.processes;
        java.util.function.Consumer<Service> add = service -> {
            started.add(service);
            if (readyEach != null) {
                awaitReady(service, started, System.nanoTime() + readyEach.toNanos(), readyEach);
            }
        };
        try {
            int verifierPort = FreePort.find();
            add.accept(new Service("verifier", processes.start("verifier", ProjectLayout.jar("verifier", "verifier.jar"),
                    verifierHocon(stack, topics, dir, verifierPort), dir, jvmOptions), verifierPort));
            int ingestPort = FreePort.find();
            add.accept(new Service("ingest", processes.start("ingest", ProjectLayout.jar("ingest", "ingest.jar"),
                    ingestHocon(stack, topics, names, ingestPort, verifierPort, token), dir, jvmOptions), ingestPort));
            for (SinkKind kind : SinkKind.values()) {
                int port = FreePort.find();
                String hocon = PipelineConfig.serviceSinkHocon(stack.kafka(), topics.prefix(), kind, "1", port)
                        + kind.storeHocon(stack, names);
                add.accept(new Service("sink-" + kind.id(), processes.start("sink-" + kind.id(), kind.jar(), hocon, dir, jvmOptions), port));
            }
            return pipeline;
        } catch (RuntimeException e) {
            pipeline.close();
            throw e;
        }
    }

    public List<Service> services() {
        return List.copyOf(services);
    }

    public Service service(String name) {
        return services.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no service " + name));
    }

    public Topics topics() {
        return topics;
    }

    public String ingestUrl() {
        return "http://127.0.0.1:" + service("ingest").httpPort();
    }

    /** A bearer token ingest accepts with roles submit and read. */
    public String ingestToken() {
        return ingestToken;
    }

    /** The verifier's Kafka Streams application id (its consumer group). */
    public static String verifierApplicationId(Topics topics) {
        return topics.prefix() + "erasure-verifier";
    }

    /**
     * Consumer groups that must be stable before the pipeline takes requests at full speed: the
     * verifier's, and each sink's two lanes ({@code <name>} interactive, {@code <name>-bulk}).
     */
    public List<String> consumerGroups() {
        List<String> groups = new ArrayList<>();
        groups.add(verifierApplicationId(topics));
        for (SinkKind kind : SinkKind.values()) {
            groups.add(PipelineConfig.sinkName(topics.prefix(), kind));
            groups.add(PipelineConfig.sinkName(topics.prefix(), kind) + "-bulk");
        }
        return groups;
    }

    /** Waits until every service answers 200 on its readiness endpoint; fails early if one exits. */
    public void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Service service : services) {
            awaitReady(service, services, deadline, timeout);
        }
    }

    private static void awaitReady(Service service, List<Service> all, long deadline, Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        String path = service.name().startsWith("sink-") ? "/health/ready" : "/health";
        while (!answers200(http, service.uri(path))) {
            List<Service> dead = all.stream().filter(s -> !s.process().isAlive()).toList();
            if (!dead.isEmpty()) {
                throw new IllegalStateException(dead.getFirst().name() + " exited during start-up:\n" + tail(dead.getFirst().process().output()));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(service.name() + " not ready within " + timeout + ":\n" + tail(service.process().output()));
            }
            LockSupport.parkNanos(Duration.ofMillis(250).toNanos());
        }
    }

    private static boolean answers200(HttpClient http, URI uri) {
        try {
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build();
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (java.io.IOException notYet) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the services", e);
        }
    }

    private static String tail(String output) {
        return output.length() <= 4_000 ? output : output.substring(output.length() - 4_000);
    }

    /** SIGTERM to every service at once (each finishes its batch; kill -9 after 60 s), then waits for all. Idempotent. */
    @Override
    public void close() {
        processes.close();
    }

    private static String verifierHocon(DevStack stack, Topics topics, Path dir, int httpPort) {
        try {
            Path stateDir = Files.createDirectories(dir.resolve("verifier-state"));
            return """
                    verifier {
                      application-id = "%s"
                      bootstrap-servers = "%s"
                      topic-prefix = "%s"
                      partitions = %d
                      state-dir = "%s"
                      digest-key = "hex:%s"
                      timeouts.punctuation-interval = 2s
                      http { port = %d, advertised-host = "127.0.0.1" }
                    }
                    """.formatted(verifierApplicationId(topics), stack.kafka().bootstrapServers(), topics.prefix(), PARTITIONS,
                    stateDir, HexFormat.of().formatHex(randomBytes(32)), httpPort);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create the verifier's state dir", e);
        }
    }

    /** The upstream service's door: requests are validated, resolved and published in one transaction. */
    private static String ingestHocon(DevStack stack, Topics topics, SeedNames names, int port, int verifierPort, String token) {
        return """
                ingest {
                  http { host = "127.0.0.1", port = %d }
                  kafka { bootstrap-servers = "%s", topic-prefix = "%s", transactional-id = "%serasure-ingest-1" }
                  auth.tokens = [{ name = pipeline-operator, sha256 = "%s", roles = [submit, read] }]
                  postgres { url = "%s", user = postgres, password = postgres, schema = "%s" }
                  verifier.base-url = "http://127.0.0.1:%d"
                }
                """.formatted(port, stack.kafka().bootstrapServers(), topics.prefix(), topics.prefix(), sha256(token),
                stack.postgres().jdbcUrl(), names.pgSchema(), verifierPort);
    }

    private static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }
}

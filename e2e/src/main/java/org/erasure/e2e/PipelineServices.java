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
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.GroupState;
import org.erasure.devstack.DevStack;
import org.erasure.devstack.FreePort;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.devstack.seed.SeedNames;
import org.erasure.events.Topics;

/**
 * The whole pipeline as it is deployed: the verifier, ingest and one process per sink, each
 * {@code java -jar} of its own jar against a dev-stack, on one set of topics. Used by the main job,
 * the pipeline benchmark and the whole-system tests (hostile input, faults: they add a supervisor and
 * store proxies on top, in their own package).
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

    /**
     * How the services run; {@link #defaults()} runs them as deployed. Extra HOCON is appended to a
     * service's generated config (a later key wins), a store override replaces a sink's store section
     * (e.g. to reach the store through a proxy).
     *
     * @param jvmOptions for every service JVM, e.g. {@code -Xmx256m}
     * @param readyEach  when set, the services start one after another, each ready within it before the
     *                   next starts: slower, but on a loaded machine seven JVMs starting at once can
     *                   starve a service's first store connection
     */
    public record Options(List<String> jvmOptions, Duration readyEach, Map<String, String> extraHocon, Map<SinkKind, String> storeHocon) {
        public static Options defaults() {
            return new Options(List.of(), null, Map.of(), Map.of());
        }

        public Options jvm(List<String> options) {
            return new Options(List.copyOf(options), readyEach, extraHocon, storeHocon);
        }

        public Options oneByOne(Duration readyTimeout) {
            return new Options(jvmOptions, readyTimeout, extraHocon, storeHocon);
        }

        /** Appended to the config of {@code service} ({@code verifier}, {@code ingest}, {@code sink-<id>}). */
        public Options hocon(String service, String hocon) {
            Map<String, String> more = new HashMap<>(extraHocon);
            more.merge(service, hocon, String::concat);
            return new Options(jvmOptions, readyEach, Map.copyOf(more), storeHocon);
        }

        /** Appended to the config of every sink. */
        public Options sinksHocon(String hocon) {
            Options options = this;
            for (SinkKind kind : SinkKind.values()) {
                options = options.hocon(serviceName(kind), hocon);
            }
            return options;
        }

        /** Instead of {@link SinkKind#storeHocon}. */
        public Options store(SinkKind kind, String hocon) {
            Map<SinkKind, String> more = new EnumMap<>(SinkKind.class);
            more.putAll(storeHocon);
            more.put(kind, hocon);
            return new Options(jvmOptions, readyEach, extraHocon, Map.copyOf(more));
        }
    }

    private final KafkaBroker kafka;
    private final Topics topics;
    private final List<Service> services = new ArrayList<>();
    private final ServiceProcesses processes = new ServiceProcesses();
    private final String ingestToken = HexFormat.of().formatHex(randomBytes(24));

    private PipelineServices(KafkaBroker kafka, Topics topics) {
        this.kafka = kafka;
        this.topics = topics;
    }

    /**
     * Creates the topics and starts every service; returns without waiting for them to be ready
     * ({@link #awaitReady}) unless {@link Options#oneByOne}.
     *
     * @param names where the world is seeded (the sinks' store mapping points there)
     * @param dir   config files, logs and the verifier's state go here
     */
    public static PipelineServices start(DevStack stack, Topics topics, SeedNames names, Path dir, Options options) {
        stack.kafka().createTopics(PARTITIONS, List.of(topics.requests(), topics.requestsBulk(), topics.phaseCompletions(), topics.phaseCompletionsBulk(), topics.completions()));
        stack.kafka().createTopics(1, List.of(topics.requestsDlq(), topics.requestsBulkDlq()));
        PipelineServices pipeline = new PipelineServices(stack.kafka(), topics);
        // Every exit path of the job (end, exception, SIGTERM, Ctrl-C) stops the services before the servers.
        stack.closeBeforeServers(pipeline);
        try {
            int verifierPort = FreePort.find();
            pipeline.launch("verifier", ProjectLayout.jar("verifier", "verifier.jar"),
                    verifierHocon(stack, topics, dir, verifierPort), verifierPort, dir, options);
            int ingestPort = FreePort.find();
            pipeline.launch("ingest", ProjectLayout.jar("ingest", "ingest.jar"),
                    ingestHocon(stack, topics, names, ingestPort, verifierPort, pipeline.ingestToken), ingestPort, dir, options);
            for (SinkKind kind : SinkKind.values()) {
                int port = FreePort.find();
                String hocon = PipelineConfig.serviceSinkHocon(stack.kafka(), topics.prefix(), kind, "1", port)
                        + options.storeHocon().getOrDefault(kind, kind.storeHocon(stack, names));
                pipeline.launch(serviceName(kind), kind.jar(), hocon, port, dir, options);
            }
            return pipeline;
        } catch (RuntimeException e) {
            pipeline.close();
            throw e;
        }
    }

    private void launch(String name, Path jar, String hocon, int httpPort, Path dir, Options options) {
        String config = hocon + options.extraHocon().getOrDefault(name, "");
        Service service = new Service(name, processes.start(name, jar, config, dir, options.jvmOptions()), httpPort);
        synchronized (this) {
            services.add(service);
        }
        if (options.readyEach() != null) {
            awaitReady(service, System.nanoTime() + options.readyEach().toNanos(), options.readyEach());
        }
    }

    /** A sink's service name: {@code sink-<id>} (its consumer group is {@link PipelineConfig#sinkName}). */
    public static String serviceName(SinkKind kind) {
        return "sink-" + kind.id();
    }

    /**
     * Starts a service that exited (killed, or crashed) again with the same command line, config file
     * and state dir, as a supervisor would; its output is appended to the same file.
     */
    public synchronized Service restart(String name) {
        Service old = service(name);
        if (old.process().isAlive()) {
            throw new IllegalStateException(name + " is running");
        }
        Service next = new Service(name, processes.restart(old.process()), old.httpPort());
        services.set(services.indexOf(old), next);
        return next;
    }

    public synchronized List<Service> services() {
        return List.copyOf(services);
    }

    public synchronized Service service(String name) {
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
        for (Service service : services()) {
            awaitReady(service, deadline, timeout);
        }
    }

    /**
     * Waits until every {@link #consumerGroups() consumer group} is stable with members: until then a
     * request would wait for (or measure) a group join.
     */
    public void awaitStableGroups(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> groups = consumerGroups();
        try (Admin admin = kafka.newAdmin()) {
            while (true) {
                List<String> unstable = new ArrayList<>();
                try {
                    admin.describeConsumerGroups(groups).all().get(30, TimeUnit.SECONDS).forEach((group, d) -> {
                        if (d.groupState() != GroupState.STABLE || d.members().isEmpty()) {
                            unstable.add(group + " " + d.groupState());
                        }
                    });
                } catch (ExecutionException | TimeoutException e) {
                    unstable.add("cannot describe the groups: " + e);
                }
                if (unstable.isEmpty()) {
                    return;
                }
                failIfOneExited("during start-up");
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("consumer groups not stable within " + timeout + ": " + unstable);
                }
                LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private void failIfOneExited(String when) {
        List<Service> dead = services().stream().filter(s -> !s.process().isAlive()).toList();
        if (!dead.isEmpty()) {
            throw new IllegalStateException(dead.getFirst().name() + " exited " + when + ":\n" + tail(dead.getFirst().process().output()));
        }
    }

    private void awaitReady(Service service, long deadline, Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        String path = service.name().startsWith("sink-") ? "/health/ready" : "/health";
        while (!answers200(http, service.uri(path))) {
            failIfOneExited("during start-up");
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
                      status-page.sink-groups { %s }
                    }
                    """.formatted(verifierApplicationId(topics), stack.kafka().bootstrapServers(), topics.prefix(), PARTITIONS,
                    stateDir, HexFormat.of().formatHex(randomBytes(32)), httpPort, sinkGroups(topics));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create the verifier's state dir", e);
        }
    }

    /** The status page reads each sink's lag from its groups: the sinks here are named (and grouped) with the topic prefix. */
    private static String sinkGroups(Topics topics) {
        StringBuilder out = new StringBuilder();
        for (SinkKind kind : SinkKind.values()) {
            out.append(kind.phase().name().toLowerCase(java.util.Locale.ROOT)).append(" = \"")
                    .append(PipelineConfig.sinkName(topics.prefix(), kind)).append("\", ");
        }
        return out.toString();
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

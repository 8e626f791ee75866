package org.erasure.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Stream;
import org.erasure.devstack.clickhouse.ClickHouseServer;
import org.erasure.devstack.elasticsearch.ElasticsearchServer;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.devstack.postgres.PostgresServer;
import org.erasure.devstack.redis.RedisServer;
import org.erasure.devstack.s3.S3Server;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real servers of one JVM. Each server starts on first use, at most once, and all stop
 * together when the stack closes (also from a shutdown hook, so SIGTERM or Ctrl-C leaves nothing
 * behind). Tests share {@link #shared()} and isolate themselves by unique names, never by restarting servers.
 */
public final class DevStack implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DevStack.class);
    private static volatile DevStack shared;
    /** How long closing waits for servers still starting (Elasticsearch takes up to ~15 s on busy cores). */
    private static final Duration STARTING_GRACE = Duration.ofSeconds(90);

    private final Path workDir;
    private final Map<Service, CompletableFuture<ManagedServer>> servers = new ConcurrentHashMap<>();
    private final List<ManagedServer> startOrder = new ArrayList<>();
    private final Deque<AutoCloseable> dependents = new ArrayDeque<>(); // guarded by this
    private final Thread shutdownHook = new Thread(this::close, "dev-stack-shutdown");
    private volatile boolean closed;

    private DevStack(Path workDir) {
        this.workDir = workDir;
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** The stack of this JVM; its work dir is {@code -Derasure.devstack.dir} or a fresh temp dir. */
    public static DevStack shared() {
        DevStack stack = shared;
        if (stack == null) {
            synchronized (DevStack.class) {
                if (shared == null || shared.closed) {
                    shared = new DevStack(createWorkDir());
                }
                stack = shared;
            }
        }
        return stack;
    }

    private static Path createWorkDir() {
        try {
            Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
            StaleStacks.reap(tmp);
            String configured = System.getProperty("erasure.devstack.dir");
            Path dir = configured != null && !configured.isBlank()
                    ? Files.createDirectories(Path.of(configured))
                    : Files.createTempDirectory(tmp, StaleStacks.PREFIX);
            StaleStacks.claim(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the dev-stack work dir", e);
        }
    }

    public KafkaBroker kafka() {
        return start(Service.KAFKA, KafkaBroker.class, KafkaBroker::start);
    }

    public PostgresServer postgres() {
        return start(Service.POSTGRES, PostgresServer.class, PostgresServer::start);
    }

    public RedisServer redis() {
        return start(Service.REDIS, RedisServer.class, dir -> RedisServer.start());
    }

    public S3Server s3() {
        return start(Service.S3, S3Server.class, dir -> S3Server.start());
    }

    public ElasticsearchServer elasticsearch() {
        return start(Service.ELASTICSEARCH, ElasticsearchServer.class, ElasticsearchServer::start);
    }

    public ClickHouseServer clickhouse() {
        return start(Service.CLICKHOUSE, ClickHouseServer.class, ClickHouseServer::start);
    }

    /** Starts the given servers concurrently and returns when all are up. */
    public void startAll(List<Service> services) {
        CompletableFuture<?>[] starting = services.stream()
                .map(s -> CompletableFuture.runAsync(() -> server(s)))
                .toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(starting).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /** The server of a service, started if needed. */
    public ManagedServer server(Service service) {
        return switch (service) {
            case KAFKA -> kafka();
            case POSTGRES -> postgres();
            case REDIS -> redis();
            case S3 -> s3();
            case ELASTICSEARCH -> elasticsearch();
            case CLICKHOUSE -> clickhouse();
        };
    }

    /** The servers started so far, in start order. */
    public synchronized List<ManagedServer> running() {
        return List.copyOf(startOrder);
    }

    public Path workDir() {
        return workDir;
    }

    /**
     * Registers something that uses these servers and must stop before they do, such as the service
     * processes of the main job: stopped after the servers, a sink would retry against a dead broker
     * instead of committing and exiting. Dependents are closed, most recent first, by whichever path
     * closes the stack: {@link #close()}, the end of a JUnit run, or the shutdown hook (SIGTERM, Ctrl-C).
     * A dependent registered on a closed stack is closed at once.
     */
    public void closeBeforeServers(AutoCloseable dependent) {
        synchronized (this) {
            if (!closed) {
                dependents.push(dependent);
                return;
            }
        }
        closeQuietly(dependent);
    }

    private <T extends ManagedServer> T start(Service service, Class<T> type, Function<Path, T> starter) {
        CompletableFuture<ManagedServer> mine = new CompletableFuture<>();
        CompletableFuture<ManagedServer> existing;
        synchronized (this) { // with close(): a start is either refused or awaited and stopped by it
            if (closed) {
                throw new IllegalStateException("The dev-stack is closed");
            }
            existing = servers.putIfAbsent(service, mine);
        }
        if (existing != null) {
            return type.cast(existing.join());
        }
        try {
            Path dir = Files.createDirectories(workDir.resolve(service.dirName()));
            long begin = System.nanoTime();
            log.info("Starting {}", service.dirName());
            T server = starter.apply(dir);
            log.info("{} {} up in {} ms: {}", server.name(), server.version(),
                    (System.nanoTime() - begin) / 1_000_000, server.endpoints());
            synchronized (this) {
                startOrder.add(server);
                StaleStacks.record(workDir, server);
            }
            mine.complete(server);
            return server;
        } catch (IOException | RuntimeException e) {
            servers.remove(service, mine);
            mine.completeExceptionally(e);
            throw e instanceof RuntimeException r ? r : new UncheckedIOException((IOException) e);
        }
    }

    /**
     * Closes the dependents, then stops every server in reverse start order and deletes the work dir.
     * Servers still starting (a SIGTERM during start-up) are awaited and stopped too, so no child
     * process outlives the stack. Idempotent.
     */
    @Override
    public void close() {
        List<CompletableFuture<ManagedServer>> starting;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            starting = List.copyOf(servers.values());
        }
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is already exiting; the hook will find the stack closed
            }
        }
        awaitStarting(starting);
        List<AutoCloseable> toClose;
        List<ManagedServer> toStop;
        synchronized (this) {
            toClose = new ArrayList<>(dependents);
            dependents.clear();
            toStop = new ArrayList<>(startOrder);
        }
        toClose.forEach(DevStack::closeQuietly);
        for (int i = toStop.size() - 1; i >= 0; i--) {
            ManagedServer server = toStop.get(i);
            try {
                server.close();
                log.info("{} stopped", server.name());
            } catch (RuntimeException e) {
                log.warn("{} did not stop cleanly: {}", server.name(), e.toString());
            }
        }
        deleteQuietly(workDir);
    }

    private static void awaitStarting(List<CompletableFuture<ManagedServer>> starting) {
        if (starting.stream().allMatch(CompletableFuture::isDone)) {
            return;
        }
        log.info("Waiting for servers still starting, to stop them too");
        try {
            CompletableFuture.allOf(starting.toArray(CompletableFuture[]::new))
                    .get(STARTING_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException failedToStart) {
            // nothing to stop for a server that did not start
        } catch (TimeoutException e) {
            log.warn("Servers still starting after {}; stopping the others", STARTING_GRACE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable dependent) {
        try {
            dependent.close();
        } catch (Exception e) {
            log.warn("{} did not close cleanly: {}", dependent, e.toString());
        }
    }

    private static void deleteQuietly(Path dir) {
        if (System.getProperty("erasure.devstack.dir") != null) {
            return; // a configured dir belongs to the user
        }
        deleteTree(dir);
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            log.debug("Could not delete {}: {}", dir, e.toString());
        }
    }

    /** The servers the dev-stack can start. */
    public enum Service {
        KAFKA, POSTGRES, REDIS, S3, ELASTICSEARCH, CLICKHOUSE;

        String dirName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}

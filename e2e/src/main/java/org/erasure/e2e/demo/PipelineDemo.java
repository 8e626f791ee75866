package org.erasure.e2e.demo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.erasure.cli.ErasureCtl;
import org.erasure.devstack.DevStack;
import org.erasure.devstack.FreePort;
import org.erasure.devstack.ManagedServer;
import org.erasure.devstack.cli.DevStackCommand;
import org.erasure.devstack.cli.StopHint;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.devstack.seed.SeedNames;
import org.erasure.devstack.seed.WorldSeeder;
import org.erasure.e2e.PipelineConfig;
import org.erasure.e2e.ProjectLayout;
import org.erasure.e2e.ServiceProcess;
import org.erasure.e2e.ServiceProcesses;
import org.erasure.e2e.SinkKind;
import org.erasure.events.Topics;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The main job on the embedded default: every real server, seeded; ingest, the verifier and every
 * sink as its own process (its jar); then the operator's workflow through erasurectl: the inactive
 * contributors exported from PostgreSQL, submitted through ingest, erased by the sinks, joined by the
 * verifier; the summary the old script printed, from the final records, and the audit of their chain.
 *
 * <p>Every exit path stops what the job started, services first, then the servers: the normal end and
 * an exception through {@code finally}, SIGTERM ({@code kill PID}) and Ctrl-C through the dev-stack's
 * shutdown hook (the services are registered with {@link DevStack#closeBeforeServers}), and the death of
 * this JVM through each service's {@code ExitWithParent} agent and the dev-stack's stale-stack reaper.
 */
@Command(name = "pipeline-demo", mixinStandardHelpOptions = true,
        description = "Runs the erasure pipeline end to end on the embedded dev-stack and prints the per-store summary.")
public final class PipelineDemo implements Callable<Integer> {

    @Option(names = "--contributors", defaultValue = "1000", description = "Contributors in the seeded world (default: ${DEFAULT-VALUE}).")
    int contributors;

    @Option(names = "--days-inactive", defaultValue = "365", description = "Erase INACTIVE contributors idle for more than this (default: ${DEFAULT-VALUE}).")
    int daysInactive;

    @Option(names = "--max-contributors", defaultValue = "100", description = "At most this many, least recently active first (default: ${DEFAULT-VALUE}).")
    int maxContributors;

    @Option(names = "--dry-run", description = "Report what would be erased; change nothing.")
    boolean dryRun;

    @Option(names = "--stay-up", description = "Keep the stack and the services running after the report, until SIGTERM (kill PID) or Ctrl-C.")
    boolean stayUp;

    @Option(names = "--timeout", defaultValue = "PT5M", description = "Give up waiting for final records after (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    public static void main(String[] args) {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", DevStackCommand.LOGBACK_CONFIG);
        }
        System.exit(new CommandLine(new PipelineDemo()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        long begin = System.nanoTime();
        DevStack stack = DevStack.shared();
        ServiceProcesses services = new ServiceProcesses();
        stack.closeBeforeServers(services);
        try {
            stack.startAll(List.of(DevStack.Service.values()));
            SampleWorld world = SampleWorld.ofSize(contributors);
            WorldSeeder.seed(stack, world, SeedNames.defaults(), List.of(DevStack.Service.values()));
            say("dev-stack up and %d contributors seeded in %d s", contributors, (System.nanoTime() - begin) / 1_000_000_000);

            Topics topics = Topics.DEFAULT;
            Path dir = stack.workDir().resolve("services");
            // The verifier's partition count (3 here) must match phase-completions and completions.
            stack.kafka().createTopics(3, List.of(topics.requests(), topics.requestsBulk(), topics.phaseCompletions(), topics.completions()));
            stack.kafka().createTopics(1, List.of(topics.requestsDlq(), topics.requestsBulkDlq()));
            int verifierPort = FreePort.find();
            startVerifier(services, stack, dir, verifierPort);
            int ingestPort = FreePort.find();
            String token = HexFormat.of().formatHex(randomBytes(24));
            startIngest(services, stack, dir, ingestPort, verifierPort, token);
            for (SinkKind kind : SinkKind.values()) {
                services.start("sink-" + kind.id(), kind.jar(),
                        PipelineConfig.sinkHocon(stack.kafka(), "", kind, "demo", 500) + kind.storeHocon(stack, SeedNames.defaults()),
                        dir, List.of());
            }
            say("services started: verifier, ingest, %s (logs in %s)", String.join(", ", SinkKind.ids()), dir);

            // The operator's workflow, through the real CLI: export the inactive contributors, submit, wait, audit.
            Path cliConfig = writeCliConfig(stack, dir, ingestPort, token);
            awaitHealthy("ingest", ingestPort, services.all());
            Path csv = dir.resolve("inactive.csv");
            int exit = erasurectl(cliConfig, "fetch-inactive", "--days-inactive", Integer.toString(daysInactive),
                    "--max-contributors", Integer.toString(maxContributors), "--out", csv.toString());
            if (exit == 0) {
                List<String> submit = new ArrayList<>(List.of("submit", "--csv", csv.toString(), "--wait",
                        "--timeout", timeout.toString()));
                if (dryRun) {
                    submit.add("--dry-run");
                }
                exit = erasurectl(cliConfig, submit.toArray(String[]::new));
                // One request's status, asked the way the upstream service asks it: ingest -> verifier.
                java.util.regex.Matcher id = java.util.regex.Pattern
                        .compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").matcher(lastOutput);
                if (id.find()) {
                    int status = erasurectl(cliConfig, "status", id.group());
                    exit = exit != 0 ? exit : status;
                }
            }
            int audit = erasurectl(cliConfig, "audit", "verify");
            say("done in %d s", (System.nanoTime() - begin) / 1_000_000_000);
            if (stayUp) {
                printEndpoints(stack, ingestPort, verifierPort, cliConfig);
                new CountDownLatch(1).await(); // SIGTERM/SIGINT: the dev-stack's shutdown hook stops services, then servers
            }
            return exit != 0 ? exit : audit;
        } finally {
            stack.close(); // the services first (registered above), then every server
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    /** The upstream service's door: requests are validated, resolved and published in one transaction. */
    private static ServiceProcess startIngest(ServiceProcesses services, DevStack stack, Path dir, int port, int verifierPort, String token) throws Exception {
        String sha256 = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(token.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        String hocon = """
                ingest {
                  http { host = "127.0.0.1", port = %d }
                  kafka.bootstrap-servers = "%s"
                  auth.tokens = [{ name = demo-operator, sha256 = "%s", roles = [submit, read] }]
                  postgres { url = "%s", user = postgres, password = postgres }
                  verifier.base-url = "http://127.0.0.1:%d"
                }
                """.formatted(port, stack.kafka().bootstrapServers(), sha256, stack.postgres().jdbcUrl(), verifierPort);
        return services.start("ingest", ProjectLayout.jar("ingest", "ingest.jar"), hocon, dir, List.of());
    }

    private ServiceProcess startVerifier(ServiceProcesses services, DevStack stack, Path dir, int httpPort) throws Exception {
        byte[] key = randomBytes(32);
        Path stateDir = Files.createDirectories(dir.resolve("verifier-state"));
        String hocon = """
                verifier {
                  bootstrap-servers = "%s"
                  partitions = 3
                  state-dir = "%s"
                  digest-key = "hex:%s"
                  timeouts.punctuation-interval = 2s
                  http { port = %d, advertised-host = "127.0.0.1" }
                }
                """.formatted(stack.kafka().bootstrapServers(), stateDir, HexFormat.of().formatHex(key), httpPort);
        return services.start("verifier", ProjectLayout.jar("verifier", "verifier.jar"), hocon, dir, List.of());
    }

    private static Path writeCliConfig(DevStack stack, Path dir, int ingestPort, String token) throws java.io.IOException {
        Path file = dir.resolve("erasurectl.conf");
        Files.writeString(file, """
                erasurectl {
                  ingest { url = "http://127.0.0.1:%d", token = "%s" }
                  kafka.bootstrap-servers = "%s"
                  postgres { url = "%s", user = postgres, password = postgres }
                }
                """.formatted(ingestPort, token, stack.kafka().bootstrapServers(), stack.postgres().jdbcUrl()));
        return file;
    }

    /** Waits (bounded) until a service's /health answers 200. */
    private static void awaitHealthy(String name, int port, List<ServiceProcess> services) throws InterruptedException {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                var response = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/health")).build(),
                        java.net.http.HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            if (services.stream().anyMatch(s -> !s.isAlive())) {
                services.stream().filter(s -> !s.isAlive()).forEach(s -> say("%s exited:%n%s", s.name(), s.output()));
                throw new IllegalStateException("a service exited during start-up");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(250).toNanos());
        }
        throw new IllegalStateException(name + " did not become healthy within 2 minutes");
    }

    /** What the last erasurectl command printed (also shown on the console). */
    private static String lastOutput = "";

    private static int erasurectl(Path config, String... args) {
        List<String> all = new ArrayList<>(List.of("--config", config.toString()));
        all.addAll(List.of(args));
        say("$ erasurectl %s", String.join(" ", args));
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        java.io.PrintStream tee = new java.io.PrintStream(new org.apache.commons.io.output.TeeOutputStream(System.out, captured), true);
        int exit = ErasureCtl.run(all.toArray(String[]::new), System.getenv(), tee, System.err, java.time.Clock.systemUTC());
        tee.flush();
        lastOutput = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        return exit;
    }

    private static void printEndpoints(DevStack stack, int ingestPort, int verifierPort, Path cliConfig) {
        for (ManagedServer server : stack.running()) {
            System.out.printf("  %-14s %s %s%n", server.name(), server.version(), server.endpoints());
        }
        System.out.printf("  %-14s http://127.0.0.1:%d (token in %s)%n", "ingest", ingestPort, cliConfig);
        System.out.printf("  %-14s http://127.0.0.1:%d%n", "verifier", verifierPort);
        System.out.println(StopHint.line());
        System.out.flush();
    }

    private static void say(String format, Object... args) {
        System.out.printf(format + "%n", args);
        System.out.flush();
    }
}

package org.erasure.e2e.demo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.erasure.cli.ErasureCtl;
import org.erasure.devstack.DevStack;
import org.erasure.devstack.ManagedServer;
import org.erasure.devstack.cli.DevStackCommand;
import org.erasure.devstack.cli.StopHint;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.devstack.seed.SeedNames;
import org.erasure.devstack.seed.WorldSeeder;
import org.erasure.e2e.PipelineServices;
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

    @Option(names = "--seal", description = "Per-request keys (docs/privacy.md): ingest seals every request's identifiers, sinks and "
            + "the verifier open them, and each key is shredded " + "35 days after its final COMPLETED record. The key-encryption "
            + "key is generated for this run.")
    boolean seal;

    /** verifier.keys.shred-after of this job: the default, set explicitly so the printed date is the configured one. */
    static final Duration SHRED_AFTER = Duration.ofDays(35);
    /** The sinks' undo window (sink-runtime default, {@code sink.restoration.window}): how long a --seal run can be undone. */
    static final Duration UNDO_WINDOW = Duration.ofDays(7);

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
        try {
            stack.startAll(List.of(DevStack.Service.values()));
            SampleWorld world = SampleWorld.ofSize(contributors);
            WorldSeeder.seed(stack, world, SeedNames.defaults(), List.of(DevStack.Service.values()));
            say("dev-stack up and %d contributors seeded in %d s", contributors, (System.nanoTime() - begin) / 1_000_000_000);

            Path dir = stack.workDir().resolve("services");
            PipelineServices services = PipelineServices.start(stack, Topics.DEFAULT, SeedNames.defaults(), dir,
                    seal ? sealing(PipelineServices.Options.defaults()) : PipelineServices.Options.defaults());
            say("services started: verifier, ingest, %s (logs in %s)", String.join(", ", SinkKind.ids()), dir);

            // The operator's workflow, through the real CLI: export the inactive contributors, submit, wait, audit.
            Path cliConfig = writeCliConfig(stack, dir, services.ingestUrl(), services.ingestToken());
            services.awaitReady(Duration.ofMinutes(2));
            // Every address before the work starts (the work can take minutes), also as JSON for scripts.
            EndpointTable endpoints = endpoints(stack, services, cliConfig, dir);
            Path endpointsJson = endpoints.write(dir.resolve(EndpointTable.FILE_NAME));
            say("%s", endpoints.text(endpointsJson).stripTrailing());
            Path csv = dir.resolve("inactive.csv");
            int exit = erasurectl(cliConfig, "fetch-inactive", "--days-inactive", Integer.toString(daysInactive),
                    "--max-contributors", Integer.toString(maxContributors), "--out", csv.toString());
            if (exit == 0) {
                List<String> submit = new ArrayList<>(List.of("submit", "--csv", csv.toString(), "--wait",
                        "--timeout", timeout.toString(), "--receipt", dir.resolve("requests.csv").toString()));
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
            say("%s", keysLine(seal, dryRun, Instant.now()));
            say("done in %d s", (System.nanoTime() - begin) / 1_000_000_000);
            if (stayUp) {
                say("%s", endpoints.text(endpointsJson).stripTrailing());
                say("Status page: %s (live: requests in flight, sink lag, dead letters, final records)", statusPage(services));
                say("%s", StopHint.line());
                new CountDownLatch(1).await(); // SIGTERM/SIGINT: the dev-stack's shutdown hook stops services, then servers
            }
            return exit != 0 ? exit : audit;
        } finally {
            stack.close(); // the services first (PipelineServices registers with the stack), then every server
        }
    }

    /**
     * Ingest seals, every sink and the verifier open, with one key-encryption key made for this run. It lives
     * only in the services' config files under the job's temporary directory, removed when the job ends (a
     * deployment gives it through the environment: docs/privacy.md).
     */
    static PipelineServices.Options sealing(PipelineServices.Options options) {
        byte[] kek = new byte[32];
        new java.security.SecureRandom().nextBytes(kek);
        String k = java.util.Base64.getEncoder().encodeToString(kek);
        return options.hocon("ingest", "\ningest.keys { encrypt = true, kek = \"" + k + "\" }\n")
                .hocon("verifier", "\nverifier.keys { kek = \"" + k + "\", shred-after = " + SHRED_AFTER.toDays() + "d }\n")
                .sinksHocon("\nsink.keys.kek = \"" + k + "\"\n");
    }

    /** The job's last word on its own copy of the identifiers: when the keys go, or that there are none. */
    static String keysLine(boolean seal, boolean dryRun, Instant now) {
        if (!seal) {
            return "Keys: off. The requests' identifiers stay in plain text on erasure.requests for its retention"
                    + " (--seal: per-request keys, shredded after the erasure; docs/privacy.md).";
        }
        String when = java.time.LocalDate.ofInstant(now.plus(SHRED_AFTER), java.time.ZoneOffset.UTC).toString();
        return "Keys: every request's identifiers were sealed with a key of its own (topic erasure.request-keys). "
                + (dryRun ? "Dry-run requests keep their key (only COMPLETED erasures are shredded)."
                        : "Each COMPLETED request's key is shredded " + SHRED_AFTER.toDays() + " days after its final record: on "
                        + when + " (UTC) for this run; from then on no copy of these requests can be read. FAILED or TIMED_OUT"
                        + " requests keep their key, so they can be re-run. Undo: until "
                        + java.time.LocalDate.ofInstant(now.plus(UNDO_WINDOW), java.time.ZoneOffset.UTC) + " (UTC) any erasure of this run"
                        + " can be undone with `erasurectl restore REQUEST_ID` (the sinks kept what they changed, sealed under keys of"
                        + " their own that are shredded " + UNDO_WINDOW.toDays() + " days after the erasure; docs/privacy.md, \"Undo window\").");
    }

    private static Path writeCliConfig(DevStack stack, Path dir, String ingestUrl, String token) throws java.io.IOException {
        Path file = dir.resolve("erasurectl.conf");
        Files.writeString(file, """
                erasurectl {
                  ingest { url = "%s", token = "%s" }
                  kafka.bootstrap-servers = "%s"
                  postgres { url = "%s", user = postgres, password = postgres }
                }
                """.formatted(ingestUrl, token, stack.kafka().bootstrapServers(), stack.postgres().jdbcUrl()));
        return file;
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

    /** Ingest (with the run's token), the verifier and its status page, every sink, Kafka, every store, the logs. */
    static EndpointTable endpoints(DevStack stack, PipelineServices services, Path cliConfig, Path logs) {
        EndpointTable table = new EndpointTable()
                .ingest(services.ingestUrl(), services.ingestToken(), cliConfig)
                .verifier(url(services.service("verifier")));
        for (PipelineServices.Service service : services.services()) {
            if (service.name().startsWith("sink-")) {
                table.sink(service.name(), url(service));
            }
        }
        for (ManagedServer server : stack.running()) {
            table.server(server.name(), server.version(), server.endpoints());
        }
        return table.logs(logs);
    }

    private static String statusPage(PipelineServices services) {
        return url(services.service("verifier")) + "/status";
    }

    private static String url(PipelineServices.Service service) {
        String uri = service.uri("").toString();
        return uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
    }

    private static void say(String format, Object... args) {
        System.out.printf(format + "%n", args);
        System.out.flush();
    }
}

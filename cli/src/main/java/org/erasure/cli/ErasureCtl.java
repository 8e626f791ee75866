package org.erasure.cli;

import com.typesafe.config.ConfigException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.erasure.cli.audit.AuditCommand;
import org.erasure.cli.common.CliException;
import org.erasure.cli.common.CliSettings;
import org.erasure.cli.common.ExitCode;
import org.erasure.cli.inactive.FetchInactiveCommand;
import org.erasure.cli.keys.KeysCommand;
import org.erasure.cli.replay.ReplayCommand;
import org.erasure.cli.replay.RestoreCommand;
import org.erasure.cli.status.StatusCommand;
import org.erasure.cli.submit.SubmitCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code erasurectl}: operator and auditor tool of the erasure pipeline. */
@Command(name = "erasurectl", mixinStandardHelpOptions = true, version = "erasurectl 0.1.0",
        description = "Submit, follow, replay and audit right-to-erasure requests.",
        subcommands = {SubmitCommand.class, StatusCommand.class, FetchInactiveCommand.class, ReplayCommand.class, RestoreCommand.class,
                AuditCommand.class, KeysCommand.class, CommandLine.HelpCommand.class},
        footerHeading = "%nConfiguration:%n",
        footer = {"--config FILE (HOCON) over built-in defaults; every key can be overridden by an environment variable",
                "named after it, e.g. ERASURECTL_INGEST_URL, ERASURECTL_INGEST_TOKEN, ERASURECTL_KAFKA_BOOTSTRAP_SERVERS,",
                "ERASURECTL_POSTGRES_URL, ERASURECTL_POSTGRES_PASSWORD. ERASURECTL_CONFIG names the file when --config is absent."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:ok", "1:usage error", "2:invalid input (nothing published)", "3:service unreachable/unavailable",
                "4:erasures failed or timed out / --wait timed out", "5:not found", "6:refused by a safety check",
                "7:integrity chain broken", "8:token rejected (401/403)", "10:internal error"})
public final class ErasureCtl implements Runnable {

    @Option(names = "--config", paramLabel = "FILE", scope = CommandLine.ScopeType.INHERIT,
            description = "Configuration file (HOCON/JSON/properties).")
    Path configFile;

    private final Map<String, String> env;
    private final PrintStream out;
    private final PrintStream err;
    private final Clock clock;
    private CliSettings settings;

    public ErasureCtl(Map<String, String> env, PrintStream out, PrintStream err, Clock clock) {
        this.env = env;
        this.out = out;
        this.err = err;
        this.clock = clock;
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        System.exit(run(args, System.getenv(), out, err, Clock.systemUTC()));
    }

    /** Runs a command line; returns the exit code. */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err, Clock clock) {
        ErasureCtl root = new ErasureCtl(env, out, err, clock);
        CommandLine cl = new CommandLine(root);
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        cl.setParameterExceptionHandler((ex, argv) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println(ex.getMessage());
            c.getErr().println("Run '" + c.getCommandSpec().qualifiedName() + " --help' for usage.");
            return ExitCode.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            if (ex instanceof CliException e) {
                c.getErr().println(e.getMessage());
                return e.exitCode();
            }
            if (ex instanceof ConfigException e) {
                c.getErr().println("Configuration error: " + e.getMessage());
                return ExitCode.USAGE;
            }
            c.getErr().println("Internal error: " + ex.getClass().getName() + (ex.getMessage() == null ? "" : ": " + ex.getMessage()));
            return ExitCode.INTERNAL;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "Missing command (submit, status, fetch-inactive, replay, restore, audit, keys)");
    }

    public CliSettings settings() {
        if (settings == null) {
            Path file = configFile;
            if (file == null && env.get("ERASURECTL_CONFIG") != null) {
                file = Path.of(env.get("ERASURECTL_CONFIG"));
            }
            settings = CliSettings.load(file, env);
        }
        return settings;
    }

    public PrintStream out() {
        return out;
    }

    public PrintStream err() {
        return err;
    }

    public Clock clock() {
        return clock;
    }

    public Map<String, String> env() {
        return env;
    }
}

package org.erasure.devstack.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.erasure.devstack.DevStack;
import org.erasure.devstack.DevStack.Service;
import org.erasure.devstack.ManagedServer;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.devstack.seed.SeedNames;
import org.erasure.devstack.seed.SeedResult;
import org.erasure.devstack.seed.WorldSeeder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dev-stack up}: every real server, seeded, until SIGTERM or Ctrl-C. */
@Command(name = "dev-stack", mixinStandardHelpOptions = true, subcommands = DevStackCommand.Up.class,
        description = "Real embedded servers for the erasure pipeline: Kafka, PostgreSQL, Redis, S3, Elasticsearch, ClickHouse.")
public final class DevStackCommand {

    /** The dev-stack is a library, so its logging config is not a {@code logback.xml} that would shadow a service's. */
    public static final String LOGBACK_CONFIG = "devstack-logback.xml";

    public static void main(String[] args) {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", LOGBACK_CONFIG);
        }
        System.exit(new CommandLine(new DevStackCommand()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    @Command(name = "up", mixinStandardHelpOptions = true,
            description = "Start the servers, seed the sample world, print endpoints and credentials, stay up until "
                    + "SIGTERM (kill PID) or Ctrl-C; every server stops with it.")
    static final class Up implements Callable<Integer> {

        @Option(names = "--contributors", defaultValue = "1000", description = "Contributors in the sample world (default: ${DEFAULT-VALUE}).")
        int contributors;

        @Option(names = "--servers", split = ",", description = "Servers to start (default: all): ${COMPLETION-CANDIDATES}.")
        EnumSet<Service> servers = EnumSet.allOf(Service.class);

        @Option(names = "--no-seed", description = "Start the servers empty.")
        boolean noSeed;

        @Override
        public Integer call() throws InterruptedException {
            PrintStream out = System.out;
            long begin = System.nanoTime();
            DevStack stack = DevStack.shared();
            List<Service> services = new ArrayList<>(servers);
            stack.startAll(services);
            List<SeedResult> seeded = noSeed ? List.of()
                    : WorldSeeder.seed(stack, SampleWorld.ofSize(contributors), SeedNames.defaults(), services);
            out.println();
            out.println("dev-stack up in " + (System.nanoTime() - begin) / 1_000_000 + " ms");
            for (ManagedServer server : stack.running()) {
                out.printf("  %-14s %s%n", server.name(), server.version());
                for (Map.Entry<String, String> e : server.endpoints().entrySet()) {
                    out.printf("      %-12s %s%n", e.getKey(), e.getValue());
                }
            }
            if (!seeded.isEmpty()) {
                out.println("seeded " + contributors + " contributors:");
                seeded.forEach(r -> out.println("  " + r));
            }
            out.println(StopHint.line());
            out.flush();
            new CountDownLatch(1).await(); // SIGTERM/SIGINT run the stack's shutdown hook, which stops every server
            return 0;
        }
    }
}

package org.erasure.devstack.external;

import org.erasure.devstack.cli.DevStackCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code stack-tool init|seed}: prepares servers this JVM did not start (the docker compose stack's
 * {@code init} and {@code seed} services) with the dev-stack's own schemas and sample world.
 */
@Command(name = "stack-tool", mixinStandardHelpOptions = true, subcommands = {InitCommand.class, SeedCommand.class},
        description = "Prepare external servers for the erasure pipeline: topics, bucket, schemas (init), sample world (seed).")
public final class StackTool {

    public static void main(String[] args) {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", DevStackCommand.LOGBACK_CONFIG);
        }
        System.exit(new CommandLine(new StackTool()).execute(args));
    }
}

package org.erasure.cli.audit;

import org.erasure.cli.ErasureCtl;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "Audit erasure.completions: verify its hash chain, export records.",
        subcommands = {AuditVerifyCommand.class, AuditExportCommand.class})
public final class AuditCommand implements Runnable {

    @ParentCommand
    ErasureCtl root;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "Missing subcommand: verify or export");
    }
}

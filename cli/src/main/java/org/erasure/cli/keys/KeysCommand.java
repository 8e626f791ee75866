package org.erasure.cli.keys;

import org.erasure.cli.ErasureCtl;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "keys", mixinStandardHelpOptions = true,
        description = "Per-request keys (erasure-keys): rotate the key-encryption key.",
        subcommands = {KeysRewrapCommand.class})
public final class KeysCommand implements Runnable {

    @ParentCommand
    ErasureCtl root;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "Missing subcommand: rewrap");
    }
}
